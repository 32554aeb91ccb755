/// Model-specific decoding (stub: to be filled in).
enum P4 {
    static func decodeBus(_ ctx: inout DecodeContext) {}
}
