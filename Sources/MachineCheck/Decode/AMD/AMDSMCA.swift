/// Model-specific decoding (stub: to be filled in).
public enum AMDSMCA {
    static func decode(_ ctx: inout DecodeContext) {}
}
