import Foundation
import XCTest
import TestSupport

/// Without journald the records go to the log file as upstream's text; when journald comes
/// back they go to the journal again; nothing is lost or doubled in between. journald is
/// hidden only from the daemon: it runs in a private mount namespace (`unshare -m`) where
/// /run/systemd/journal is an empty tmpfs, and `nsenter ... umount` brings the real socket
/// back inside that namespace. Needs root (CAP_SYS_ADMIN), as CI has.
final class DaemonFallbackTests: XCTestCase {
    override func setUpWithError() throws {
        // "Nothing in the journal" only means something when a journald is there to receive.
        if let why = DaemonJournald.ensureRunning() { throw CaptureError("journald needed: \(why)") }
    }

    func testWithoutJournaldEveryRecordGoesToTheLogFileAsUpstreamText() throws {
        for name in ["debian-6.1", "debian-6.12"] {
            let capture = try CaptureCopy(name, in: self)
            let injected = try capture.injected()
            let log = capture.root + "/mcelog.log"
            let d = try DaemonProcess(["--daemon", "--foreground", "--tracefs", capture.root, "--num-errors", "67",
                                       "--logfile", log, "--config-file", capture.emptyConfig()],
                                      wrapper: HiddenJournal.wrapper, in: self)
            try d.start()
            XCTAssertEqual(d.wait(seconds: 20), 0, "\(name): stderr: \(d.stderr)")
            let text = UpstreamText.read(log)
            XCTAssertEqual(UpstreamText.eventCount(text), 67, "\(name): Hardware event lines in \(log)")
            XCTAssertEqual(UpstreamText.statuses(text), injected.map(\.status), "\(name): STATUS lines, in order")
            XCTAssertEqual(UpstreamText.addresses(text), injected.map(\.addr), "\(name): ADDR values, in order")
            XCTAssertTrue(text.contains("MCA: MEMORY CONTROLLER MS_CHANNEL0_ERR\nTransaction: Memory scrubbing error\n"),
                          "\(name): the decode, not just the registers")
            let journal = try DaemonJournald.entries(pid: d.pid, marker: capture.root, count: 1, seconds: 1)
            XCTAssertEqual(journal.count, 0, "\(name): nothing may reach journald: \(journal.prefix(2))")
        }
    }

    /// Records written in two halves through a FIFO: the first half while journald's socket is
    /// absent (log file), the second after it reappeared (journal). Every record exactly once.
    func testRecordsGoToTheLogWhileJournaldIsAwayAndToTheJournalOnceItIsBack() throws {
        let capture = try CaptureCopy("debian-6.12", in: self)
        let injected = try capture.injected(), raw = try capture.rawBytes()
        try capture.replacePipeWithFIFO()
        let notify = try NotifyReceiver(in: self)
        let log = capture.root + "/mcelog.log"
        let d = try DaemonProcess(["--daemon", "--foreground", "--tracefs", capture.root,
                                   "--logfile", log, "--config-file", capture.emptyConfig()],
                                  environment: ["NOTIFY_SOCKET": notify.path], wrapper: HiddenJournal.wrapper, in: self)
        try d.start()
        XCTAssertNotNil(notify.receive(until: { $0.lines.contains("READY=1") }, seconds: 10).last, d.stderr)

        let writer = try FIFOWriter(path: capture.rawPipe)
        let half = raw.count / 2          // 6144: page 1 and half of page 2
        try writer.write(raw[..<half])
        let first = try recordsRead(notify, atLeast: 1)
        XCTAssertTrue(waitFor { UpstreamText.eventCount(UpstreamText.read(log)) >= first },
                      "the first \(first) records reach the log file")
        XCTAssertEqual(try DaemonJournald.entries(pid: d.pid, marker: capture.root, count: 0).count, 0,
                       "journald is hidden: nothing in the journal yet")

        let back = try HiddenJournal.bringBack(pid: d.pid)
        XCTAssertEqual(back.status, 0, "nsenter umount: \(back.stderr)")
        try writer.write(raw[half...])
        XCTAssertEqual(try recordsRead(notify, atLeast: 67), 67)
        let journal = DaemonJournald.records(try DaemonJournald.entries(pid: d.pid, marker: capture.root, count: 67 - first))

        d.signal(SIGTERM)
        XCTAssertEqual(d.wait(seconds: 10), 0, d.stderr)
        writer.close()
        let text = UpstreamText.read(log)
        let logged = UpstreamText.eventCount(text)
        print("away and back: \(logged) records to the log file, \(journal.count) to the journal")
        XCTAssertEqual(logged, first, "log file holds exactly what was read while journald was away")
        XCTAssertEqual(journal.count, 67 - first, "the journal holds the rest")
        XCTAssertGreaterThan(first, 0)
        XCTAssertLessThan(first, 67)
        // Every record exactly once, in order, across the two.
        let statuses = UpstreamText.statuses(text) + journal.compactMap { ($0["MCE_STATUS"] as? String).flatMap { UInt64($0.dropFirst(2), radix: 16) } }
        let addresses = UpstreamText.addresses(text) + journal.compactMap { ($0["MCE_ADDR"] as? String).flatMap { UInt64($0.dropFirst(2), radix: 16) } }
        XCTAssertEqual(statuses, injected.map(\.status))
        XCTAssertEqual(addresses, injected.map(\.addr))
    }

    /// logrotate's postrotate sends SIGUSR1: records after it go to a new file of that name.
    func testSIGUSR1ReopensTheLogFileAfterItWasRotated() throws {
        let capture = try CaptureCopy("debian-6.12", in: self)
        let raw = try capture.rawBytes()
        try capture.replacePipeWithFIFO()
        let notify = try NotifyReceiver(in: self)
        let log = capture.root + "/mcelog.log"
        let d = try DaemonProcess(["--daemon", "--foreground", "--tracefs", capture.root,
                                   "--logfile", log, "--config-file", capture.emptyConfig()],
                                  environment: ["NOTIFY_SOCKET": notify.path], wrapper: HiddenJournal.wrapper, in: self)
        try d.start()
        XCTAssertNotNil(notify.receive(until: { $0.lines.contains("READY=1") }, seconds: 10).last, d.stderr)
        let writer = try FIFOWriter(path: capture.rawPipe)
        try writer.write(raw[..<CaptureCopy.pageSize])
        let first = try recordsRead(notify, atLeast: 1)
        XCTAssertTrue(waitFor { UpstreamText.eventCount(UpstreamText.read(log)) >= first })

        XCTAssertEqual(rename(log, log + ".1"), 0)
        d.signal(SIGUSR1)
        usleep(300_000)
        try writer.write(raw[CaptureCopy.pageSize...])
        XCTAssertEqual(try recordsRead(notify, atLeast: 67), 67)
        XCTAssertTrue(waitFor { UpstreamText.eventCount(UpstreamText.read(log)) >= 67 - first },
                      "a new \(log) receives the later records")
        d.signal(SIGTERM)
        XCTAssertEqual(d.wait(seconds: 10), 0, d.stderr)
        XCTAssertEqual(UpstreamText.eventCount(UpstreamText.read(log + ".1")), first, "the rotated file keeps the earlier ones")
        XCTAssertEqual(UpstreamText.eventCount(UpstreamText.read(log)), 67 - first)
    }

    /// The reader's count from STATUS= once it reaches `atLeast`.
    func recordsRead(_ notify: NotifyReceiver, atLeast n: Int) throws -> Int {
        var last = 0
        let got = notify.receive(until: { m in
            last = m.value("STATUS").flatMap(DaemonFallbackTests.recordCount) ?? last
            return last >= n
        }, seconds: 10)
        guard last >= n else { throw CaptureError("STATUS never reached \(n) records: \(got.map(\.text))") }
        return last
    }

    /// `... : 31 records, 0 lost, ...` -> 31.
    static func recordCount(_ status: String) -> Int? {
        guard let r = status.range(of: " records,") else { return nil }
        return Int(status[..<r.lowerBound].split(separator: " ").last ?? "")
    }

    func waitFor(seconds: Double = 5, _ condition: () -> Bool) -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if condition() { return true }
            usleep(20_000)
        }
        return condition()
    }
}

/// A FIFO-fed tracefs layout (tests, the benchmark): a writer that leaves is followed by
/// the next one, as `cat page > trace_pipe_raw` twice does.
final class DaemonFIFOTests: XCTestCase {
    func testRecordsOfASecondWriterAreReadAfterTheFirstWriterLeft() throws {
        if let why = DaemonJournald.ensureRunning() { return XCTFail("journald needed: \(why)") }
        let capture = try CaptureCopy("debian-6.12", in: self)
        let raw = try capture.rawBytes()
        try capture.replacePipeWithFIFO()
        let notify = try NotifyReceiver(in: self)
        let config = capture.emptyConfig()
        let d = try DaemonProcess(["--daemon", "--foreground", "--tracefs", capture.root,
                                   "--logfile", capture.root + "/mcelog.log", "--config-file", config],
                                  environment: ["NOTIFY_SOCKET": notify.path], in: self)
        try d.start()
        XCTAssertNotNil(notify.receive(until: { $0.lines.contains("READY=1") }, seconds: 10).last, d.stderr)

        let first = try FIFOWriter(path: capture.rawPipe)
        try first.write(raw[..<CaptureCopy.pageSize])
        var count = 0
        _ = notify.receive(until: { count = $0.value("STATUS").flatMap(DaemonFallbackTests.recordCount) ?? count; return count > 0 })
        XCTAssertGreaterThan(count, 0, "page 1 was read")
        // The daemon is idle on the FIFO when its writer leaves: it sees only POLLHUP.
        usleep(200_000)
        first.close()
        usleep(300_000)

        let second = try FIFOWriter(path: capture.rawPipe)
        try second.write(raw[CaptureCopy.pageSize...])
        second.close()
        _ = notify.receive(until: { count = $0.value("STATUS").flatMap(DaemonFallbackTests.recordCount) ?? count; return count >= 67 })
        XCTAssertEqual(count, 67, "records read after the second writer")
        let entries = DaemonJournald.records(try DaemonJournald.entries(pid: d.pid, marker: capture.root, count: 67, seconds: 3))
        XCTAssertEqual(entries.count, 67, "journal entries")
        d.signal(SIGTERM)
        XCTAssertEqual(d.wait(seconds: 10), 0, d.stderr)
    }
}
