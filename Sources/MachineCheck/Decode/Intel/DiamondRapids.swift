/// Diamond Rapids: the core-building-block (CBB) and I/O-and-memory-hub (IMH) banks, decoded
/// in upstream's words (diamond.c; mcelog.md §17).
///
/// A package has two IMH dies; which one reported an IMH bank is APICID bit 2, so those
/// banks' text and channel numbers need the record's APICID.
enum DiamondRapids {
    /// MCACOD of a Scan-at-Field (in-field scan test) error in the CBB Punit bank.
    static let scanAtFieldMCACOD: UInt32 = 0x040b

    // CBB Punit: MSCOD[31:24] selects the table for MSCOD[23:16].
    static let cbbPunitErrors: [UInt64: BitField] = [
        0x00: ServerTable.field(0, [
            0x01: "CR4_MCE_CLEAR: MCE when CR4.MCE is clear",
            0x02: "MCE_MCIP_SET: MCE when MCIP bit is set",
            0x03: "MCE_UNDER_WFS: MCE under WPS",
            0x04: "MCE_LT_HANDSHAKE: Unrecoverable error during security flow execution",
            0x05: "TRIPLE_FAULT: SW triple fault shutdown",
            0x06: "VMX_ABORT: VMX exit consistency check failures",
            0x07: "RSM_CONSISTENCY_FAIL: RSM consistency check failures",
            0x08: "SMM_PROTECTED_ENTRY_FAIL: Invalid conditions on protected mode SMM entry",
            0x09: "UCODE_PATCH_LOAD_FAIL: Unrecoverable error during security flow execution",
        ]),
        0x08: ServerTable.field(0, [
            0x16: "MCA_DVFS_COUNTER_EXPIRED", 0x23: "MCA_UNSUPP_RESP", 0x25: "MCA_FUSA_MBIST",
            0x26: "MCA_SA_PLL_LOCKED", 0x27: "MCA_XTAL_FREQ_MON_ERROR",
            0x28: "MCA_PMSB_FUSE_PULLER_ERROR", 0x29: "MCA_GPSB_FUSE_PULLER_ERROR",
            0x30: "MCA_PCODE_WATCHDOG", 0x31: "MCA_BGR_FUSA_ERR", 0x32: "MCA_CORE_FIVR_ERR",
            0x33: "MCA_D2D_FIVR_ERR", 0x34: "MCA_MLC_FIVR_ERR", 0x35: "MCA_RING_FIVR_ERR",
            0x36: "MCA_D2D_MONF_PLL_FUSA_0", 0x37: "MCA_D2D_MONF_PLL_FUSA_1",
            0x38: "MCA_TOP0_FUSA_PLL_ERR", 0x39: "MCA_BASE_FUSA_PLL_ERR",
            0x40: "MCA_UCIE_RESET_BUS_STOP_ON_ERROR", 0x41: "MCA_RSRC_ADAPT_0_ERR",
            0x42: "MCA_RSC_ADAPT_1_ERR", 0x45: "MCA_TOP1_FUSA_PLL_ERR",
            0x46: "MCA_TOP2_FUSA_PLL_ERR", 0x47: "MCA_TOP3_FUSA_PLL_ERR",
            0x48: "UC_PATCH_LOAD_ACK_ERROR",
        ]),
        0x0c: ServerTable.field(0, [
            0x01: "MCA_UC_IRAM_DOUBLE_ERROR", 0x02: "MCA_UC_DOUBLE_EXCEPTION_ERROR",
            0x03: "MCA_UC_TELEM_SRAM_ERROR", 0x04: "MCA_UC_DRAM_DOUBLE_ERROR",
            0x05: "MCA_UC_TPMI_SRAM_ERROR",
        ]),
        0x14: ServerTable.field(0, [0x01: "MCA_FIVR_HI_YELLOW", 0x02: "MCA_FIVR_HI_RED"]),
    ]

    // IMH Punit: the firmware code in MSCOD[31:24] when non-zero, else the microcontroller
    // code in MSCOD[23:16].
    static let imhPunitMicrocontrollerErrors = ServerTable.field(0, [
        0x0a: "Power Management Unit microcontroller Patch Load error",
        0x0b: "Power Management Unit microcontroller POReqValid error",
        0x0c: "Power Management Unit microcontroller RAM address error",
        0x0d: "Power Management Unit microcontroller RAM access error",
        0x10: "If MCI_MISC.MODEL_SPECIFIC_INFORMATION is set to 1, "
            + "indicates Pcode Watchdog Timer expired. "
            + "If MCI_MISC.MODEL_SPECIFIC_INFORMATION is set to 3, "
            + "indicates Power Management Unit TeleSRAM double-bit ECC error detected.",
        0x20: "Power Management Agent signaled Error",
        0x30: "Power Management Unit Microcontroller Error",
        0xa0: "Power Management Unit HPMSRAM double-bit ECC error detected",
        0xb0: "Power Management Unit TPMISRAM double-bit ECC error detected",
    ], ranges: [
        (0x02...0x03, "Power Management Unit microcontroller double-bit ECC error"),
        (0x08...0x09, "Power Management Unit microcontroller error"),
    ])
    static let imhPunitFirmwareErrors = ServerTable.field(0, [
        0x09: "MCA_TSC_DOWNLOAD_TIMEOUT", 0x0a: "MCA_INVALID_XTALFREQ_RANGE",
        0x0b: "MCA_GPSB_TIMEOUT", 0x0c: "MCA_PMSB_TIMEOUT", 0x0d: "MCA_CFG_ACK_TIMEOUT",
        0x23: "MCA_PCU_SVID_ERROR", 0x35: "MCA_SVID_LOADLINE_INVALID",
        0x36: "MCA_SVID_ICCMAX_INVALID", 0x4a: "MCA_FIVR_PD_HARDERR",
        0x4c: "MCA_HPM_DOUBLE_BIT_ERROR_DETECTED", 0x58: "MCA_INVALID_MEMORY_FREQUENCY",
        0x63: "MCA_SVID_VCCIN_PROTOCOL_ERROR", 0x6a: "MCA_SPPR_TIMEOUT",
        0x6f: "MCA_INVALID_SID_ERROR", 0x70: "MCA_INVALID_REMOTE_LEGACY_AGENT_ERROR",
        0x71: "MCA_INVALID_REMOTE_LT_AGENT_ERROR", 0x7b: "MCA_THERMAL_SENSOR_INVALID",
        0x7c: "MCA_CXL_DEVICE_NO_CREDIT", 0x7e: "MCA_RECOVERABLE_DIE_THERMAL_TOO_HOT",
        0x83: "MCA_PKGS_RECOVERABLE_RESET_PREP_ACK_TIMEOUT",
    ])

    // UPI: MSCOD[31:24] selects the table for MSCOD[23:16].
    static let upiErrors: [UInt64: BitField] = [
        0x00: ServerTable.field(0, [
            0x05: "Internal Parity Error", 0x08: "Internal Queue Overflow Error",
            0x09: "UPI link layer buffer overflow", 0x0a: "Internal Queue Underflow Error",
            0x0b: "UPI link layer buffer underflow", 0x0c: "Link layer or internal credit overflow",
            0x21: "Internal Interface Error", 0x23: "Invalid Message", 0x24: "UPI Protocol Error",
            0x25: "UPI Interleave Error", 0x28: "Internal Interface Error",
            0x29: "Link integrity or initialization error",
            0x30: "Received poison when poison is disabled", 0x31: "Internal Interface Error",
        ], ranges: [
            (0x00...0x02, "Internal Parity Error"),
            (0x11...0x12, "Internal Queue Overflow Error"),
            (0x13...0x14, "Internal Queue Underflow Error"),
            (0x2a...0x2d, "Power Management Transition Error - Timeout"),
        ]),
        0x02: ServerTable.field(0, [
            0x00: "Link integrity or initialization error", 0x03: "Link degraded",
        ], ranges: [(0x04...0x07, "Power Management Transition Error - Timeout")]),
    ]

    // MCCHAN (memory channel): MSCOD[31:24] selects the table for MSCOD[23:16].
    static let mcchanErrors: [UInt64: BitField] = [
        0x00: ServerTable.field(0, [
            0x01: "CMI Request Address Parity Error (APPP)", 0x02: "CMI Wr data parity error",
            0x04: "CMI Wr BE parity error", 0x08: "Transient or Correctable Error for Patrol Reads",
            0x10: "UnCorr Patrol Scrub Error",
            0x20: "Nontransient or Transient ectable Error for Spare Reads",
            0x40: "UnCorr Spare Error",
            0x80: "Transient or Correctable Error for Demand or Underfill Reads",
            0xa0: "Uncorrectable Error for Demand or Underfill Reads",
            0xb0: "Poisoned Read Data when Poison Disabled",
            0xc0: "Read 2LM MetaData Error for Demand, Underfill, or Patrol/Spare",
        ]),
        0x01: ServerTable.field(0, [
            0x02: "WDB Read ECC Error", 0x04: "WDB BE Read Parity Error",
            0x06: "WDB Read Persistent ECC Error", 0x08: "DDR Link Fail",
            0x09: "Illegal incoming opcode",
        ]),
        0x02: ServerTable.field(0, [0x00: "DDR CAParity or WrCRC Error", 0x40: "Decoder structure error"]),
        0x04: ServerTable.field(0, [0x00: "MC internal address parity error"]),
        0x08: ServerTable.field(0, [
            0x13: "CMI Credit Oversubscription Error", 0x14: "CMI Total Credit Count Error",
            0x15: "CMI Reserved Credit Pool Error", 0x32: "MC Internal Errors",
            0x34: "MC Tracker RDCMP RF parity error", 0x36: "MC Tracker WRCMP RF parity error",
        ]),
    ]

    /// ECC mode, MCi_MISC[61:58].
    static let eccModes: [UInt64: String] = [
        1: "SDDC 128b 1LM", 2: "SDDC 125b 1LM", 3: "SDDC 125b 2LM", 4: "ADDDC 80b 1LM",
        5: "ADDDC 80b 2LM", 9: "5x8 128b 1LM", 10: "5x8 125b 1LM", 11: "5x8 125b 2LM",
    ]
    /// From this MSCOD on, MCi_MISC[31:9] holds proprietary information, not a DRAM location.
    static let proprietaryMISCFrom: UInt32 = 0x800

    /// Which of the two IMH dies reported the error: APICID bit 2.
    static func imh(_ ctx: DecodeContext) -> Int { Int((ctx.record.apicid >> 2) & 1) }

    static func decode(_ ctx: inout DecodeContext) {
        deriveChannel(&ctx)
        let s = ctx.status
        switch ctx.bank {
        case 4:
            ctx.out.write("CBB Punit: ")
            if ctx.mcacod == scanAtFieldMCACOD {
                ctx.out.line("Scan-at-Field Error")
            } else if let table = cbbPunitErrors[bits(s, 24, 31)] {
                ctx.out.bitfields(bits(s, 16, 23), [table])
            }
        case 11:
            ctx.out.write("IMH"); ctx.out.decimal(imh(ctx)); ctx.out.write(" Punit: ")
            if bits(s, 24, 31) != 0 {
                ctx.out.bitfields(bits(s, 24, 31), [imhPunitFirmwareErrors])
            } else {
                ctx.out.bitfields(bits(s, 16, 23), [imhPunitMicrocontrollerErrors])
            }
        case 18:
            ctx.out.write("UPI: ")
            if let table = upiErrors[bits(s, 24, 31)] { ctx.out.bitfields(bits(s, 16, 23), [table]) }
        case 19...26:
            ctx.out.write("IMH"); ctx.out.decimal(imh(ctx)); ctx.out.write(" MCCHAN: ")
            if let table = mcchanErrors[bits(s, 24, 31)] { ctx.out.bitfields(bits(s, 16, 23), [table]) }
            // MISC holds a DRAM location only with MISCV and OTHER_INFO[1] (status bit 33).
            if ctx.miscValid && bit(s, 33) { decodeMISC(&ctx) }
        default:
            break
        }
    }

    /// The DRAM location; a transient error ends after the `transient` line, and the failed
    /// device is printed only when its valid bit (MISC bit 42) is set.
    static func decodeMISC(_ ctx: inout DecodeContext) {
        guard ctx.mscod < proprietaryMISCFrom else { return }
        let m = ctx.misc
        ServerTable.dramLocation(&ctx.out, bank: bits(m, 37, 38), bankGroup: bits(m, 39, 41),
                                 row: bits(m, 19, 36), column: bits(m, 9, 18) << 2)
        ServerTable.hexItems(&ctx.out, [("chipselect", bits(m, 55, 56)), ("subrank", bits(m, 51, 54)),
                                        ("subchan", bits(m, 49, 49))])
        if bit(m, 63) {
            ctx.out.line("transient")
            return
        }
        if bit(m, 42) { ServerTable.hexItems(&ctx.out, [("failed device", bits(m, 44, 48))]) }
        ctx.out.write("ecc mode: "); ctx.out.line(eccModes[bits(m, 58, 61)] ?? "Invalid/unknown ECC mode")
    }

    /// mcelog.md §11.2: eight channels per IMH in banks 19-26, numbered on from the IMH.
    /// Upstream does not exclude the unspecified channel code (0xf) here.
    static func deriveChannel(_ ctx: inout DecodeContext) {
        guard ServerTable.isMemoryError(ctx), (19...26).contains(ctx.bank) else { return }
        ctx.facts.channel = ctx.bank - 19 + 8 * imh(ctx)
    }
}
