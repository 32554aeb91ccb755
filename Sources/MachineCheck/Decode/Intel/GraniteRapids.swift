/// Granite Rapids, Sierra Forest and Clearwater Forest: the uncore banks, decoded in
/// upstream's words (granite.c; mcelog.md §17).
enum GraniteRapids {
    // UPI: one code in all of MSCOD; the table's mask keeps only its low six bits.
    static let upiErrors = ServerTable.field(0, [
        0x00: "UC Phy Initialization Failure (NumInit)",
        0x01: "UC Phy Detected Drift Buffer Alarm",
        0x02: "UC Phy Detected Latency Buffer Rollover",
        0x10: "UC LL Rx detected CRC error: unsuccessful LLR (entered Abort state)",
        0x11: "UC LL Rx Unsupported/Undefined packet", 0x12: "UC LL or Phy Control Error",
        0x13: "UC LL Rx Parameter Exception", 0x14: "UC LL TDX Failure",
        0x15: "UC LL SGX Failure", 0x16: "UC LL Tx SDC Parity Error",
        0x17: "UC LL Rx SDC Parity Error", 0x18: "UC LL FLE Failure",
        0x1F: "UC LL Detected Control Error", 0x20: "COR Phy Initialization Abort",
        0x21: "COR Phy Inband Reset", 0x22: "COR Phy Lane failure, recovery in x8 width",
        0x23: "COR Phy L0c error corrected without Phy reset",
        0x24: "COR Phy L0c error triggering Phy reset",
        0x25: "COR Phy L0p exit error corrected with reset",
        0x30: "COR LL Rx detected CRC error: successful LLR without Phy Reinit",
        0x31: "COR LL Rx detected CRC error: successful LLR with Phy Reinit",
    ])

    // Punit (power management): MSCOD[23:16] and MSCOD[31:24] are separate codes, each printed
    // by itself (so a long name after another one starts with a blank line).
    static let punitMicrocontrollerErrors = ServerTable.field(0, [
        0x0a: "Power Management Unit microcontroller patch load error",
        0x0b: "Power Management Unit microcontroller POReqValid error",
        0x10: "Power Management Unit microcontroller TeleSRAM double-bit ECC error",
        0x20: "Power Management Agent signaled error", 0x80: "S3M signaled error",
        0xa0: "Power Management Unit HPMSRAM double-bit ECC error detected",
        0xb0: "Power Management Unit TPMISRAM double-bit ECC error detected",
    ], ranges: [
        (0x02...0x03, "Power Management Unit microcontroller double-bit ECC error"),
        (0x08...0x09, "Power Management Unit microcontroller error"),
    ])
    static let punitFirmwareErrors = ServerTable.field(0, [
        0x09: "MCA_TSC_DOWNLOAD_TIMEOUT: TSC download timed out",
        0x0b: "MCA_GPSB_TIMEOUT: GPSB does not respond within timeout value",
        0x0c: "MCA_PMSB_TIMEOUT: PMSB does not respond within timeout value",
        0x10: "MCA_PMAX_CALIB_ERROR: PMAX calibration error",
        0x1a: "MCA_DISP_RUN_BUSY_TIMEOUT: Dispatcher busy beyond timeout",
        0x1d: "MCA_MORE_THAN_ONE_LT_AGENT: During Boot Mode Processing, >1 LT Agent detected",
        0x23: "MCA_PCU_SVID_ERROR: SVID error",
        0x35: "MCA_SVID_LOADLINE_INVALID: Invalid SVID VCCIN Loadline resistance value",
        0x36: "MCA_SVID_ICCMAX_INVALID: Invalid SVID ICCMAX value",
        0x40: "MCA_SVID_VIDMAX_INVALID: Invalid SVID VID_MAX value",
        0x41: "MCA_SVID_VDDRAMP_INVALID: Invalid ramp voltage for VDD_RAMP",
        0x48: "MCA_ITD_FUSE_INVALID: ITD fuse settings are not valid",
        0x49: "MCA_SVID_DC_LL_INVALID: ITD fuse settings are not valid",
        0x4a: "MCA_FIVR_PD_HARDERR: PM event has issued some FIVR Fault",
        0x4c: "MCA_HPM_DOUBLE_BIT_ERROR_DETECTED: Read from HPM SRAM resulted in Double bit error",
        0x56: "SVID_ACTIVE_VID_FUSE_ERROR: Invaid fuse values programmed for SVID Active vid",
    ])

    // B2CMI (mesh to memory): one code in all of MSCOD, masked to its low four bits.
    static let b2cmiErrors = ServerTable.field(0, [
        0x01: "Read ECC error", 0x02: "Bucket1 error", 0x03: "Tracker Parity error",
        0x04: "Security mismatch", 0x07: "Read completion parity error",
        0x08: "Response parity error", 0x09: "Timeout error", 0x0a: "Address parity error",
        0x0c: "CMI credit over subscription error", 0x0d: "SAI mismatch error",
    ])

    // MCCHAN (memory channel): MSCOD[31:24] selects the table for MSCOD[23:16]; selectors
    // 32/33 are the second sub-channel's versions of 0/1.
    static let mcchanErrors: [UInt64: BitField] = [
        0: ServerTable.field(0, [
            0x01: "Address Parity Error (APPP)", 0x02: "CMI Wr data parity Error on sCH0",
            0x03: "CMI Uncorr/Corr ECC error on sCH0", 0x04: "CMI Wr BE parity Error on sCH0",
            0x05: "CMI Wr MAC parity Error on sCH0", 0x08: "Corr Patrol Scrub Error",
            0x10: "UnCorr Patrol Scrub Error", 0x20: "Corr Spare Error",
            0x40: "UnCorr Spare Error",
            0x80: "Transient or Correctable Error for Demand or Underfill Reads",
            0xa0: "Uncorrectable Error for Demand or Underfill Reads",
            0xb0: "Poison was read from memory when poison was disabled in memory controller",
            0xc0: "Read 2LM MetaData Error",
        ]),
        1: ServerTable.field(0, [
            0x00: "WDB Read Parity Error on sCH0", 0x02: "WDB Read Uncorr/Corr ECC Error on sCH0",
            0x04: "WDB BE Read Parity Error on sCH0",
            0x06: "WDB Read Persistent Corr ECC Error on sCH0", 0x08: "DDR Link Fail",
            0x09: "Illegal incoming opcode",
        ]),
        2: ServerTable.field(0, [0x00: "DDR CAParity or WrCRC Error"]),
        4: ServerTable.field(0, [0x00: "Scheduler address parity error"]),
        8: ServerTable.field(0, [0x32: "MC Internal Errors", 0x33: "MCTracker Address RF parity error"]),
        32: ServerTable.field(0, [
            0x02: "CMI Wr data parity Error on sCH1", 0x03: "CMI Uncorr/Corr ECC error on sCH1",
            0x04: "CMI Wr BE parity Error on sCH1", 0x05: "CMI Wr MAC parity Error on sCH1",
        ]),
        33: ServerTable.field(0, [
            0x00: "WDB Read Parity Error on sCH1", 0x02: "WDB Read Uncorr/Corr ECC Error on sCH1",
            0x04: "WDB BE Read Parity Error on sCH1",
            0x06: "WDB Read Persistent Corr ECC Error on sCH1",
        ]),
    ]

    /// ECC mode, MCi_MISC[61:58].
    static let eccModes: [UInt64: String] = [
        1: "SDDC 128b 1LM", 2: "SDDC 125b 1LM", 3: "SDDC 96b 1LM", 4: "SDDC 96b 2LM",
        5: "ADDDC 80b 1LM", 6: "ADDDC 80b 2LM", 7: "ADDDC 64b 1LM", 8: "9x4 61b 1LM",
        9: "9x4 32b 1LM", 10: "9x4 32b 2LM",
    ]
    /// MSCODs whose MCi_MISC holds no DRAM location.
    static let proprietaryMISC: ClosedRange<UInt64> = 0x800...0x82f

    static func decode(_ ctx: inout DecodeContext) {
        deriveChannel(&ctx)
        let s = ctx.status
        switch ctx.bank {
        case 5:
            ctx.out.write("UPI: ")
            ctx.out.bitfields(bits(s, 16, 31), [upiErrors])
        case 6:
            ctx.out.write("Punit: ")
            ctx.out.bitfields(bits(s, 16, 23), [punitMicrocontrollerErrors])
            ctx.out.bitfields(bits(s, 24, 31), [punitFirmwareErrors])
        case 12:
            ctx.out.write("B2CMI: ")
            ctx.out.bitfields(bits(s, 16, 31), [b2cmiErrors])
        case 13...24:
            ctx.out.write("MCCHAN: ")
            if let table = mcchanErrors[bits(s, 24, 31)] { ctx.out.bitfields(bits(s, 16, 23), [table]) }
            // MISC holds a DRAM location only with MISCV and OTHER_INFO[1] (status bit 33).
            if ctx.miscValid && bit(s, 33) { decodeMISC(&ctx) }
        default:
            break
        }
    }

    static func decodeMISC(_ ctx: inout DecodeContext) {
        guard !proprietaryMISC.contains(UInt64(ctx.mscod)) else { return }
        let m = ctx.misc
        let transient = bit(m, 63)
        ServerTable.dramLocation(&ctx.out, bank: bits(m, 37, 38), bankGroup: bits(m, 39, 41),
                                 row: bits(m, 19, 36), column: bits(m, 9, 18) << 2)
        if !transient { ServerTable.hexItems(&ctx.out, [("failed device", bits(m, 43, 48))]) }
        ServerTable.hexItems(&ctx.out, [("chipselect", bits(m, 55, 57)), ("subrank", bits(m, 51, 54))])
        ctx.out.write("ecc mode: "); ctx.out.line(eccModes[bits(m, 58, 61)] ?? "Invalid/unknown ECC mode")
        if transient { ctx.out.line("transient") }
    }

    /// mcelog.md §11.2: one channel per MCCHAN bank 13-24.
    static func deriveChannel(_ ctx: inout DecodeContext) {
        guard ServerTable.isMemoryError(ctx), ctx.mcacod & 0xf != 0xf,
              (13...24).contains(ctx.bank) else { return }
        ctx.facts.channel = ctx.bank - 13
    }
}
