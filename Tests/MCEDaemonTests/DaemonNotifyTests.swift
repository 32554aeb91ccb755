import Foundation
import XCTest
import TestSupport

/// The daemon under a service manager's eyes: an AF_UNIX datagram receiver bound here and
/// named by NOTIFY_SOCKET in the child's environment, as systemd does for Type=notify.
final class DaemonNotifyTests: XCTestCase {
    struct Started {
        let capture: CaptureCopy
        let daemon: DaemonProcess
        let notify: NotifyReceiver
        /// The first datagram (READY=1).
        let ready: NotifyReceiver.Message
    }

    /// Starts `mcelog --daemon --foreground` on a copy of the 6.12 capture and waits for READY=1.
    func start(config: String? = nil, environment: [String: String] = [:]) throws -> Started {
        let capture = try CaptureCopy("debian-6.12", in: self)
        let notify = try NotifyReceiver(in: self)
        let configPath = config ?? capture.emptyConfig()
        var env = environment
        env["NOTIFY_SOCKET"] = notify.path
        let d = try DaemonProcess(["--daemon", "--foreground", "--tracefs", capture.root,
                                   "--logfile", capture.root + "/mcelog.log", "--config-file", configPath],
                                  environment: env, in: self)
        try d.start()
        let first = notify.receive(until: { $0.lines.contains("READY=1") }, seconds: 10)
        guard let ready = first.last, ready.lines.contains("READY=1") else {
            throw CaptureError("no READY=1 within 10 s; got \(first.map(\.text)); stderr: \(d.stderr)")
        }
        XCTAssertEqual(first.count, 1, "READY=1 is the first notification: \(first.map(\.text))")
        return Started(capture: capture, daemon: d, notify: notify, ready: ready)
    }

    /// SIGTERM: STOPPING=1, then exit status 0.
    func stop(_ s: Started) {
        s.daemon.signal(SIGTERM)
        let rest = s.notify.receive(until: { $0.lines.contains("STOPPING=1") }, seconds: 10)
        XCTAssertEqual(rest.last?.lines.first, "STOPPING=1", "notifications after SIGTERM: \(rest.map(\.text))")
        XCTAssertFalse(rest.contains { $0.lines.contains("READY=1") }, "no READY=1 while stopping")
        XCTAssertEqual(s.daemon.wait(seconds: 10), 0, "exit status after SIGTERM; stderr: \(s.daemon.stderr)")
    }

    /// What is left of a `window` (µs) that began at `begin` (CLOCK_MONOTONIC µs), in seconds.
    func secondsLeft(of window: UInt64, since begin: UInt64) -> Double {
        let left = Int64(window) - Int64(monotonicMicroseconds() - begin)
        return Double(max(left, 0)) / 1e6
    }

    func testReadyComesOnceTheSourceIsOpenAndStatusNamesItWithCounts() throws {
        let s = try start()
        let latency = Double(s.ready.at - s.daemon.spawnedAt) / 1000
        print("READY=1 latency (spawn to READY=1 received, \(DaemonBinary.path)): \(String(format: "%.1f", latency)) ms")
        XCTAssertLessThan(latency, 2000, "READY=1 took \(latency) ms")
        let instance = s.capture.root + "/instances/mcelog"
        // The capture has it at 0, as the kernel had it when the files were copied.
        XCTAssertEqual(try String(contentsOfFile: instance + "/events/mce/mce_record/enable", encoding: .utf8), "1\n",
                       "the event is enabled before READY=1")
        XCTAssertEqual(try String(contentsOfFile: instance + "/buffer_percent", encoding: .utf8), "0\n")

        let readyStatus = try XCTUnwrap(s.ready.value("STATUS"), s.ready.text)
        XCTAssertTrue(readyStatus.contains("mce:mce_record"), readyStatus)
        XCTAssertTrue(readyStatus.contains(instance), "STATUS names the source: \(readyStatus)")

        // The captured records are read right after READY=1; STATUS follows with the count, and
        // settles once the sender has journaled them all (it wakes the loop when it catches up).
        let later = s.notify.receive(until: {
            $0.value("STATUS")?.contains("67 records") == true && $0.value("STATUS")?.contains("67 journaled") == true
        }, seconds: 5)
        let status = try XCTUnwrap(later.last?.value("STATUS"), "notifications: \(later.map(\.text))")
        XCTAssertTrue(status.contains("67 records"), status)
        XCTAssertTrue(status.contains("0 lost"), status)
        XCTAssertTrue(status.contains("67 journaled"), "STATUS= settles on the final counts: \(status)")
        XCTAssertTrue(status.contains(instance), status)
        XCTAssertFalse(later.contains { $0.lines.contains("READY=1") }, "READY=1 only once at start-up")

        // Still running with nothing more to read: no exit, no notification.
        let extra = s.notify.receive(seconds: 0.3)
        XCTAssertNil(extra, "unexpected notification: \(extra?.text ?? "")")
        XCTAssertTrue(s.daemon.process.isRunning)
        stop(s)
    }

    /// Reload with a config file that became garbage: RELOADING=1 + MONOTONIC_USEC, READY=1,
    /// still running, and a journal entry saying why the old configuration was kept.
    func reloadWithBrokenConfig() throws -> (Started, [String: Any]?, String) {
        let dir = NSTemporaryDirectory() + "mcelog-reload-\(getpid())-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(atPath: dir) }
        let config = dir + "/mcelog.conf"
        try "[journal]\nqueue-length = 100\n".write(toFile: config, atomically: false, encoding: .utf8)
        let s = try start(config: config)
        _ = s.notify.receive(until: { $0.value("STATUS")?.contains("67 records") == true }, seconds: 5)

        try "[journal\nqueue-length = many\n".write(toFile: config, atomically: false, encoding: .utf8)
        let before = monotonicMicroseconds()
        s.daemon.signal(SIGHUP)
        let got = s.notify.receive(until: { $0.lines.contains("READY=1") }, seconds: 5)
        let after = monotonicMicroseconds()
        let texts = got.map(\.text)
        let reloading = try XCTUnwrap(got.firstIndex { $0.lines.contains("RELOADING=1") }, "\(texts)")
        let ready = try XCTUnwrap(got.firstIndex { $0.lines.contains("READY=1") }, "\(texts)")
        XCTAssertLessThan(reloading, ready, "RELOADING=1 before READY=1: \(texts)")
        let usec = try XCTUnwrap(got[reloading].value("MONOTONIC_USEC").flatMap { UInt64($0) }, got[reloading].text)
        XCTAssertGreaterThanOrEqual(usec, before, "MONOTONIC_USEC is CLOCK_MONOTONIC at the reload")
        XCTAssertLessThanOrEqual(usec, after)
        XCTAssertTrue(s.daemon.process.isRunning, "a bad config does not stop the daemon")

        let entries = try DaemonJournald.entries(pid: s.daemon.pid, marker: s.capture.root, count: 68)
        let failure = entries.first { $0["MESSAGE_ID"] as? String == DaemonExpect.reloadFailedID }
        return (s, failure, config)
    }

    func testReloadWithABrokenConfigKeepsTheOldOneAndSaysWhyInTheJournal() throws {
        if let why = DaemonJournald.ensureRunning() { return XCTFail("journald needed: \(why)") }
        let (s, failure, config) = try reloadWithBrokenConfig()
        let entry = try XCTUnwrap(failure, "no entry with MESSAGE_ID \(DaemonExpect.reloadFailedID)")
        XCTAssertEqual(entry["PRIORITY"] as? String, "3")
        XCTAssertEqual(entry["SYSLOG_IDENTIFIER"] as? String, "mcelog")
        let error = try XCTUnwrap(entry["MCE_CONFIG_ERROR"] as? String)
        XCTAssertTrue(error.contains(config) && error.contains("line 1"), error)
        XCTAssertTrue((entry["MESSAGE"] as? String)?.contains("keeping the previous configuration") == true, "\(entry)")
        stop(s)
    }

    /// conf/mcelog.catalog's text for this MESSAGE_ID substitutes @MCE_CONFIG@.
    func testReloadFailureEntryNamesTheConfigFileTheCatalogShows() throws {
        if let why = DaemonJournald.ensureRunning() { return XCTFail("journald needed: \(why)") }
        let catalog = try String(contentsOfFile: DaemonBinary.root.appendingPathComponent("conf/mcelog.catalog").path, encoding: .utf8)
        let section = try XCTUnwrap(catalog.components(separatedBy: "-- " + DaemonExpect.reloadFailedID).dropFirst().first)
        XCTAssertTrue(section.contains("@MCE_CONFIG@"))
        let (s, failure, config) = try reloadWithBrokenConfig()
        XCTAssertEqual(failure?["MCE_CONFIG"] as? String, config, "entry: \(failure ?? [:])")
        stop(s)
    }

    func testWatchdogPingsComeEveryHalfIntervalWhenWatchdogUSECIsSet() throws {
        let s = try start(environment: ["WATCHDOG_USEC": "200000"])
        let window: UInt64 = 1_000_000
        let begin = monotonicMicroseconds()
        var pings: [UInt64] = []
        while let m = s.notify.receive(seconds: secondsLeft(of: window, since: begin)) {
            if m.lines.contains("WATCHDOG=1") { pings.append(m.at) }
        }
        let gaps = zip(pings.dropFirst(), pings).map { Double($0 - $1) / 1000 }
        print("WATCHDOG=1 with WATCHDOG_USEC=200000: \(pings.count) pings in 1 s, gaps ms: \(gaps.map { Int($0) })")
        XCTAssertGreaterThanOrEqual(pings.count, 6, "about one per 100 ms expected")
        XCTAssertLessThanOrEqual(pings.count, 12)
        XCTAssertLessThan(gaps.max() ?? 1000, 200, "a gap as long as WATCHDOG_USEC would get the service killed")
        stop(s)
    }

    /// Regression: the watchdog's wait replaced the deferred STATUS= wait, so with
    /// WatchdogSec=60s the final counts showed only half a minute later.
    func testStatusSettlesPromptlyUnderALongWatchdogInterval() throws {
        let s = try start(environment: ["WATCHDOG_USEC": "60000000"])
        let begin = monotonicMicroseconds()
        let seen = s.notify.receive(until: { $0.value("STATUS")?.contains("67 journaled") == true }, seconds: 5)
        XCTAssertTrue(seen.last?.value("STATUS")?.contains("67 journaled") == true, "\(seen.map(\.text))")
        XCTAssertLessThan(Double(monotonicMicroseconds() - begin) / 1e6, 3)
        stop(s)
    }

    func testNoWatchdogPingsWithoutWatchdogUSEC() throws {
        let s = try start()
        var texts: [String] = []
        let begin = monotonicMicroseconds()
        while let m = s.notify.receive(seconds: secondsLeft(of: 1_000_000, since: begin)) {
            texts.append(m.text)
        }
        XCTAssertFalse(texts.contains { $0.contains("WATCHDOG=1") }, "\(texts)")
        stop(s)
    }
}
