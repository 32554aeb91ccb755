import Glibc

/// The fallback text log (upstream's `--logfile`, default /var/log/mcelog): records in
/// upstream's text, appended; reopened on SIGUSR1 for logrotate.
public final class LogFile: @unchecked Sendable {
    public let path: String
    private var fd: FileDescriptor?
    private var lock = pthread_mutex_t()

    public static let defaultPath = "/var/log/mcelog"

    public init(path: String) {
        self.path = path
        pthread_mutex_init(&lock, nil)
    }

    deinit { fd?.close() }

    /// Opens (or reopens) the file for appending.
    public func reopen() throws {
        pthread_mutex_lock(&lock); defer { pthread_mutex_unlock(&lock) }
        fd?.close()
        fd = nil
        fd = try FileDescriptor.open(path, O_WRONLY | O_APPEND | O_CREAT, mode: 0o640)
    }

    public func append(_ bytes: [UInt8]) throws {
        pthread_mutex_lock(&lock); defer { pthread_mutex_unlock(&lock) }
        if fd == nil { fd = try FileDescriptor.open(path, O_WRONLY | O_APPEND | O_CREAT, mode: 0o640) }
        try fd!.writeAll(bytes)
    }
}
