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
        Format.appendHex(UInt64(truncatingIfNeeded: v), width: width, to: &bytes)
    }

    /// `%u` / `%llu` for unsigned, `%d` for signed values.
    public mutating func decimal<T: BinaryInteger>(_ v: T, width: Int = 0) {
        if v < 0 {
            bytes.append(0x2d)
            Format.appendDecimal(UInt64(truncatingIfNeeded: 0 &- Int64(v)), width: width > 0 ? width - 1 : 0, to: &bytes)
            return
        }
        Format.appendDecimal(UInt64(v), width: width, to: &bytes)
    }
}

/// Number formatting: the byte-appending primitives every writer of text (TextBuffer,
/// JSONWriter, journal fields) uses, and helpers that return strings for messages.
public enum Format {
    /// Unsigned decimal appended to `out`; `width` pads with leading zeros.
    @inlinable
    public static func appendDecimal(_ v: UInt64, width: Int = 0, to out: inout [UInt8]) {
        // Least significant digit first, then the run is reversed: no digit count up front.
        let first = out.count
        var x = v
        repeat {
            out.append(0x30 + UInt8(truncatingIfNeeded: x % 10))
            x /= 10
        } while x != 0
        while out.count - first < width { out.append(0x30) }
        // Swapped in place: reversing the slice `out[first...]` copied it (a malloc per number).
        var i = first, j = out.count - 1
        while i < j { out.swapAt(i, j); i += 1; j -= 1 }
    }

    /// Lower-case hex without prefix appended to `out`; `width` pads with leading zeros.
    @inlinable
    public static func appendHex(_ v: UInt64, width: Int = 0, to out: inout [UInt8]) {
        let digits = max(1, (67 - v.leadingZeroBitCount) / 4)   // nibbles, at least one
        if width > digits { for _ in 0..<(width - digits) { out.append(0x30) } }
        var shift = UInt64(digits - 1) * 4
        while true {
            let d = UInt8(truncatingIfNeeded: (v >> shift) & 0xf)
            out.append(d < 10 ? 0x30 + d : 0x57 + d)
            if shift == 0 { break }
            shift -= 4
        }
    }

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
