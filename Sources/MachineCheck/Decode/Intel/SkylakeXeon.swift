/// Model-specific decoding (stub: to be filled in).
enum SkylakeXeon {
    static func decode(_ ctx: inout DecodeContext) {}
    static func mirrorCorrection(_ ctx: DecodeContext) -> String? { nil }
}
