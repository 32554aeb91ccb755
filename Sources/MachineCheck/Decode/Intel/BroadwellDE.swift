/// Broadwell-DE (Xeon D-1500) uncore banks: PCU 4, iMC 9/10 (SDM vol. 3B tables 16-24 and
/// 16-18; mcelog.md §17). Memory errors keep the MCACOD channel.
enum BroadwellDE {
    /// MSCOD[31:24] of the PCU bank (SDM table 16-24).
    static let pcuCodes: [UInt32: String] = [
        0x00: "No Error",
        0x09: "MC_MESSAGE_CHANNEL_TIMEOUT",
        0x13: "MC_DMI_TRAINING_TIMEOUT",
        0x15: "MC_DMI_CPU_RESET_ACK_TIMEOUT",
        0x1E: "MC_VR_ICC_MAX_LT_FUSED_ICC_MAX",
        0x25: "MC_SVID_COMMAN_TIMEOUT",
        0x26: "MCA_PKGC_DIRECT_WAKE_RING_TIMEOUT",
        0x29: "MC_VR_VOUT_MAC_LT_FUSED_SVID",
        0x2B: "MC_PKGC_WATCHDOG_HANG_CBZ_DOWN",
        0x2C: "MC_PKGC_WATCHDOG_HANG_CBZ_UP",
        0x44: "MC_CRITICAL_VR_FAILED",
        0x46: "MC_VID_RAMP_DOWN_FAILED",
        0x49: "MC_SVID_WRITE_REG_VOUT_MAX_FAILED",
        0x4B: "MC_BOOT_VID_TIMEOUT_DRAM_0",
        0x4F: "MC_SVID_COMMAND_ERROR",
        0x52: "MC_FIVR_CATAS_OVERVOL_FAULT",
        0x53: "MC_FIVR_CATAS_OVERCUR_FAULT",
        0x57: "MC_SVID_PKGC_REQUEST_FAILED",
        0x58: "MC_SVID_IMON_REQUEST_FAILED",
        0x59: "MC_SVID_ALERT_REQUEST_FAILED",
        0x62: "MC_INVALID_PKGS_RSP_QPI",
        0x64: "MC_INVALID_PKG_STATE_CONFIG",
        0x67: "MC_HA_IMC_RW_BLOCK_ACK_TIMEOUT",
        0x6A: "MC_MSGCH_PMREQ_CMP_TIMEOUT",
        0x72: "MC_WATCHDOG_TIMEOUT_PKGS_MAIN",
        0x81: "MC_RECOVERABLE_DIE_THERMAL_TOO_HOT",
    ]
    static let pcu = [BitField(24, XeonUncore.names(pcuCodes))]

    /// MSCOD bits of the iMC banks: the same names as Ivy Bridge-EP.
    static let memoryController = IvyBridge.memoryController

    static func decode(_ ctx: inout DecodeContext) {
        switch ctx.bank {
        case 4:
            ctx.out.write("PCU: ")
            XeonUncore.writePCUClass(&ctx)
            // Only the low two bits of MSCOD[19:16] flag a PCU error here; bit 2 of
            // MSCOD[23:20] flags the UBOX.
            if bits(ctx.status, 16, 19) & 3 != 0 { ctx.out.write("PCU internal error ") }
            if bits(ctx.status, 20, 23) & 4 != 0 { ctx.out.write("Ubox error ") }
            ctx.out.bitfields(ctx.status, pcu)
        case 9, 10:
            ctx.out.write("MemCtrl: ")
            ctx.out.bitfields(ctx.status, memoryController)
        default:
            break
        }
    }
}
