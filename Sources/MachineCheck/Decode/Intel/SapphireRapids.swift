/// Model-specific decoding (stub: to be filled in).
enum SapphireRapids {
    static func decode(_ ctx: inout DecodeContext) {}
}
