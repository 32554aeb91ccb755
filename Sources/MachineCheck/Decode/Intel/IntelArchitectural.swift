/// The architectural part of an Intel machine-check decode: MCG_STATUS, MCi_STATUS and the
/// compound error code (SDM vol. 3B §16.9), printed in upstream's words (mcelog.md §16.2-16.3).
public enum IntelArchitectural {
    // Names of the compound-code sub-fields (SDM table 16-10).
    static let simpleErrors = ["No Error", "Unclassified", "Microcode ROM parity error",
                               "External error", "FRC error", "Internal parity error",
                               "SMM Handler Code Access Violation"]
    static let transactionTypes = ["Instruction", "Data", "Generic", "Unknown"]      // TT
    static let levels = ["Level-0", "Level-1", "Level-2", "Level-3"]                 // LL
    static let requests = ["Generic", "Read", "Write", "Data-Read", "Data-Write",     // RRRR
                           "Instruction-Fetch", "Prefetch", "Eviction", "Snoop"]
    static let participations = ["Local-CPU-originated-request", "Responed-to-request",  // PP (sic)
                                 "Observed-error-as-third-party", "Generic"]
    static let timeouts = ["Request-did-not-timeout", "Request-timed-out"]          // T
    static let memoryOrIO = ["Memory-access", "Reserved", "IO", "Other-transaction"] // II
    static let memoryMnemonics = ["GEN", "RD", "WR", "AC", "MS", "RES5", "RES6", "RES7"]  // MMM
    static let memoryTransactions = ["Generic undefined request", "Memory read error",
                                     "Memory write error", "Address/Command error",
                                     "Memory scrubbing error", "Reserved 5", "Reserved 6",
                                     "Reserved 7"]
    static let recoveryStates = ["UCNA", "AR", "SRAO", "SRAR"]

    static func name(_ table: [String], _ i: UInt32) -> String {
        Int(i) < table.count ? table[Int(i)] : "UNKNOWN"
    }
    static func requestName(_ r: UInt32) -> String { name(requests, r) }

    /// The whole architectural decode of one record, followed by the model-specific parts.
    public static func decode(_ ctx: inout DecodeContext) {
        if ctx.record.bank == SpecialBank.thermal {
            Thermal.decode(&ctx)
            return
        }
        decodeMCGStatus(&ctx)
        decodeMCiStatus(&ctx)
        ModelSpecific.decode(&ctx)
    }

    static func decodeMCGStatus(_ ctx: inout DecodeContext) {
        let g = ctx.record.mcgstatus
        ctx.out.write("MCG status:")
        if g & MCGStatus.ripv != 0 { ctx.out.write("RIPV ") }
        if g & MCGStatus.eipv != 0 { ctx.out.write("EIPV ") }
        if g & MCGStatus.mcip != 0 { ctx.out.write("MCIP ") }
        if g & MCGStatus.lmces != 0 { ctx.out.write("LMCE ") }
        ctx.out.newline()
    }

    static func decodeMCiStatus(_ ctx: inout DecodeContext) {
        let s = ctx.status
        let cap = ctx.record.mcgcap
        ctx.out.line("MCi status:")
        if s & MCiStatus.val == 0 { ctx.out.line("Machine check not valid") }
        if s & MCiStatus.over != 0 { ctx.out.line("Error overflow") }
        if s & MCiStatus.uc != 0 {
            ctx.out.line("Uncorrected error")
        } else if let mirror = ModelSpecific.mirrorCorrection(ctx) {
            ctx.facts.mirrorCorrection = mirror
            ctx.out.line("Corrected error by " + mirror)
        } else {
            ctx.out.line("Corrected error")
        }
        if s & MCiStatus.en != 0 { ctx.out.line("Error enabled") }
        if s & MCiStatus.miscv != 0 { ctx.out.line("MCi_MISC register valid") }
        if s & MCiStatus.addrv != 0 { ctx.out.line("MCi_ADDR register valid") }
        if s & MCiStatus.pcc != 0 {
            ctx.out.line("Processor context corrupt")
        } else if s & (MCiStatus.s | MCiStatus.ar) != 0 {
            ctx.out.line(recoveryStates[Int((s >> 55) & 3)])
        }
        if cap & MCGCap.serP != 0 && s & MCiStatus.fwst != 0 {
            ctx.out.line("Firmware may have updated this error")
        }
        var track: UInt32 = 0
        if (cap == 0 || cap & MCGCap.tesP != 0) && s & MCiStatus.uc == 0 {
            track = MCiStatus.thresholdStatus(s)
            ctx.facts.thresholdStatus = Int(track)
            switch track {
            case 1: ctx.out.line("Threshold based error status: green")
            case 2:
                ctx.out.line("Threshold based error status: yellow")
                ctx.out.line("Large number of corrected cache errors. System operating, but might lead")
                ctx.out.line("to uncorrected errors soon")
            case 3: ctx.out.line("Threshold based error status: res3")
            default: break
            }
        }
        ctx.out.write("MCA: ")
        decodeCompoundCode(&ctx, track: track)
    }

    /// The compound error code (MCACOD), SDM table 16-9; the F bit (12) is reported first.
    static func decodeCompoundCode(_ ctx: inout DecodeContext, track: UInt32) {
        var mca = ctx.mcacod
        if mca & (1 << 12) != 0 {
            ctx.out.line("corrected filtering (some unreported errors in same region)")
            mca &= ~UInt32(1 << 12)
        }
        if Int(mca) < simpleErrors.count {
            ctx.out.line(simpleErrors[Int(mca)])
            ctx.facts.kind = mca == 2 ? .microcode : (mca == 0 ? .unknown : .internal)
            return
        }
        if mca >> 2 == 3 {                                   // 0000 0000 0000 11LL
            let level = mca & 3
            ctx.out.write(name(levels, level)); ctx.out.line(" Generic cache hierarchy error")
            ctx.facts.kind = .cache
            if track == 2 { cacheThreshold(&ctx, typeCode: -1, level: level, typeName: "unknown") }
        } else if mca >> 4 == 1 {                            // 0000 0000 0001 TTLL
            let type = (mca >> 2) & 3, level = mca & 3
            ctx.out.write(name(transactionTypes, type)); ctx.out.write(" TLB ")
            ctx.out.write(name(levels, level)); ctx.out.line(" Error")
            ctx.facts.kind = .tlb
            if track == 2 { cacheThreshold(&ctx, typeCode: Int(type), level: level, typeName: name(transactionTypes, type)) }
        } else if mca >> 8 == 1 {                            // 0000 0001 RRRR TTLL
            let type = (mca >> 2) & 3, level = (mca & 3) + 1  // upstream prints LL+1
            ctx.out.write(name(transactionTypes, type)); ctx.out.write(" CACHE ")
            ctx.out.write(name(levels, level)); ctx.out.write(" ")
            ctx.out.write(requestName((mca >> 4) & 0xf)); ctx.out.line(" Error")
            ctx.facts.kind = .cache
            if track == 2 { cacheThreshold(&ctx, typeCode: Int(type), level: level, typeName: name(transactionTypes, type)) }
        } else if mca >> 9 == 1 && (mca >> 7) & 3 == 1 {     // 0000 0010 1MMM CCCC
            ctx.out.write("Memory as cache: ")
            memoryController(&ctx, code: mca)
            ctx.facts.kind = .memory
        } else if mca >> 10 == 1 {                           // 0000 01xx xxxx xxxx
            if mca == 0x400 {
                ctx.out.line("Internal Timer error")
            } else {
                ctx.out.write("Internal unclassified error: "); ctx.out.hex(mca & 0xffff); ctx.out.newline()
            }
            ctx.facts.kind = .internal
            ctx.facts.isUnknownEvent = true
        } else if mca >> 11 == 1 {                           // 0000 1PPT RRRR IILL
            busError(&ctx, code: mca)
        } else if mca >> 7 == 1 {                            // 0000 0000 1MMM CCCC
            memoryController(&ctx, code: mca)
            ctx.facts.kind = .memory
            // Accounting uses the raw code: a set F bit means "not a memory error" upstream.
            ctx.facts.isMemoryError = ctx.mcacod >> 7 == 1
        } else {
            ctx.out.write("Unknown Error "); ctx.out.hex(mca); ctx.out.newline()
            ctx.facts.kind = .unknown
            ctx.facts.isUnknownEvent = true
        }
    }

    static func busError(_ ctx: inout DecodeContext, code mca: UInt32) {
        let event = BusErrorEvent(socket: ctx.socket, cpu: ctx.cpu,
                                  level: name(levels, mca & 3),
                                  participation: name(participations, (mca >> 9) & 3),
                                  request: requestName((mca >> 4) & 0xf),
                                  transaction: name(memoryOrIO, (mca >> 2) & 3),
                                  timeout: name(timeouts, (mca >> 8) & 1))
        ctx.out.write("BUS error: "); ctx.out.decimal(event.socket); ctx.out.write(" ")
        ctx.out.decimal(event.cpu); ctx.out.write(" "); ctx.out.write(event.level)
        ctx.out.write(" "); ctx.out.write(event.participation); ctx.out.write(" ")
        ctx.out.write(event.request); ctx.out.write(" "); ctx.out.write(event.transaction)
        ctx.out.write(" "); ctx.out.line(event.timeout)
        ctx.facts.bus = event
        ctx.facts.kind = .bus
        // IO MCA: a bus error with these PP/T/RRRR/II/LL values and MISCV; MISC names the
        // root port that reported it (Intel "Enhanced MCA logging" paper).
        if ctx.miscValid && ctx.status & 0xefff == 0x0e0b {
            let m = ctx.misc
            let port = IORootPort(segment: Int(bits(m, 32, 39)), bus: Int(bits(m, 24, 31)),
                                  device: Int(bits(m, 19, 23)), function: Int(bits(m, 16, 18)))
            ctx.out.write("IO MCA reported by root port "); ctx.out.hex(port.segment)
            ctx.out.write(":"); ctx.out.hex(port.bus, width: 2); ctx.out.write(":")
            ctx.out.hex(port.device, width: 2); ctx.out.write("."); ctx.out.hex(port.function)
            ctx.out.newline()
            ctx.facts.ioRootPort = port
            ctx.facts.kind = .io
        }
    }

    /// `MEMORY CONTROLLER <MMM>_CHANNEL<C>_ERR` and its transaction line.
    static func memoryController(_ ctx: inout DecodeContext, code mca: UInt32) {
        let mmm = Int((mca >> 4) & 7)
        ctx.out.write("MEMORY CONTROLLER "); ctx.out.write(memoryMnemonics[mmm])
        ctx.out.write("_CHANNEL")
        if mca & 0xf == 0xf {
            ctx.out.write("unspecified")
        } else {
            var channel = Int(mca & 0xf)
            // Knights Landing/Mill number the channels of their second controller from 3.
            if (ctx.cpuType == .knightsLanding || ctx.cpuType == .knightsMill) && ctx.bank == 15 {
                channel += 3
            }
            ctx.out.decimal(channel)
            ctx.facts.channel = channel
        }
        ctx.out.line("_ERR")
        ctx.out.write("Transaction: "); ctx.out.line(memoryTransactions[mmm])
    }

    /// A yellow corrected-cache-error report; the remark is printed inline as upstream logs it.
    static func cacheThreshold(_ ctx: inout DecodeContext, typeCode: Int, level: UInt32, typeName: String) {
        let event = CacheThresholdEvent(cpu: ctx.cpu, socket: ctx.socket, typeCode: typeCode,
                                        level: Int(level), typeName: typeName,
                                        levelName: name(levels, level))
        ctx.facts.cacheThreshold = event
        guard ctx.options.cacheThresholdLog else { return }
        ctx.out.write("CPU "); ctx.out.decimal(event.cpu)
        if event.socket >= 0 { ctx.out.write(" on socket "); ctx.out.decimal(event.socket) }
        ctx.out.write(" has large number of corrected cache errors in ")
        ctx.out.write(event.levelName); ctx.out.write(" "); ctx.out.line(typeName)
        ctx.out.line("System operating correctly, but might lead to uncorrected cache errors soon")
    }
}

/// Thermal events reported in pseudo-bank 128.
public enum Thermal {
    public static func decode(_ ctx: inout DecodeContext) {
        ctx.facts.kind = .thermal
        ctx.facts.severity = .informational
        ctx.facts.isUnknownEvent = true
        ctx.out.write("Processor "); ctx.out.decimal(ctx.cpu)
        if ctx.status & 1 != 0 {
            ctx.out.line(" heated above trip temperature. Throttling enabled.")
            ctx.out.line("Please check your system cooling. Performance will be impacted")
        } else {
            ctx.out.line(" below trip temperature. Throttling disabled")
        }
    }
}
