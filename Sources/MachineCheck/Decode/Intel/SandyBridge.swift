/// Model-specific decoding (stub: to be filled in).
enum SandyBridge {
    static func decode(_ ctx: inout DecodeContext) {}
}
