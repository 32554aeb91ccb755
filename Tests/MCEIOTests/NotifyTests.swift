import Foundation
import XCTest
import TestSupport
@testable import MCEIO

/// ServiceNotifier against a real AF_UNIX datagram receiver bound in this process, the way
/// systemd receives notifications: NOTIFY_SOCKET names it, each call is one datagram.
final class NotifyTests: XCTestCase {
    private var receiver: Int32 = -1
    private var path = ""

    override func setUpWithError() throws {
        path = NSTemporaryDirectory() + "mcelog-notify-\(getpid())-\(UInt32.random(in: 0...UInt32.max)).sock"
        receiver = try TestJournald.bindDatagramSocket(path)
        for v in ["NOTIFY_SOCKET", "WATCHDOG_USEC", "WATCHDOG_PID"] { unsetenv(v) }
    }

    override func tearDown() {
        for v in ["NOTIFY_SOCKET", "WATCHDOG_USEC", "WATCHDOG_PID"] { unsetenv(v) }
        if receiver >= 0 { close(receiver) }
        unlink(path)
    }

    /// The next datagram, or nil after `timeoutMs`.
    private func receive(timeoutMs: Int32 = 2000) -> String? {
        var pfd = pollfd(fd: receiver, events: Int16(POLLIN), revents: 0)
        guard poll(&pfd, 1, timeoutMs) == 1 else { return nil }
        var buf = [UInt8](repeating: 0, count: 4096)
        let n = recv(receiver, &buf, buf.count, 0)
        guard n >= 0 else { return nil }
        return String(decoding: buf[0..<n], as: UTF8.self)
    }

    private func supervise() { setenv("NOTIFY_SOCKET", path, 1) }

    func testWithoutNotifySocketNothingIsSent() {
        let n = ServiceNotifier()
        XCTAssertFalse(n.isSupervised)
        XCTAssertEqual(n.ready(status: "x"), .notSupervised)
        XCTAssertEqual(n.status("x"), .notSupervised)
        XCTAssertEqual(n.watchdog(), .notSupervised)
        XCTAssertEqual(n.reloading(), .notSupervised)
        XCTAssertEqual(n.stopping(), .notSupervised)
        XCTAssertNil(n.watchdogInterval)
        XCTAssertNil(receive(timeoutMs: 100))
    }

    func testLifecycleDatagramsAreExact() {
        supervise()
        let n = ServiceNotifier()
        XCTAssertTrue(n.isSupervised)
        XCTAssertEqual(n.ready(status: "Reading mce:mce_record via tracefs, 0 records"), .sent)
        XCTAssertEqual(receive(), "READY=1\nSTATUS=Reading mce:mce_record via tracefs, 0 records")
        XCTAssertEqual(n.status("tracefs: 67 records, 0 lost"), .sent)
        XCTAssertEqual(receive(), "STATUS=tracefs: 67 records, 0 lost")
        XCTAssertEqual(n.watchdog(), .sent)
        XCTAssertEqual(receive(), "WATCHDOG=1")
        XCTAssertEqual(n.ready(), .sent)
        XCTAssertEqual(receive(), "READY=1")
        XCTAssertEqual(n.stopping(), .sent)
        XCTAssertEqual(receive(), "STOPPING=1")
        XCTAssertEqual(n.stopping(status: "Draining 3 queued records"), .sent)
        XCTAssertEqual(receive(), "STOPPING=1\nSTATUS=Draining 3 queued records")
        XCTAssertNil(receive(timeoutMs: 100), "one datagram per call")
    }

    func testReloadingCarriesTheMonotonicClockOfTheCall() throws {
        supervise()
        let before = ServiceNotifier.monotonicMicroseconds()
        XCTAssertEqual(ServiceNotifier().reloading(), .sent)
        let after = ServiceNotifier.monotonicMicroseconds()
        let msg = try XCTUnwrap(receive())
        let lines = msg.split(separator: "\n", omittingEmptySubsequences: false)
        XCTAssertEqual(lines.count, 2, msg)
        XCTAssertEqual(lines.first, "RELOADING=1")
        let usec = try XCTUnwrap(lines.last.flatMap { $0.hasPrefix("MONOTONIC_USEC=") ? UInt64($0.dropFirst(15)) : nil }, msg)
        XCTAssertGreaterThanOrEqual(usec, before)
        XCTAssertLessThanOrEqual(usec, after)
        // Same clock as CLOCK_MONOTONIC read here.
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        XCTAssertLessThan(usec, UInt64(ts.tv_sec) * 1_000_000 + UInt64(ts.tv_nsec) / 1000 + 1)

        XCTAssertEqual(ServiceNotifier().reloading(monotonicMicroseconds: 1512423358), .sent)
        XCTAssertEqual(receive(), "RELOADING=1\nMONOTONIC_USEC=1512423358")
    }

    func testStatusTextCannotInjectAssignments() {
        supervise()
        XCTAssertEqual(ServiceNotifier().status("bad\nREADY=1"), .sent)
        XCTAssertEqual(receive(), "STATUS=bad READY=1")
    }

    func testWatchdogIntervalFollowsTheEnvironment() {
        let n = ServiceNotifier()
        XCTAssertNil(n.watchdogInterval)
        setenv("WATCHDOG_USEC", "20000000", 1)
        XCTAssertEqual(n.watchdogIntervalMicroseconds, 20_000_000)
        XCTAssertEqual(n.watchdogInterval, .seconds(20))
        setenv("WATCHDOG_PID", String(getpid()), 1)
        XCTAssertEqual(n.watchdogInterval, .seconds(20))
        setenv("WATCHDOG_PID", "1", 1)            // another process's watchdog
        XCTAssertNil(n.watchdogInterval)
        unsetenv("WATCHDOG_PID")
        setenv("WATCHDOG_USEC", "soon", 1)
        XCTAssertNil(n.watchdogInterval)
        setenv("WATCHDOG_USEC", "0", 1)
        XCTAssertNil(n.watchdogInterval)
    }

    func testReceiverGoneGivesTheErrno() {
        setenv("NOTIFY_SOCKET", path + ".gone", 1)
        XCTAssertEqual(ServiceNotifier().ready(), .failed(errno: ENOENT))
        close(receiver); receiver = -1
        setenv("NOTIFY_SOCKET", path, 1)            // file still there, nobody receives
        XCTAssertEqual(ServiceNotifier().watchdog(), .failed(errno: ECONNREFUSED))
    }
}
