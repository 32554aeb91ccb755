import Foundation
import XCTest
@testable import MCEIO
import MachineCheck
import TestSupport

/// A real systemd-journald for the tests: the running one, or one started here as CI's
/// .ci/run does (never systemd itself: systemd.md §8). Left running for later tests.
enum TestJournald {
    static let socket = JournalWriter.defaultSocketPath

    static func ensureRunning() -> String? { Journald.ensureRunning() }
    static func isListening() -> Bool { Journald.isListening() }

    /// Binds an AF_UNIX datagram socket at `path` (removing a file left there).
    static func bindDatagramSocket(_ path: String) throws -> Int32 {
        let fd = Glibc.socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue), 0)
        guard fd >= 0 else { throw SystemError("socket") }
        var addr = sockaddr_un()
        addr.sun_family = sa_family_t(AF_UNIX)
        let capacity = MemoryLayout.size(ofValue: addr.sun_path)
        guard path.utf8.count < capacity else { close(fd); throw SystemError("bind", path: path, errno: ENAMETOOLONG) }
        withUnsafeMutableBytes(of: &addr.sun_path) { p in
            for (i, b) in path.utf8.enumerated() { p[i] = b }
        }
        unlink(path)
        let rc = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard rc == 0 else { let e = errno; close(fd); throw SystemError("bind", path: path, errno: e) }
        return fd
    }

    /// The entries matching `FIELD=value`, as journalctl's JSON objects; polls up to
    /// `seconds` until `count` entries are there.
    static func read(_ match: String, count: Int = 1, seconds: Double = 10) throws -> [[String: Any]] {
        let deadline = Date().addingTimeInterval(seconds)
        var last: [[String: Any]] = []
        repeat {
            _ = try? TestProcess.run("/usr/bin/journalctl", ["--sync"])
            let r = try TestProcess.run("/usr/bin/journalctl", ["-o", "json", "--all", "--no-pager", match])
            last = r.stdout.split(separator: "\n").compactMap {
                try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
            }
            if last.count >= count { return last }
            usleep(100_000)
        } while Date() < deadline
        return last
    }

    static func uniqueID() -> String {
        UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased()
    }
}

final class JournalWriterTests: XCTestCase {
    func testSocketCheckWantsAnExistingSocket() throws {
        let dir = NSTemporaryDirectory() + "mcelog-jsock-\(getpid())"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        XCTAssertFalse(JournalWriter.isJournalAvailable(socketPath: dir + "/missing"))
        _ = FileManager.default.createFile(atPath: dir + "/file", contents: Data())
        XCTAssertFalse(JournalWriter.isJournalAvailable(socketPath: dir + "/file"))
        XCTAssertFalse(JournalWriter.isJournalAvailable(socketPath: dir))

        let path = dir + "/socket"
        let fd = try TestJournald.bindDatagramSocket(path)
        defer { close(fd) }
        XCTAssertTrue(JournalWriter.isJournalAvailable(socketPath: path))
    }

    /// The two failure modes with real libsystemd, in a private mount namespace where
    /// /run/systemd/journal is an empty tmpfs: no socket (sd_journal_sendv says 0, we say
    /// `.journalAbsent`) and a stale socket nobody receives on (`.failed(ECONNREFUSED)`).
    /// The test runs itself again under `unshare -m` with MCELOG_JOURNAL_PROBE set.
    func testMissingAndStaleJournalSocketsGiveTypedResults() throws {
        let socketPath = JournalWriter.defaultSocketPath
        let entry = JournalEntry.recordsLost(count: 1, source: "probe")
        switch ProcessInfo.processInfo.environment["MCELOG_JOURNAL_PROBE"] {
        case "absent":
            XCTAssertFalse(JournalWriter.isJournalAvailable())
            XCTAssertEqual(JournalWriter.sendv(entry), 0, "libsystemd hides a missing journald")
            XCTAssertEqual(JournalWriter().send(entry), .journalAbsent)
            print("PROBE-OK absent")
            return
        case "stale":
            close(try TestJournald.bindDatagramSocket(socketPath))   // the file stays, nobody listens
            XCTAssertTrue(JournalWriter.isJournalAvailable())
            XCTAssertEqual(JournalWriter().send(entry), .failed(errno: ECONNREFUSED))
            print("PROBE-OK stale")
            return
        default:
            break
        }
        let me = CommandLine.arguments[0]
        for mode in ["absent", "stale"] {
            let script = """
                mount --make-rprivate /
                mkdir -p /run/systemd/journal
                mount -t tmpfs tmpfs /run/systemd/journal
                exec "$0" MCEIOTests.JournalWriterTests/testMissingAndStaleJournalSocketsGiveTypedResults
                """
            var env = ProcessInfo.processInfo.environment
            env["MCELOG_JOURNAL_PROBE"] = mode
            let r = try TestProcess.run("/usr/bin/unshare", ["-m", "/bin/sh", "-ec", script, me], environment: env)
            XCTAssertEqual(r.status, 0, "\(mode): \(r.stdout)\n\(r.stderr)")
            XCTAssertTrue(r.stdout.contains("PROBE-OK \(mode)"), "\(mode) probe did not run: \(r.stdout)\n\(r.stderr)")
        }
        // The namespaces left this one alone: if journald ran before, it still receives.
        if JournalWriter.isJournalAvailable() { XCTAssertTrue(TestJournald.isListening()) }
    }

    func testSendWithoutJournaldSocketReportsAbsenceInsteadOfSuccess() {
        let w = JournalWriter(socketPath: NSTemporaryDirectory() + "no-such-journal-\(getpid())/socket")
        let e = JournalEntry.recordsLost(count: 1, source: "test")
        XCTAssertEqual(w.send(e), .journalAbsent)
    }

    func testLibsystemdReturnCodesMapToResults() {
        XCTAssertEqual(JournalWriter.SendResult(returnCode: 0), .sent)
        XCTAssertEqual(JournalWriter.SendResult(returnCode: -ECONNREFUSED), .failed(errno: ECONNREFUSED))
        XCTAssertEqual(JournalWriter.SendResult(returnCode: Int32.min), .failed(errno: EIO))
        XCTAssertEqual(JournalWriter.SendResult.failed(errno: ECONNREFUSED).description,
                       "sd_journal_sendv: Connection refused")
    }

    /// Real records, decoded, sent through sd_journal_sendv to a real journald and read
    /// back with `journalctl -o json`: every field comes back with the exact value, and
    /// nothing else but journald's own `_`/`__` fields.
    func testDecodedRecordsReadBackFromJournaldWithEveryField() throws {
        if let why = TestJournald.ensureRunning() { return XCTFail("journald needed for this test: \(why)") }
        var entries: [(String, JournalEntry)] = [
            ("corrected memory #1", CapturedRecords.entry(CapturedRecords.correctedMemory, .nehalem, dimm: "CPU0_DIMM_A1").0),
            ("SRAO memory #65", CapturedRecords.entry(CapturedRecords.recoverableMemory, .nehalem).0),
            ("QEMU memory #67", CapturedRecords.entry(CapturedRecords.qemuMemory, .nehalem, dimm: "DIMM 0 (label with space)").0),
            ("thermal", CapturedRecords.entry(CapturedRecords.thermal, .skylakeXeon).0),
            ("fatal internal", CapturedRecords.entry(CapturedRecords.fatalInternal, .skylakeXeon).0),
            ("records lost", JournalEntry.recordsLost(count: 12, source: "tracefs", cpu: 0)),
            ("reload failed", try JournalEntry.event(.configReloadFailed, priority: 3, message: "Config reload failed",
                                                     fields: [("MCE_CONFIG", "/etc/mcelog/mcelog.conf"),
                                                              ("MCE_CONFIG_ERROR", "line 3: unknown option \"foo\"")])),
        ]
        let writer = JournalWriter()
        var ids: [String] = []
        for i in entries.indices {
            let id = TestJournald.uniqueID()
            ids.append(id)
            try entries[i].1.append("MCE_TEST_ID", id)
            XCTAssertEqual(writer.send(entries[i].1), .sent, entries[i].0)
        }
        for (i, (what, entry)) in entries.enumerated() {
            let found = try TestJournald.read("MCE_TEST_ID=" + ids[i])
            XCTAssertEqual(found.count, 1, "\(what): \(found.count) entries in the journal")
            guard let back = found.first else { continue }
            for (name, value) in entry.fields {
                XCTAssertEqual(back[name] as? String, String(decoding: value, as: UTF8.self), "\(what): \(name)")
            }
            let ours = Set(back.keys.filter { !$0.hasPrefix("_") })
            XCTAssertEqual(ours, Set(entry.fieldNames), "\(what): fields journald stored")
            XCTAssertEqual(back["_TRANSPORT"] as? String, "journal", what)
        }
        // The multi-line decode survived intact.
        let first = try TestJournald.read("MCE_TEST_ID=" + ids[0]).first
        let decoded = try XCTUnwrap(first?["MCE_DECODED"] as? String)
        XCTAssertGreaterThan(decoded.split(separator: "\n").count, 4, decoded)
        XCTAssertTrue(decoded.hasPrefix("CPU 0 BANK 1 TSC 369e3abeb \nMISC 8c ADDR 1234000 \n"), decoded)
        XCTAssertTrue(decoded.contains("\nMCA: MEMORY CONTROLLER RD_CHANNEL0_ERR\n"), decoded)
        XCTAssertTrue(decoded.hasSuffix("STATUS 9c00004000010090 MCGSTATUS 0\nAPICID 0 SOCKETID 0 \nCPUID Vendor Intel Family 6 Model 26 Step 3"), decoded)
    }

    /// `journalctl -x` shows the catalog text with this entry's values substituted. Uses a
    /// private mount namespace so the host catalog database stays untouched (systemd.md §4).
    func testCatalogTextRendersWithTheEntrysFields() throws {
        if let why = TestJournald.ensureRunning() { return XCTFail("journald needed for this test: \(why)") }
        var (entry, _) = CapturedRecords.entry(CapturedRecords.correctedMemory, .nehalem, dimm: "CPU0_DIMM_A1")
        let id = TestJournald.uniqueID()
        try entry.append("MCE_TEST_ID", id)
        XCTAssertEqual(JournalWriter().send(entry), .sent)
        XCTAssertEqual(try TestJournald.read("MCE_TEST_ID=" + id).count, 1)

        let dir = NSTemporaryDirectory() + "mcelog-catalog-x-\(getpid())"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try FileManager.default.copyItem(atPath: JournalCatalogTests.catalogPath, toPath: dir + "/mcelog.catalog")
        let script = """
            mount --make-rprivate /
            mount -t tmpfs tmpfs /var/lib/systemd/catalog
            mount --bind '\(dir)' /usr/lib/systemd/catalog
            journalctl --update-catalog
            journalctl -x --no-pager MCE_TEST_ID=\(id)
            """
        let r = try TestProcess.run("/usr/bin/unshare", ["-m", "/bin/sh", "-ec", script])
        XCTAssertEqual(r.status, 0, "unshare -m (needs root/CAP_SYS_ADMIN): \(r.stderr)")
        XCTAssertTrue(r.stdout.contains("Corrected memory error: CPU 0 bank 1 addr 0x1234000 DIMM CPU0_DIMM_A1"), r.stdout)
        XCTAssertTrue(r.stdout.contains("Subject: Corrected memory error on CPU 0, bank 1\n"), r.stdout)
        XCTAssertTrue(r.stdout.contains("Physical address: 0x1234000 (page 0x1234000)\n"), r.stdout)
        XCTAssertTrue(r.stdout.contains("Memory module: CPU0_DIMM_A1 (channel 0)\n"), r.stdout)
        XCTAssertTrue(r.stdout.contains("MCi_STATUS: 0x9c00004000010090\n"), r.stdout)
    }
}
