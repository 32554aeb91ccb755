import Foundation
import XCTest
import TestSupport
import MachineCheck
import MCEIO
@testable import mcelog

/// `mcelog --summary` and `--errors` over real journal files: entries built by the daemon's
/// own entry builder from decoded records, written by systemd-journal-remote (as a fleet's
/// collector writes them), read back through sd-journal.
final class HistoryTests: XCTestCase {
    override func setUp() {
        // In-process rendering uses the local time zone, as the binary does with TZ=UTC.
        setenv("TZ", "UTC", 1)
        tzset()
    }

    // MARK: - The journal under test

    static let bootA = "a0000000000000000000000000000001"
    static let bootB = "b0000000000000000000000000000002"
    static let bootC = "c0000000000000000000000000000003"
    /// 2023-11-14 22:13:20 UTC.
    static let t0: UInt64 = 1_700_000_000

    struct Item { var received: UInt64; var boot: String; var host: String; var entry: JournalEntry }

    /// A Skylake-server record as the kernel reports it; bank 7 memory-controller status
    /// gives channel 0, bank 1 a cache error.
    static func record(bank: UInt8, status: UInt64, socket: UInt32, cpu: UInt32, time: UInt64) -> MachineCheckRecord {
        var r = MachineCheckRecord()
        r.status = status; r.bank = bank; r.cpuid = 0x50654; r.finished = 1; r.time = time
        r.mcgcap = 0x1000c16; r.socketid = socket; r.extcpu = cpu; r.misc = 0x86; r.addr = 0x1234000 + UInt64(cpu) << 12
        return r
    }

    static func entry(_ r: MachineCheckRecord, dimm: String?) -> JournalEntry {
        var text = TextBuffer()
        text.line("Hardware event. This is not a software error.")
        let facts = RecordFormatter().format(r, cpuType: .skylakeXeon, into: &text)
        return JournalEntry.machineCheck(r, facts: facts, decoded: text, dimmName: dimm)
    }

    static let correctedMC: UInt64 = 0x8c00004000010090     // corrected, memory controller, channel 0
    static let uncorrectedMC: UInt64 = 0xbd00000000010090   // uncorrected, recoverable, action optional (SRAO)
    static let correctedCache: UInt64 = 0x9000000000000150  // corrected, L1 instruction cache read

    /// Two hosts, three boots. Reception is 5 s after each event, so first/last seen tell
    /// whether MCE_TIME or journald's timestamp was used.
    static var items: [Item] {
        let t = t0
        var list: [Item] = []
        func add(_ e: JournalEntry, at event: UInt64, _ boot: String, _ host: String) {
            list.append(Item(received: (event + 5) * 1_000_000, boot: boot, host: host, entry: e))
        }
        // alpha, boot A
        add(entry(record(bank: 7, status: correctedMC, socket: 0, cpu: 2, time: t), dimm: "CPU0_DIMM_A1"), at: t, bootA, "alpha")
        add(entry(record(bank: 1, status: correctedCache, socket: 1, cpu: 9, time: t + 60), dimm: nil), at: t + 60, bootA, "alpha")
        add(JournalEntry.recordsLost(count: 7, source: "tracefs", cpu: 3), at: t + 90, bootA, "alpha")
        add(entry(record(bank: 7, status: correctedMC, socket: 0, cpu: 2, time: t + 120), dimm: "CPU0_DIMM_A1"), at: t + 120, bootA, "alpha")
        add(try! JournalEntry.event(.triggerRun, priority: 5, message: "Running trigger dimm-error-trigger",
                                    fields: [("MCE_TRIGGER", "/etc/mcelog/dimm-error-trigger")]), at: t + 121, bootA, "alpha")
        // alpha, boot B: an uncorrected error on the same DIMM, a corrected one without a label,
        // and one whose record carried no time (its reception time counts).
        add(entry(record(bank: 7, status: uncorrectedMC, socket: 0, cpu: 2, time: t + 3600), dimm: "CPU0_DIMM_A1"), at: t + 3600, bootB, "alpha")
        add(entry(record(bank: 7, status: correctedMC, socket: 1, cpu: 20, time: t + 3700), dimm: nil), at: t + 3700, bootB, "alpha")
        list.append(Item(received: (t + 3800) * 1_000_000, boot: bootB, host: "alpha",
                         entry: entry(record(bank: 1, status: correctedCache, socket: 1, cpu: 9, time: 0), dimm: nil)))
        // beta, boot C: the same DIMM name on another machine.
        add(entry(record(bank: 7, status: correctedMC, socket: 0, cpu: 2, time: t + 7200), dimm: "CPU0_DIMM_A1"), at: t + 7200, bootC, "beta")
        return list
    }

    static func entries(_ items: [Item]) -> [[(name: String, value: [UInt8])]] {
        items.enumerated().map { i, item in
            [("__REALTIME_TIMESTAMP", Array(String(item.received).utf8)),
             ("__MONOTONIC_TIMESTAMP", Array(String(1_000_000 * (i + 1)).utf8)),
             ("_BOOT_ID", Array(item.boot.utf8)),
             ("_HOSTNAME", Array(item.host.utf8)),
             ("_TRANSPORT", Array("journal".utf8)),
             ("_SYSTEMD_UNIT", Array("mcelog.service".utf8))] + item.entry.fields.map { ($0.name, $0.value) }
        }
    }

    /// A directory holding the sample journal, written by systemd-journal-remote.
    func journalDirectory(_ items: [Item] = HistoryTests.items) throws -> String {
        let dir = NSTemporaryDirectory() + "mcelog-history-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(atPath: dir) }
        do {
            try JournalExport.write(Self.entries(items), to: dir + "/remote-fleet.journal")
        } catch {
            XCTFail("\(error)")
            throw error
        }
        return dir
    }

    func summary(_ dir: String, since: Int64? = nil, until: Int64? = nil) throws -> HistorySummary {
        var s = HistorySummary()
        let q = HistoryCommand.Query(location: .directory(dir), since: since, until: until)
        try HistoryCommand.read(q, classes: HistoryEntry.summaryClasses, wantMessage: false) { s.add($0) }
        return s
    }

    static func us(_ seconds: UInt64) -> Int64 { Int64(seconds) * 1_000_000 }

    // MARK: - Summary, in process

    func testSummaryCountsPerDIMMPerHostWithFirstAndLastSeenFromTheKernelsTime() throws {
        let s = try summary(try journalDirectory())
        let t = Self.t0
        XCTAssertEqual(s.overall.total, 7)
        XCTAssertEqual(s.overall.bySeverity, ["corrected": 6, "uncorrected-recoverable": 1])
        XCTAssertEqual(s.hosts, ["alpha", "beta"])
        XCTAssertEqual(s.boots, [Self.bootA, Self.bootB, Self.bootC])

        let alphaA1 = try XCTUnwrap(s.dimms[.init(host: "alpha", label: "CPU0_DIMM_A1")])
        XCTAssertEqual(alphaA1.bySeverity, ["corrected": 2, "uncorrected-recoverable": 1])
        XCTAssertEqual(alphaA1.first, Self.us(t), "MCE_TIME, not the reception 5 s later")
        XCTAssertEqual(alphaA1.last, Self.us(t + 3600))
        XCTAssertEqual(s.dimmPlaces[.init(host: "alpha", label: "CPU0_DIMM_A1")], .init(socket: 0, channel: 0))
        let betaA1 = try XCTUnwrap(s.dimms[.init(host: "beta", label: "CPU0_DIMM_A1")])
        XCTAssertEqual(betaA1.total, 1, "same DIMM name on another host is another DIMM")
        let unlabelled = try XCTUnwrap(s.dimms[.init(host: "alpha", label: nil, socket: 1, channel: 0)])
        XCTAssertEqual(unlabelled.bySeverity, ["corrected": 1])
        XCTAssertEqual(s.dimms.count, 3, "cache errors belong to no DIMM")
    }

    func testSummaryCountsPerSocketAndBankAndUsesReceptionTimeWhenTheRecordHadNone() throws {
        let s = try summary(try journalDirectory())
        let t = Self.t0
        XCTAssertEqual(s.sockets[.init(host: "alpha", number: 0)]?.bySeverity, ["corrected": 2, "uncorrected-recoverable": 1])
        let socket1 = try XCTUnwrap(s.sockets[.init(host: "alpha", number: 1)])
        XCTAssertEqual(socket1.total, 3)
        XCTAssertEqual(socket1.first, Self.us(t + 60))
        XCTAssertEqual(socket1.last, Self.us(t + 3800), "the record without MCE_TIME counts at its reception")
        XCTAssertEqual(s.banks[.init(host: "alpha", number: 7)]?.total, 4)
        XCTAssertEqual(s.banks[.init(host: "alpha", number: 1)]?.bySeverity, ["corrected": 2])
        XCTAssertEqual(s.banks[.init(host: "beta", number: 7)]?.total, 1)
        XCTAssertEqual(s.lost, ["tracefs": 7])
        XCTAssertEqual(s.events, ["trigger-run": 1])
    }

    func testSinceAndUntilBoundTheEventTimeInclusively() throws {
        let dir = try journalDirectory()
        let t = Self.t0
        let s = try summary(dir, since: Self.us(t + 120), until: Self.us(t + 3700))
        XCTAssertEqual(s.overall.total, 3, "t+120, t+3600, t+3700")
        XCTAssertEqual(s.overall.first, Self.us(t + 120))
        XCTAssertEqual(s.overall.last, Self.us(t + 3700))
        XCTAssertEqual(s.lost, [:], "the loss at t+90 is before --since")
        XCTAssertEqual(try summary(dir, since: Self.us(t + 7201)).overall.total, 0)
        XCTAssertEqual(try summary(dir, until: Self.us(t + 59)).overall.total, 1)
    }

    func testErrorsListEveryRecordOldestFirstWithTheirMessages() throws {
        let dir = try journalDirectory()
        var list: [HistoryEntry] = []
        try HistoryCommand.read(.init(location: .directory(dir)), classes: HistoryEntry.recordClasses, wantMessage: true) { list.append($0) }
        XCTAssertEqual(list.count, 7)
        XCTAssertEqual(list.map(\.host), ["alpha", "alpha", "alpha", "alpha", "alpha", "alpha", "beta"])
        XCTAssertEqual(list.map(\.bank), [7, 1, 7, 7, 7, 1, 7])
        XCTAssertEqual(list[0].message, "Corrected memory error: CPU 2 bank 7 addr 0x1236000 DIMM CPU0_DIMM_A1")
        XCTAssertEqual(list[0].address, "0x1236000")
        XCTAssertEqual(list[3].severity, "uncorrected-recoverable")
        XCTAssertEqual(list[1].dimm, nil)
        XCTAssertNil(list[1].address, "ADDRV clear: no MCE_ADDR")
    }

    // MARK: - Through the binary

    func run(_ args: [String]) throws -> Subprocess.Result {
        try Subprocess.run(MCELogCommandTests.binary.path, args, environment: ["TZ": "UTC", "LC_ALL": "C"])
    }

    func testSummaryJSONFromTheBinaryHasTheExactCounts() throws {
        let dir = try journalDirectory()
        let r = try run(["--summary", "--json", "--journal-directory", dir])
        XCTAssertEqual(r.status, 0, r.stderr)
        let obj = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
        XCTAssertEqual(obj["records"] as? Int, 7)
        XCTAssertEqual(obj["boots"] as? Int, 3)
        XCTAssertEqual(obj["hosts"] as? [String], ["alpha", "beta"])
        XCTAssertEqual(obj["first_seen"] as? String, "2023-11-14T22:13:20Z")
        XCTAssertEqual(obj["last_seen_epoch"] as? Int, 1_700_007_200)
        XCTAssertEqual(obj["by_severity"] as? [String: Int], ["corrected": 6, "uncorrected-recoverable": 1])
        XCTAssertEqual((obj["records_lost"] as? [String: Any])?["total"] as? Int, 7)
        let dimms = try XCTUnwrap(obj["dimms"] as? [[String: Any]])
        XCTAssertEqual(dimms.count, 3)
        // Per host, the DIMM without a label (known by socket and channel) sorts first.
        XCTAssertTrue(dimms[0]["dimm"] is NSNull, "the unlabelled DIMM: socket 1 channel 0")
        XCTAssertEqual(dimms[0]["socket"] as? Int, 1)
        XCTAssertEqual(dimms[0]["channel"] as? Int, 0)
        let a1 = dimms[1]
        XCTAssertEqual(a1["host"] as? String, "alpha")
        XCTAssertEqual(a1["dimm"] as? String, "CPU0_DIMM_A1")
        XCTAssertEqual(a1["counts"] as? [String: Int], ["corrected": 2, "uncorrected-recoverable": 1])
        XCTAssertEqual(a1["total"] as? Int, 3)
        XCTAssertEqual(a1["first_seen_epoch"] as? Int, 1_700_000_000)
        XCTAssertEqual(a1["last_seen"] as? String, "2023-11-14T23:13:20Z")
        XCTAssertEqual(dimms[2]["host"] as? String, "beta")
        let banks = try XCTUnwrap(obj["banks"] as? [[String: Any]])
        XCTAssertEqual(banks.map { $0["bank"] as? Int }, [1, 7, 7])
        XCTAssertEqual(banks.map { $0["total"] as? Int }, [2, 4, 1])
    }

    func testSummaryTextTable() throws {
        let dir = try journalDirectory()
        let r = try run(["--summary", "--journal-directory", dir])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(r.stdout, """
        Machine-check records in journal directory `\(dir)': 7, first 2023-11-14 22:13:20, last 2023-11-15 00:13:20; 3 boots, 2 hosts
        By severity: corrected 6, uncorrected-recoverable 1
        Records lost: 7 (tracefs 7)
        Actions: trigger-run 1

        Per DIMM:
        HOST   DIMM          SOCKET  CHANNEL  CORRECTED  RECOVERABLE  TOTAL  FIRST SEEN           LAST SEEN
        alpha  (unlabelled)       1        0          1            0      1  2023-11-14 23:15:00  2023-11-14 23:15:00
        alpha  CPU0_DIMM_A1       0        0          2            1      3  2023-11-14 22:13:20  2023-11-14 23:13:20
        beta   CPU0_DIMM_A1       0        0          1            0      1  2023-11-15 00:13:20  2023-11-15 00:13:20

        Per socket:
        HOST   SOCKET  CORRECTED  RECOVERABLE  TOTAL  FIRST SEEN           LAST SEEN
        alpha       0          2            1      3  2023-11-14 22:13:20  2023-11-14 23:13:20
        alpha       1          3            0      3  2023-11-14 22:14:20  2023-11-14 23:16:40
        beta        0          1            0      1  2023-11-15 00:13:20  2023-11-15 00:13:20

        Per bank:
        HOST   BANK  CORRECTED  RECOVERABLE  TOTAL  FIRST SEEN           LAST SEEN
        alpha     1          2            0      2  2023-11-14 22:14:20  2023-11-14 23:16:40
        alpha     7          3            1      4  2023-11-14 22:13:20  2023-11-14 23:15:00
        beta      7          1            0      1  2023-11-15 00:13:20  2023-11-15 00:13:20

        """)
    }

    func testErrorsTextAndJSONFromTheBinary() throws {
        let dir = try journalDirectory()
        let text = try run(["--errors", "--journal-directory", dir, "--since", "2023-11-14 23:00", "--until", "@1700003700"])
        XCTAssertEqual(text.status, 0, text.stderr)
        XCTAssertEqual(text.stdout, """
        TIME                HOST          CPU BANK SEVERITY                DIMM           ADDRESS        MESSAGE
        2023-11-14 23:13:20 alpha           2    7 uncorrected-recoverable CPU0_DIMM_A1   0x1236000      Uncorrected recoverable (action optional) memory error: CPU 2 bank 7 addr 0x1236000 DIMM CPU0_DIMM_A1
        2023-11-14 23:15:00 alpha          20    7 corrected               -              0x1248000      Corrected memory error: CPU 20 bank 7 addr 0x1248000

        """)
        let json = try run(["--errors", "--json", "--journal-directory", dir, "--until", "2023-11-14 22:14:20 UTC"])
        XCTAssertEqual(json.status, 0, json.stderr)
        let lines = json.stdout.split(separator: "\n")
        XCTAssertEqual(lines.count, 2)
        let o = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(lines[1].utf8)) as? [String: Any])
        XCTAssertEqual(o["time"] as? String, "2023-11-14T22:14:20Z")
        XCTAssertEqual(o["host"] as? String, "alpha")
        XCTAssertEqual(o["boot_id"] as? String, Self.bootA)
        XCTAssertEqual(o["cpu"] as? Int, 9)
        XCTAssertEqual(o["socket"] as? Int, 1)
        XCTAssertEqual(o["bank"] as? Int, 1)
        XCTAssertEqual(o["severity"] as? String, "corrected")
        XCTAssertEqual(o["kind"] as? String, "cache")
        XCTAssertTrue(o["dimm"] is NSNull)
        XCTAssertTrue(o["address"] is NSNull)
        XCTAssertEqual(o["message_id"] as? String, JournalMessageID.otherCPUError.hex)
        XCTAssertEqual(o["message"] as? String, "Corrected cache error: CPU 9 bank 1")
    }

    func testEmptyJournalSaysSoAndMissingDirectoryFails() throws {
        let dir = NSTemporaryDirectory() + "mcelog-history-empty-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let empty = try run(["--summary", "--journal-directory", dir])
        XCTAssertEqual(empty.status, 0)
        XCTAssertEqual(empty.stdout, "No machine-check records in journal directory `\(dir)'.\n")
        XCTAssertEqual(empty.stderr, "mcelog: no journal files in journal directory `\(dir)'\n")
        let missing = try run(["--errors", "--journal-directory", dir + "/nope"])
        XCTAssertEqual(missing.status, 1)
        XCTAssertEqual(missing.stderr, "mcelog: cannot open journal directory `\(dir)/nope': No such file or directory\n")
    }

    func testHistoryOptionsAreRejectedOutsideHistoryAndBadTimesAreNamed() throws {
        let misplaced = try run(["--ascii", "--since", "yesterday"])
        XCTAssertEqual(misplaced.status, 1)
        XCTAssertEqual(misplaced.stderr, "mcelog: --since only applies to --summary and --errors\n")
        let bad = try run(["--summary", "--since", "last tuesday", "--journal-directory", "/tmp"])
        XCTAssertEqual(bad.status, 1)
        XCTAssertTrue(bad.stderr.contains("cannot understand time `last tuesday'"), bad.stderr)
        let reversed = try run(["--summary", "--since", "2024-01-02", "--until", "2024-01-01", "--journal-directory", "/tmp"])
        XCTAssertEqual(reversed.status, 1)
        XCTAssertEqual(reversed.stderr, "mcelog: --since is later than --until: nothing can match\n")
    }

    func testUniquePrefixesReachTheNewOptions() throws {
        let o = try CommandLineOptions.parse(["--summ", "--sin=-1h", "--unt", "now", "--journal-d", "/x", "--js"])
        XCTAssertEqual(o.command, .summary)
        XCTAssertEqual(o.since, "-1h")
        XCTAssertEqual(o.until, "now")
        XCTAssertEqual(o.journalDirectory, "/x")
        XCTAssertTrue(o.json)
        XCTAssertEqual(try CommandLineOptions.parse(["--err"]).command, .errors)
        XCTAssertThrowsError(try CommandLineOptions.parse(["--j"]), "json or journal-directory")
    }

    // MARK: - Times

    func testTimeSyntax() throws {
        let now: Int64 = 1_700_000_000 * 1_000_000 + 250_000   // 2023-11-14 22:13:20.25 UTC
        func p(_ s: String) throws -> Int64 { try HistoryTime.parse(s, nowMicroseconds: now) }
        XCTAssertEqual(try p("2024-05-01"), 1_714_521_600_000_000)
        XCTAssertEqual(try p("2024-05-01 13:45"), 1_714_571_100_000_000)
        XCTAssertEqual(try p("2024-05-01T13:45:10"), 1_714_571_110_000_000)
        XCTAssertEqual(try p("2024-05-01 13:45:10 UTC"), 1_714_571_110_000_000)
        XCTAssertEqual(try p("2024-05-01T13:45:10Z"), 1_714_571_110_000_000)
        XCTAssertEqual(try p("@1714571110"), 1_714_571_110_000_000)
        XCTAssertEqual(try p("now"), now)
        XCTAssertEqual(try p("today"), 1_699_920_000_000_000)
        XCTAssertEqual(try p("yesterday"), 1_699_833_600_000_000)
        XCTAssertEqual(try p("tomorrow"), 1_700_006_400_000_000)
        XCTAssertEqual(try p("08:30"), 1_699_950_600_000_000)
        XCTAssertEqual(try p("-2h"), now - 7_200_000_000)
        XCTAssertEqual(try p("+30min"), now + 1_800_000_000)
        XCTAssertEqual(try p("-1d12h"), now - 129_600_000_000)
        XCTAssertEqual(try p("3 days ago"), now - 259_200_000_000)
        XCTAssertEqual(try p("-1w"), now - 604_800_000_000)
        XCTAssertEqual(try p("-90"), now - 90_000_000, "a bare number is seconds")
        for bad in ["", "2024-13-01", "2024-05-01 25:00", "last tuesday", "-2 fortnights", "@x", "-", "24-05-01",
                    "-99999999999999999h"] {
            XCTAssertThrowsError(try p(bad), bad)
        }
    }

    func testTimeRenderingLocalAndUTC() {
        XCTAssertEqual(HistoryTime.local(1_700_000_000_999_999), "2023-11-14 22:13:20")
        XCTAssertEqual(HistoryTime.utc(1_700_000_000_000_000), "2023-11-14T22:13:20Z")
        XCTAssertEqual(HistoryTime.utc(-1), "1969-12-31T23:59:59Z")
        setenv("TZ", "Europe/Berlin", 1); tzset()
        defer { setenv("TZ", "UTC", 1); tzset() }
        XCTAssertEqual(HistoryTime.local(1_700_000_000_000_000), "2023-11-14 23:13:20")
        XCTAssertEqual(try HistoryTime.parse("2023-11-14 23:13:20", nowMicroseconds: 0), 1_700_000_000_000_000)
    }
}
