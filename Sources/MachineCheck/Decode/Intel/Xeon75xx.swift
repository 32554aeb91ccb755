/// Model-specific decoding (stub: to be filled in).
enum Xeon75xx {
    static func decode(_ ctx: inout DecodeContext) {}
}
