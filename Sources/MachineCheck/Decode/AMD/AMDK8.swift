/// AMD K8 and families 10h/11h: the bank-specific MCi_STATUS decode of upstream k8.c
/// (mcelog.md §17.1; AMD BKDG for family 0Fh, "Machine Check Architecture").
///
/// Output is two-space indented: the bank's own lines, then the set high status bits and the
/// error-code class (TLB, memory/cache, bus) in the K8 wording.
public enum AMDK8 {
    /// MC0-MC5 (upstream's "reoder" typo kept).
    static let bankNames = ["data cache", "instruction cache", "bus unit", "load/store unit",
                            "northbridge", "fixed-issue reoder"]

    /// Threshold pseudo-banks: the kernel reports MCi_MISC threshold overflows as bank
    /// 129 + 9 * bank + block (six banks of nine blocks).
    static let thresholdBase = 129
    static let thresholdEnd = 129 + 6 * 9      // first bank past the range
    static func thresholdName(_ index: Int) -> String {
        switch index {
        case 4 * 9 + 0: return "MC4_MISC0 DRAM threshold"
        case 4 * 9 + 1: return "MC4_MISC1 Link threshold"
        case 4 * 9 + 2: return "MC4_MISC2 L3 Cache threshold"
        case 4 * 9 + 3: return "MC4_MISC3 FBDIMM threshold"
        default: return "Unknown threshold counter"
        }
    }
    /// MISC bit 48: the threshold counter overflowed.
    static let thresholdOverflow: UInt64 = 1 << 48

    /// Header bank text of an MCA bank (0-127) after `CPU n `: `<bank> <name>`.
    static func bankName(_ bank: UInt8) -> String {
        let n = Int(bank)
        return Format.decimal(n) + " " + (n < bankNames.count ? bankNames[n] : "unknown")
    }

    /// Header bank text of a threshold pseudo-bank, nil outside them. Upstream's range
    /// includes its end (183), where the lookup fails into "unknown".
    static func thresholdBankName(_ bank: UInt8) -> String? {
        let n = Int(bank)
        guard n >= thresholdBase && n <= thresholdEnd else { return nil }
        return Format.decimal(n) + " " + (n < thresholdEnd ? thresholdName(n - thresholdBase) : "unknown")
    }

    /// Device-mode filter: uncorrected GART errors (northbridge, extended code 5) are noise
    /// from the AGP aperture and are dropped unless filtering is off.
    static func isGARTError(_ record: MachineCheckRecord) -> Bool {
        record.bank == 4 && extendedCode(record.status) == 5 && record.status & MCiStatus.uc != 0
    }

    /// Extended error code, status bits 16-19.
    static func extendedCode(_ status: UInt64) -> Int { Int(bits(status, 16, 19)) }

    static func decode(_ ctx: inout DecodeContext) {
        let bank = ctx.bank
        switch bank {
        case 0: dataCache(&ctx)
        case 1: instructionCache(&ctx)
        case 2: busUnit(&ctx)
        case 3, 5: break
        case 4: northbridge(&ctx)
        case thresholdBase..<thresholdEnd:
            threshold(&ctx)
            return
        default:
            ctx.out.write("  no decoder for unknown bank "); ctx.out.decimal(bank); ctx.out.newline()
            ctx.facts.kind = .unknown
            return
        }
        generic(&ctx)
    }

    // MARK: Bank-specific lines

    /// Status bits 45/46: uncorrected / corrected ECC error.
    static func hasECCError(_ s: UInt64) -> Bool { bits(s, 45, 46) != 0 }
    /// ECC syndrome, status bits 47-54.
    static func syndrome(_ s: UInt64) -> UInt64 { bits(s, 47, 54) }
    static func isTLBCode(_ s: UInt64) -> Bool { s & 0xfff0 == 0x0010 }

    static func dataCache(_ ctx: inout DecodeContext) {
        let s = ctx.status
        if hasECCError(s) {
            ctx.out.write("  Data cache ECC error (syndrome "); ctx.out.hex(syndrome(s)); ctx.out.write(")")
            if bit(s, 40) { ctx.out.write(" found by scrubber") }
            ctx.out.newline()
        }
        tlbParity(&ctx)
    }

    static func instructionCache(_ ctx: inout DecodeContext) {
        if hasECCError(ctx.status) { ctx.out.line("  Instruction cache ECC error") }
        tlbParity(&ctx)
    }

    /// Extended code 0 names the physical tag array, anything else the virtual one.
    static func tlbParity(_ ctx: inout DecodeContext) {
        guard isTLBCode(ctx.status) else { return }
        ctx.out.write("  TLB parity error in ")
        ctx.out.write(extendedCode(ctx.status) == 0 ? "physical" : "virtual")
        ctx.out.line(" array")
    }

    static func busUnit(_ ctx: inout DecodeContext) {
        if hasECCError(ctx.status) { ctx.out.line("  L2 cache ECC error") }
        ctx.out.write("  ")
        ctx.out.write(extendedCode(ctx.status) == 0 ? "Bus or cache" : "Cache tag")
        ctx.out.line(" array error")
    }

    /// Northbridge extended error codes (upstream's "Tablew" typo kept).
    static let northbridgeErrors = [
        "RAM ECC error", "CRC error", "Sync error", "Master abort", "Target abort", "GART error",
        "RMW error", "Watchdog error", "RAM Chipkill ECC error", "DEV Error", "Link Data Error",
        "Link Protocol Error", "NB Array Error", "DRAM Parity Error", "Link Retry",
        "Tablew Walk Data Error", "L3 Cache Data Error", "L3 Cache Tag Error", "L3 Cache LRU Error",
    ]

    static func northbridge(_ ctx: inout DecodeContext) {
        let s = ctx.status
        let code = extendedCode(s)
        ctx.out.write("  Northbridge "); ctx.out.line(northbridgeErrors[code])
        switch code {
        case 0:
            ctx.out.write("  ECC syndrome = "); ctx.out.hex(syndrome(s)); ctx.out.newline()
            dramError(&ctx)
        case 8:
            // Chipkill: the high syndrome byte is in status bits 24-31.
            ctx.out.write("  Chipkill ECC syndrome = ")
            ctx.out.hex(bits(s, 24, 31) << 8 | syndrome(s)); ctx.out.newline()
            dramError(&ctx)
        case 1, 2, 3, 4, 6:
            // HyperTransport link errors: the link number is in status bits 36-39.
            ctx.out.write("  link number = "); ctx.out.hex(bits(s, 36, 39)); ctx.out.newline()
            ctx.facts.kind = .interconnect
        default: break
        }
    }

    /// A DRAM ECC error: status bit 41 names the DRAM channel.
    static func dramError(_ ctx: inout DecodeContext) {
        ctx.facts.kind = .memory
        ctx.facts.isMemoryError = true
        ctx.facts.channel = bit(ctx.status, 41) ? 1 : 0
    }

    static func threshold(_ ctx: inout DecodeContext) {
        if ctx.misc & thresholdOverflow != 0 { ctx.out.line("  Threshold error count overflow") }
        switch ctx.bank - thresholdBase {
        case 4 * 9 + 0, 4 * 9 + 3: ctx.facts.kind = .memory
        case 4 * 9 + 1: ctx.facts.kind = .interconnect
        case 4 * 9 + 2: ctx.facts.kind = .cache
        default: ctx.facts.kind = .unknown
        }
    }

    // MARK: Generic part (all MCA banks)

    /// Names of status bits 32-63 (index = bit - 32). VAL, EN and ADDRV (63, 60, 58) are
    /// never printed; 47-54 (syndrome) and 36-39 (link number) have no name.
    static let highBits: [String?] = {
        var t = [String?](repeating: nil, count: 32)
        t[0] = "err cpu0"; t[1] = "err cpu1"; t[2] = "err cpu2"; t[3] = "err cpu3"
        t[8] = "error found by scrub"
        t[9] = "sublink or DRAM channel"
        t[10] = "L3 subcache in error bit 0"; t[11] = "L3 subcache in error bit 1"
        t[12] = "res12"
        t[13] = "uncorrected ecc error"; t[14] = "corrected ecc error"
        t[23] = "res23"; t[24] = "res24"
        t[25] = "processor context corrupt"
        t[27] = "misc error valid"
        t[29] = "error uncorrected"
        t[30] = "error overflow (multiple errors)"
        return t
    }()

    static let transactionTypes = ["instruction", "data", "generic", "reserved"]          // TT
    static let cacheLevels = ["0", "1", "2", "generic"]                                    // LL
    static let memoryTransactions = ["generic error", "generic read", "generic write",     // RRRR
                                     "data read", "data write", "instruction fetch", "prefetch",
                                     "evict", "snoop", "?", "?", "?", "?", "?", "?", "?"]
    static let participations = ["local node origin", "local node response",               // PP
                                 "local node observed", "generic participation"]
    static let timeouts = ["request didn't time out", "request timed out"]                 // T
    static let memoryOrIO = ["memory", "res.", "i/o", "generic"]                           // II

    static func generic(_ ctx: inout DecodeContext) {
        let s = ctx.status
        for i in 0..<32 where i != 31 && i != 28 && i != 26 {
            guard let name = highBits[i], bit(s, i + 32) else { continue }
            ctx.out.write("       bit"); ctx.out.decimal(i + 32); ctx.out.write(" = "); ctx.out.line(name)
        }
        let code = Int(s & 0xffff)
        let tt = transactionTypes[(code >> 2) & 3], ll = cacheLevels[code & 3]
        let rrrr = memoryTransactions[(code >> 4) & 0xf]
        if code & 0xfff0 == 0x0010 {
            ctx.out.line("  TLB error '\(tt) transaction, level \(ll)'")
            setKind(&ctx, .tlb)
        } else if code & 0xff00 == 0x0100 {
            ctx.out.line("  memory/cache error '\(rrrr) mem transaction, \(tt) transaction, level \(ll)'")
            setKind(&ctx, .cache)
        } else if code & 0xf800 == 0x0800 {
            ctx.out.line("  bus error '\(participations[(code >> 9) & 3]), \(timeouts[(code >> 8) & 1])")
            ctx.out.line("             \(rrrr) mem transaction")
            ctx.out.line("             \(memoryOrIO[(code >> 2) & 3]) access, level \(ll)'")
            setKind(&ctx, .bus)
        }
    }

    /// The error-code class, unless the bank decode already knew better (DRAM ECC, link).
    static func setKind(_ ctx: inout DecodeContext, _ kind: ErrorKind) {
        if ctx.facts.kind == .unknown { ctx.facts.kind = kind }
    }
}
