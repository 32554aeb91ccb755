/// Model-specific decoding (stub: to be filled in).
enum Dunnington {
    static func decode(_ ctx: inout DecodeContext) {}
}
