/// Skylake-SP / Cascade Lake (Xeon Scalable) uncore banks: PCU 4, UPI 5/12/19, M2M 7/8,
/// iMC 13-18 (SDM vol. 3B tables 16-27 to 16-30; mcelog.md §17).
enum SkylakeXeon {
    /// MSCOD[31:24] of the PCU bank (SDM table 16-27).
    static let pcuCodes: [UInt32: String] = [
        0x00: "No Error",
        0x0d: "MCA_DMI_TRAINING_TIMEOUT",
        0x0f: "MCA_DMI_CPU_RESET_ACK_TIMEOUT",
        0x10: "MCA_MORE_THAN_ONE_LT_AGENT",
        0x1e: "MCA_BIOS_RST_CPL_INVALID_SEQ",
        0x1f: "MCA_BIOS_INVALID_PKG_STATE_CONFIG",
        0x25: "MCA_MESSAGE_CHANNEL_TIMEOUT",
        0x27: "MCA_MSGCH_PMREQ_CMP_TIMEOUT",
        0x30: "MCA_PKGC_DIRECT_WAKE_RING_TIMEOUT",
        0x31: "MCA_PKGC_INVALID_RSP_PCH",
        0x33: "MCA_PKGC_WATCHDOG_HANG_CBZ_DOWN",
        0x34: "MCA_PKGC_WATCHDOG_HANG_CBZ_UP",
        0x38: "MCA_PKGC_WATCHDOG_HANG_C3_UP_SF",
        0x40: "MCA_SVID_VCCIN_VR_ICC_MAX_FAILURE",
        0x41: "MCA_SVID_COMMAND_TIMEOUT",
        0x42: "MCA_SVID_VCCIN_VR_VOUT_FAILURE",
        0x43: "MCA_SVID_CPU_VR_CAPABILITY_ERROR",
        0x44: "MCA_SVID_CRITICAL_VR_FAILED",
        0x45: "MCA_SVID_SA_ITD_ERROR",
        0x46: "MCA_SVID_READ_REG_FAILED",
        0x47: "MCA_SVID_WRITE_REG_FAILED",
        0x48: "MCA_SVID_PKGC_INIT_FAILED",
        0x49: "MCA_SVID_PKGC_CONFIG_FAILED",
        0x4a: "MCA_SVID_PKGC_REQUEST_FAILED",
        0x4b: "MCA_SVID_IMON_REQUEST_FAILED",
        0x4c: "MCA_SVID_ALERT_REQUEST_FAILED",
        0x4d: "MCA_SVID_MCP_VR_ABSENT_OR_RAMP_ERROR",
        0x4e: "MCA_SVID_UNEXPECTED_MCP_VR_DETECTED",
        0x51: "MCA_FIVR_CATAS_OVERVOL_FAULT",
        0x52: "MCA_FIVR_CATAS_OVERCUR_FAULT",
        0x58: "MCA_WATCHDOG_TIMEOUT_PKGC_SECONDARY",
        0x59: "MCA_WATCHDOG_TIMEOUT_PKGC_MAIN",
        0x5a: "MCA_WATCHDOG_TIMEOUT_PKGS_MAIN",
        0x61: "MCA_PKGS_CPD_UNCPD_TIMEOUT",
        0x63: "MCA_PKGS_INVALID_REQ_PCH",
        0x64: "MCA_PKGS_INVALID_REQ_INTERNAL",
        0x65: "MCA_PKGS_INVALID_RSP_INTERNAL",
        0x6b: "MCA_PKGS_SMBUS_VPP_PAUSE_TIMEOUT",
        0x81: "MCA_RECOVERABLE_DIE_THERMAL_TOO_HOT",
    ]
    static let pcu = [BitField(24, XeonUncore.names(pcuCodes))]

    /// MSCOD[21:16] of the UPI banks (SDM table 16-28).
    static let upiCodes: [UInt32: String] = [
        0x00: "UC Phy Initialization Failure",
        0x01: "UC Phy detected drift buffer alarm",
        0x02: "UC Phy detected latency buffer rollover",
        0x10: "UC LL Rx detected CRC error: unsuccessful LLR: entered abort state",
        0x11: "UC LL Rx unsupported or undefined packet",
        0x12: "UC LL or Phy control error",
        0x13: "UC LL Rx parameter exchange exception",
        0x1F: "UC LL detected control error from the link-mesh interface",
        0x20: "COR Phy initialization abort",
        0x21: "COR Phy reset",
        0x22: "COR Phy lane failure, recovery in x8 width",
        0x23: "COR Phy L0c error corrected without Phy reset",
        0x24: "COR Phy L0c error triggering Phy Reset",
        0x25: "COR Phy L0p exit error corrected with Phy reset",
        0x30: "COR LL Rx detected CRC error - successful LLR without Phy Reinit",
        0x31: "COR LL Rx detected CRC error - successful LLR with Phy Reinit",
    ]
    static let upi = [BitField(16, XeonUncore.names(upiCodes))]
    /// The MSCOD code whose MSCOD[31:22] bits name what the control error was.
    static let upiControlError: UInt64 = 0x12
    static let upiControlErrorDetail: [BitField] = [
        .flag(22, "Phy Control Error"),
        .flag(23, "Unexpected Retry.Ack flit"),
        .flag(24, "Unexpected Retry.Req flit"),
        .flag(25, "RF parity error"),
        .flag(26, "Routeback Table error"),
        .flag(27, "unexpected Tx Protocol flit (EOP, Header or Data)"),
        .flag(28, "Rx Header-or-Credit BGF credit overflow/underflow"),
        .flag(29, "Link Layer Reset still in progress when Phy enters L0"),
        .flag(30, "Link Layer reset initiated while protocol traffic not idle"),
        .flag(31, "Link Layer Tx Parity Error"),
    ]

    /// MSCOD bits of the M2M (mesh to memory) banks (SDM table 16-30).
    static let m2m: [BitField] = [
        .flag(16, "MscodDataRdErr"),
        .flag(17, "Reserved"),
        .flag(18, "MscodPtlWrErr"),
        .flag(19, "MscodFullWrErr"),
        .flag(20, "MscodBgfErr"),
        .flag(21, "MscodTimeout"),
        .flag(22, "MscodParErr"),
        .flag(23, "MscodBucket1Err"),
    ]

    /// MSCOD bits of the iMC banks (SDM table 16-29) ...
    static let memoryController: [BitField] = [
        .flag(16, "Address parity error"),
        .flag(17, "HA write data parity error"),
        .flag(18, "HA write byte enable parity error"),
        .flag(19, "Corrected patrol scrub error"),
        .flag(20, "Uncorrected patrol scrub error"),
        .flag(21, "Corrected spare error"),
        .flag(22, "Uncorrected spare error"),
        .flag(23, "Any HA read error"),
        .flag(24, "WDB read parity error"),
        .flag(25, "DDR4 command address parity error"),
        .flag(26, "Uncorrected address parity error"),
    ]
    /// ... and, when MSCOD bit 11 (status bit 27) is set, the 0x08xx codes in MSCOD[19:16].
    static let memoryControllerEventCodes: [String?] = [
        "Unrecognized request type",
        "Read response to an invalid scoreboard entry",
        "Unexpected read response",
        "DDR4 completion to an invalid scoreboard entry",
        "Completion to an invalid scoreboard entry",
        "Completion FIFO overflow",
        "Correctable parity error",
        "Uncorrectable error",
        "Interrupt received while outstanding interrupt was not ACKed",
        "ERID FIFO overflow",
        "Error on Write credits",
        "Error on Read credits",
        "Scheduler error",
        "Error event",
    ]
    static let memoryControllerEvents = [BitField(16, memoryControllerEventCodes)]

    static func decode(_ ctx: inout DecodeContext) {
        let s = ctx.status
        switch ctx.bank {
        case 4:
            ctx.out.write("PCU: ")
            XeonUncore.writePCUClass(&ctx)
            if bits(s, 16, 19) != 0 { ctx.out.write("PCU internal error ") }
            ctx.out.bitfields(s, pcu)
        case 5, 12, 19:
            ctx.facts.kind = .interconnect
            ctx.out.write("UPI: ")
            ctx.out.bitfields(s, upi)
            if bits(s, 16, 21) == upiControlError { ctx.out.bitfields(s, upiControlErrorDetail) }
        case 7, 8:
            ctx.out.write("M2M: ")
            ctx.out.bitfields(s, m2m)
        case 13...18:
            ctx.out.write("MemCtrl: ")
            ctx.out.bitfields(s, bit(s, 27) ? memoryControllerEvents : memoryController)
        default:
            break
        }
        memoryChannel(&ctx)
    }

    /// Channel of a memory error from the bank (mcelog.md §11.2): the M2M banks 7/8 report
    /// the channel within their controller (the second controller's are 3-5), the iMC banks
    /// are one per channel in the order 0, 1, 3, 4, 2, 5. The DIMM is not known.
    static let channelOfBank: [Int: Int] = [13: 0, 14: 1, 15: 3, 16: 4, 17: 2, 18: 5]

    static func memoryChannel(_ ctx: inout DecodeContext) {
        guard let code = XeonUncore.memoryChannelCode(ctx) else { return }
        switch ctx.bank {
        case 7: ctx.facts.channel = code
        case 8: ctx.facts.channel = code + 3
        default: if let channel = channelOfBank[ctx.bank] { ctx.facts.channel = channel }
        }
    }

    /// M2M banks 7/8 with MISCV: MISC bit 63 = corrected by failing over to the mirror
    /// channel, bit 62 = corrected from the mirror and the primary scrubbed.
    static func mirrorCorrection(_ ctx: DecodeContext) -> String? {
        XeonUncore.mirrorCorrection(ctx, failoverBit: 63, scrubbedBit: 62)
    }
}
