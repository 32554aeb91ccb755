/// Model-specific decoding (stub: to be filled in).
enum BroadwellDE {
    static func decode(_ ctx: inout DecodeContext) {}
}
