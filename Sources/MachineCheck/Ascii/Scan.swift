/// A small `sscanf` work-alike over bytes. Upstream's text parser is defined by its scanf
/// formats (which lines re-parse, where a record's fields end), so reproducing those
/// semantics exactly is what keeps `--ascii` byte-compatible.
///
/// Supported directives: whitespace (matches any run, also none), literal bytes, `%u %d %i
/// %x` with optional width and `l`/`ll`/`L` length, `%s`, `%[set]` (ranges, no negation),
/// `*` suppression and `%n`.
struct ScanFormat: Sendable {
    enum Token: Sendable {
        case whitespace
        case literal(UInt8)
        case integer(base: Int, signed: Bool, width: Int, assign: Bool)  // base 0 = %i
        case string(width: Int, assign: Bool)
        case set(ByteSet, width: Int, assign: Bool)
        case count
    }
    let tokens: [Token]

    init(_ format: String) {
        let f = Array(format.utf8)
        var tokens: [Token] = []
        var i = 0
        while i < f.count {
            let c = f[i]
            if isSpace(c) {
                while i < f.count && isSpace(f[i]) { i += 1 }
                tokens.append(.whitespace)
                continue
            }
            if c != UInt8(ascii: "%") { tokens.append(.literal(c)); i += 1; continue }
            i += 1
            var assign = true
            if f[i] == UInt8(ascii: "*") { assign = false; i += 1 }
            var width = 0
            while i < f.count && f[i] >= 0x30 && f[i] <= 0x39 { width = width * 10 + Int(f[i] - 0x30); i += 1 }
            while i < f.count && (f[i] == UInt8(ascii: "l") || f[i] == UInt8(ascii: "L") || f[i] == UInt8(ascii: "h")) { i += 1 }
            let conv = f[i]; i += 1
            switch conv {
            case UInt8(ascii: "u"): tokens.append(.integer(base: 10, signed: false, width: width, assign: assign))
            case UInt8(ascii: "d"): tokens.append(.integer(base: 10, signed: true, width: width, assign: assign))
            case UInt8(ascii: "i"): tokens.append(.integer(base: 0, signed: true, width: width, assign: assign))
            case UInt8(ascii: "x"): tokens.append(.integer(base: 16, signed: false, width: width, assign: assign))
            case UInt8(ascii: "s"): tokens.append(.string(width: width, assign: assign))
            case UInt8(ascii: "n"): tokens.append(.count)
            case UInt8(ascii: "["):
                var member = ByteSet()
                var first = true
                while i < f.count && (f[i] != UInt8(ascii: "]") || first) {
                    if i + 2 < f.count && f[i + 1] == UInt8(ascii: "-") && f[i + 2] != UInt8(ascii: "]") {
                        for b in f[i]...f[i + 2] { member.insert(b) }
                        i += 3
                    } else {
                        member.insert(f[i])
                        i += 1
                    }
                    first = false
                }
                i += 1
                tokens.append(.set(member, width: width, assign: assign))
            default:
                tokens.append(.literal(conv))
            }
        }
        self.tokens = tokens
    }
}

/// 256-bit membership set for `%[...]` scansets, stored inline.
struct ByteSet: Sendable {
    var words: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)
    mutating func insert(_ b: UInt8) {
        let bit = UInt64(1) << UInt64(b & 63)
        switch b >> 6 {
        case 0: words.0 |= bit
        case 1: words.1 |= bit
        case 2: words.2 |= bit
        default: words.3 |= bit
        }
    }
    @inline(__always) func contains(_ b: UInt8) -> Bool {
        let bit = UInt64(1) << UInt64(b & 63)
        switch b >> 6 {
        case 0: return words.0 & bit != 0
        case 1: return words.1 & bit != 0
        case 2: return words.2 & bit != 0
        default: return words.3 & bit != 0
        }
    }
}

@inline(__always) func isSpace(_ c: UInt8) -> Bool { c == 0x20 || (c >= 0x09 && c <= 0x0d) }

/// Result of one scan: like sscanf's return value plus the converted values. Fixed-size
/// storage: scanning runs per input line and must not allocate.
struct ScanResult {
    /// Number of assigned conversions, or -1 when input ended before the first conversion.
    var assigned: Int = 0
    var numbers = Slots<UInt64>(0)
    var strings = Slots<Range<Int>>(0..<0)
    /// Bytes consumed at the `%n` directive, if it was reached.
    var consumed: Int? = nil
}

/// Up to eight values in place.
struct Slots<T> {
    private var storage: (T, T, T, T, T, T, T, T)
    private(set) var count = 0
    init(_ empty: T) { storage = (empty, empty, empty, empty, empty, empty, empty, empty) }
    mutating func append(_ v: T) {
        switch count {
        case 0: storage.0 = v
        case 1: storage.1 = v
        case 2: storage.2 = v
        case 3: storage.3 = v
        case 4: storage.4 = v
        case 5: storage.5 = v
        case 6: storage.6 = v
        case 7: storage.7 = v
        default: return
        }
        count += 1
    }
    subscript(i: Int) -> T {
        switch i {
        case 0: return storage.0
        case 1: return storage.1
        case 2: return storage.2
        case 3: return storage.3
        case 4: return storage.4
        case 5: return storage.5
        case 6: return storage.6
        default: return storage.7
        }
    }
}

extension ScanFormat {
    func scan(_ s: ArraySlice<UInt8>) -> ScanResult {
        var r = ScanResult()
        var p = s.startIndex
        let end = s.endIndex
        var converted = false
        func inputFailure() -> ScanResult { var x = r; if !converted { x.assigned = -1 }; return x }
        for token in tokens {
            switch token {
            case .whitespace:
                while p < end && isSpace(s[p]) { p += 1 }
            case .literal(let c):
                if p >= end { return inputFailure() }
                if s[p] != c { return r }
                p += 1
            case .count:
                r.consumed = p - s.startIndex
            case .integer(let base, let signed, let width, let assign):
                while p < end && isSpace(s[p]) { p += 1 }
                if p >= end { return inputFailure() }
                let limit = width > 0 ? Swift.min(end, p + width) : end
                guard let (value, next) = ScanFormat.parseInteger(s, from: p, limit: limit, base: base, signed: signed)
                else { return r }
                p = next
                converted = true
                if assign { r.numbers.append(value); r.assigned += 1 }
            case .string(let width, let assign):
                while p < end && isSpace(s[p]) { p += 1 }
                if p >= end { return inputFailure() }
                let startOfWord = p
                while p < end && !isSpace(s[p]) && (width == 0 || p - startOfWord < width) { p += 1 }
                converted = true
                if assign { r.strings.append(startOfWord..<p); r.assigned += 1 }
            case .set(let member, let width, let assign):
                if p >= end { return inputFailure() }
                let startOfRun = p
                while p < end && member.contains(s[p]) && (width == 0 || p - startOfRun < width) { p += 1 }
                if p == startOfRun { return r }
                converted = true
                if assign { r.strings.append(startOfRun..<p); r.assigned += 1 }
            }
        }
        return r
    }

    /// strtoull-like parse: optional sign, `0x` prefix for base 16 (or base 0), digits.
    /// Overflow saturates as strtoull does. Returns nil when no digit was read.
    static func parseInteger(_ s: ArraySlice<UInt8>, from start: Int, limit: Int, base: Int, signed: Bool)
        -> (UInt64, Int)? {
        var p = start
        var negative = false
        if p < limit && (s[p] == UInt8(ascii: "-") || s[p] == UInt8(ascii: "+")) {
            negative = s[p] == UInt8(ascii: "-")
            p += 1
        }
        var radix = UInt64(base)
        if (base == 16 || base == 0) && p + 1 < limit && s[p] == UInt8(ascii: "0")
            && (s[p + 1] | 0x20) == UInt8(ascii: "x") && p + 2 < limit && digit(s[p + 2], 16) != nil {
            p += 2
            radix = 16
        } else if base == 0 {
            radix = (p < limit && s[p] == UInt8(ascii: "0")) ? 8 : 10
        }
        var value: UInt64 = 0
        var overflow = false
        let digitsStart = p
        while p < limit, let d = digit(s[p], radix) {
            let (m, o1) = value.multipliedReportingOverflow(by: radix)
            let (a, o2) = m.addingReportingOverflow(d)
            if o1 || o2 { overflow = true }
            value = a
            p += 1
        }
        if p == digitsStart {
            // "0x" with no hex digit after it reads as the single digit 0, as glibc does.
            return nil
        }
        if overflow { value = UInt64.max }
        if negative { value = 0 &- value }
        _ = signed
        return (value, p)
    }

    @inline(__always) static func digit(_ c: UInt8, _ radix: UInt64) -> UInt64? {
        var d: UInt64
        switch c {
        case 0x30...0x39: d = UInt64(c - 0x30)
        case 0x61...0x66: d = UInt64(c - 0x61 + 10)
        case 0x41...0x46: d = UInt64(c - 0x41 + 10)
        default: return nil
        }
        return d < radix ? d : nil
    }
}

extension ArraySlice where Element == UInt8 {
    /// Byte-prefix test against a literal (the generic `starts(with:)` is far slower).
    @inline(__always) func hasPrefix(_ p: StaticString) -> Bool {
        let n = p.utf8CodeUnitCount
        guard count >= n else { return false }
        return withUnsafeBufferPointer { buf in
            memcmpBytes(buf.baseAddress!, p.utf8Start, n)
        }
    }
}

@inline(__always) func memcmpBytes(_ a: UnsafePointer<UInt8>, _ b: UnsafePointer<UInt8>, _ n: Int) -> Bool {
    var i = 0
    while i < n { if a[i] != b[i] { return false }; i += 1 }
    return true
}
