/// Bus errors on Pentium 4 / Xeon (NetBurst, including Tulsa): model-specific status bits
/// 16-23, printed as upstream's `Model:` block (mcelog.md §17).
enum P4 {
    /// Status bit -> name, in print order.
    static let modelBits: [(bit: Int, name: String)] = [
        (16, "FSB address parity"),
        (17, "Response hard fail"),
        (18, "Response parity"),
        (19, "PIC and FSB data parity"),
        (20, "Invalid PIC request(Signature=0xF04H)"),
        (21, "Pad state machine"),
        (22, "Pad strobe glitch"),
        (23, "Pad address glitch"),
    ]

    /// `Model:` glued to the first name, one name per line, then an empty line; with no bit
    /// set just `Model:` and the newline.
    static func decodeBus(_ ctx: inout DecodeContext) {
        ctx.out.write("Model:")
        for entry in modelBits where bit(ctx.status, entry.bit) {
            ctx.out.line(entry.name)
        }
        ctx.out.newline()
    }
}
