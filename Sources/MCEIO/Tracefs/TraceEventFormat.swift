/// An event's tracefs `format` file: its name, numeric ID (the `common_type` of its records)
/// and the fields with their offsets and sizes. Offsets differ between kernels (mce_record
/// gained `ppin` in the middle in 6.10), so records are only ever decoded through this.
public struct TraceEventFormat: Sendable, Equatable {
    /// Where the description came from, for error messages.
    public let file: String
    public let name: String
    public let id: UInt16
    public let fields: [TraceEventField]

    /// Largest event the ring buffer can carry when the sub-buffer size is not known.
    public static let defaultMaximumEventSize = 65536

    /// Parses the text of a `format` file. `maximumEventSize` bounds field offsets (pass the
    /// sub-buffer data size from `HeaderPage`): a field beyond it can never be read.
    public init(parsing text: String, file: String,
                maximumEventSize: Int = TraceEventFormat.defaultMaximumEventSize) throws {
        var name: String?
        var id: UInt16?
        var fields: [TraceEventField] = []
        var lineNumber = 0
        for raw in text.split(separator: "\n", omittingEmptySubsequences: false) {
            lineNumber += 1
            let line = raw.trimmingCharacters()
            if line.isEmpty || line == "format:" { continue }
            // The print format is C text for the kernel's own printer; nothing after it is ours.
            if line.hasPrefix("print fmt:") { break }
            if line.hasPrefix("name:") {
                let value = line.dropFirst("name:".count).trimmingCharacters()
                guard !value.isEmpty else { throw TraceFormatError(file: file, line: lineNumber, .missingName) }
                name = String(value)
            } else if line.hasPrefix("ID:") {
                let value = line.dropFirst("ID:".count).trimmingCharacters()
                guard let n = TraceEventField.number(value), n <= Int(UInt16.max) else {
                    throw TraceFormatError(file: file, line: lineNumber, .invalidID(String(value)))
                }
                id = UInt16(n)
            } else if line.hasPrefix("field") {
                guard let field = TraceEventField(parsing: line, line: lineNumber) else {
                    throw TraceFormatError(file: file, line: lineNumber, .malformedField(String(line)))
                }
                if fields.named(field.name) != nil {
                    throw TraceFormatError(file: file, line: lineNumber, .duplicateField(field.name))
                }
                if field.end > maximumEventSize {
                    throw TraceFormatError(file: file, line: lineNumber,
                                           .fieldBeyondLimit(name: field.name, end: field.end, limit: maximumEventSize))
                }
                fields.append(field)
            } else {
                throw TraceFormatError(file: file, line: lineNumber, .unexpectedLine(String(line.prefix(80))))
            }
        }
        guard let name else { throw TraceFormatError(file: file, .missingName) }
        guard let id else { throw TraceFormatError(file: file, .missingID) }
        guard !fields.isEmpty else { throw TraceFormatError(file: file, .noFields) }
        // The sub-buffer walker reads the event type from here, for every event.
        guard let type = fields.named("common_type"), (type.offset, type.size) == (0, 2) else {
            throw TraceFormatError(file: file, .invalidLayout("`common_type' is not the u16 at offset 0"))
        }
        self.file = file
        self.name = name
        self.id = id
        self.fields = fields
    }

    public func field(named name: String) -> TraceEventField? { fields.named(name) }

    /// Bytes an event needs to hold every fixed field (strings of `__data_loc` fields follow).
    public var fixedSize: Int { fields.reduce(0) { Swift.max($0, $1.end) } }
}
