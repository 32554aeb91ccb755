/// Decoded text accumulated as bytes: cheap appends without Foundation's formatting.
///
/// Formatting helpers mirror the printf conversions upstream's output uses (`%x`, `%llx`,
/// `%02x`, `%u`, `%d`), so decoders can state the exact format next to each call.
public struct TextBuffer: Sendable, Equatable {
    public private(set) var bytes: [UInt8]

    public init(capacity: Int = 1024) {
        bytes = []
        if capacity > 0 { bytes.reserveCapacity(capacity) }
    }

    public var isEmpty: Bool { bytes.isEmpty }
    public var count: Int { bytes.count }
    public var string: String { String(decoding: bytes, as: UTF8.self) }

    public mutating func removeAll() { bytes.removeAll(keepingCapacity: true) }

    public mutating func write(_ s: String) {
        var s = s
        s.withUTF8 { bytes.append(contentsOf: $0) }
    }

    public mutating func write(byte: UInt8) { bytes.append(byte) }

    public mutating func write(bytes other: ArraySlice<UInt8>) { bytes.append(contentsOf: other) }

    public mutating func write(_ other: TextBuffer) { bytes.append(contentsOf: other.bytes) }

    /// Writes `s` followed by a newline.
    public mutating func line(_ s: String) {
        write(s)
        bytes.append(0x0a)
    }

    public mutating func newline() { bytes.append(0x0a) }

    /// `%llx` / `%x`: lower-case hex, no prefix; `width` pads with zeros (`%02x`, `%016llx`).
    public mutating func hex<T: BinaryInteger>(_ v: T, width: Int = 0) {
        let value = UInt64(truncatingIfNeeded: v)
        let digits = max(1, (67 - value.leadingZeroBitCount) / 4)   // nibbles, at least one
        if width > digits { for _ in 0..<(width - digits) { bytes.append(0x30) } }
        var shift = UInt64(digits - 1) * 4
        while true {
            let d = UInt8((value >> shift) & 0xf)
            bytes.append(d < 10 ? 0x30 + d : 0x57 + d)
            if shift == 0 { break }
            shift -= 4
        }
    }

    /// `%u` / `%llu` for unsigned, `%d` for signed values.
    public mutating func decimal<T: BinaryInteger>(_ v: T, width: Int = 0) {
        if v < 0 {
            bytes.append(0x2d)
            decimal(UInt64(truncatingIfNeeded: 0 &- Int64(v)), width: width > 0 ? width - 1 : 0)
            return
        }
        var value = UInt64(v)
        var digits = 0
        var probe = value
        repeat { digits += 1; probe /= 10 } while probe != 0
        if width > digits { for _ in 0..<(width - digits) { bytes.append(0x30) } }
        let end = bytes.count + digits
        for _ in 0..<digits { bytes.append(0x30) }
        var i = end - 1
        repeat {
            bytes[i] = UInt8(0x30 + value % 10)
            value /= 10
            i -= 1
        } while value != 0
    }
}

/// Formatting helpers that return strings (for messages and journal fields).
public enum Format {
    public static func hex<T: BinaryInteger>(_ v: T, width: Int = 0) -> String {
        var t = TextBuffer(capacity: 20)
        t.hex(v, width: width)
        return t.string
    }
    public static func decimal<T: BinaryInteger>(_ v: T) -> String {
        var t = TextBuffer(capacity: 20)
        t.decimal(v)
        return t.string
    }
}
