import Foundation
import XCTest
@testable import MachineCheck

/// Every public decode case (upstream mcelog v208's real output, Tests/Fixtures/decode) and
/// our extra cases (Tests/Fixtures/decode-extra), decoded in-process and compared byte for byte.
final class GoldenDecodeTests: XCTestCase {
    static let fixtures = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("Fixtures")

    struct Case { let name: String; let flags: [String] }

    static func cases(in dir: URL) throws -> [Case] {
        let list = try String(contentsOf: dir.appendingPathComponent("COMMANDS.txt"), encoding: .utf8)
        return list.split(separator: "\n").compactMap { line in
            guard !line.hasPrefix("#"), let tab = line.firstIndex(of: "\t") else { return nil }
            let words = line[line.index(after: tab)...].split(separator: " ").map(String.init)
            return Case(name: String(line[..<tab]), flags: Array(words.dropFirst()))
        }
    }

    /// Runs the transcoder as `mcelog <flags>` would (TZ=UTC).
    static func decode(_ input: Data, flags: [String]) -> String {
        var cpu: CPUType? = nil
        var mhz: Double? = nil
        var raw = false
        var i = 0
        while i < flags.count {
            switch flags[i] {
            case "--cpu": cpu = CPUNames.lookup(flags[i + 1]); i += 1
            case "--cpumhz": mhz = Double(flags[i + 1]); i += 1
            case "--raw": raw = true
            case "--file": i += 1
            default: break
            }
            i += 1
        }
        var t = AsciiTranscoder(formatter: RecordFormatter(cpuMHz: mhz), tracker: CPUTypeTracker(forced: cpu))
        t.raw = raw
        var out = TextBuffer()
        let bytes = [UInt8](input)
        var start = 0
        for (i, b) in bytes.enumerated() where b == 0x0a {
            t.feed(line: bytes[start...i], out: &out) { _ in }
            start = i + 1
        }
        if start < bytes.count { t.feed(line: bytes[start...], out: &out) { _ in } }
        t.finish(out: &out) { _ in }
        return out.string
    }

    /// Upstream prints an uninitialised stepping for `CPUID Vendor` input lines.
    static func lenientStep(_ s: String) -> String {
        s.split(separator: "\n", omittingEmptySubsequences: false).map { line -> String in
            if line.hasPrefix("CPUID Vendor "), let r = line.range(of: " Step ", options: .backwards) {
                return String(line[..<r.upperBound]) + "X"
            }
            return String(line)
        }.joined(separator: "\n")
    }

    func runCases(in dirName: String, minimum: Int) throws {
        let dir = Self.fixtures.appendingPathComponent(dirName)
        let cases = try Self.cases(in: dir)
        XCTAssertGreaterThanOrEqual(cases.count, minimum, "fixture list of \(dirName) is incomplete")
        var failures: [String] = []
        for c in cases {
            let input = try Data(contentsOf: dir.appendingPathComponent(c.name + ".in"))
            let expected = try String(contentsOf: dir.appendingPathComponent(c.name + ".out"), encoding: .utf8)
            let got = Self.decode(input, flags: c.flags)
            if Self.lenientStep(got) != Self.lenientStep(expected) {
                failures.append(c.name)
                let g = got.split(separator: "\n", omittingEmptySubsequences: false)
                let e = expected.split(separator: "\n", omittingEmptySubsequences: false)
                if let idx = zip(g, e).enumerated().first(where: { $0.element.0 != $0.element.1 })?.offset {
                    XCTFail("\(c.name): line \(idx + 1) differs:\n got: \(g[idx])\nwant: \(e[idx])")
                } else {
                    XCTFail("\(c.name): output has \(g.count) lines, upstream \(e.count)")
                }
            }
        }
        XCTAssertEqual(failures, [], "cases differing from upstream")
    }

    func testEveryPublicCaseMatchesUpstreamByteForByte() throws {
        try runCases(in: "decode", minimum: 58)
    }

    func testExtraCasesMatchTheirUpstreamDerivedOutput() throws {
        let dir = Self.fixtures.appendingPathComponent("decode-extra")
        guard FileManager.default.fileExists(atPath: dir.appendingPathComponent("COMMANDS.txt").path) else {
            XCTFail("decode-extra/COMMANDS.txt missing")
            return
        }
        try runCases(in: "decode-extra", minimum: 1)
    }
}
