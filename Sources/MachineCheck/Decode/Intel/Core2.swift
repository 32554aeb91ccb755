/// Model-specific decoding (stub: to be filled in).
enum Core2 {
    static func decodeBus(_ ctx: inout DecodeContext) {}
    static func decodeP6OldBus(_ ctx: inout DecodeContext) {}
}
