/// The layout of one ring-buffer sub-buffer, from `events/header_page`: where the page
/// timestamp, the commit word and the event data sit. The sub-buffer size is derived from
/// it (16 + data size), never from the host page size: since 6.8 it is configurable.
public struct HeaderPage: Sendable, Equatable {
    public let timestampOffset: Int
    public let commitOffset: Int
    /// Bytes of the commit word: a kernel `long` (8 on 64-bit kernels, 4 on 32-bit).
    public let commitSize: Int
    /// Whether the kernel describes the overwrite flag (it shares the commit word).
    public let describesOverwrite: Bool
    public let dataOffset: Int
    public let dataSize: Int

    /// Bytes one `read()` of `trace_pipe_raw` returns: a whole sub-buffer.
    public var pageSize: Int { dataOffset + dataSize }

    /// Commit-word bits (kernel ring_buffer.c `RB_MISSED_EVENTS`, `RB_MISSED_STORED`): events
    /// were lost before this page, and their count is stored right after the data.
    public static let missedEventsFlag: UInt64 = 1 << 31
    public static let missedCountStoredFlag: UInt64 = 1 << 30
    /// The data length in the commit word (libtraceevent's `COMMIT_MASK`).
    public static let commitMask: UInt64 = (1 << 27) - 1

    public init(timestampOffset: Int = 0, commitOffset: Int = 8, commitSize: Int = 8,
                describesOverwrite: Bool = true, dataOffset: Int = 16, dataSize: Int = 4080) {
        self.timestampOffset = timestampOffset
        self.commitOffset = commitOffset
        self.commitSize = commitSize
        self.describesOverwrite = describesOverwrite
        self.dataOffset = dataOffset
        self.dataSize = dataSize
    }

    /// Parses the text of `events/header_page`.
    public init(parsing text: String, file: String) throws {
        var fields: [TraceEventField] = []
        var lineNumber = 0
        for raw in text.split(separator: "\n", omittingEmptySubsequences: false) {
            lineNumber += 1
            let line = raw.trimmingCharacters()
            if line.isEmpty { continue }
            guard let field = TraceEventField(parsing: line, line: lineNumber) else {
                if line.hasPrefix("field") {
                    throw TraceFormatError(file: file, line: lineNumber, .malformedField(String(line)))
                }
                throw TraceFormatError(file: file, line: lineNumber, .unexpectedLine(String(line.prefix(80))))
            }
            // `overwrite` shares the commit word's offset, so only names must be unique.
            if fields.named(field.name) != nil {
                throw TraceFormatError(file: file, line: lineNumber, .duplicateField(field.name))
            }
            fields.append(field)
        }
        func required(_ name: String) throws -> TraceEventField {
            guard let f = fields.named(name) else { throw TraceFormatError(file: file, .missingField(name)) }
            return f
        }
        let timestamp = try required("timestamp"), commit = try required("commit"), data = try required("data")
        guard timestamp.size == 8 else {
            throw TraceFormatError(file: file, line: timestamp.line, .unsupportedFieldSize(name: "timestamp", size: timestamp.size))
        }
        guard commit.size == 4 || commit.size == 8 else {
            throw TraceFormatError(file: file, line: commit.line, .unsupportedFieldSize(name: "commit", size: commit.size))
        }
        guard timestamp.end <= data.offset, commit.end <= data.offset else {
            throw TraceFormatError(file: file, line: data.line,
                                   .invalidLayout("the page header overlaps `data' at offset \(data.offset)"))
        }
        // The commit word can describe at most commitMask bytes of data.
        guard data.size >= 8, UInt64(data.size) <= HeaderPage.commitMask else {
            throw TraceFormatError(file: file, line: data.line, .unsupportedFieldSize(name: "data", size: data.size))
        }
        self.init(timestampOffset: timestamp.offset, commitOffset: commit.offset, commitSize: commit.size,
                  describesOverwrite: fields.named("overwrite") != nil,
                  dataOffset: data.offset, dataSize: data.size)
    }
}
