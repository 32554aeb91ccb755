/// Model-specific decoding (stub: to be filled in).
enum Haswell {
    static func decode(_ ctx: inout DecodeContext) {}
}
