import Foundation
import XCTest
import TestSupport

/// Without --daemon (cron, the kernel's machinecheck trigger): drain what the source holds,
/// print upstream's text, exit. And the no-source cases upstream's service file relies on.
final class DaemonOneShotTests: XCTestCase {
    func testOneShotDrainsTheCapturePrintsUpstreamTextAndExits() throws {
        for name in ["debian-6.1", "debian-6.12"] {
            let capture = try CaptureCopy(name, in: self)
            let injected = try capture.injected()
            let d = try DaemonProcess(["--tracefs", capture.root, "--logfile", capture.root + "/mcelog.log"], in: self)
            let started = Date()
            try d.start()
            XCTAssertEqual(d.wait(seconds: 10), 0, "\(name): \(d.stderr)")
            print("\(name): one-shot run took \(Int(Date().timeIntervalSince(started) * 1000)) ms")
            let out = d.stdout
            XCTAssertEqual(UpstreamText.eventCount(out), 67, name)
            XCTAssertEqual(UpstreamText.statuses(out), injected.map(\.status), "\(name): STATUS lines in order")
            XCTAssertEqual(UpstreamText.addresses(out), injected.map(\.addr), "\(name): addresses in order")
            XCTAssertTrue(out.hasPrefix("Hardware event. This is not a software error.\nCPU 0 BANK 1 TSC "), "\(name): \(out.prefix(200))")
            XCTAssertTrue(out.contains("CPUID Vendor Intel Family 6 Model 26 Step 3"), name)
            XCTAssertEqual(d.stderr, "", name)
        }
    }

    /// `--json` in one-shot mode: one object per record with the journal entry's fields.
    func testOneShotJSONPrintsOneObjectPerRecordWithTheJournalFields() throws {
        let capture = try CaptureCopy("debian-6.12", in: self)
        let injected = try capture.injected()
        let d = try DaemonProcess(["--tracefs", capture.root, "--json", "--logfile", capture.root + "/mcelog.log"], in: self)
        try d.start()
        XCTAssertEqual(d.wait(seconds: 10), 0, d.stderr)
        let objects = try d.stdout.split(separator: "\n").map {
            try XCTUnwrap(JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])
        }
        XCTAssertEqual(objects.count, injected.count)
        XCTAssertEqual(objects.map { $0["MCE_STATUS"] as? String }, injected.map { hex($0.status) })
        XCTAssertTrue(objects.allSatisfy { ($0["MCE_DECODED"] as? String)?.hasPrefix("Hardware event.") == true })
        XCTAssertEqual(Set(objects.compactMap { $0["SYSLOG_IDENTIFIER"] as? String }), ["mcelog"])
    }

    /// A config naming a device that does not exist, so the host's /dev/mcelog (if any) is
    /// out of the picture: no tracepoint under --tracefs, no device.
    func noSourceArguments() throws -> (args: [String], tracefs: String, device: String) {
        let dir = NSTemporaryDirectory() + "mcelog-nosource-\(getpid())-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(atPath: dir) }
        let device = dir + "/no-such-mcelog", tracefs = dir + "/no-such-tracefs"
        try "[source]\ndevice = \(device)\n".write(toFile: dir + "/mcelog.conf", atomically: false, encoding: .utf8)
        return (["--tracefs", tracefs, "--config-file", dir + "/mcelog.conf", "--logfile", dir + "/mcelog.log"], tracefs, device)
    }

    func testIgnoreNoDevExitsZeroQuietlyWhenThereIsNoSource() throws {
        let (args, _, _) = try noSourceArguments()
        for mode in [[], ["--daemon", "--foreground"]] {
            let d = try DaemonProcess(mode + args + ["--ignorenodev"], in: self)
            try d.start()
            XCTAssertEqual(d.wait(seconds: 10), 0, "\(mode): \(d.stderr)")
            XCTAssertEqual(d.stdout, "", "\(mode)")
            XCTAssertEqual(d.stderr, "", "\(mode)")
        }
    }

    func testNoSourceWithoutIgnoreNoDevIsAnErrorNamingWhatWasLookedFor() throws {
        let (args, tracefs, device) = try noSourceArguments()
        for mode in [[], ["--daemon", "--foreground"]] {
            let d = try DaemonProcess(mode + args, in: self)
            try d.start()
            let status = d.wait(seconds: 10)
            XCTAssertNotNil(status, "\(mode): exits")
            XCTAssertNotEqual(status, 0, "\(mode)")
            XCTAssertTrue(d.stderr.contains("no machine check source"), "\(mode): \(d.stderr)")
            XCTAssertTrue(d.stderr.contains(tracefs), "\(mode): \(d.stderr)")
            XCTAssertTrue(d.stderr.contains(device), "\(mode): \(d.stderr)")
            XCTAssertEqual(d.stdout, "", "\(mode)")
        }
    }
}
