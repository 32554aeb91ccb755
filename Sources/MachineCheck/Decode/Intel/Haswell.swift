/// Haswell-EP/EX (Xeon E5/E7 v3) uncore banks: PCU 4, QPI 5/20/21, iMC 9-16
/// (SDM vol. 3B tables 16-20 to 16-22; mcelog.md §17).
enum Haswell {
    /// MSCOD[31:24] of the PCU bank (SDM table 16-20).
    static let pcuCodes: [UInt32: String] = [
        0x00: "No Error",
        0x09: "MC_MESSAGE_CHANNEL_TIMEOUT",
        0x0D: "MC_IMC_FORCE_SR_S3_TIMEOUT",
        0x0E: "MC_CPD_UNCPD_SD_TIMEOUT",
        0x13: "MC_DMI_TRAINING_TIMEOUT",
        0x15: "MC_DMI_CPU_RESET_ACK_TIMEOUT",
        0x1E: "MC_VR_ICC_MAX_LT_FUSED_ICC_MAX",
        0x25: "MC_SVID_COMMAN_TIMEOUT",
        0x29: "MC_VR_VOUT_MAC_LT_FUSED_SVID",
        0x2B: "MC_PKGC_WATCHDOG_HANG_CBZ_DOWN",
        0x2C: "MC_PKGC_WATCHDOG_HANG_CBZ_UP",
        0x39: "MC_PKGC_WATCHDOG_HANG_C3_UP_SF",
        0x44: "MC_CRITICAL_VR_FAILED",
        0x45: "MC_ICC_MAX_NOTSUPPORTED",
        0x46: "MC_VID_RAMP_DOWN_FAILED",
        0x47: "MC_EXCL_MODE_NO_PMREQ_CMP",
        0x48: "MC_SVID_READ_REG_ICC_MAX_FAILED",
        0x49: "MC_SVID_WRITE_REG_VOUT_MAX_FAILED",
        0x4B: "MC_BOOT_VID_TIMEOUT_DRAM_0",
        0x4C: "MC_BOOT_VID_TIMEOUT_DRAM_1",
        0x4D: "MC_BOOT_VID_TIMEOUT_DRAM_2",
        0x4E: "MC_BOOT_VID_TIMEOUT_DRAM_3",
        0x4F: "MC_SVID_COMMAND_ERROR",
        0x52: "MC_FIVR_CATAS_OVERVOL_FAULT",
        0x53: "MC_FIVR_CATAS_OVERCUR_FAULT",
        0x57: "MC_SVID_PKGC_REQUEST_FAILED",
        0x58: "MC_SVID_IMON_REQUEST_FAILED",
        0x59: "MC_SVID_ALERT_REQUEST_FAILED",
        0x60: "MC_INVALID_PKGS_REQ_PCH",
        0x61: "MC_INVALID_PKGS_REQ_QPI",
        0x62: "MC_INVALID_PKGS_RSP_QPI",
        0x63: "MC_INVALID_PKGS_RSP_PCH",
        0x64: "MC_INVALID_PKG_STATE_CONFIG",
        0x67: "MC_HA_IMC_RW_BLOCK_ACK_TIMEOUT",
        0x68: "MC_IMC_RW_SMBUS_TIMEOUT",
        0x69: "MC_HA_FAILSTS_CHANGE_DETECTED",
        0x6A: "MC_MSGCH_PMREQ_CMP_TIMEOUT",
        0x70: "MC_WATCHDOG_TIMEOUT_PKGC_SECONDARY",
        0x71: "MC_WATCHDOG_TIMEOUT_PKGC_MAIN",
        0x72: "MC_WATCHDOG_TIMEOUT_PKGS_MAIN",
        0x7C: "MC_BIOS_RST_CPL_INVALID_SEQ",
        0x7D: "MC_MORE_THAN_ONE_TXT_AGENT",
        0x81: "MC_RECOVERABLE_DIE_THERMAL_TOO_HOT",
    ]
    static let pcu = [BitField(24, XeonUncore.names(pcuCodes))]

    /// MSCOD[21:16] of the QPI banks (SDM table 16-21); no name for 0, so an all-zero
    /// MSCOD prints nothing after the prefix.
    static let qpiCodes: [UInt32: String] = [
        0x02: "Intel QPI physical layer detected drift buffer alarm",
        0x03: "Intel QPI physical layer detected latency buffer rollover",
        0x10: "Intel QPI link layer detected control error from R3QPI",
        0x11: "Rx entered LLR abort state on CRC error",
        0x12: "Unsupported or undefined packet",
        0x13: "Intel QPI link layer control error",
        0x15: "RBT used un-initialized value",
        0x20: "Intel QPI physical layer detected a QPI in-band reset but aborted initialization",
        0x21: "Link failover data self healing",
        0x22: "Phy detected in-band reset (no width change)",
        0x23: "Link failover clock failover",
        0x30: "Rx detected CRC error - successful LLR after Phy re-init",
        0x31: "Rx detected CRC error - successful LLR without Phy re-init",
    ]
    static let qpi = [BitField(16, XeonUncore.names(qpiCodes))]

    /// MSCOD bits of the iMC banks (SDM table 16-22).
    static let memoryController: [BitField] = [
        .flag(16, "DDR3 address parity error"),
        .flag(17, "Uncorrected HA write data error"),
        .flag(18, "Uncorrected HA data byte enable error"),
        .flag(19, "Corrected patrol scrub error"),
        .flag(20, "Uncorrected patrol scrub error"),
        .flag(21, "Corrected spare error"),
        .flag(22, "Uncorrected spare error"),
        .flag(23, "Corrected memory read error"),
        .flag(24, "iMC write data buffer parity error"),
        .flag(25, "DDR4 command address parity error"),
    ]

    static func decode(_ ctx: inout DecodeContext) {
        decodeBanks(&ctx, pcu: pcu, qpi: qpi, memoryController: memoryController)
    }

    /// The bank layout Haswell-EP and Broadwell-EP share; only the tables differ.
    static func decodeBanks(_ ctx: inout DecodeContext, pcu: [BitField], qpi: [BitField],
                            memoryController: [BitField]) {
        switch ctx.bank {
        case 4:
            ctx.out.write("PCU: ")
            XeonUncore.writePCUClass(&ctx)
            if bits(ctx.status, 16, 19) != 0 { ctx.out.write("PCU internal error ") }
            ctx.out.bitfields(ctx.status, pcu)
        case 5, 20, 21:
            ctx.facts.kind = .interconnect
            ctx.out.write("QPI: ")
            ctx.out.bitfields(ctx.status, qpi)
        case 9...16:
            ctx.out.write("MemCtrl: ")
            ctx.out.bitfields(ctx.status, memoryController)
        default:
            break
        }
        memoryChannel(&ctx)
    }

    /// Channel of a memory error from the bank (mcelog.md §11.2): home agents 7/8 report the
    /// channel within their controller, iMC banks are one per channel; the second
    /// controller's channels are numbered 4-7. There is not enough to name the DIMM.
    static func memoryChannel(_ ctx: inout DecodeContext) {
        guard let code = XeonUncore.memoryChannelCode(ctx) else { return }
        switch ctx.bank {
        case 7: ctx.facts.channel = code
        case 8: ctx.facts.channel = code + 4
        case 9...12: ctx.facts.channel = ctx.bank - 9
        case 13...16: ctx.facts.channel = ctx.bank - 13 + 4
        default: break
        }
    }
}

/// Pieces the Xeon uncore decoders (Sandy Bridge-EP to Skylake-SP) have in common.
enum XeonUncore {
    /// A sparse code-to-name table as the dense array a `BitField` indexes: the field is as
    /// wide as the highest code needs, and codes without a name print as `<start:hex>`.
    static func names(_ codes: [UInt32: String]) -> [String?] {
        var table = [String?](repeating: nil, count: Int(codes.keys.max() ?? 0) + 1)
        for (code, name) in codes { table[Int(code)] = name }
        return table
    }

    /// The PCU bank's class of internal error, from MCACOD with the F bit ignored (SDM
    /// "Internal errors" rows: 0x402/0x403 PCU, 0x406 TXT, 0x407 other UBOX).
    static func writePCUClass(_ ctx: inout DecodeContext) {
        switch ctx.mcacod & ~0x1000 {
        case 0x402, 0x403: ctx.out.write("Internal errors ")
        case 0x406: ctx.out.write("Intel TXT errors ")
        case 0x407: ctx.out.write("Other UBOX Internal errors ")
        default: break
        }
    }

    /// The MCACOD channel field of a memory-controller error (F bit ignored), or nil when
    /// the code is no memory error or names no channel.
    static func memoryChannelCode(_ ctx: DecodeContext) -> Int? {
        let code = ctx.mcacod & 0xefff
        guard code >> 7 == 1, code & 0xf != 0xf else { return nil }
        return Int(code & 0xf)
    }

    /// Mirror-corrected memory errors in the home agent / M2M banks 7 and 8: which of the
    /// two MISC bits is set tells how the mirror corrected it.
    static func mirrorCorrection(_ ctx: DecodeContext, failoverBit: Int, scrubbedBit: Int) -> String? {
        guard ctx.bank == 7 || ctx.bank == 8, ctx.miscValid else { return nil }
        if bit(ctx.misc, failoverBit) { return MirrorCorrection.channelFailover }
        if bit(ctx.misc, scrubbedBit) { return MirrorCorrection.primaryScrubbed }
        return nil
    }
}
