/// One journal entry: `NAME=value` items kept back to back in one byte buffer, so building
/// an entry costs a couple of array growths instead of one allocation per field, and sending
/// it needs only an iovec array pointing into that buffer.
///
/// Invariants kept by every mutator: each name passes `isValidFieldName` (journald silently
/// drops other names) and no name occurs twice (a repeated field turns into a JSON array
/// for readers; systemd.md §1.3).
public struct JournalEntry: Sendable, Equatable {
    /// Where one item lives in `storage`: `start..<end` is `NAME=value`, the name ends at
    /// `start + nameLength`.
    struct Span: Sendable, Equatable {
        var start: Int
        var nameLength: Int
        var end: Int
        var valueStart: Int { start + nameLength + 1 }
    }

    private(set) var storage: [UInt8]
    private(set) var spans: [Span]

    public init() {
        storage = []
        spans = []
        storage.reserveCapacity(1024)
        spans.reserveCapacity(36)
    }

    /// Number of fields.
    public var count: Int { spans.count }

    /// Field names in the order they were added.
    public var fieldNames: [String] {
        spans.map { String(decoding: storage[$0.start..<($0.start + $0.nameLength)], as: UTF8.self) }
    }

    /// Fields as (name, value bytes), in order.
    public var fields: [(name: String, value: [UInt8])] {
        spans.map {
            (String(decoding: storage[$0.start..<($0.start + $0.nameLength)], as: UTF8.self),
             Array(storage[$0.valueStart..<$0.end]))
        }
    }

    /// The value bytes of `name`, nil when the entry has no such field.
    public func value(of name: String) -> [UInt8]? {
        guard let i = index(of: name) else { return nil }
        return Array(storage[spans[i].valueStart..<spans[i].end])
    }

    /// The value of `name` as text (invalid UTF-8 repaired), nil when absent.
    public func string(of name: String) -> String? {
        value(of: name).map { String(decoding: $0, as: UTF8.self) }
    }

    public func contains(_ name: String) -> Bool { index(of: name) != nil }

    /// Adds a field; rejects names journald would drop and names already present.
    public mutating func append<Value: Collection>(_ name: String, bytes value: Value) throws(JournalEntryError)
    where Value.Element == UInt8 {
        guard JournalEntry.isValidFieldName(name) else { throw .invalidFieldName(name) }
        guard index(of: name) == nil else { throw .duplicateField(name) }
        add(name, bytes: value)
    }

    public mutating func append(_ name: String, _ value: String) throws(JournalEntryError) {
        try append(name, bytes: value.utf8)
    }

    /// Adds a field whose name the caller guarantees valid and new (the fixed names of the
    /// builders; a test checks them). Checked in debug builds only.
    mutating func add<Value: Collection>(_ name: String, bytes value: Value) where Value.Element == UInt8 {
        assert(JournalEntry.isValidFieldName(name) && index(of: name) == nil, "bad journal field \(name)")
        let start = storage.count
        storage.append(contentsOf: name.utf8)
        let nameLength = storage.count - start
        storage.append(UInt8(ascii: "="))
        storage.append(contentsOf: value)
        spans.append(Span(start: start, nameLength: nameLength, end: storage.count))
    }

    mutating func add(_ name: String, _ value: String) { add(name, bytes: value.utf8) }

    /// Adds a field whose value `body` appends straight into the entry's buffer (numbers
    /// formatted in place, no intermediate array). Same guarantee as `add(_:bytes:)`.
    mutating func add(_ name: String, writing body: (inout [UInt8]) -> Void) {
        assert(JournalEntry.isValidFieldName(name) && index(of: name) == nil, "bad journal field \(name)")
        let start = storage.count
        storage.append(contentsOf: name.utf8)
        let nameLength = storage.count - start
        storage.append(UInt8(ascii: "="))
        body(&storage)
        spans.append(Span(start: start, nameLength: nameLength, end: storage.count))
    }

    private func index(of name: String) -> Int? {
        var probe = name
        return probe.withUTF8 { n -> Int? in
            for (i, s) in spans.enumerated() where s.nameLength == n.count {
                var same = true
                for k in 0..<n.count where storage[s.start + k] != n[k] { same = false; break }
                if same { return i }
            }
            return nil
        }
    }

    /// journald's own rule (`journal_field_valid`, systemd 252; systemd.md §1.3): 1 to 64
    /// characters of `A-Z`, `0-9` and `_`, not starting with a digit, and not starting with
    /// `_` (reserved for fields journald itself adds).
    public static func isValidFieldName(_ name: String) -> Bool {
        let u = name.utf8
        guard let first = u.first, u.count <= 64 else { return false }
        if first == UInt8(ascii: "_") || (first >= UInt8(ascii: "0") && first <= UInt8(ascii: "9")) { return false }
        for c in u {
            let upper = c >= UInt8(ascii: "A") && c <= UInt8(ascii: "Z")
            let digit = c >= UInt8(ascii: "0") && c <= UInt8(ascii: "9")
            if !upper && !digit && c != UInt8(ascii: "_") { return false }
        }
        return true
    }
}

/// Why a field could not be added to an entry.
public enum JournalEntryError: Error, Equatable, CustomStringConvertible, Sendable {
    case invalidFieldName(String)
    case duplicateField(String)
    case invalidPriority(Int)

    public var description: String {
        switch self {
        case .invalidFieldName(let n):
            return "journal field name `\(n)' is invalid (1-64 of A-Z 0-9 _, no leading digit or _)"
        case .duplicateField(let n):
            return "journal field `\(n)' is already set in this entry"
        case .invalidPriority(let p):
            return "journal priority \(p) is outside syslog's 0...7"
        }
    }
}
