/// Model-specific decoding (stub: to be filled in).
enum Denverton {
    static func decode(_ ctx: inout DecodeContext) {}
}
