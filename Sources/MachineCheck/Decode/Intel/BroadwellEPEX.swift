/// Model-specific decoding (stub: to be filled in).
enum BroadwellEPEX {
    static func decode(_ ctx: inout DecodeContext) {}
    static func mirrorCorrection(_ ctx: DecodeContext) -> String? { nil }
}
