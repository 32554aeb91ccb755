/// Model-specific decoding (stub: to be filled in).
enum DiamondRapids {
    static func decode(_ ctx: inout DecodeContext) {}
}
