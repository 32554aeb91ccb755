/// Model-specific decoding (stub: to be filled in).
enum Nehalem {
    static func decode(_ ctx: inout DecodeContext) {}
}
