import Foundation
import XCTest
import TestSupport

/// Damaged kernel input: a corrupt sub-buffer is reported and skipped while the daemon keeps
/// going; a format file it cannot read stops it at start with a message naming the file.
final class DaemonInputErrorTests: XCTestCase {
    /// Records in each sub-buffer of a capture: each sub-buffer stands alone, so a copy holding
    /// only page `i` is a valid capture of those records (read one-shot).
    func recordsPerPage(_ name: String) throws -> [Int] {
        let raw = try CaptureCopy(name, in: self).rawBytes()
        return try stride(from: 0, to: raw.count, by: CaptureCopy.pageSize).map { start in
            let copy = try CaptureCopy(name, in: self)
            try copy.writeRaw(Array(raw[start..<min(start + CaptureCopy.pageSize, raw.count)]))
            let d = try DaemonProcess(["--tracefs", copy.root, "--logfile", copy.root + "/mcelog.log"], in: self)
            try d.start()
            XCTAssertEqual(d.wait(), 0, d.stderr)
            return UpstreamText.eventCount(d.stdout)
        }
    }

    func testCorruptSubBufferIsReportedAndTheRecordsOfTheOtherPagesAreDelivered() throws {
        if let why = DaemonJournald.ensureRunning() { return XCTFail("journald needed: \(why)") }
        for name in ["debian-6.1", "debian-6.12"] {
            let perPage = try recordsPerPage(name)
            XCTAssertEqual(perPage.reduce(0, +), 67, "\(name): records per page \(perPage)")
            let capture = try CaptureCopy(name, in: self)
            let injected = try capture.injected()
            var raw = try capture.rawBytes()
            let garbageAt = CaptureCopy.pageSize + CaptureCopy.pageSize / 2
            for i in garbageAt..<(garbageAt + 64) { raw[i] = 0xff }
            try capture.writeRaw(raw)

            let notify = try NotifyReceiver(in: self)
            let config = capture.emptyConfig()
            let d = try DaemonProcess(["--daemon", "--foreground", "--tracefs", capture.root,
                                       "--logfile", capture.root + "/mcelog.log", "--config-file", config],
                                      environment: ["NOTIFY_SOCKET": notify.path], in: self)
            try d.start()
            // READY=1, then STATUS= after the capture was read.
            let got = notify.receive(until: { !$0.lines.contains("READY=1") && $0.value("STATUS") != nil }, seconds: 10)
            XCTAssertGreaterThanOrEqual(got.count, 2, "\(name): \(got.map(\.text)); stderr: \(d.stderr)")
            usleep(300_000)
            XCTAssertTrue(d.process.isRunning, "\(name): the daemon keeps running after a corrupt sub-buffer")
            d.signal(SIGTERM)
            XCTAssertEqual(d.wait(seconds: 10), 0, "\(name): \(d.stderr)")

            XCTAssertTrue(d.stderr.contains(capture.rawPipe), "\(name): stderr names the file: \(d.stderr)")
            XCTAssertTrue(d.stderr.contains("corrupt trace sub-buffer at byte 4096"), "\(name): stderr: \(d.stderr)")

            let entries = try DaemonJournald.entries(pid: d.pid, marker: capture.root, count: 1)
            let problems = entries.filter { ($0["MESSAGE"] as? String)?.contains("corrupt trace sub-buffer at byte 4096") == true }
            XCTAssertEqual(problems.count, 1, "\(name): one journal entry reports it: \(entries.filter { $0["MCE_STATUS"] == nil })")
            XCTAssertEqual(problems.first?["PRIORITY"] as? String, "4", name)
            XCTAssertEqual(problems.first?["SYSLOG_IDENTIFIER"] as? String, "mcelog", name)

            // Records of intact pages, in order: all of page 1 and (6.12) all of page 3.
            let records = DaemonJournald.records(entries)
            func key(_ e: [String: Any]) -> String { "\(e["MCE_STATUS"] ?? "-") \(e["MCE_ADDR"] ?? "-")" }
            func key(_ r: InjectedRecord) -> String { "\(hex(r.status)) \(hex(r.addr))" }
            let got1 = records.prefix(perPage[0]).map(key)
            XCTAssertEqual(got1, injected.prefix(perPage[0]).map(key), "\(name): page 1")
            if perPage.count == 3 {
                XCTAssertEqual(records.suffix(perPage[2]).map(key), injected.suffix(perPage[2]).map(key), "\(name): page 3")
            }
            XCTAssertLessThan(records.count, 67, "\(name): some of page 2 is lost")
            XCTAssertGreaterThanOrEqual(records.count, perPage[0] + (perPage.count == 3 ? perPage[2] : 0), name)
            print("\(name): records per page \(perPage); delivered \(records.count) of 67 with page 2 corrupt")
        }
    }

    func run(_ capture: CaptureCopy) throws -> DaemonProcess {
        let d = try DaemonProcess(["--daemon", "--foreground", "--tracefs", capture.root,
                                   "--logfile", capture.root + "/mcelog.log"], in: self)
        try d.start()
        return d
    }

    func testMalformedFormatFileStopsTheStartWithAMessageNamingTheFileAndLine() throws {
        let capture = try CaptureCopy("debian-6.12", in: self)
        let format = try String(contentsOfFile: capture.recordFormat, encoding: .utf8)
        let broken = format.replacingOccurrences(of: "field:u64 status;\toffset:24;", with: "field:u64 status;\toffset:zz;")
        XCTAssertNotEqual(broken, format)
        try broken.write(toFile: capture.recordFormat, atomically: false, encoding: .utf8)
        let d = try run(capture)
        let status = d.wait(seconds: 10)
        XCTAssertNotNil(status, "exits instead of waiting")
        XCTAssertNotEqual(status, 0)
        XCTAssertTrue(d.stderr.contains(capture.recordFormat + ":11:"), d.stderr)
        XCTAssertTrue(d.stderr.contains("offset:zz"), d.stderr)
        XCTAssertEqual(try String(contentsOfFile: capture.root + "/instances/mcelog/events/mce/mce_record/enable", encoding: .utf8), "0\n",
                       "nothing is switched on with a format it cannot read")
    }

    func testFormatWithoutTheStatusFieldNamesTheMissingField() throws {
        let capture = try CaptureCopy("debian-6.1", in: self)
        let format = try String(contentsOfFile: capture.recordFormat, encoding: .utf8)
        let broken = format.split(separator: "\n", omittingEmptySubsequences: false)
            .filter { !$0.contains("field:u64 status;") }.joined(separator: "\n")
        try broken.write(toFile: capture.recordFormat, atomically: false, encoding: .utf8)
        let d = try run(capture)
        let status = d.wait(seconds: 10)
        XCTAssertNotNil(status)
        XCTAssertNotEqual(status, 0)
        XCTAssertTrue(d.stderr.contains(capture.recordFormat), d.stderr)
        XCTAssertTrue(d.stderr.contains("status"), d.stderr)
    }

    func testRandomBytesAsFormatFileAreRejectedWithoutACrash() throws {
        let capture = try CaptureCopy("debian-6.12", in: self)
        var x: UInt32 = 2463534242
        let junk = (0..<700).map { _ -> UInt8 in x ^= x << 13; x ^= x >> 17; x ^= x << 5; return UInt8(truncatingIfNeeded: x) }
        try Data(junk).write(to: URL(fileURLWithPath: capture.recordFormat))
        let d = try run(capture)
        let status = d.wait(seconds: 10)
        XCTAssertEqual(status, 1, "a clean exit status, not a signal: \(d.stderr)")
        XCTAssertTrue(d.stderr.contains(capture.recordFormat), d.stderr)
    }
}
