import Glibc
import CLinux

/// Signals delivered as readable events on a signalfd, so the poll loop handles them in
/// order with everything else (no async-signal-safety concerns).
public struct SignalEvents {
    public enum Event: Equatable { case reload, terminate, reopenLog, child }
    public let fd: Int32

    public init() throws {
        var set = sigset_t()
        sigemptyset(&set)
        for s in [SIGHUP, SIGTERM, SIGINT, SIGUSR1, SIGCHLD, SIGQUIT] { sigaddset(&set, s) }
        // Block them in every thread (the sender thread inherits this mask).
        pthread_sigmask(SIG_BLOCK, &set, nil)
        let fd = signalfd(-1, &set, Int32(SFD_NONBLOCK | SFD_CLOEXEC))
        guard fd >= 0 else { throw DaemonError.system("signalfd", errno) }
        self.fd = fd
    }

    /// Reads every pending signal.
    public func read() -> [Event] {
        var events: [Event] = []
        var info = signalfd_siginfo()
        while Glibc.read(fd, &info, MemoryLayout<signalfd_siginfo>.size) == MemoryLayout<signalfd_siginfo>.size {
            switch Int32(info.ssi_signo) {
            case SIGHUP: events.append(.reload)
            case SIGTERM, SIGINT, SIGQUIT: events.append(.terminate)
            case SIGUSR1: events.append(.reopenLog)
            case SIGCHLD: events.append(.child)
            default: break
            }
        }
        return events
    }
}

public enum DaemonError: Error, CustomStringConvertible {
    case system(String, Int32)
    case noSource(String)
    case configuration(String)

    public var description: String {
        switch self {
        case .system(let what, let e): return "\(what): \(String(cString: strerror(e)))"
        case .noSource(let why): return why
        case .configuration(let why): return why
        }
    }
}
