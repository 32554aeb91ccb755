/// A tracefs description file (`events/header_page`, an event's `format`) that cannot be
/// used, with the file and, where one line is to blame, its 1-based line number.
public struct TraceFormatError: Error, Equatable, Sendable, CustomStringConvertible {
    public enum Reason: Equatable, Sendable {
        case missingName
        case missingID
        case invalidID(String)
        case noFields
        case malformedField(String)
        case unexpectedLine(String)
        case duplicateField(String)
        /// A field ending past what one event (or the sub-buffer) can hold.
        case fieldBeyondLimit(name: String, end: Int, limit: Int)
        case missingField(String)
        case unsupportedFieldSize(name: String, size: Int)
        case wrongFieldKind(name: String, expected: String)
        case invalidLayout(String)
    }

    public let file: String
    public let line: Int?
    public let reason: Reason

    public init(file: String, line: Int? = nil, _ reason: Reason) {
        self.file = file
        self.line = line
        self.reason = reason
    }

    public var description: String {
        let place = line.map { "\(file):\($0)" } ?? file
        return "\(place): \(reasonText)"
    }

    var reasonText: String {
        switch reason {
        case .missingName: return "no `name:' line"
        case .missingID: return "no `ID:' line"
        case .invalidID(let s): return "event ID `\(s)' is not a number from 0 to 65535"
        case .noFields: return "no `field:' lines"
        case .malformedField(let s): return "malformed field line `\(s)'"
        case .unexpectedLine(let s): return "unexpected line `\(s)'"
        case .duplicateField(let n): return "field `\(n)' is described twice"
        case .fieldBeyondLimit(let n, let end, let limit):
            return "field `\(n)' ends at byte \(end), beyond the \(limit) bytes an event can hold"
        case .missingField(let n): return "required field `\(n)' is missing"
        case .unsupportedFieldSize(let n, let size): return "field `\(n)' has unsupported size \(size)"
        case .wrongFieldKind(let n, let expected): return "field `\(n)' is not \(expected)"
        case .invalidLayout(let s): return s
        }
    }
}

/// How a field's bytes are found in an event.
public enum TraceFieldLocation: Sendable, Equatable {
    /// The value sits at the field's offset.
    case inline
    /// `__data_loc`: a u32 at the offset holds the data's offset from the event start
    /// (low 16 bits) and its length (high 16 bits).
    case dataLoc
    /// `__rel_loc`: as `__data_loc`, but the offset counts from the end of the u32.
    case relativeLoc
}

/// One `field:` line of a tracefs description file.
public struct TraceEventField: Sendable, Equatable {
    /// The C declaration as the kernel printed it, e.g. `u64 mcgcap`, `__data_loc char[] msg`.
    public let declaration: String
    public let name: String
    public let offset: Int
    public let size: Int
    public let isSigned: Bool
    public let location: TraceFieldLocation
    /// 1-based line in the file it came from (for error messages).
    public let line: Int

    public var end: Int { offset + size }

    /// Parses `field:DECL;<tab>offset:N;<tab>size:N;<tab>signed:N;` (blanks around the parts
    /// vary between files and kernels); nil when it is not such a line.
    init?(parsing text: Substring, line: Int) {
        let trimmed = text.trimmingCharacters()
        guard trimmed.hasPrefix("field:") else { return nil }
        let parts = trimmed.dropFirst("field:".count).split(separator: ";", omittingEmptySubsequences: false)
        guard let decl = parts.first?.trimmingCharacters(), !decl.isEmpty else { return nil }
        var offset: Int?, size: Int?, signed: Int?
        for part in parts.dropFirst() {
            let kv = part.trimmingCharacters()
            if kv.isEmpty { continue }
            guard let colon = kv.firstIndex(of: ":") else { return nil }
            let value = TraceEventField.number(kv[kv.index(after: colon)...].trimmingCharacters())
            switch kv[..<colon].trimmingCharacters() {
            case "offset": guard let v = value else { return nil }; offset = v
            case "size": guard let v = value else { return nil }; size = v
            case "signed": guard let v = value, v <= 1 else { return nil }; signed = v
            default: continue   // a key a future kernel may add
            }
        }
        guard let offset, let size, let name = TraceEventField.name(in: decl) else { return nil }
        self.declaration = String(decl)
        self.name = name
        self.offset = offset
        self.size = size
        self.isSigned = signed == 1
        self.line = line
        if decl.hasPrefix("__data_loc ") { location = .dataLoc }
        else if decl.hasPrefix("__rel_loc ") { location = .relativeLoc }
        else { location = .inline }
    }

    /// A decimal count small enough that offset + size cannot overflow.
    static func number(_ s: Substring) -> Int? {
        guard !s.isEmpty, s.count <= 9, s.allSatisfy({ $0.isASCII && $0.isNumber }) else { return nil }
        return Int(s)
    }

    /// The declared identifier: the last word, without an array suffix or pointer stars.
    static func name(in decl: Substring) -> String? {
        var d = decl
        if d.hasSuffix("]"), let open = d.lastIndex(of: "[") { d = d[..<open].trimmingCharacters() }
        guard var word = d.split(whereSeparator: { $0 == " " || $0 == "\t" }).last else { return nil }
        while word.first == "*" { word = word.dropFirst() }
        guard let first = word.first, first == "_" || (first.isASCII && first.isLetter),
              word.allSatisfy({ $0 == "_" || ($0.isASCII && ($0.isLetter || $0.isNumber)) })
        else { return nil }
        return String(word)
    }
}

extension Array where Element == TraceEventField {
    func named(_ name: String) -> TraceEventField? { first { $0.name == name } }
}
