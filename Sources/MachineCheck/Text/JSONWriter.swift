/// A small streaming JSON writer (RFC 8259) into a byte buffer: objects, arrays, strings,
/// integers, booleans and null; the comma bookkeeping is done here so callers only say what
/// comes next. No Foundation: the daemon and the command line stay Foundation-free.
public struct JSONWriter: Sendable {
    public private(set) var bytes: [UInt8]
    /// One flag per open container: whether it already holds an element (a comma is due).
    private var hasElement: [Bool] = []
    /// An object key was just written: the value follows without a comma.
    private var afterKey = false

    public init(capacity: Int = 512) {
        bytes = []
        bytes.reserveCapacity(capacity)
    }

    /// The text written so far.
    public var string: String { String(decoding: bytes, as: UTF8.self) }

    public mutating func removeAll() {
        bytes.removeAll(keepingCapacity: true)
        hasElement.removeAll()
        afterKey = false
    }

    public mutating func beginObject() { separate(); bytes.append(UInt8(ascii: "{")); hasElement.append(false) }
    public mutating func endObject() { _ = hasElement.popLast(); bytes.append(UInt8(ascii: "}")) }
    public mutating func beginArray() { separate(); bytes.append(UInt8(ascii: "[")); hasElement.append(false) }
    public mutating func endArray() { _ = hasElement.popLast(); bytes.append(UInt8(ascii: "]")) }

    /// An object member's name; the value is the next thing written.
    public mutating func key(_ name: String) {
        separate()
        appendQuoted(name.utf8)
        bytes.append(UInt8(ascii: ":"))
        afterKey = true
    }

    public mutating func string(_ s: String) { separate(); appendQuoted(s.utf8) }

    /// A string from bytes the caller knows to be valid UTF-8 (invalid sequences are written
    /// as U+FFFD so the output stays valid JSON).
    public mutating func string<Bytes: Collection>(utf8 value: Bytes) where Bytes.Element == UInt8 {
        separate()
        if JSONWriter.isValidUTF8(value) { appendQuoted(value) } else { appendQuoted(String(decoding: value, as: UTF8.self).utf8) }
    }

    public mutating func integer<T: BinaryInteger>(_ v: T) {
        separate()
        if v < 0 { bytes.append(UInt8(ascii: "-")) }
        Format.appendDecimal(UInt64(truncatingIfNeeded: v.magnitude), to: &bytes)
    }

    public mutating func bool(_ v: Bool) { separate(); bytes.append(contentsOf: (v ? "true" : "false").utf8) }
    public mutating func null() { separate(); bytes.append(contentsOf: "null".utf8) }

    /// Convenience for object members; nil values are written as null so every object of
    /// a kind has the same keys.
    public mutating func member(_ name: String, _ value: String?) {
        key(name)
        if let v = value { string(v) } else { null() }
    }

    public mutating func member<T: BinaryInteger>(_ name: String, _ value: T?) {
        key(name)
        if let v = value { integer(v) } else { null() }
    }

    /// A raw newline between JSON texts (JSON Lines output).
    public mutating func newline() { bytes.append(0x0a) }

    // MARK: - Encoding

    private mutating func separate() {
        if afterKey { afterKey = false; return }
        guard let last = hasElement.indices.last else { return }
        if hasElement[last] { bytes.append(UInt8(ascii: ",")) } else { hasElement[last] = true }
    }

    private mutating func appendQuoted<Bytes: Collection>(_ s: Bytes) where Bytes.Element == UInt8 {
        bytes.append(UInt8(ascii: "\""))
        for c in s {
            switch c {
            case UInt8(ascii: "\""): bytes.append(UInt8(ascii: "\\")); bytes.append(c)
            case UInt8(ascii: "\\"): bytes.append(UInt8(ascii: "\\")); bytes.append(c)
            case 0x0a: bytes.append(UInt8(ascii: "\\")); bytes.append(UInt8(ascii: "n"))
            case 0x0d: bytes.append(UInt8(ascii: "\\")); bytes.append(UInt8(ascii: "r"))
            case 0x09: bytes.append(UInt8(ascii: "\\")); bytes.append(UInt8(ascii: "t"))
            case 0x08: bytes.append(UInt8(ascii: "\\")); bytes.append(UInt8(ascii: "b"))
            case 0x0c: bytes.append(UInt8(ascii: "\\")); bytes.append(UInt8(ascii: "f"))
            case 0..<0x20:
                bytes.append(contentsOf: "\\u00".utf8)
                Format.appendHex(UInt64(c), width: 2, to: &bytes)
            default: bytes.append(c)
            }
        }
        bytes.append(UInt8(ascii: "\""))
    }

    /// Strict UTF-8 (no overlongs, no surrogates, nothing above U+10FFFF).
    public static func isValidUTF8<Bytes: Collection>(_ s: Bytes) -> Bool where Bytes.Element == UInt8 {
        var it = s.makeIterator()
        while let b0 = it.next() {
            if b0 < 0x80 { continue }
            let count: Int
            var scalar: UInt32
            switch b0 {
            case 0xc2...0xdf: count = 1; scalar = UInt32(b0 & 0x1f)
            case 0xe0...0xef: count = 2; scalar = UInt32(b0 & 0x0f)
            case 0xf0...0xf4: count = 3; scalar = UInt32(b0 & 0x07)
            default: return false
            }
            for _ in 0..<count {
                guard let b = it.next(), b & 0xc0 == 0x80 else { return false }
                scalar = scalar << 6 | UInt32(b & 0x3f)
            }
            switch count {
            case 2 where scalar < 0x800 || (0xd800...0xdfff).contains(scalar): return false
            case 3 where scalar < 0x10000 || scalar > 0x10ffff: return false
            default: break
            }
        }
        return true
    }
}
