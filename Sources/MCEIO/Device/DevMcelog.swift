import Glibc
import MachineCheck

/// The legacy character device `/dev/mcelog` (CONFIG_X86_MCELOG_LEGACY): the record size and
/// ring length come from ioctls, one read returns every pending record (kernel-interfaces.md §1.5).
/// A regular file or FIFO given as the device holds back-to-back records instead (tests,
/// upstream's device argument on captured data).
public struct DevMcelogSource {
    public static let defaultPath = "/dev/mcelog"
    static let getRecordLength: UInt = 0x80044d01   // MCE_GET_RECORD_LEN = _IOR('M', 1, int)
    static let getLogLength: UInt = 0x80044d02      // MCE_GET_LOG_LEN
    static let getClearFlags: UInt = 0x80044d03     // MCE_GETCLEAR_FLAGS
    static let overflowFlag: Int32 = 1              // MCE_OVERFLOW

    public let path: String
    public let fd: FileDescriptor
    public let recordLength: Int
    public let logLength: Int
    public let isCharacterDevice: Bool
    private var splitter: RecordSplitter
    private var atEOF = false

    public enum Item {
        case record(MachineCheckRecord)
        /// The kernel's ring overflowed: records were lost before we read them.
        case overflow
        /// Bytes left that do not make a record (a truncated file).
        case truncated(bytes: Int)
    }

    /// Opens the device; `recordLength` overrides the size for plain files.
    public init(path: String = DevMcelogSource.defaultPath, recordLength fileRecordLength: Int? = nil) throws {
        self.path = path
        let fd = try FileDescriptor.open(path, O_RDONLY | O_NONBLOCK)
        var st = stat()
        guard fstat(fd.rawValue, &st) == 0 else { fd.close(); throw SystemError("Cannot stat", path: path) }
        isCharacterDevice = (st.st_mode & S_IFMT) == S_IFCHR
        if isCharacterDevice {
            var len: Int32 = 0, slots: Int32 = 0
            let a = withUnsafeMutablePointer(to: &len) { ioctl(fd.rawValue, DevMcelogSource.getRecordLength, $0) }
            let b = withUnsafeMutablePointer(to: &slots) { ioctl(fd.rawValue, DevMcelogSource.getLogLength, $0) }
            guard a == 0, b == 0 else {
                let e = SystemError("MCE_GET_RECORD_LEN/MCE_GET_LOG_LEN ioctl on", path: path)
                fd.close()
                throw e
            }
            guard len >= Int32(MachineCheckRecord.minimumLength), slots > 0 else {
                fd.close()
                throw SystemError("kernel reports record length \(len), log length \(slots) on", path: path, errno: EINVAL)
            }
            recordLength = Int(len)
            logLength = Int(slots)
        } else {
            recordLength = fileRecordLength ?? MachineCheckRecord.currentLength
            logLength = 256
        }
        self.fd = fd
        splitter = RecordSplitter(recordLength: self.recordLength)
    }

    public func close() { fd.close() }

    /// Reads what is pending; `body` gets each record, then an overflow notice if the
    /// kernel's log was full. Returns false at the end of a plain file.
    public mutating func drain(_ body: (Item) -> Void) throws -> Bool {
        if isCharacterDevice {
            var buffer = [UInt8](repeating: 0, count: recordLength * logLength)
            let n = buffer.withUnsafeMutableBytes { p in retryingInterrupts { read(fd.rawValue, p.baseAddress, p.count) } }
            if n < 0 {
                if errno == EAGAIN { return true }
                throw SystemError("read", path: path)
            }
            let count = n / recordLength
            for i in 0..<count {
                let r = try buffer.withUnsafeBytes {
                    try MachineCheckRecord(raw: UnsafeRawBufferPointer(rebasing: $0[(i * recordLength)..<((i + 1) * recordLength)]))
                }
                body(.record(r))
            }
            if count == logLength {
                var flags: Int32 = 0
                if withUnsafeMutablePointer(to: &flags, { ioctl(fd.rawValue, DevMcelogSource.getClearFlags, $0) }) == 0,
                   flags & DevMcelogSource.overflowFlag != 0 {
                    body(.overflow)
                }
            }
            return true
        }
        // Plain file or FIFO: stream records until EAGAIN or EOF.
        var chunk = [UInt8](repeating: 0, count: 64 * 1024)
        while true {
            let n = chunk.withUnsafeMutableBytes { p in retryingInterrupts { read(fd.rawValue, p.baseAddress, p.count) } }
            if n < 0 {
                if errno == EAGAIN { break }
                throw SystemError("read", path: path)
            }
            if n == 0 { atEOF = true; break }
            splitter.append(chunk[0..<n]) { r, _ in body(.record(r)) }
        }
        if atEOF, let tail = splitter.finish() { body(.truncated(bytes: tail.bytes)) }
        return !atEOF
    }
}
