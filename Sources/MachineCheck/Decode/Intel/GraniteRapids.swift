/// Model-specific decoding (stub: to be filled in).
enum GraniteRapids {
    static func decode(_ ctx: inout DecodeContext) {}
}
