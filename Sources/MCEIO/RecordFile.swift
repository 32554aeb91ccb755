import Glibc
import MachineCheck

/// Records stored back to back in a file or FIFO, `recordLength` bytes each: upstream's
/// device mode on a plain file, our test captures, and pstore's saved records (`--binary`).
public struct RecordFileReader {
    public let path: String
    public let recordLength: Int

    public init(path: String, recordLength: Int = MachineCheckRecord.currentLength) {
        self.path = path
        self.recordLength = recordLength
    }

    public enum Item {
        case record(MachineCheckRecord, offset: Int)
        /// Bytes that do not make a whole record (a truncated file).
        case truncated(offset: Int, bytes: Int)
    }

    /// Streams every record in the file.
    public func forEach(_ body: (Item) -> Void) throws {
        let fd = try FileDescriptor.open(path, O_RDONLY)
        defer { fd.close() }
        var buffer: [UInt8] = []
        var offset = 0
        var eof = false
        while !eof || buffer.count >= recordLength {
            while !eof && buffer.count < recordLength * 64 {
                if try fd.read(into: &buffer, count: recordLength * 256) == 0 { eof = true }
            }
            var consumed = 0
            while buffer.count - consumed >= recordLength {
                let r = try buffer.withUnsafeBytes {
                    try MachineCheckRecord(raw: UnsafeRawBufferPointer(rebasing: $0[consumed..<(consumed + recordLength)]))
                }
                body(.record(r, offset: offset))
                offset += recordLength
                consumed += recordLength
            }
            buffer.removeSubrange(0..<consumed)
            if eof { break }
        }
        if !buffer.isEmpty { body(.truncated(offset: offset, bytes: buffer.count)) }
    }
}
