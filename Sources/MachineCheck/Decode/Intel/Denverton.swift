/// Denverton (Atom C3000) memory controller banks 6 and 7 (SDM vol. 3B table 16-33;
/// mcelog.md §17). Memory errors keep the MCACOD channel.
enum Denverton {
    static let memoryController: [BitField] = [
        .flag(16, "Cmd/Addr parity"),
        .flag(17, "Corrected Demand/Patrol Scrub Error"),
        .flag(18, "Uncorrected patrol scrub error"),
        .flag(19, "Uncorrected demand read error"),
        .flag(20, "WDB read ECC"),
    ]

    static func decode(_ ctx: inout DecodeContext) {
        switch ctx.bank {
        case 6, 7:
            ctx.out.write("MemCtrl: ")
            ctx.out.bitfields(ctx.status, memoryController)
        default:
            break
        }
    }
}
