/// Sandy Bridge (client and EP) uncore banks: PCU 4, QPI 6/7 (EP only), iMC 8-11
/// (SDM vol. 3B §16.4.1; mcelog.md §17). The PCU and iMC lines end with an empty line.
enum SandyBridge {
    /// MSCOD[19:16] of the PCU bank: the PCU microcontroller's own errors.
    static let pcuMicrocontroller: [String?] = [
        "No error", "Non_IMem_Sel", "I_Parity_Error", "Bad_OpCode", "I_Stack_Underflow",
        "I_Stack_Overflow", "D_Stack_Underflow", "D_Stack_Overflow", "Non-DMem_Sel",
        "D_Parity_Error",
    ]

    /// MSCOD[31:24] of the PCU bank: timeouts and watchdogs.
    static let pcuCodes: [UInt32: String] = [
        0x00: "No Error",
        0x0D: "MC_IMC_FORCE_SR_S3_TIMEOUT",
        0x0E: "MC_MC_CPD_UNCPD_ST_TIMEOUT",
        0x0F: "MC_PKGS_SAFE_WP_TIMEOUT",
        0x43: "MC_PECI_MAILBOX_QUIESCE_TIMEOUT",
        0x5C: "MC_MORE_THAN_ONE_LT_AGENT",
        0x60: "MC_INVALID_PKGS_REQ_PCH",
        0x61: "MC_INVALID_PKGS_REQ_QPI",
        0x62: "MC_INVALID_PKGS_RES_QPI",
        0x63: "MC_INVALID_PKGC_RES_PCH",
        0x64: "MC_INVALID_PKG_STATE_CONFIG",
        0x70: "MC_WATCHDG_TIMEOUT_PKGC_SECONDARY",
        0x71: "MC_WATCHDG_TIMEOUT_PKGC_MAIN",
        0x72: "MC_WATCHDG_TIMEOUT_PKGS_MAIN",
        0x7A: "MC_HA_FAILSTS_CHANGE_DETECTED",
        0x81: "MC_RECOVERABLE_DIE_THERMAL_TOO_HOT",
    ]
    static let pcu = [BitField(16, pcuMicrocontroller), BitField(24, XeonUncore.names(pcuCodes))]

    /// MSCOD bits of the iMC banks.
    static let memoryController: [BitField] = [
        .flag(16, "Address parity error"),
        .flag(17, "HA Wrt buffer Data parity error"),
        .flag(18, "HA Wrt byte enable parity error"),
        .flag(19, "Corrected patrol scrub error"),
        .flag(20, "Uncorrected patrol scrub error"),
        .flag(21, "Corrected spare error"),
        .flag(22, "Uncorrected spare error"),
    ]

    static func decode(_ ctx: inout DecodeContext) {
        switch ctx.bank {
        case 4:
            ctx.out.write("PCU: ")
            ctx.out.bitfields(ctx.status, pcu)
            ctx.out.newline()
        case 6, 7:
            // Only the EP parts have QPI links; the MCACOD line already said what failed.
            if ctx.cpuType == .sandyBridgeEP {
                ctx.facts.kind = .interconnect
                ctx.out.line("QPI")
            }
        case 8...11:
            ctx.out.write("MemCtrl: ")
            ctx.out.bitfields(ctx.status, memoryController)
            ctx.out.newline()
            if ctx.cpuType == .sandyBridgeEP { FailingRank.record(&ctx, imcLog: ctx.options.imcLog) }
        default:
            break
        }
    }
}

/// SNB-EP and IVB-EP iMC extended logging (MSR_ERROR_CONTROL "MemError Log Enable"): for
/// corrected errors MISC names the failing rank of up to two devices, which maps to a DIMM
/// slot in the channel (mcelog.md §11.1). Bit 62 validates the first device (rank in
/// MISC[50:46]), bit 63 the second (MISC[55:51]).
enum FailingRank {
    /// The DIMM slot holding a failing rank: ranks 0-3 are DIMM 0, 4-5 DIMM 1, and 6-7 DIMM 2
    /// on channels that have a third DIMM, else DIMM 1. Nil for ranks past 7.
    static func dimm(rank: Int, channelHasThirdDIMM: Bool = false) -> Int? {
        switch rank {
        case 0...3: return 0
        case 4, 5: return 1
        case 6, 7: return channelHasThirdDIMM ? 2 : 1
        default: return nil
        }
    }

    /// The first and second failing ranks MISC carries, if valid.
    static func ranks(misc m: UInt64) -> (first: Int?, second: Int?) {
        (bit(m, 62) ? Int(bits(m, 46, 50)) : nil, bit(m, 63) ? Int(bits(m, 51, 55)) : nil)
    }

    /// Fills the DIMM facts for a corrected memory error from an iMC bank. Whether a third
    /// DIMM exists is only known to the DIMM database, so ranks 6-7 are recorded as DIMM 1
    /// here; `imcLog` off (upstream `--no-imc-log`) leaves the facts alone.
    static func record(_ ctx: inout DecodeContext, imcLog: Bool = true) {
        guard imcLog, !ctx.uncorrected, let channel = XeonUncore.memoryChannelCode(ctx) else { return }
        let (first, second) = ranks(misc: ctx.misc)
        if let rank = first {
            ctx.facts.channel = channel
            ctx.facts.dimm = dimm(rank: rank)
        }
        // A second device is accounted even when its rank maps to no DIMM (-1: unknown).
        if let rank = second { ctx.facts.secondDimm = dimm(rank: rank) ?? -1 }
    }
}
