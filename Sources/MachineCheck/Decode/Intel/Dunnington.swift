/// Xeon 7400 (Dunnington) model-specific bits (SDM vol. 3B Appendix E.2.1 in upstream's
/// numbering; mcelog.md §17): FSB bus error bits and the internal-error MSCOD classes.
/// The bus-queue bits of its bus errors come from `Core2.decodeBus`.
enum Dunnington {
    /// Bus error 0x0e0f: status bits 16-31.
    static let busBits: [BitField] = [
        .flag(16, "Parity error detected during FSB request phase"),
        .reserved(17, width: 3),
        .flag(20, "Hard Failure response received for a local transaction"),
        .flag(21, "Parity error on FSB response field detected"),
        .flag(22, "Parity data error on inbound data detected"),
        .reserved(23, width: 3),
        .reserved(25, width: 3),
        .reserved(28, width: 3),
        .reserved(31, width: 1),
    ]

    /// Internal error 0x0400: the MSCOD classes (a third core adds entries 0xA/0xB; the ECC
    /// bits start at 1, with no FSB bit).
    static let internalErrors = FSBInternalErrors(
        front: [nil, "Inclusion error from core 0", "Inclusion error from core 1",
                "Write Exclusive error from core 0", "Write Exclusive error from core 1",
                "Inclusion error from FSB", "SNP stall error from FSB", "Write stall error from FSB",
                "FSB Arbiter Timeout error", nil, "Inclusion error from core 2",
                "Write exclusive error from core 2", nil, nil, nil],
        internal: [nil, nil, "Internal timeout error", "Internal timeout error",
                   "Intel Cache Safe Technology Queue full error\nor disabled ways in a set overflow",
                   "Quiet cycle timeout error (correctable)",
                   nil, nil, nil, nil, nil, nil, nil, nil, nil],
        correctableECC: [.flag(1, "Correctable ECC event on outgoing core 0 data"),
                         .flag(2, "Correctable ECC event on outgoing core 1 data"),
                         .flag(3, "Correctable ECC event on outgoing core 2 data")],
        uncorrectableECC: [.flag(1, "Uncorrectable ECC event on outgoing core 0 data"),
                           .flag(2, "Uncorrectable ECC event on outgoing core 1 data"),
                           .flag(3, "Uncorrectable ECC event on outgoing core 2 data")])

    static func decode(_ ctx: inout DecodeContext) {
        switch ctx.mcacod {
        case 0x0e0f: ctx.out.bitfields(ctx.status, busBits)
        case 0x0400: internalErrors.decode(&ctx)
        default: break
        }
    }
}
