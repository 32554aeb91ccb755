import Foundation
import XCTest
import TestSupport

/// `mcelog --daemon` on real captures of both tracepoint layouts (6.1, 6.10+), with a real
/// journald: one entry per record, read back with `journalctl -o json`, every field checked
/// against injected.tsv and the kernel's own text rendering of the same record.
final class DaemonJournalTests: XCTestCase {
    /// Runs the daemon to `--num-errors 67` and returns its journal entries.
    func runDaemon(on capture: CaptureCopy) throws -> (DaemonProcess, [[String: Any]]) {
        let config = capture.emptyConfig()
        let d = try DaemonProcess(["--daemon", "--foreground", "--tracefs", capture.root, "--num-errors", "67",
                                   "--logfile", capture.root + "/mcelog.log", "--config-file", config], in: self)
        try d.start()
        let status = d.wait(seconds: 20)
        XCTAssertEqual(status, 0, "exit status; stderr: \(d.stderr)")
        let entries = try DaemonJournald.entries(pid: d.pid, marker: capture.root, count: 67)
        return (d, entries)
    }

    func testKernel61CaptureGivesOneCompleteEntryPerRecord() throws {
        try checkEveryEntry("debian-6.1")
    }

    func testKernel612CaptureGivesOneCompleteEntryPerRecordWithPPINAndMicrocode() throws {
        try checkEveryEntry("debian-6.12")
    }

    func checkEveryEntry(_ name: String) throws {
        if let why = DaemonJournald.ensureRunning() { return XCTFail("journald needed: \(why)") }
        let capture = try CaptureCopy(name, in: self)
        let injected = try capture.injected(), trace = try capture.traceLines()
        XCTAssertEqual(injected.count, 67)
        XCTAssertEqual(trace.count, 67)
        let (d, entries) = try runDaemon(on: capture)
        XCTAssertEqual(entries.count, 67, "\(name): journal entries of pid \(d.pid); stderr: \(d.stderr)")
        XCTAssertEqual(UpstreamText.eventCount(UpstreamText.read(capture.root + "/mcelog.log")), 0,
                       "journald was there: nothing goes to the fallback log")
        let is612 = name == "debian-6.12"

        for (i, (e, row)) in zip(entries, injected).enumerated() {
            let at = "\(name) entry \(i + 1) (\(row))"
            let t = trace[i]
            func field(_ k: String) -> String? { e[k] as? String }

            // No repeated field (journalctl shows one as an array) and only names journald keeps.
            for (k, v) in e where !k.hasPrefix("_") {
                XCTAssertTrue(DaemonJournald.isValidClientFieldName(k), "\(at): field name `\(k)'")
                XCTAssertTrue(v is String, "\(at): \(k) is repeated or not text: \(v)")
            }

            XCTAssertEqual(field("SYSLOG_IDENTIFIER"), "mcelog", at)
            XCTAssertEqual(field("MCE_BANK"), String(row.bank), at)
            XCTAssertEqual(field("MCE_STATUS"), hex(row.status), at)
            XCTAssertEqual(field("MCE_ADDR"), hex(row.addr), at)
            XCTAssertEqual(field("MCE_MISC"), hex(row.misc), at)
            guard let want = row.expectedSeverity else { XCTFail("\(at): no expectation for this status"); continue }
            XCTAssertEqual(field("MCE_SEVERITY"), want.name, at)
            XCTAssertEqual(field("PRIORITY"), want.priority, at)
            XCTAssertEqual(field("MESSAGE_ID"), want.messageID, at)
            XCTAssertEqual(field("MCE_KIND"), "memory", at)
            let title = want.name == "corrected" ? "Corrected memory error" : "Uncorrected recoverable (action optional) memory error"
            XCTAssertEqual(field("MESSAGE"), "\(title): CPU 0 bank \(row.bank) addr \(hex(row.addr))", at)

            // The rest against the kernel's text trace of the same record.
            XCTAssertEqual(field("MCE_CPU"), t["CPU"], at)
            let mcg = t["MCGc/s"]?.split(separator: "/").map { "0x" + $0 }
            XCTAssertEqual(field("MCE_MCGCAP"), mcg?.first, at)
            XCTAssertEqual(field("MCE_MCGSTATUS"), mcg?.last, at)
            XCTAssertEqual(field("MCE_TSC"), t["TSC"].map { "0x" + $0 }, at)
            // RIP: %02x:<%016Lx> (cs:ip)
            let rip = t["RIP"]?.split(separator: ":", maxSplits: 1)
            XCTAssertEqual(field("MCE_CS"), rip.flatMap { UInt64($0[0], radix: 16) }.map { String($0) }, at)
            XCTAssertEqual(field("MCE_IP"), rip.flatMap { UInt64($0[1].dropFirst().dropLast(), radix: 16) }.map(hex), at)
            XCTAssertEqual(field("MCE_TIME"), is612 ? t["time"] : t["TIME"], at)
            XCTAssertEqual(field("MCE_SOCKET"), is612 ? t["socket"] : t["SOCKET"], at)
            XCTAssertEqual(field("MCE_APICID"), t["APIC"].flatMap { UInt64($0, radix: 16) }.map { String($0) }, at)
            XCTAssertEqual(field("MCE_CPUID"), "0x106a3", at)
            XCTAssertEqual(field("MCE_CPUVENDOR"), "Intel", at)
            XCTAssertEqual(field("MCE_IPID"), t["IPID"].flatMap { UInt64($0, radix: 16) }.map(hex), at)
            if is612 {
                XCTAssertEqual(field("MCE_PPIN"), t["PPIN"].flatMap { UInt64($0, radix: 16) }.map(hex), at)
                XCTAssertEqual(field("MCE_MICROCODE"), t["microcode"].flatMap { UInt64($0, radix: 16) }.map(hex), at)
                XCTAssertEqual(field("MCE_MICROCODE"), "0x1", at)
            }
            let decoded = field("MCE_DECODED") ?? ""
            XCTAssertTrue(decoded.contains("STATUS \(String(row.status, radix: 16)) MCGSTATUS "), "\(at): \(decoded)")
            XCTAssertTrue(decoded.contains("CPU 0 BANK \(row.bank) "), "\(at): \(decoded)")
            XCTAssertTrue(decoded.contains("ADDR \(String(row.addr, radix: 16))"), "\(at): \(decoded)")
        }
    }

    /// The 6.1 tracepoint has no ppin and no microcode field: the entry must not claim a
    /// value the kernel never gave (MCE_MICROCODE=0x0 reads as "microcode revision 0").
    func testKernel61EntriesOmitThePPINAndMicrocodeItsTracepointLacks() throws {
        if let why = DaemonJournald.ensureRunning() { return XCTFail("journald needed: \(why)") }
        let capture = try CaptureCopy("debian-6.1", in: self)
        let format = try String(contentsOfFile: capture.recordFormat, encoding: .utf8)
        XCTAssertFalse(format.contains(" ppin;"))
        XCTAssertFalse(format.contains(" microcode;"))
        let (_, entries) = try runDaemon(on: capture)
        XCTAssertEqual(entries.count, 67)
        let withPPIN = entries.filter { $0["MCE_PPIN"] != nil }.count
        let withMicrocode = entries.filter { $0["MCE_MICROCODE"] != nil }.count
        XCTAssertEqual(withPPIN, 0, "MCE_PPIN values: \(Set(entries.compactMap { $0["MCE_PPIN"] as? String }))")
        XCTAssertEqual(withMicrocode, 0, "MCE_MICROCODE values: \(Set(entries.compactMap { $0["MCE_MICROCODE"] as? String }))")
        // The fields 6.1 does trace are there.
        XCTAssertEqual(entries.filter { $0["MCE_SYND"] as? String == "0x0" && $0["MCE_IPID"] as? String == "0x0" }.count, 67)
    }
}
