import Glibc

/// A typed errno with the operation and path it came from, so messages say what failed.
public struct SystemError: Error, CustomStringConvertible, Sendable {
    public let operation: String
    public let path: String?
    public let errno: Int32

    public init(_ operation: String, path: String? = nil, errno: Int32 = Glibc.errno) {
        self.operation = operation
        self.path = path
        self.errno = errno
    }

    public var description: String {
        let reason = String(cString: strerror(errno))
        if let p = path { return "\(operation) `\(p)': \(reason)" }
        return "\(operation): \(reason)"
    }
}

/// A thin owner-less wrapper over a file descriptor; every libc call retries on EINTR once
/// here instead of in each caller.
public struct FileDescriptor: Sendable, Hashable {
    public let rawValue: Int32
    public init(rawValue: Int32) { self.rawValue = rawValue }

    public static let standardInput = FileDescriptor(rawValue: 0)
    public static let standardOutput = FileDescriptor(rawValue: 1)
    public static let standardError = FileDescriptor(rawValue: 2)

    public static func open(_ path: String, _ flags: Int32, mode: mode_t = 0o644) throws -> FileDescriptor {
        let fd = retryingInterrupts { Glibc.open(path, flags | O_CLOEXEC, mode) }
        guard fd >= 0 else { throw SystemError("Cannot open", path: path) }
        return FileDescriptor(rawValue: fd)
    }

    public func close() { _ = Glibc.close(rawValue) }

    /// Reads up to `count` bytes into `buffer` (appending); returns bytes read, 0 at EOF.
    /// Reads straight into the buffer's tail: no scratch array per call.
    public func read(into buffer: inout [UInt8], count: Int) throws -> Int {
        let old = buffer.count
        buffer.append(contentsOf: repeatElement(0, count: count))
        let n = buffer.withUnsafeMutableBytes { p in
            retryingInterrupts { Glibc.read(rawValue, p.baseAddress! + old, count) }
        }
        buffer.removeLast(count - max(n, 0))
        if n < 0 { throw SystemError("read") }
        return n
    }

    /// Writes all bytes, looping over short writes.
    public func writeAll(_ bytes: [UInt8]) throws {
        try bytes.withUnsafeBytes { p in
            var off = 0
            while off < p.count {
                let n = retryingInterrupts { Glibc.write(rawValue, p.baseAddress! + off, p.count - off) }
                if n < 0 { throw SystemError("write") }
                off += n
            }
        }
    }

    public func writeAll(_ s: String) throws { try writeAll(Array(s.utf8)) }
}

@inline(__always)
public func retryingInterrupts<T: BinaryInteger>(_ body: () -> T) -> T {
    while true {
        let r = body()
        if r < 0 && errno == EINTR { continue }
        return r
    }
}

/// Standard error messages prefixed with the program name, as upstream's `Eprintf`.
public enum Diagnostics {
    public static func error(_ message: String) {
        var m = message
        if !m.hasSuffix("\n") { m += "\n" }
        try? FileDescriptor.standardError.writeAll("mcelog: " + m)
    }
}
