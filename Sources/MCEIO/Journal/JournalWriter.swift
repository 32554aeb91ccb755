import CSystemd
import Glibc

/// Sends entries to journald with `sd_journal_sendv`.
///
/// Blocking: the call blocks when journald stalls (once about 512 datagrams are queued on
/// its socket, `net.unix.max_dgram_qlen`; systemd.md §1.5). Call `send` only from a
/// dedicated sender thread fed by a bounded queue, never from the loop that drains the
/// kernel's buffers.
///
/// Absence: `sd_journal_sendv` returns 0 when journald's socket does not exist (libsystemd
/// ignores ENOENT on purpose), so `send` checks the socket first and reports
/// `.journalAbsent` instead of pretending success. libsystemd always sends to
/// /run/systemd/journal/socket; `socketPath` only changes which path that check looks at
/// (tests point it elsewhere).
public struct JournalWriter: Sendable {
    public static let defaultSocketPath = "/run/systemd/journal/socket"

    /// The outcome of one send.
    public enum SendResult: Sendable, Equatable, CustomStringConvertible {
        /// Handed to journald.
        case sent
        /// No journald socket: the caller falls back to its log file.
        case journalAbsent
        /// libsystemd returned `-errno` (ECONNREFUSED: stale socket, nobody listening).
        case failed(errno: Int32)

        init(returnCode rc: Int32) {
            self = rc >= 0 ? .sent : .failed(errno: rc == Int32.min ? EIO : -rc)
        }

        public var description: String {
            switch self {
            case .sent: return "sent"
            case .journalAbsent: return "journald socket absent"
            case .failed(let e): return "sd_journal_sendv: " + String(cString: strerror(e))
            }
        }
    }

    public let socketPath: String

    public init(socketPath: String = JournalWriter.defaultSocketPath) {
        self.socketPath = socketPath
    }

    /// Whether something that can be journald's socket exists at `socketPath`: the path
    /// exists and is a socket (a stale socket still counts; `send` then fails with
    /// ECONNREFUSED). Not `sd_booted()`: that is false when journald runs without systemd.
    public static func isJournalAvailable(socketPath: String = JournalWriter.defaultSocketPath) -> Bool {
        var st = stat()
        guard stat(socketPath, &st) == 0 else { return false }
        return st.st_mode & S_IFMT == S_IFSOCK
    }

    /// Sends one entry. With `checkSocket` false the existence check is skipped (for a
    /// caller that checked recently), and an absent journald then reads as `.sent`.
    /// May block while journald stalls (see the type's note).
    public func send(_ entry: JournalEntry, checkSocket: Bool = true) -> SendResult {
        if checkSocket && !JournalWriter.isJournalAvailable(socketPath: socketPath) { return .journalAbsent }
        return SendResult(returnCode: JournalWriter.sendv(entry))
    }

    /// One `sd_journal_sendv` call over iovecs that point into the entry's own buffer; the
    /// iovec array is a temporary (stack) allocation. Returns libsystemd's 0 / -errno.
    static func sendv(_ entry: JournalEntry) -> Int32 {
        let spans = entry.spans
        guard !spans.isEmpty else { return -EINVAL }
        return entry.storage.withUnsafeBytes { raw -> Int32 in
            guard let base = raw.baseAddress else { return -EINVAL }
            return withUnsafeTemporaryAllocation(of: iovec.self, capacity: spans.count) { iov -> Int32 in
                for (i, s) in spans.enumerated() {
                    iov[i] = iovec(iov_base: UnsafeMutableRawPointer(mutating: base + s.start),
                                   iov_len: s.end - s.start)
                }
                return sd_journal_sendv(iov.baseAddress, Int32(spans.count))
            }
        }
    }
}
