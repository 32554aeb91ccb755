import Glibc

public enum StateFileError: Error, Equatable, Sendable, CustomStringConvertible {
    /// A step of the write failed; the previous file is untouched.
    case writeFailed(step: String, path: String, errno: Int32)
    /// The text to write exceeds the limit the reader would accept.
    case contentTooLarge(path: String, size: Int, limit: Int)
    case unreadable(path: String, errno: Int32)
    case tooLarge(path: String, limit: Int)

    public var description: String {
        switch self {
        case .writeFailed(let step, let path, let code): return "Cannot \(step) state file \(path): \(errnoText(code))"
        case .contentTooLarge(let path, let size, let limit):
            return "State for \(path) is \(size) bytes, above the limit of \(limit)"
        case .unreadable(let path, let code): return "Cannot read state file \(path): \(errnoText(code))"
        case .tooLarge(let path, let limit): return "State file \(path) is larger than \(limit) bytes"
        }
    }
}

/// A text blob kept in a file that a crash never leaves half-written (issue 5 §6): written to
/// a temporary file in the same directory, fsync'ed, renamed over the old one, and the
/// directory fsync'ed so the rename itself is durable. Readers see the old or the new content,
/// never a mix. One writer (the daemon) is assumed.
public struct StateFile: Sendable {
    public let directory: String
    public let name: String
    public let sizeLimit: Int
    /// Permissions of the file, whatever the umask: 0600 for state, 0644 for files other
    /// programs read (the metrics textfile: node_exporter does not run as root).
    public let mode: mode_t

    public init(directory: String, name: String, sizeLimit: Int = 16 << 20, mode: mode_t = 0o600) {
        self.directory = directory
        self.name = name
        self.sizeLimit = sizeLimit
        self.mode = mode
    }

    public var path: String { joinPath(directory, name) }
    /// Fixed name: a temporary file left by a crash is simply overwritten by the next write.
    public var temporaryPath: String { joinPath(directory, "." + name + ".tmp") }

    public func write(_ text: String) throws(StateFileError) {
        let bytes = Array(text.utf8)
        guard bytes.count <= sizeLimit else {
            throw .contentTooLarge(path: path, size: bytes.count, limit: sizeLimit)
        }
        let tmp = temporaryPath
        let fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, mode)
        guard fd >= 0 else { throw .writeFailed(step: "create", path: tmp, errno: errno) }
        var failure: StateFileError? = nil
        var offset = 0
        while offset < bytes.count {
            let n = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress! + offset, $0.count - offset) }
            if n < 0 {
                if errno == EINTR { continue }
                failure = .writeFailed(step: "write", path: tmp, errno: errno)
                break
            }
            offset += n
        }
        if failure == nil && fchmod(fd, mode) != 0 { failure = .writeFailed(step: "chmod", path: tmp, errno: errno) }
        if failure == nil && fsync(fd) != 0 { failure = .writeFailed(step: "fsync", path: tmp, errno: errno) }
        if close(fd) != 0 && failure == nil { failure = .writeFailed(step: "close", path: tmp, errno: errno) }
        if let failure {
            unlink(tmp)
            throw failure
        }
        if rename(tmp, path) != 0 {
            let code = errno
            unlink(tmp)
            throw .writeFailed(step: "rename", path: path, errno: code)
        }
        let dirfd = open(directory.isEmpty ? "." : directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard dirfd >= 0 else { throw .writeFailed(step: "open directory of", path: path, errno: errno) }
        defer { close(dirfd) }
        if fsync(dirfd) != 0 { throw .writeFailed(step: "fsync directory of", path: path, errno: errno) }
    }

    /// nil when there is no state file (first start); the text otherwise. Bytes that are not
    /// UTF-8 come back as U+FFFD: the caller's parser then rejects the content as corrupt.
    public func read() throws(StateFileError) -> String? {
        switch SysfsIO.readBytes(path, limit: sizeLimit) {
        case .success(let bytes): return String(decoding: bytes, as: UTF8.self)
        case .failure(.failed(let code)):
            if code == ENOENT { return nil }
            throw .unreadable(path: path, errno: code)
        case .failure(.tooLarge): throw .tooLarge(path: path, limit: sizeLimit)
        }
    }
}
