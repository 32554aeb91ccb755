/// Xeon 7100 (Tulsa) model-specific bits (SDM vol. 3B Appendix E.4.1 in upstream's
/// numbering; mcelog.md §17): corrected-event count, ECC syndrome, the undocumented MISC
/// format, FSB bus error bits and the internal-error MSCOD classes.
enum Tulsa {
    static let correctedEvents = [NumberField(32, 39, "Corrected events")]
    /// Valid when status bit 52 is set.
    static let eccSyndrome = [NumberField(44, 51, "ECC syndrome", radix: .hex)]

    /// Bus error 0x0e0f: status bits 16-31 (upstream's spellings "Partity", "date").
    static let busBits: [BitField] = [
        .flag(16, "Parity error detected during FSB request phase"),
        .flag(17, "Partity error detected on Core 0 request's address field"),
        .flag(18, "Partity error detected on Core 1 request's address field"),
        .reserved(19, width: 1),
        .flag(20, "Parity error on FSB response field detected"),
        .flag(21, "FSB data parity error on inbound date detected"),
        .flag(22, "Data parity error on data received from Core 0 detected"),
        .flag(23, "Data parity error on data received from Core 1 detected"),
        .flag(24, "Detected an Enhanced Defer parity error phase A or phase B"),
        .flag(25, "Data ECC event to error on inbound data correctable or uncorrectable"),
        .flag(26, "Pad logic detected a data strobe glitch or sequencing error"),
        .flag(27, "Pad logic detected a request strobe glitch or sequencing error"),
        .reserved(28, width: 3),
        .reserved(31, width: 1),
    ]

    /// Internal error 0x0400: the MSCOD classes.
    static let internalErrors = FSBInternalErrors(
        front: [nil, "Inclusion error from core 0", "Inclusion error from core 1",
                "Write Exclusive error from core 0", "Write Exclusive error from core 1",
                "Inclusion error from FSB", "SNP stall error from FSB", "Write stall error from FSB",
                "FSB Arbiter Timeout error", "CBC OOD Queue Underflow/overflow",
                nil, nil, nil, nil, nil],
        internal: [nil, "Enhanced Intel SpeedStep Technology TM1-TM2 Error",
                   "Internal timeout error", "Internal timeout error",
                   "Intel Cache Safe Technology Queue full error\nor disabled ways in a set overflow",
                   nil, nil, nil, nil, nil, nil, nil, nil, nil, nil],
        correctableECC: [.flag(0, "Correctable ECC event on outgoing FSB data"),
                         .flag(1, "Correctable ECC event on outgoing core 0 data"),
                         .flag(2, "Correctable ECC event on outgoing core 1 data")],
        uncorrectableECC: [.flag(0, "Uncorrectable ECC event on outgoing FSB data"),
                           .flag(1, "Uncorrectable ECC event on outgoing core 0 data"),
                           .flag(2, "Uncorrectable ECC event on outgoing core 1 data")])

    static func decode(_ ctx: inout DecodeContext) {
        let s = ctx.status
        ctx.out.numberFields(s, correctedEvents)
        if bit(s, 52) { ctx.out.numberFields(s, eccSyndrome) }
        if ctx.miscValid {
            // The MISC layout is undocumented: upstream dumps its format (status 40-41) and value.
            ctx.out.write("MISC format "); ctx.out.hex(bits(s, 40, 41))
            ctx.out.write(" value "); ctx.out.hex(ctx.misc); ctx.out.newline()
        }
        switch ctx.mcacod {
        case 0x0e0f: ctx.out.bitfields(s, busBits)
        case 0x0400: internalErrors.decode(&ctx)
        default: break
        }
    }
}

/// The internal-error (MCACOD 0x0400) MSCOD classes shared by Tulsa and Dunnington: front-end
/// errors in MSCOD[3:0], internal errors in MSCOD[11:8], correctable (0xC00x) and
/// uncorrectable (0xE00x) ECC events. The fields are positioned within MSCOD.
struct FSBInternalErrors: Sendable {
    /// 15 entries at MSCOD bit 0 (a 4-bit field: value 15 prints `<0:f>`).
    let front: [String?]
    /// 15 entries at MSCOD bit 8.
    let `internal`: [String?]
    let correctableECC: [BitField]
    let uncorrectableECC: [BitField]

    func decode(_ ctx: inout DecodeContext) {
        let mscod = UInt64(ctx.mscod)
        if mscod & 0xfff0 == 0 {
            ctx.out.bitfields(mscod, [BitField(0, front)])
        } else if mscod & 0xf0ff == 0 {
            ctx.out.bitfields(mscod, [BitField(8, `internal`)])
        } else if mscod & 0xfff0 == 0xc000 {
            ctx.out.bitfields(mscod, correctableECC)
        } else if mscod & 0xfff0 == 0xe000 {
            ctx.out.bitfields(mscod, uncorrectableECC)
        }
    }
}
