/// Splits a byte stream into lines (each with its newline, the last possibly without),
/// reading in large chunks: text input of any size streams through constant memory.
public struct LineReader {
    let fd: FileDescriptor
    var buffer: [UInt8] = []
    var start = 0
    var eof = false
    /// Longest line kept whole; longer lines are cut (and the rest read as further lines),
    /// so binary junk without newlines cannot exhaust memory.
    public var maximumLineLength = 1 << 20

    public init(fd: FileDescriptor) { self.fd = fd }

    /// Calls `body` for every line until end of input.
    public mutating func forEachLine(_ body: (ArraySlice<UInt8>) -> Void) throws {
        while true {
            if let nl = buffer[start...].firstIndex(of: 0x0a) {
                body(buffer[start...nl])
                start = nl + 1
                continue
            }
            if buffer.count - start >= maximumLineLength {
                body(buffer[start..<(start + maximumLineLength)])
                start += maximumLineLength
                continue
            }
            if eof {
                if start < buffer.count { body(buffer[start...]) }
                buffer.removeAll()
                start = 0
                return
            }
            if start > 0 {
                buffer.removeSubrange(0..<start)
                start = 0
            }
            if try fd.read(into: &buffer, count: 256 * 1024) == 0 { eof = true }
        }
    }
}
