import Glibc
import MachineCheck

/// Cuts a byte stream into back-to-back records of `recordLength` bytes, keeping a partial
/// record until the rest arrives (files, FIFOs, the legacy device's plain-file form).
public struct RecordSplitter {
    public let recordLength: Int
    private var pending: [UInt8] = []
    /// Stream offset of the first pending byte.
    public private(set) var offset = 0

    public init(recordLength: Int) { self.recordLength = recordLength }

    /// Appends bytes and hands out every whole record with its stream offset.
    public mutating func append(_ bytes: ArraySlice<UInt8>, _ body: (MachineCheckRecord, Int) -> Void) {
        pending.append(contentsOf: bytes)
        var used = 0
        while pending.count - used >= recordLength {
            // recordLength >= 64 is checked by the callers' options, so parsing cannot fail.
            if let r = try? pending.withUnsafeBytes({
                try MachineCheckRecord(raw: UnsafeRawBufferPointer(rebasing: $0[used..<(used + recordLength)]))
            }) { body(r, offset) }
            used += recordLength
            offset += recordLength
        }
        if used > 0 { pending.removeSubrange(0..<used) }
    }

    /// At the end of the stream: the bytes that do not make a whole record, if any.
    public mutating func finish() -> (offset: Int, bytes: Int)? {
        defer { pending.removeAll() }
        return pending.isEmpty ? nil : (offset, pending.count)
    }
}

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
        var splitter = RecordSplitter(recordLength: recordLength)
        var chunk: [UInt8] = []
        while true {
            chunk.removeAll(keepingCapacity: true)
            if try fd.read(into: &chunk, count: recordLength * 256) == 0 { break }
            splitter.append(chunk[...]) { body(.record($0, offset: $1)) }
        }
        if let tail = splitter.finish() { body(.truncated(offset: tail.offset, bytes: tail.bytes)) }
    }
}
