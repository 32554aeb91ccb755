/// Field tables and their printer: decoders describe registers as data and this prints them
/// with upstream's layout rules (mcelog.md §16.4).
///
/// A `BitField` names the values of the field starting at `start`: the field is as wide as
/// the smallest all-ones mask covering `names.count - 1`. A value with a name prints the name;
/// an unnamed zero prints nothing; any other value prints `<start:hex>`.
public struct BitField: Sendable {
    public let start: Int
    public let names: [String?]

    public init(_ start: Int, _ names: [String?]) {
        self.start = start
        self.names = names
    }

    /// A single-bit flag: prints `name` when bit `start` is set.
    public static func flag(_ start: Int, _ name: String) -> BitField { BitField(start, [nil, name]) }

    /// A field with no names: any non-zero value prints as `<start:hex>`.
    public static func reserved(_ start: Int, width: Int) -> BitField {
        BitField(start, [String?](repeating: nil, count: 1 << width))
    }

    var mask: UInt64 {
        let limit = UInt64(Swift.max(names.count - 1, 0))
        var m: UInt64 = 1
        while m < limit { m = (m << 1) | 1 }
        return m
    }
}

/// A numeric field printed as `name: value` (decimal or hex) when non-zero or `always`.
public struct NumberField: Sendable {
    public enum Radix: Sendable { case decimal, hex }
    public let lo: Int
    public let hi: Int
    public let name: String
    public let radix: Radix
    public let always: Bool

    public init(_ lo: Int, _ hi: Int, _ name: String, radix: Radix = .decimal, always: Bool = false) {
        self.lo = lo
        self.hi = hi
        self.name = name
        self.radix = radix
        self.always = always
    }
}

extension TextBuffer {
    /// Longest line a field list grows to before it wraps.
    static let bitfieldLineLimit = 75

    /// Prints the named values of `fields` in `value`, space-separated, wrapping before an
    /// item that would take the line past 75 characters; ends with a newline if anything
    /// was printed. Returns whether anything was printed.
    @discardableResult
    public mutating func bitfields(_ value: UInt64, _ fields: [BitField]) -> Bool {
        var lineLength = 0
        var printed = false
        var delimiter: UInt8? = nil
        for field in fields {
            let v = (value >> UInt64(field.start)) & field.mask
            var item: String
            if v < UInt64(field.names.count), let name = field.names[Int(v)] {
                item = name
            } else {
                if v == 0 { continue }
                var t = TextBuffer(capacity: 24)
                t.write("<"); t.decimal(field.start); t.write(":"); t.hex(v); t.write(">")
                item = t.string
            }
            let length = item.utf8.count
            if lineLength + length > TextBuffer.bitfieldLineLimit {
                delimiter = 0x0a
                lineLength = 0
            }
            if let d = delimiter { write(byte: d) }
            write(item)
            delimiter = 0x20
            lineLength += length + 1
            printed = true
        }
        if printed { newline() }
        return printed
    }

    /// Prints `name: value` lines for the numeric fields that are non-zero or always shown.
    public mutating func numberFields(_ value: UInt64, _ fields: [NumberField]) {
        for f in fields {
            let v = bits(value, f.lo, f.hi)
            guard v > 0 || f.always else { continue }
            write(f.name); write(": ")
            switch f.radix {
            case .decimal: decimal(v)
            case .hex: hex(v)
            }
            newline()
        }
    }
}
