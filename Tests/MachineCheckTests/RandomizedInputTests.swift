import XCTest
@testable import MachineCheck

/// Randomized property tests (the fuzz target run in CI): hostile text and random records
/// must decode without crashing or hanging, and every decoded record keeps its shape.
final class RandomizedInputTests: XCTestCase {
    /// A small deterministic generator (SplitMix64) so a failure reproduces from its seed.
    struct SplitMix: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9e3779b97f4a7c15
            var z = state
            z = (z ^ (z >> 30)) &* 0xbf58476d1ce4e5b9
            z = (z ^ (z >> 27)) &* 0x94d049bb133111eb
            return z ^ (z >> 31)
        }
    }

    /// Iterations scale with MCELOG_FUZZ_ITERATIONS (CI sets a bounded number).
    var iterations: Int {
        Int(ProcessInfo.processInfo.environment["MCELOG_FUZZ_ITERATIONS"] ?? "") ?? 3000
    }

    static let keywords = ["CPU ", "BANK ", "STATUS ", "MCGSTATUS ", "RIP ", "RIP !INEXACT! ", "TSC ",
                           "ADDR ", "MISC ", "PROCESSOR ", "TIME ", "MCGCAP ", "APICID ", "SOCKETID ",
                           "CPUID Vendor ", "(XEN) Bank ", "mcelog: ", "<4>[ 12.5] ", "mce: [Hardware Error]: ",
                           "HARDWARE ERROR", "Machine Check Exception: ", " Family ", " Model ", "{", "}", "<", ">",
                           ":", "0x", "-", "\n", "\n", " ", "\t"]

    func randomLine(_ g: inout SplitMix) -> [UInt8] {
        var line: [UInt8] = []
        for _ in 0..<Int.random(in: 1...12, using: &g) {
            switch Int.random(in: 0..<4, using: &g) {
            case 0: line += Array(Self.keywords.randomElement(using: &g)!.utf8)
            case 1: line += Array(String(UInt64.random(in: 0...UInt64.max, using: &g), radix: 16).utf8)
            case 2: line += Array(String(Int.random(in: -300...300, using: &g)).utf8)
            default: line += (0..<Int.random(in: 1...8, using: &g)).map { _ in UInt8.random(in: 0...255, using: &g) }
            }
        }
        line.append(0x0a)
        return line
    }

    func testHostileTextNeverCrashesAndEveryRecordIsComplete() {
        var g = SplitMix(state: 0x6d63656c6f67)
        var records = 0
        for _ in 0..<iterations {
            var t = AsciiTranscoder(formatter: RecordFormatter(cpuMHz: Bool.random(using: &g) ? 2400 : nil),
                                    tracker: CPUTypeTracker(forced: Bool.random(using: &g) ? CPUType.allCases.randomElement(using: &g) : nil))
            t.raw = Int.random(in: 0..<8, using: &g) == 0
            var out = TextBuffer()
            for _ in 0..<Int.random(in: 1...10, using: &g) {
                let line = randomLine(&g)
                t.feed(line: line[...], out: &out, onRecord: { _, _ in records += 1 }) { _ in }
            }
            t.finish(out: &out, onRecord: { _, _ in records += 1 }) { _ in }
            if !t.raw && out.count > 0 {
                // Output is only echoed input and whole records, which end in a newline.
                XCTAssertTrue(out.bytes.last == 0x0a || !out.string.contains("STATUS "), "record text cut short")
            }
        }
        XCTAssertGreaterThan(records, iterations / 10, "generator produced too few records to be useful")
    }

    func testRandomRecordsDecodeUnderEveryCPUType() {
        var g = SplitMix(state: 42)
        for i in 0..<iterations {
            var r = MachineCheckRecord()
            r.status = UInt64.random(in: 0...UInt64.max, using: &g)
            r.misc = UInt64.random(in: 0...UInt64.max, using: &g)
            r.addr = UInt64.random(in: 0...UInt64.max, using: &g)
            r.mcgstatus = UInt64.random(in: 0...15, using: &g)
            r.mcgcap = UInt64.random(in: 0...UInt64.max, using: &g)
            r.ipid = Bool.random(using: &g) ? UInt64.random(in: 0...UInt64.max, using: &g) : 0
            r.synd = UInt64.random(in: 0...UInt64.max, using: &g)
            r.apicid = UInt32.random(in: 0...UInt32.max, using: &g)
            r.bank = UInt8.random(in: 0...255, using: &g)
            r.extcpu = UInt32.random(in: 0...4096, using: &g)
            r.socketid = UInt32.random(in: 0...8, using: &g)
            r.finished = 1
            r.length = MachineCheckRecord.knownLengths.randomElement(using: &g)!
            let type = CPUType.allCases[i % CPUType.allCases.count]
            let out = RecordFormatter().format(r, cpuType: type)
            let text = out.text.string
            XCTAssertTrue(text.hasPrefix("CPU "), "\(type): header missing")
            XCTAssertTrue(text.contains("STATUS " + Format.hex(r.status) + " MCGSTATUS "), "\(type): STATUS line missing")
            XCTAssertEqual(out.text.bytes.last, 0x0a)
            if r.status & MCiStatus.addrv != 0 { XCTAssertEqual(out.facts.address, r.addr) }
        }
    }

    func testTruncatedAndOversizedBinaryRecords() throws {
        var g = SplitMix(state: 7)
        for n in [0, 1, 63] {
            XCTAssertThrowsError(try MachineCheckRecord(bytes: [UInt8](repeating: 0xff, count: n)))
        }
        for _ in 0..<200 {
            let n = Int.random(in: 64...300, using: &g)
            let bytes = (0..<n).map { _ in UInt8.random(in: 0...255, using: &g) }
            let r = try MachineCheckRecord(bytes: bytes)
            XCTAssertEqual(r.length, min(n, 128))
            _ = RecordFormatter().format(r, cpuType: .skylakeXeon)
        }
    }
}
