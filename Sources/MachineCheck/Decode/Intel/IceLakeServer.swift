/// Model-specific decoding (stub: to be filled in).
enum IceLakeServer {
    static func decode(_ ctx: inout DecodeContext) {}
    static func mirrorCorrection(_ ctx: DecodeContext) -> String? { nil }
}
