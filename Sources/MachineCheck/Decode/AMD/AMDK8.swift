/// Model-specific decoding (stub: to be filled in).
public enum AMDK8 {
    /// Header bank text, e.g. `4 northbridge`.
    public static func bankName(_ bank: UInt8) -> String { "\(bank) unknown" }
    static func decode(_ ctx: inout DecodeContext) {}
}
