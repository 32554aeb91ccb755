/// Sapphire Rapids and Emerald Rapids: the uncore banks, decoded in upstream's words
/// (sapphire.c; mcelog.md §17). Largely Ice Lake server's tables with a few changes, plus HBM
/// memory controllers in banks 29-31.
enum SapphireRapids {
    enum Unit { case pcu, upi, m2m, imc, hbmM2M, hbmIMC }

    static let banks: [Int: Unit] = ServerTable.banks([
        (4...4, .pcu), (5...5, .upi), (12...12, .m2m), (13...20, .imc),
        (29...29, .hbmM2M), (30...31, .hbmIMC),
    ])

    // PCU: Ice Lake's tables, one more MSCOD[31:24] code, and for MCACOD 0x40C a different
    // meaning of MSCOD[19:16] (why the core signalled a shutdown-class machine check).
    static let pcuErrors = ServerTable.field(
        0, IceLakeServer.pcuErrorNames.merging([0xC0: "MCA_DISPATCHER_RUN_BUSY_TIMEOUT"]) { $1 },
        ranges: IceLakeServer.pcuErrorRanges)
    static let shutdownMCACOD: UInt32 = 0x40C
    static let pcuShutdownCauses = ServerTable.field(0, [
        0x01: "MCE when CR4.MCE is clear", 0x02: "MCE when MCIP bit is set",
        0x03: "MCE under WPS", 0x04: "Unrecoverable error during security flow execution",
        0x05: "SW triple fault shutdown", 0x06: "VMX exit consistency check failures",
        0x07: "RSM consistency check failures",
        0x08: "Invalid conditions on protected mode SMM entry",
        0x09: "Unrecoverable error during security flow execution",
    ])

    // UPI: Ice Lake's code table with code 0 renamed, an SGX code added and 0x32 dropped.
    static let upiErrors: BitField = {
        var names = IceLakeServer.upiErrorNames
        names[0x00] = "Phy Initialization Failure"
        names[0x15] = "UC LL Rx SGX MAC Error"
        names[0x32] = nil
        return ServerTable.field(0, names)
    }()

    // M2M: one code in MSCOD[23:16]; MSCOD[25:24] == 1 marks an HBM error.
    static let m2mErrors = ServerTable.field(0, [
        0x01: "Read ECC error", 0x02: "Bucket1 error", 0x03: "RdTrkr Parity error",
        0x05: "Prefetch channel mismatch", 0x07: "Read completion parity error",
        0x08: "Response parity error", 0x09: "Timeout error",
        0x0A: "CMI reserved credit pool error", 0x0B: "CMI total credit count error",
        0x0C: "CMI credit oversubscription error",
    ])

    // iMC: as Ice Lake, with DDR5 names for selectors 1 and 2.
    static let imcErrors: [UInt64: BitField] = IceLakeServer.imcErrors.merging([
        0x01: ServerTable.field(0, [0x00: "WDB read parity error", 0x08: "DDR link failure"]),
        0x02: ServerTable.field(0, [0x00: "DDR5 command / address parity error"]),
    ]) { $1 }

    /// ECC mode, MCi_MISC[62:59], of a DDR controller; unlisted values print `unknown`.
    static let eccModes: [UInt64: String] = [
        0: "SDDC 2LM memory mode", 1: "SDDC", 2: "SDDC+1 2LM memory mode", 3: "SDDC+1",
        4: "ADDDC 2LM memory mode", 5: "ADDDC", 6: "ADDDC+1 2LM memory mode", 7: "ADDDC+1",
        8: "DDRT read",
    ]
    /// The same field of an HBM controller: only two values print anything.
    static let hbmReadModes: [UInt64: String] = [1: "HBM 64B read", 9: "HBM 32B read"]

    static func decode(_ ctx: inout DecodeContext) {
        deriveChannel(&ctx)
        // Upstream's bank table has 32 entries and is read past its end for banks >= 32
        // (mcelog.md §24 item 15); here those banks have no unit.
        guard let unit = banks[ctx.bank] else { return }
        let s = ctx.status
        switch unit {
        case .pcu:
            let firmware = ctx.mcacod == shutdownMCACOD ? pcuShutdownCauses
                                                         : IceLakeServer.pcuFirmwareErrors
            IceLakeServer.decodePCU(&ctx, errors: pcuErrors, firmwareErrors: firmware)
        case .upi:
            IceLakeServer.decodeUPI(&ctx, errors: upiErrors)
        case .m2m, .hbmM2M:
            if unit == .hbmM2M { ctx.out.write("HBM: ") }
            ctx.out.write("M2M: ")
            if bits(s, 24, 25) == 1 { ctx.out.line("HBM Error") }
            ctx.out.bitfields(bits(s, 16, 23), [m2mErrors])
        case .imc, .hbmIMC:
            if unit == .hbmIMC { ctx.out.write("HBM: ") }
            ctx.out.write("MemCtrl: ")
            if let table = imcErrors[bits(s, 24, 31)] { ctx.out.bitfields(bits(s, 16, 23), [table]) }
            decodeMISC(&ctx, hbm: unit == .hbmIMC)
        }
    }

    /// MCi_MISC of an iMC bank, always printed. The fields moved down from Ice Lake's layout;
    /// HBM adds a second failed-device number and has its own read modes.
    static func decodeMISC(_ ctx: inout DecodeContext, hbm: Bool) {
        let m = ctx.misc
        let transient = bit(m, 63)
        ServerTable.dramLocation(&ctx.out, bank: bits(m, 39, 40),
                                 bankGroup: bits(m, 37, 38) | bits(m, 41, 41) << 2,
                                 row: bits(m, 19, 39), column: bits(m, 9, 18) << 2)
        if !transient && !ctx.uncorrected {
            ctx.out.write("failed device: 0x")
            if hbm { ctx.out.hex(bits(m, 51, 55)); ctx.out.write(",0x") }
            ctx.out.hex(bits(m, 43, 48)); ctx.out.newline()
        }
        ServerTable.hexItems(&ctx.out, [("rank", bits(m, 56, 58)), ("subrank", bits(m, 52, 55))])
        let mode = bits(m, 59, 62)
        if hbm {
            if let name = hbmReadModes[mode] { ctx.out.line(name) }
        } else {
            ctx.out.write("ecc mode: "); ctx.out.line(eccModes[mode] ?? "unknown")
        }
        if transient { ctx.out.line("transient") }
    }

    /// mcelog.md §11.2: DDR channels 0-7 in banks 13-20, HBM channels 8-9 in banks 30-31.
    static func deriveChannel(_ ctx: inout DecodeContext) {
        guard ServerTable.isMemoryError(ctx), ctx.mcacod & 0xf != 0xf else { return }
        switch ctx.bank {
        case 13...20: ctx.facts.channel = ctx.bank - 13
        case 30...31: ctx.facts.channel = 8 + ctx.bank - 30
        default: break
        }
    }
}
