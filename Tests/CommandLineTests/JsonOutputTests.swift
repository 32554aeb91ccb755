import Foundation
import XCTest
import TestSupport
import MachineCheck
import MCEIO
@testable import mcelog

/// `--json` on the decode paths: one object per record whose fields are exactly the journal
/// entry the daemon sends for that record, and whose decode text is upstream's.
final class JsonOutputTests: XCTestCase {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Fixtures")

    override func setUp() {
        setenv("TZ", "UTC", 1)
        tzset()
    }

    struct Case { let name: String; let flags: [String]; let input: URL; let output: URL }

    /// The public decode cases and ours, with their flags minus `--file`.
    static func cases() throws -> [Case] {
        var all: [Case] = []
        for dirName in ["decode", "decode-extra"] {
            let dir = fixtures.appendingPathComponent(dirName)
            let list = try String(contentsOf: dir.appendingPathComponent("COMMANDS.txt"), encoding: .utf8)
            for line in list.split(separator: "\n") where !line.hasPrefix("#") {
                let cols = line.split(separator: "\t")
                guard cols.count == 2 else { continue }
                var words = cols[1].split(separator: " ").map(String.init).dropFirst()   // "mcelog"
                if let f = words.firstIndex(of: "--file") { words.removeSubrange(f...(f + 1)) }
                let name = String(cols[0])
                all.append(Case(name: name, flags: Array(words), input: dir.appendingPathComponent(name + ".in"),
                                output: dir.appendingPathComponent(name + ".out")))
            }
        }
        return all
    }

    func run(_ args: [String]) throws -> (status: Int32, stdout: Data, stderr: String) {
        let r = try Subprocess.run(MCELogCommandTests.binary.path, args, environment: ["TZ": "UTC", "LC_ALL": "C"])
        return (r.status, Data(r.stdout.utf8), r.stderr)
    }

    /// The entries the daemon's builder makes for the records of `input`, decoded in process
    /// with the options `flags` give.
    func expectedEntries(_ input: Data, flags: [String]) throws -> [JournalEntry] {
        let o = try CommandLineOptions.parse(flags)
        var parser = AsciiRecordParser()
        parser.separateOnBlankLines = o.blankLinesSeparate
        var tracker = CPUTypeTracker(forced: o.cpuType)
        let formatter = makeFormatter(o)
        var entries: [JournalEntry] = []
        func add(_ parsed: AsciiRecordParser.ParsedRecord) {
            _ = tracker.observe(parsed.record)
            var text = TextBuffer()
            text.line("Hardware event. This is not a software error.")
            let facts = formatter.format(parsed.record, cpuType: tracker.current, into: &text)
            entries.append(JournalEntry.machineCheck(parsed.record, facts: facts, decoded: text))
        }
        for line in [UInt8](input).split(separator: 0x0a, omittingEmptySubsequences: false) {
            if let r = parser.feed(line: line).record { add(r) }
        }
        if let r = parser.finish() { add(r) }
        return entries
    }

    static func objects(_ out: Data) throws -> [[String: Any]] {
        let lines = [UInt8](out).split(separator: 0x0a)
        return try lines.map { line in
            guard let o = try JSONSerialization.jsonObject(with: Data(line)) as? [String: Any] else {
                throw CocoaError(.coderInvalidValue)
            }
            return o
        }
    }

    /// The first position at or after `start` where `needle` occurs in `haystack`.
    static func find(_ needle: [UInt8], in haystack: [UInt8], from start: Int) -> Int? {
        guard let first = needle.first, haystack.count >= needle.count else { return nil }
        var i = start
        while i + needle.count <= haystack.count {
            if haystack[i] == first && haystack[i..<(i + needle.count)].elementsEqual(needle) { return i }
            i += 1
        }
        return nil
    }

    /// upstream's undefined stepping in two cases (COMMANDS.txt).
    static func lenientStep(_ s: String) -> String {
        s.replacingOccurrences(of: #"Step \d+"#, with: "Step ?", options: .regularExpression)
    }

    /// The JSON lines `--ascii --json` prints for `c`: from the binary for the first case of
    /// each set of flags and for the largest input (each debug-binary start costs a fraction
    /// of a second), else from the same function in process.
    func jsonLines(_ c: Case, throughBinary: Bool) throws -> Data {
        if throughBinary {
            let r = try run(c.flags + ["--json", "--file", c.input.path])
            XCTAssertEqual(r.status, 0, "\(c.name): \(r.stderr)")
            return r.stdout
        }
        let o = try CommandLineOptions.parse(c.flags + ["--json"])
        var parser = AsciiRecordParser()
        parser.separateOnBlankLines = o.blankLinesSeparate
        var tracker = CPUTypeTracker(forced: o.cpuType)
        let formatter = makeFormatter(o)
        var out: [UInt8] = []
        func emit(_ parsed: AsciiRecordParser.ParsedRecord) {
            _ = tracker.observe(parsed.record)
            out += recordJSON(parsed.record, cpuType: tracker.current, formatter: formatter)
        }
        for line in [UInt8](try Data(contentsOf: c.input)).split(separator: 0x0a, omittingEmptySubsequences: false) {
            if let r = parser.feed(line: line).record { emit(r) }
        }
        if let r = parser.finish() { emit(r) }
        return Data(out)
    }

    func testEveryGoldenCaseGivesTheJournalEntriesFieldsAndUpstreamsDecodeText() throws {
        var records = 0
        var cases = 0
        var flagSetsRun: Set<[String]> = []
        for c in try Self.cases() where !c.flags.contains("--raw") {
            cases += 1
            let viaBinary = flagSetsRun.insert(c.flags).inserted || c.name == "mca-sweep"
            let got = try Self.objects(try jsonLines(c, throughBinary: viaBinary))
            let want = try expectedEntries(try Data(contentsOf: c.input), flags: c.flags + ["--json"])
            XCTAssertEqual(got.count, want.count, c.name)
            XCTAssertFalse(want.isEmpty, "\(c.name) has records")
            let upstream = Array(Self.lenientStep(try String(contentsOf: c.output, encoding: .utf8)).utf8)
            // Records appear in upstream's output in input order: search onward from the last one.
            var searchFrom = 0
            for (g, w) in zip(got, want) {
                records += 1
                // Every value is text here: the same names, the same strings, nothing more.
                let expected = Dictionary(uniqueKeysWithValues: w.fields.map { ($0.name, String(decoding: $0.value, as: UTF8.self)) })
                if (g as? [String: String]) != expected {
                    XCTFail("\(c.name): JSON \(g) is not the journal entry \(expected)")
                }
                // The decode (after the disclaimer line) is upstream's text for that record.
                let decoded = try XCTUnwrap(g["MCE_DECODED"] as? String)
                XCTAssertTrue(decoded.hasPrefix("Hardware event. This is not a software error.\n"), c.name)
                let body = decoded.split(separator: "\n", maxSplits: 1).last.map(String.init) ?? ""
                if let at = Self.find(Array(Self.lenientStep(body).utf8), in: upstream, from: searchFrom) {
                    searchFrom = at + 1
                } else {
                    XCTFail("\(c.name): decode not in upstream's output (in order):\n\(body)")
                }
            }
        }
        XCTAssertGreaterThan(cases, 60)
        XCTAssertGreaterThan(records, 100)
    }

    func testAsciiJsonPrintsOnlyJSONAndPlainAsciiIsUnchanged() throws {
        let input = "Kernel panic text before\nCPU 3 BANK 13 TSC 1f2e3d4c5b MISC 140000086 ADDR 12345f000\nPROCESSOR 0:50654 TIME 1700000000\n" +
            "STATUS 9c000040010000a1 MCGSTATUS 0\nMCGCAP 1000c16 APICID 6 SOCKETID 0\ntrailing text\n"
        let path = NSTemporaryDirectory() + "mcelog-json-in-\(UUID().uuidString)"
        try input.write(toFile: path, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let json = try run(["--ascii", "--json", "--file", path])
        XCTAssertEqual(json.status, 0)
        let objects = try Self.objects(json.stdout)
        XCTAssertEqual(objects.count, 1, "echoed text lines are not part of the JSON output")
        let o = objects[0]
        XCTAssertEqual(o["MESSAGE"] as? String, "Corrected memory error: CPU 3 bank 13 addr 0x12345f000")
        XCTAssertEqual(o["MESSAGE_ID"] as? String, "19b8d76f99044599b3477385cb5fb56c")
        XCTAssertEqual(o["MCE_SOCKET"] as? String, "0")
        XCTAssertEqual(o["MCE_TIME"] as? String, "1700000000")
        XCTAssertEqual(o["MCE_STATUS"] as? String, "0x9c000040010000a1")
        XCTAssertEqual(o["SYSLOG_IDENTIFIER"] as? String, "mcelog")
        let plain = try run(["--ascii", "--file", path])
        let text = String(decoding: plain.stdout, as: UTF8.self)
        XCTAssertTrue(text.hasPrefix("Kernel panic text before\nHardware event. This is not a software error.\nCPU 3 BANK 13"), text)
        XCTAssertFalse(text.contains("{"), "no JSON without --json")
    }

    func testDeviceModeJsonOnARecordFileMatchesTheBuilder() throws {
        var a = MachineCheckRecord()
        a.status = 0x8c00004000010090; a.bank = 7; a.cpuid = 0x50654; a.finished = 1; a.time = 1_700_000_000
        a.mcgcap = 0x1000c16; a.socketid = 1; a.apicid = 2; a.extcpu = 5; a.misc = 0x86; a.addr = 0x1234000
        var b = a
        b.bank = 1; b.status = 0x9000000000000150; b.time = 1_700_000_100
        let path = NSTemporaryDirectory() + "mcelog-json-bin-\(UUID().uuidString)"
        try Data(a.bytes() + b.bytes()).write(to: URL(fileURLWithPath: path))
        defer { try? FileManager.default.removeItem(atPath: path) }
        let r = try run(["--no-dmi", "--cpu", "skylake_server", "--json", path])
        XCTAssertEqual(r.status, 0, r.stderr)
        let got = try Self.objects(r.stdout)
        XCTAssertEqual(got.count, 2)
        for (g, record) in zip(got, [a, b]) {
            var text = TextBuffer()
            text.line("Hardware event. This is not a software error.")
            let facts = RecordFormatter(timeRenderer: LocalTimeRenderer()).format(record, cpuType: .skylakeXeon, into: &text)
            let want = JournalEntry.machineCheck(record, facts: facts, decoded: text)
            XCTAssertEqual(g.count, want.count)
            for (name, value) in want.fields {
                XCTAssertEqual(g[name] as? String, String(decoding: value, as: UTF8.self), name)
            }
        }
        XCTAssertEqual(got[0]["MCE_KIND"] as? String, "memory")
        XCTAssertEqual(got[1]["MESSAGE"] as? String, "Corrected cache error: CPU 5 bank 1")
        XCTAssertFalse((got[0]["MCE_DECODED"] as? String ?? "").contains("MCE 0"), "no device-mode index in the journal text")
    }
}
