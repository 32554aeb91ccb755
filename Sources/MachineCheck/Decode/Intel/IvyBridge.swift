/// Model-specific decoding (stub: to be filled in).
enum IvyBridge {
    static func decode(_ ctx: inout DecodeContext) {}
}
