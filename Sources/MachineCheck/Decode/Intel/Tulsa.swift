/// Model-specific decoding (stub: to be filled in).
enum Tulsa {
    static func decode(_ ctx: inout DecodeContext) {}
}
