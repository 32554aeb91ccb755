/// Nehalem/Westmere model-specific bits (SDM vol. 3B Appendix E.3.2 in upstream's numbering;
/// mcelog.md §17): QPI bus errors with their MISC, internal error 0x0001, and the integrated
/// memory controller with the MISC channel/DIMM/syndrome fields.
enum Nehalem {
    // MARK: QPI (bus and interconnect errors)

    static let qpiStatus: [BitField] = [
        .flag(16, "QPI header had bad parity"),
        .flag(17, "QPI Data packet had bad parity"),
        .flag(18, "Number of QPI retries exceeded"),
        .flag(19, "Received QPI data packet that was poisoned by sender"),
        .flag(20, "QPI reserved 20"),
        .flag(21, "QPI reserved 21"),
        .flag(22, "QPI received unsupported message encoding"),
        .flag(23, "QPI credit type is not supported"),
        .flag(24, "Sender sent too many QPI flits to the receiver"),
        .flag(25, "QPI Sender sent a failed response to receiver"),
        .flag(26, "Clock jitter detected in internal QPI clocking"),
    ]

    /// MISC fields, printed before the MISC flags.
    static let qpiMiscNumbers: [NumberField] = [
        NumberField(0, 7, "QPI class and opcode of packet with error", radix: .hex),
        NumberField(8, 13, "QPI Request Transaction ID", radix: .hex),
        NumberField(16, 18, "QPI Requestor/Home Node ID (RHNID)", always: true),
        NumberField(19, 23, "QPI miscreserved 19-23", radix: .hex),
    ]

    static let qpiMiscBits: [BitField] = [
        .flag(14, "QPI misc reserved 14"),
        .flag(15, "QPI misc reserved 15"),
        .flag(24, "QPI Interleave/Head Indication Bit (IIB)"),
    ]

    // MARK: Internal error 0x0001 (shared with Xeon 7500)

    /// Status bits 24-28; code 0 prints `No Error`.
    static let internalErrorCodes: [String?] = {
        var t = [String?](repeating: nil, count: 0x1b)
        t[0x0] = "No Error"
        t[0x3] = "Reset firmware did not complete"
        t[0x8] = "Received an invalid CMPD"
        t[0xa] = "Invalid Power Management Request"
        t[0xd] = "Invalid S-state transition"
        t[0x11] = "VID controller does not match POC controller selected"
        t[0x1a] = "MSID from POC does not match CPU MSID"
        return t
    }()

    static let internalErrorNumbers: [NumberField] = [
        NumberField(16, 23, "Internal machine check status reserved 16..23", radix: .hex),
        NumberField(32, 56, "Internal machine check status reserved 32..56", radix: .hex),
    ]

    // MARK: Memory controller (MCACOD 0x0080-0x00ff)

    static let memoryStatus: [BitField] = [
        .flag(16, "Memory read ECC error"),
        .flag(17, "Memory ECC error occurred during scrub"),
        .flag(18, "Memory write parity error"),
        .flag(19, "Memory error in half of redundant memory"),
        .flag(20, "Memory reserved 20"),
        .flag(21, "Memory access out of range"),
        .flag(22, "Memory internal RTID invalid"),
        .flag(23, "Memory address parity error"),
        .flag(24, "Memory byte enable parity error"),
    ]

    static let memoryStatusNumbers: [NumberField] = [
        NumberField(25, 37, "Memory MISC reserved 25..37", radix: .hex),
        NumberField(38, 52, "Memory corrected error count (CORE_ERR_CNT)", always: true),
        NumberField(53, 56, "Memory MISC reserved 53..56", radix: .hex),
    ]

    /// MISC layout of memory errors: RTId, DIMM (16-17), channel (18-19), syndrome (32-63).
    static let memoryMiscNumbers: [NumberField] = [
        NumberField(0, 7, "Memory transaction Tracker ID (RTId)", radix: .hex, always: true),
        NumberField(16, 17, "Memory DIMM ID of error", always: true),
        NumberField(18, 19, "Memory channel ID of error", always: true),
        NumberField(32, 63, "Memory ECC syndrome", radix: .hex, always: true),
    ]

    /// Selection on the raw MCACOD: a set F bit (12) disables all three decodes.
    static func decode(_ ctx: inout DecodeContext) {
        let mca = ctx.mcacod
        if mca >> 11 == 1 {
            ctx.out.bitfields(ctx.status, qpiStatus)
            if ctx.miscValid {
                ctx.out.numberFields(ctx.misc, qpiMiscNumbers)
                ctx.out.bitfields(ctx.misc, qpiMiscBits)
            }
        } else if mca == 0x0001 {
            decodeInternal(&ctx)
        } else if mca >> 7 == 1 {
            ctx.out.bitfields(ctx.status, memoryStatus)
            ctx.out.numberFields(ctx.status, memoryStatusNumbers)
            if ctx.miscValid {
                ctx.out.numberFields(ctx.misc, memoryMiscNumbers)
                // The MISC channel/DIMM replace the MCACOD channel (mcelog.md §11.2).
                ctx.facts.channel = Int(bits(ctx.misc, 18, 19))
                ctx.facts.dimm = Int(bits(ctx.misc, 16, 17))
            }
        }
    }

    /// Internal error 0x0001: the error code and the reserved status bits.
    static func decodeInternal(_ ctx: inout DecodeContext) {
        ctx.out.bitfields(ctx.status, [BitField(24, internalErrorCodes)])
        ctx.out.numberFields(ctx.status, internalErrorNumbers)
    }
}
