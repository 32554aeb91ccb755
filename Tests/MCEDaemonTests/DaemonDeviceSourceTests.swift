import Foundation
import XCTest
import TestSupport
import MachineCheck

/// The legacy-device source in daemon mode, fed a file of binary records (upstream's
/// positional device argument; `[source] type = device` with `[source] device =`), and the
/// pidfile.
final class DaemonDeviceSourceTests: XCTestCase {
    func recordFile(count: Int) throws -> (dir: String, path: String, records: [MachineCheckRecord]) {
        let dir = NSTemporaryDirectory() + "mcelog-device-\(getpid())-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(atPath: dir) }
        var records: [MachineCheckRecord] = []
        var bytes: [UInt8] = []
        for i in 0..<count {
            var r = MachineCheckRecord()
            r.status = 0x9c00004000010090 | UInt64(i); r.addr = 0x40000000 + UInt64(i) << 12; r.misc = 0x8c
            r.bank = 13; r.cpuid = 0x50654; r.mcgcap = 0x1000c16; r.time = 1_700_000_000; r.finished = 1
            records.append(r)
            bytes += r.bytes()
        }
        let path = dir + "/records.bin"
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        return (dir, path, records)
    }

    /// Regression: the source's name was read from the device while it was being drained
    /// (an exclusivity violation that aborted the daemon on its first record).
    func testDaemonJournalsEveryRecordOfADeviceArgument() throws {
        if let problem = Journald.ensureRunning() { XCTFail(problem); return }
        let (dir, path, records) = try recordFile(count: 3)
        // Kept running while the entries are read: journald takes _CMDLINE (the marker) from
        // /proc, which a process that already exited no longer has.
        let d = try DaemonProcess(["--daemon", "--foreground", "--logfile", dir + "/mcelog.log", path], in: self)
        try d.start()
        let entries = DaemonJournald.records(try DaemonJournald.entries(pid: d.pid, marker: dir, count: 3))
        d.signal(SIGTERM)
        XCTAssertEqual(d.wait(seconds: 10), 0, d.stderr)
        XCTAssertEqual(entries.map { $0["MCE_STATUS"] as? String }, records.map { "0x" + String($0.status, radix: 16) })
        XCTAssertEqual(entries.map { $0["MCE_ADDR"] as? String }, records.map { "0x" + String($0.addr, radix: 16) })
        XCTAssertTrue(entries.allSatisfy { $0["MCE_BANK"] as? String == "13" })
    }

    func testConfiguredDeviceSourceAndPidfile() throws {
        if let problem = Journald.ensureRunning() { XCTFail(problem); return }
        let (dir, path, _) = try recordFile(count: 2)
        let config = dir + "/mcelog.conf", pidfile = dir + "/mcelog.pid"
        try "[source]\ntype = device\ndevice = \(path)\n[server]\nsocket-path =\n".write(toFile: config, atomically: true, encoding: .utf8)
        let d = try DaemonProcess(["--daemon", "--foreground", "--config-file", config, "--pidfile", pidfile,
                                   "--logfile", dir + "/mcelog.log"], in: self)
        try d.start()
        let entries = DaemonJournald.records(try DaemonJournald.entries(pid: d.pid, marker: dir, count: 2))
        XCTAssertEqual(entries.count, 2, d.stderr)
        var pid = ""
        for _ in 0..<100 where pid.isEmpty {
            pid = ((try? String(contentsOfFile: pidfile, encoding: .utf8)) ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
            if pid.isEmpty { usleep(20_000) }
        }
        XCTAssertEqual(pid, String(d.pid), "the pidfile names the daemon")
        d.signal(SIGTERM)
        XCTAssertEqual(d.wait(), 0, d.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: pidfile), "the pidfile is removed at exit")
    }

    /// A read error is retried a second later (it can be one-off on /dev/mcelog); only a
    /// run of failures gives the source up, and the daemon keeps running either way.
    func testFailedReadsAreRetriedThenTheSourceIsGivenUpWithoutStopping() throws {
        if let problem = Journald.ensureRunning() { XCTFail(problem); return }
        let (dir, _, _) = try recordFile(count: 0)
        let device = dir + "/not-a-device"
        try FileManager.default.createDirectory(atPath: device, withIntermediateDirectories: true)
        let d = try DaemonProcess(["--daemon", "--foreground", "--logfile", dir + "/mcelog.log", device], in: self)
        try d.start()
        var messages: [String] = []
        let deadline = Date().addingTimeInterval(15)
        while Date() < deadline && !messages.contains(where: { $0.contains("giving up") }) {
            usleep(200_000)
            let entries = (try? DaemonJournald.entries(pid: d.pid, marker: dir, count: 1, seconds: 1)) ?? []
            messages = entries.compactMap { $0["MESSAGE"] as? String }
        }
        XCTAssertEqual(messages.filter { $0.contains("failed, retrying in 1 s") }.count, 4, "\(messages)")
        XCTAssertEqual(messages.filter { $0.contains("failed 5 times in a row, giving up") }.count, 1, "\(messages)")
        XCTAssertNil(d.wait(seconds: 0.5), "the daemon keeps running after giving the source up")
    }

    /// With no journald and the log file not writable yet, a record is held and retried
    /// (reading pauses, the kernel keeps the rest); once the log can be written it lands there,
    /// and nothing is counted lost.
    func testARecordNoSinkTakesIsRetriedUntilTheLogFileCanBeWritten() throws {
        let (dir, path, records) = try recordFile(count: 2)
        let config = dir + "/mcelog.conf"
        try "[journal]\nsocket = \(dir)/no-journald\n[server]\nsocket-path =\n".write(toFile: config, atomically: true, encoding: .utf8)
        let log = dir + "/later/mcelog.log"
        let d = try DaemonProcess(["--daemon", "--foreground", "--config-file", config, "--logfile", log, path], in: self)
        try d.start()
        usleep(1_500_000)
        XCTAssertFalse(FileManager.default.fileExists(atPath: log))
        try FileManager.default.createDirectory(atPath: dir + "/later", withIntermediateDirectories: true)
        var text = ""
        let deadline = Date().addingTimeInterval(10)
        while Date() < deadline && UpstreamText.eventCount(text) < 2 {
            usleep(100_000)
            text = UpstreamText.read(log)
        }
        XCTAssertEqual(UpstreamText.statuses(text), records.map(\.status), text)
        XCTAssertFalse(text.contains("lost"), text)
        d.signal(SIGTERM)
        XCTAssertEqual(d.wait(), 0, d.stderr)
    }

    /// Upstream's device mode drops K8 GART errors as noise unless --no-filter; the kernel
    /// paths (one-shot and daemon) do too. The option also works from mcelog.conf's [global],
    /// and the command line overrides the file.
    func testKernelPathsDropK8GARTErrorsUnlessNoFilterFromCommandLineOrConfig() throws {
        let dir = NSTemporaryDirectory() + "mcelog-filter-\(getpid())-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(atPath: dir) }
        var gart = MachineCheckRecord(), other = MachineCheckRecord()
        gart.bank = 4; gart.status = 0xb000000000050e0f      // northbridge, extended code 5, UC
        other.bank = 4; other.status = 0x9000000000050e0f    // the same, corrected: not GART
        gart.time = 1_700_000_000; other.time = 1_700_000_000
        let path = dir + "/records.bin"
        try Data(gart.bytes() + other.bytes()).write(to: URL(fileURLWithPath: path))
        let source = "[source]\ntype = device\ndevice = \(path)\n[server]\nsocket-path =\n"
        let cases: [(global: String, args: [String], events: Int)] = [
            ("cpu = k8\n", [], 1),
            ("cpu = k8\n", ["--no-filter"], 2),
            ("cpu = k8\nno-filter = yes\n", [], 2),
            ("cpu = k8\nno-filter = yes\n", ["--filter"], 1),
        ]
        for (n, c) in cases.enumerated() {
            let config = dir + "/mcelog-\(n).conf"
            try ("[global]\n" + c.global + source).write(toFile: config, atomically: true, encoding: .utf8)
            let d = try DaemonProcess(["--config-file", config, "--logfile", dir + "/mcelog.log"] + c.args, in: self)
            try d.start()
            XCTAssertEqual(d.wait(seconds: 10), 0, "\(c): \(d.stderr)")
            XCTAssertEqual(UpstreamText.eventCount(d.stdout), c.events, "\(c): \(d.stdout)")
            XCTAssertTrue(d.stdout.contains("STATUS 9000000000050e0f"), "\(c): the corrected one always stays")
        }
    }
}
