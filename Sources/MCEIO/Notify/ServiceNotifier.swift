import CSystemd
import Glibc
import MachineCheck

/// Tells the service manager about the daemon's state through `sd_notify` (systemd.md §2).
///
/// Every call is a no-op returning `.notSupervised` when NOTIFY_SOCKET is unset, so the same
/// binary runs under systemd, under a test receiver, or alone. The environment is read at
/// each call (libsystemd does so), never unset: a re-exec keeps it.
public struct ServiceNotifier: Sendable {
    /// The outcome of one notification.
    public enum Result: Sendable, Equatable {
        case sent
        /// NOTIFY_SOCKET is unset: nobody listens, nothing was sent.
        case notSupervised
        /// `sd_notify` returned `-errno`.
        case failed(errno: Int32)
    }

    public init() {}

    /// Whether a service manager asked for notifications.
    public var isSupervised: Bool { getenv("NOTIFY_SOCKET") != nil }

    /// READY=1 (start-up finished, or a reload finished), with an optional STATUS= line.
    @discardableResult
    public func ready(status: String? = nil) -> Result {
        send(status.map { "READY=1\nSTATUS=" + ServiceNotifier.oneLine($0) } ?? "READY=1")
    }

    /// STATUS=: the one line `systemctl status` shows (active source and counts).
    @discardableResult
    public func status(_ text: String) -> Result {
        send("STATUS=" + ServiceNotifier.oneLine(text))
    }

    /// WATCHDOG=1: the keep-alive ping, due every `watchdogInterval / 2`.
    @discardableResult
    public func watchdog() -> Result { send("WATCHDOG=1") }

    /// RELOADING=1 with MONOTONIC_USEC: systemd ≥ 253 (`Type=notify-reload`) ignores a
    /// reload notification without it, 252 ignores the extra field (systemd.md §2.1).
    @discardableResult
    public func reloading(monotonicMicroseconds: UInt64 = ServiceNotifier.monotonicMicroseconds()) -> Result {
        send("RELOADING=1\nMONOTONIC_USEC=" + Format.decimal(monotonicMicroseconds))
    }

    /// STOPPING=1, optionally with STATUS=.
    @discardableResult
    public func stopping(status: String? = nil) -> Result {
        send(status.map { "STOPPING=1\nSTATUS=" + ServiceNotifier.oneLine($0) } ?? "STOPPING=1")
    }

    /// Any state string (`KEY=value` lines), sent as one datagram.
    @discardableResult
    public func send(_ state: String) -> Result {
        guard isSupervised else { return .notSupervised }
        let rc = sd_notify(0, state)
        if rc > 0 { return .sent }
        if rc == 0 { return .notSupervised }
        return .failed(errno: rc == Int32.min ? EIO : -rc)
    }

    /// The watchdog timeout the manager set (WATCHDOG_USEC, honoured only when WATCHDOG_PID
    /// is unset or is this process: libsystemd's `sd_watchdog_enabled` checks both); nil
    /// when no watchdog is wanted, so the daemon sets no timer and stays idle.
    public var watchdogInterval: Duration? {
        watchdogIntervalMicroseconds.map { .microseconds(Int64(clamping: $0)) }
    }

    public var watchdogIntervalMicroseconds: UInt64? {
        var usec: UInt64 = 0
        guard sd_watchdog_enabled(0, &usec) > 0, usec > 0 else { return nil }
        return usec
    }

    /// CLOCK_MONOTONIC in microseconds, as MONOTONIC_USEC wants it.
    public static func monotonicMicroseconds() -> UInt64 {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return UInt64(clamping: ts.tv_sec) &* 1_000_000 &+ UInt64(clamping: ts.tv_nsec) / 1_000
    }

    /// A newline would start a new assignment in the datagram.
    static func oneLine(_ s: String) -> String {
        guard s.utf8.contains(where: { $0 == 0x0a || $0 == 0x0d }) else { return s }
        return String(decoding: s.utf8.map { $0 == 0x0a || $0 == 0x0d ? UInt8(ascii: " ") : $0 }, as: UTF8.self)
    }
}
