/// Ice Lake server (ICX), Ice Lake-D (ICX-D) and Snow Ridge (Tremont-D): the 10 nm server
/// uncore banks, decoded in upstream's words (i10nm.c; mcelog.md §17).
///
/// Each CPU has its own map from bank number to unit (PCU, UPI, M2M, iMC); a bank that is
/// not in the map gets no model-specific text.
enum IceLakeServer {
    enum Unit { case pcu, upi, m2m, imc }

    static let icelakeXeonBanks: [Int: Unit] = ServerTable.banks([
        (4...4, .pcu), (5...5, .upi), (7...8, .upi),
        (12...12, .m2m), (16...16, .m2m), (20...20, .m2m), (24...24, .m2m),
        (13...15, .imc), (17...19, .imc), (21...23, .imc), (25...27, .imc),
    ])
    static let icelakeDEBanks: [Int: Unit] = ServerTable.banks([
        (4...4, .pcu), (12...12, .m2m), (16...16, .m2m), (13...15, .imc), (17...19, .imc),
    ])
    static let tremontDBanks: [Int: Unit] = ServerTable.banks([(4...4, .pcu), (12...12, .m2m), (13...15, .imc)])

    // PCU: MSCOD[31:24], [23:20] and [19:16] are three separate codes, each printed on its own
    // line when non-zero.
    static let pcuErrorNames: [Int: String] = [
        0x0D: "MCA_LLC_BIST_ACTIVE_TIMEOUT", 0x0E: "MCA_DMI_TRAINING_TIMEOUT",
        0x0F: "MCA_DMI_STRAP_SET_ARRIVAL_TIMEOUT", 0x10: "MCA_DMI_CPU_RESET_ACK_TIMEOUT",
        0x11: "MCA_MORE_THAN_ONE_LT_AGENT", 0x14: "MCA_INCOMPATIBLE_PCH_TYPE",
        0x1E: "MCA_BIOS_RST_CPL_INVALID_SEQ", 0x1F: "MCA_BIOS_INVALID_PKG_STATE_CONFIG",
        0x2D: "MCA_PCU_PMAX_CALIB_ERROR", 0x2E: "MCA_TSC100_SYNC_TIMEOUT",
        0x3A: "MCA_GPSB_TIMEOUT", 0x3B: "MCA_PMSB_TIMEOUT", 0x3E: "MCA_IOSFSB_PMREQ_CMP_TIMEOUT",
        0x40: "MCA_SVID_VCCIN_VR_ICC_MAX_FAILURE", 0x42: "MCA_SVID_VCCIN_VR_VOUT_FAILURE",
        0x43: "MCA_SVID_CPU_VR_CAPABILITY_ERROR", 0x44: "MCA_SVID_CRITICAL_VR_FAILED",
        0x45: "MCA_SVID_SA_ITD_ERROR", 0x46: "MCA_SVID_READ_REG_FAILED",
        0x47: "MCA_SVID_WRITE_REG_FAILED", 0x4A: "MCA_SVID_PKGC_REQUEST_FAILED",
        0x4B: "MCA_SVID_IMON_REQUEST_FAILED", 0x4C: "MCA_SVID_ALERT_REQUEST_FAILED",
        0x4D: "MCA_SVID_MCP_VR_RAMP_ERROR", 0x56: "MCA_FIVR_PD_HARDERR",
        0x58: "MCA_WATCHDOG_TIMEOUT_PKGC_SECONDARY", 0x59: "MCA_WATCHDOG_TIMEOUT_PKGC_MAIN",
        0x5A: "MCA_WATCHDOG_TIMEOUT_PKGS_MAIN", 0x5B: "MCA_WATCHDOG_TIMEOUT_MSG_CH_FSM",
        0x5C: "MCA_WATCHDOG_TIMEOUT_BULK_CR_FSM", 0x5D: "MCA_WATCHDOG_TIMEOUT_IOSFSB_FSM",
        0x60: "MCA_PKGS_SAFE_WP_TIMEOUT", 0x61: "MCA_PKGS_CPD_UNCPD_TIMEOUT",
        0x62: "MCA_PKGS_INVALID_REQ_PCH", 0x63: "MCA_PKGS_INVALID_REQ_INTERNAL",
        0x64: "MCA_PKGS_INVALID_RSP_INTERNAL",
        0x7B: "MCA_PKGS_SMBUS_VPP_PAUSE_TIMEOUT", 0x7C: "MCA_PKGS_SMBUS_MCP_PAUSE_TIMEOUT",
        0x7D: "MCA_PKGS_SMBUS_SPD_PAUSE_TIMEOUT", 0x80: "MCA_PKGC_DISP_BUSY_TIMEOUT",
        0x81: "MCA_PKGC_INVALID_RSP_PCH", 0x83: "MCA_PKGC_WATCHDOG_HANG_CBZ_DOWN",
        0x84: "MCA_PKGC_WATCHDOG_HANG_CBZ_UP", 0x87: "MCA_PKGC_WATCHDOG_HANG_C2_BLKMASTER",
        0x88: "MCA_PKGC_WATCHDOG_HANG_C2_PSLIMIT", 0x89: "MCA_PKGC_WATCHDOG_HANG_SETDISP",
        0x8B: "MCA_PKGC_ALLOW_L1_ERROR", 0x90: "MCA_RECOVERABLE_DIE_THERMAL_TOO_HOT",
        0xA0: "MCA_ADR_SIGNAL_TIMEOUT", 0xA1: "MCA_BCLK_FREQ_OC_ABOVE_THRESHOLD",
        0xB0: "MCA_DISPATCHER_RUN_BUSY_TIMEOUT",
    ]
    static let pcuErrorRanges: [(ClosedRange<Int>, String)] = [(0x65...0x7A, "MCA_PKGS_RESET_PREP_TIMEOUT")]
    static let pcuErrors = ServerTable.field(0, pcuErrorNames, ranges: pcuErrorRanges)      // [31:24]
    static let pcuIPErrors = ServerTable.field(0, [                                          // [23:20]
        0x04: "Clock/power IP response timeout", 0x05: "SMBus controller raised SMI",
        0x09: "PM controller received invalid transaction",
    ])
    static let pcuFirmwareErrors = ServerTable.field(0, [                                    // [19:16]
        0x01: "Instruction address out of valid space",
        0x02: "Double bit RAM error on Instruction Fetch", 0x03: "Invalid OpCode seen",
        0x04: "Stack Underflow", 0x05: "Stack Overflow", 0x06: "Data address out of valid space",
        0x07: "Double bit RAM error on Data Fetch",
    ])

    // UPI: link-layer flags in MSCOD[31:22] (printed only when any is set), then the code in
    // MSCOD[21:16], which is always printed (code 0 has a name).
    static let upiLinkFlags: [BitField] = [
        .flag(22, "Phy Control Error"), .flag(23, "Unexpected Retry.Ack flit"),
        .flag(24, "Unexpected Retry.Req flit"), .flag(25, "RF parity error"),
        .flag(26, "Routeback Table error"),
        .flag(27, "Unexpected Tx Protocol flit (EOP, Header or Data)"),
        .flag(28, "Rx Header-or-Credit BGF credit overflow/underflow"),
        .flag(29, "Link Layer Reset still in progress when Phy enters L0"),
        .flag(30, "Link Layer reset initiated while protocol traffic not idle"),
        .flag(31, "Link Layer Tx Parity Error"),
    ]
    static let upiErrorNames: [Int: String] = [
        0x00: "Phy Initialization Failure (NumInit)", 0x01: "Phy Detected Drift Buffer Alarm",
        0x02: "Phy Detected Latency Buffer Rollover",
        0x10: "LL Rx detected CRC error: unsuccessful LLR (entered Abort state)",
        0x11: "LL Rx Unsupported/Undefined packet", 0x12: "LL or Phy Control Error",
        0x13: "LL Rx Parameter Exception", 0x1F: "LL Detected Control Error",
        0x20: "Phy Initialization Abort", 0x21: "Phy Inband Reset",
        0x22: "Phy Lane failure, recovery in x8 width",
        0x23: "Phy L0c error corrected without Phy reset",
        0x24: "Phy L0c error triggering Phy reset", 0x25: "Phy L0p exit error corrected with reset",
        0x30: "LL Rx detected CRC error: successful LLR without Phy Reinit",
        0x31: "LL Rx detected CRC error: successful LLR with Phy Reinit",
        0x32: "Tx received LLR",
    ]
    static let upiErrors = ServerTable.field(0, upiErrorNames)

    // M2M (mesh to memory): MSCOD flag bits 16-23 of the status itself.
    static let m2mFlags: [BitField] = [
        .flag(16, "MC read data error"), .flag(17, "Reserved"),
        .flag(18, "MC partial write data error"), .flag(19, "Full write data error"),
        .flag(20, "M2M clock-domain-crossing buffer (BGF) error"), .flag(21, "M2M time out"),
        .flag(22, "M2M tracker parity error"), .flag(23, "fatal Bucket1 error"),
    ]

    // iMC: MSCOD[31:24] selects the table for the code in MSCOD[23:16]; other selectors print
    // nothing (the MISC lines then follow the `MemCtrl: ` prefix directly).
    static let imcDataErrorNames: [Int: String] = [
        0x01: "Address parity error", 0x02: "Data parity error", 0x03: "Data ECC error",
        0x04: "Data byte enable parity error", 0x07: "Transaction ID parity error",
        0x08: "Corrected patrol scrub error", 0x10: "Uncorrected patrol scrub error",
        0x20: "Corrected spare error", 0x40: "Uncorrected spare error",
        0x80: "Corrected read error", 0xA0: "Uncorrected read error", 0xC0: "Uncorrected metadata",
    ]
    static let imcDDRTErrorNames: [Int: String] = [
        0x00: "DDR-T bad request", 0x01: "DDR Data response to an invalid entry",
        0x02: "DDR data response to an entry not expecting data",
        0x03: "DDR completion to an invalid entry", 0x04: "DDR-T completion to an invalid entry",
        0x05: "DDR data/completion FIFO overflow", 0x06: "DDR-T ERID correctable parity error",
        0x07: "DDR-T ERID uncorrectable error",
        0x08: "DDR-T interrupt received while outstanding interrupt was not ACKed",
        0x09: "ERID FI FO overflow", 0x0A: "DDR-T error on FNV write credits",
        0x0B: "DDR-T error on FNV read credits", 0x0C: "DDR-T scheduler error",
        0x0D: "DDR-T FNV error event", 0x0E: "DDR-T FNV thermal event",
        0x0F: "CMI packet while idle", 0x10: "DDR_T_RPQ_REQ_PARITY_ERR",
        0x11: "DDR_T_WPQ_REQ_PARITY_ERR", 0x12: "2LM_NMFILLWR_CAM_ERR",
        0x13: "CMI_CREDIT_OVERSUB_ERR", 0x14: "CMI_CREDIT_TOTAL_ERR",
        0x15: "CMI_CREDIT_RSVD_POOL_ERR", 0x16: "DDR_T_RD_ERROR", 0x17: "WDB_FIFO_ERR",
        0x18: "CMI_REQ_FIFO_OVERFLOW", 0x19: "CMI_REQ_FIFO_UNDERFLOW",
        0x1A: "CMI_RSP_FIFO_OVERFLOW", 0x1B: "CMI_RSP_FIFO_UNDERFLOW",
        0x1C: "CMI _MISC_MC_CRDT_ERRORS", 0x1D: "CMI_MISC_MC_ARB_ERRORS",
        0x1E: "DDR_T_WR_CMPL_FI FO_OVERFLOW", 0x1F: "DDR_T_WR_CMPL_FI FO_UNDERFLOW",
        0x20: "CMI_RD_CPL_FIFO_OVERFLOW", 0x21: "CMI_RD_CPL_FIFO_UNDERFLOW",
        0x22: "TME_KEY_PAR_ERR", 0x23: "TME_CMI_MISC_ERR", 0x24: "TME_CMI_OVFL_ERR",
        0x25: "TME_CMI_UFL_ERR", 0x26: "TME_TEM_SECURE_ERR", 0x27: "TME_UFILL_PAR_ERR",
        0x29: "INTERNAL_ERR", 0x2A: "TME_INTEGRITY_ERR", 0x2B: "TME_TDX_ERR",
        0x2C: "TME_UFILL_TEM_SECURE_ERR", 0x2D: "TME_KEY_POISON_ERR",
        0x2E: "TME_SECURITY_ENGINE_ERR",
    ]
    static let imcMirrorErrorNames: [Int: String] = [
        0x08: "CORR_PATSCRUB_MIRR2ND_ERR", 0x10: "UC_PATSCRUB_MIRR2ND_ERR",
        0x20: "COR_SPARE_MIRR2ND_ERR", 0x40: "UC_SPARE_MIRR2ND_ERR",
        0x80: "HA_RD_MIRR2ND_ERR", 0xA0: "HA_UNCORR_RD_MIRR2ND_ERR",
    ]
    static let imcErrors: [UInt64: BitField] = [
        0x00: ServerTable.field(0, imcDataErrorNames),
        0x01: ServerTable.field(0, [
            0x00: "WDB read parity error", 0x03: "RPA parity error",
            0x06: "DDR_T_DPPP data BE error", 0x07: "DDR_T_DPPP data error",
            0x08: "DDR link failure", 0x11: "PCLS CAM error", 0x12: "PCLS data error",
        ]),
        0x02: ServerTable.field(0, [
            0x00: "DDR command / address parity error", 0x20: "HBM command / address parity error",
            0x21: "HBM data parity error",
        ]),
        0x04: ServerTable.field(0, [0x00: "RPQ parity (primary) error"]),
        0x08: ServerTable.field(0, imcDDRTErrorNames),
        0x10: ServerTable.field(0, imcMirrorErrorNames),
    ]

    /// ECC mode, MCi_MISC[62:59]; unlisted values print `unknown`.
    static let eccModes: [UInt64: String] = [
        0: "SDDC memory mode", 1: "SDDC", 4: "ADDDC memory mode", 5: "ADDDC", 8: "DDRT read",
    ]

    static func decode(_ ctx: inout DecodeContext) {
        deriveChannel(&ctx)
        // Upstream indexes a 32-entry table with the bank number and so reads past it for
        // banks >= 32 (mcelog.md §24 item 15); here those banks simply have no unit.
        let map: [Int: Unit]
        switch ctx.cpuType {
        case .icelakeXeon: map = icelakeXeonBanks
        case .icelakeDE: map = icelakeDEBanks
        case .tremontD: map = tremontDBanks
        default: return
        }
        guard let unit = map[ctx.bank] else { return }
        let s = ctx.status
        switch unit {
        case .pcu: decodePCU(&ctx, errors: pcuErrors, firmwareErrors: pcuFirmwareErrors)
        case .upi: decodeUPI(&ctx, errors: upiErrors)
        case .m2m:
            ctx.out.write("M2M: ")
            ctx.out.write("MscodDDRType=0x"); ctx.out.hex(bits(s, 24, 25)); ctx.out.newline()
            ctx.out.write("MscodMiscErrs=0x"); ctx.out.hex(bits(s, 26, 31)); ctx.out.newline()
            ctx.out.bitfields(s, m2mFlags)
        case .imc:
            ctx.out.write("MemCtrl: ")
            if let table = imcErrors[bits(s, 24, 31)] { ctx.out.bitfields(bits(s, 16, 23), [table]) }
            decodeMISC(&ctx)
        }
    }

    /// The PCU lines, shared with Sapphire Rapids (which passes its own tables).
    static func decodePCU(_ ctx: inout DecodeContext, errors: BitField, firmwareErrors: BitField) {
        let s = ctx.status
        ctx.out.write("PCU: ")
        for (code, table) in [(bits(s, 24, 31), errors), (bits(s, 20, 23), pcuIPErrors),
                              (bits(s, 16, 19), firmwareErrors)] where code != 0 {
            ctx.out.bitfields(code, [table])
        }
    }

    /// The UPI lines, shared with Sapphire Rapids (which passes its own code table).
    static func decodeUPI(_ ctx: inout DecodeContext, errors: BitField) {
        let s = ctx.status
        ctx.out.write("UPI: ")
        if bits(s, 22, 31) != 0 { ctx.out.bitfields(s, upiLinkFlags) }
        ctx.out.bitfields(bits(s, 16, 21), [errors])
    }

    /// MCi_MISC of an iMC bank: the DRAM location of the error, always printed (upstream does
    /// not look at MISCV here).
    static func decodeMISC(_ ctx: inout DecodeContext) {
        let m = ctx.misc
        let transient = bit(m, 63)
        ServerTable.dramLocation(&ctx.out, bank: bits(m, 42, 43),
                                 bankGroup: bits(m, 40, 41) | bits(m, 44, 44) << 2,
                                 row: bits(m, 19, 39), column: bits(m, 9, 18) << 2)
        if !transient && !ctx.uncorrected {
            ServerTable.hexItems(&ctx.out, [("failed device", bits(m, 46, 51))])
        }
        ServerTable.hexItems(&ctx.out, [("rank", bits(m, 56, 58)), ("subrank", bits(m, 52, 55))])
        ctx.out.write("ecc mode: "); ctx.out.line(eccModes[bits(m, 59, 62)] ?? "unknown")
        if transient { ctx.out.line("transient") }
    }

    /// mcelog.md §11.2: four controllers of three channels, each with its M2M bank first.
    static func deriveChannel(_ ctx: inout DecodeContext) {
        guard ServerTable.isMemoryError(ctx), ctx.mcacod & 0xf != 0xf,
              (12...27).contains(ctx.bank) else { return }
        let imc = (ctx.bank - 12) / 4
        ctx.facts.channel = imc * 3 + Int(ctx.mcacod & 0xf)
    }

    /// Memory errors corrected by mirroring, reported in the M2M banks (ICX only).
    static func mirrorCorrection(_ ctx: DecodeContext) -> String? {
        guard [12, 16, 20, 24].contains(ctx.bank), ctx.miscValid else { return nil }
        if bit(ctx.misc, 63) { return MirrorCorrection.channelFailover }
        if bit(ctx.misc, 62) { return MirrorCorrection.primaryScrubbed }
        return nil
    }
}

/// Table builders and line printers shared by the server decoders from Ice Lake on.
enum ServerTable {
    /// A field at `start` whose table names only some values, as upstream's sparse tables do
    /// (`ranges` give one name to a run of values). The table runs to the highest named
    /// value, which also sets the field's mask: higher bits of the value are ignored.
    static func field(_ start: Int, _ names: [Int: String],
                      ranges: [(ClosedRange<Int>, String)] = []) -> BitField {
        let highest = Swift.max(names.keys.max() ?? 0, ranges.map(\.0.upperBound).max() ?? 0)
        var table = [String?](repeating: nil, count: highest + 1)
        for (range, name) in ranges { for v in range { table[v] = name } }
        for (v, name) in names { table[v] = name }
        return BitField(start, table)
    }

    /// A bank-number-to-unit map from bank ranges.
    static func banks<Unit>(_ ranges: [(ClosedRange<Int>, Unit)]) -> [Int: Unit] {
        var map: [Int: Unit] = [:]
        for (range, unit) in ranges { for bank in range { map[bank] = unit } }
        return map
    }

    /// `name: 0x%x` items separated by spaces, as one line.
    static func hexItems(_ out: inout TextBuffer, _ items: [(String, UInt64)]) {
        for (i, item) in items.enumerated() {
            if i > 0 { out.write(" ") }
            out.write(item.0); out.write(": 0x"); out.hex(item.1)
        }
        out.newline()
    }

    /// The `bank: bankgroup: row: column:` line every DRAM MISC decode starts with.
    static func dramLocation(_ out: inout TextBuffer, bank: UInt64, bankGroup: UInt64,
                             row: UInt64, column: UInt64) {
        hexItems(&out, [("bank", bank), ("bankgroup", bankGroup), ("row", row), ("column", column)])
    }

    /// Upstream's memory-error test for channel accounting: MCACOD 0x80-0xff, F bit clear.
    static func isMemoryError(_ ctx: DecodeContext) -> Bool { ctx.mcacod >> 7 == 1 }
}
