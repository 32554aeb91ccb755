import Foundation
import XCTest
@testable import MCEDaemon
import MCEIO

/// The metrics exposition: exact text, checked by a strict parser of both formats (and by
/// Prometheus' own promtool where installed), and the atomic textfile write.
final class MetricsTests: XCTestCase {
    static let snapshot = MetricsSnapshot(
        startTime: 1_700_000_000, version: "0.9", source: "tracefs",
        records: [
            .init(severity: "corrected", kind: "memory", socket: 0, bank: 7): 12,
            .init(severity: "corrected", kind: "memory", socket: 1, bank: 7): 3,
            .init(severity: "uncorrected", kind: "memory", socket: 1, bank: 8): 1,
            .init(severity: "corrected", kind: "cache", socket: nil, bank: 1): 2,
        ],
        dimms: [
            .init(socket: 0, channel: 1, slot: 0, name: "CPU0_DIMM_B1"): .init(corrected: 12, uncorrected: 0),
            .init(socket: 1, channel: 2, slot: nil, name: nil): .init(corrected: 3, uncorrected: 1),
        ],
        recordsLost: ["tracefs": 5, "send queue": 2],
        triggers: ["dimm-error-trigger": .init(runs: 4, failed: 1, timedOut: 1)],
        pageOfflines: ["soft": .init(offlined: 2, failed: 1)],
        queueOverflows: 2)

    func testPrometheusTextIsExactlyThis() {
        let text = MetricsRenderer.render(Self.snapshot, format: .prometheus)
        XCTAssertEqual(text, """
        # HELP mcelog_info The mcelog daemon's version and record source.
        # TYPE mcelog_info gauge
        mcelog_info{version="0.9",source="tracefs"} 1
        # HELP mcelog_start_time_seconds When the mcelog daemon started, in seconds since the epoch.
        # TYPE mcelog_start_time_seconds gauge
        mcelog_start_time_seconds 1700000000
        # HELP mcelog_records_total Machine-check records decoded, by severity, error kind, socket and bank.
        # TYPE mcelog_records_total counter
        mcelog_records_total{severity="corrected",kind="cache",bank="1"} 2
        mcelog_records_total{severity="corrected",kind="memory",socket="0",bank="7"} 12
        mcelog_records_total{severity="corrected",kind="memory",socket="1",bank="7"} 3
        mcelog_records_total{severity="uncorrected",kind="memory",socket="1",bank="8"} 1
        # HELP mcelog_dimm_errors_total Memory errors accounted to a DIMM, by severity (corrected or uncorrected).
        # TYPE mcelog_dimm_errors_total counter
        mcelog_dimm_errors_total{dimm="CPU0_DIMM_B1",socket="0",channel="1",slot="0",severity="corrected"} 12
        mcelog_dimm_errors_total{dimm="CPU0_DIMM_B1",socket="0",channel="1",slot="0",severity="uncorrected"} 0
        mcelog_dimm_errors_total{socket="1",channel="2",severity="corrected"} 3
        mcelog_dimm_errors_total{socket="1",channel="2",severity="uncorrected"} 1
        # HELP mcelog_records_lost_total Machine-check records lost before decoding, by where they were lost.
        # TYPE mcelog_records_lost_total counter
        mcelog_records_lost_total{source="send queue"} 2
        mcelog_records_lost_total{source="tracefs"} 5
        # HELP mcelog_trigger_runs_total Trigger programs started.
        # TYPE mcelog_trigger_runs_total counter
        mcelog_trigger_runs_total{trigger="dimm-error-trigger"} 4
        # HELP mcelog_trigger_failures_total Trigger programs that exited non-zero, died of a signal or could not start.
        # TYPE mcelog_trigger_failures_total counter
        mcelog_trigger_failures_total{trigger="dimm-error-trigger"} 1
        # HELP mcelog_trigger_timeouts_total Trigger programs killed after their timeout.
        # TYPE mcelog_trigger_timeouts_total counter
        mcelog_trigger_timeouts_total{trigger="dimm-error-trigger"} 1
        # HELP mcelog_pages_offlined_total Memory pages taken offline, by mode (soft or hard).
        # TYPE mcelog_pages_offlined_total counter
        mcelog_pages_offlined_total{mode="soft"} 2
        # HELP mcelog_page_offline_failures_total Memory pages the kernel refused to take offline, by mode.
        # TYPE mcelog_page_offline_failures_total counter
        mcelog_page_offline_failures_total{mode="soft"} 1
        # HELP mcelog_queue_overflows_total Records dropped because the journal send queue was full.
        # TYPE mcelog_queue_overflows_total counter
        mcelog_queue_overflows_total 2

        """)
    }

    func testOpenMetricsNamesCounterFamiliesWithoutTotalAddsUnitInfoAndEOF() throws {
        let text = MetricsRenderer.render(Self.snapshot, format: .openMetrics)
        XCTAssertTrue(text.hasSuffix("mcelog_queue_overflows_total 2\n# EOF\n"), text)
        XCTAssertTrue(text.hasPrefix("""
        # HELP mcelog The mcelog daemon's version and record source.
        # TYPE mcelog info
        mcelog_info{version="0.9",source="tracefs"} 1
        # HELP mcelog_start_time_seconds When the mcelog daemon started, in seconds since the epoch.
        # TYPE mcelog_start_time_seconds gauge
        # UNIT mcelog_start_time_seconds seconds
        mcelog_start_time_seconds 1700000000
        # HELP mcelog_records Machine-check records decoded, by severity, error kind, socket and bank.
        # TYPE mcelog_records counter
        mcelog_records_total{severity="corrected",kind="cache",bank="1"} 2

        """), text)
        let samples = try ExpositionParser.parse(text, format: .openMetrics)
        XCTAssertEqual(samples.count, 18)
    }

    func testBothFormatsPassTheStrictParserWithTheSnapshotsValues() throws {
        for format in [MetricsFormat.prometheus, .openMetrics] {
            let samples = try ExpositionParser.parse(MetricsRenderer.render(Self.snapshot, format: format), format: format)
            func value(_ name: String, _ labels: [String: String]) -> Double? {
                samples.first { $0.name == name && $0.labels == labels }?.value
            }
            XCTAssertEqual(value("mcelog_records_total", ["severity": "uncorrected", "kind": "memory", "socket": "1", "bank": "8"]), 1)
            XCTAssertEqual(value("mcelog_dimm_errors_total", ["dimm": "CPU0_DIMM_B1", "socket": "0", "channel": "1",
                                                              "slot": "0", "severity": "corrected"]), 12)
            XCTAssertEqual(value("mcelog_records_lost_total", ["source": "send queue"]), 2)
            XCTAssertEqual(value("mcelog_trigger_timeouts_total", ["trigger": "dimm-error-trigger"]), 1)
            XCTAssertEqual(value("mcelog_page_offline_failures_total", ["mode": "soft"]), 1)
            XCTAssertEqual(value("mcelog_start_time_seconds", [:]), 1_700_000_000)
            XCTAssertEqual(value("mcelog_info", ["version": "0.9", "source": "tracefs"]), 1)
        }
    }

    func testLabelValuesWithQuotesBackslashesAndNewlinesRoundTrip() throws {
        let name = "Bank \"A\" \\ slot\n2"
        let s = MetricsSnapshot(startTime: 0, dimms: [.init(socket: 0, channel: 0, slot: 0, name: name): .init(corrected: 1)])
        let text = MetricsRenderer.render(s, format: .prometheus)
        XCTAssertTrue(text.contains(#"dimm="Bank \"A\" \\ slot\n2""#), text)
        XCTAssertEqual(text.split(separator: "\n").filter { $0.hasPrefix("mcelog_dimm_errors_total") }.count, 2,
                       "the newline in the label did not break the line")
        let samples = try ExpositionParser.parse(text, format: .prometheus)
        XCTAssertEqual(samples.first { $0.name == "mcelog_dimm_errors_total" }?.labels["dimm"], name)
    }

    func testAnEmptySnapshotStillDeclaresEveryFamilyAndIsValid() throws {
        let s = MetricsSnapshot(startTime: 42)
        for format in [MetricsFormat.prometheus, .openMetrics] {
            let text = MetricsRenderer.render(s, format: format)
            let samples = try ExpositionParser.parse(text, format: format)
            XCTAssertEqual(samples.map(\.name), ["mcelog_start_time_seconds", "mcelog_queue_overflows_total"])
            XCTAssertEqual(text.components(separatedBy: "# TYPE ").count - 1, 10, "every family declared")
            XCTAssertFalse(text.contains("mcelog_info"), "no version given, no info series")
        }
    }

    func testPromtoolAcceptsThePrometheusText() throws {
        let candidates = [ProcessInfo.processInfo.environment["PROMTOOL"], "/usr/bin/promtool"]
        guard let promtool = candidates.compactMap({ $0 }).first(where: { FileManager.default.isExecutableFile(atPath: $0) }) else {
            throw XCTSkip("promtool not installed (Debian package prometheus); the strict parser above still checks the format")
        }
        let input = NSTemporaryDirectory() + "mcelog-metrics-\(UUID().uuidString).prom"
        try MetricsRenderer.render(Self.snapshot, format: .prometheus).write(toFile: input, atomically: false, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: input) }
        let p = Process()
        p.executableURL = URL(fileURLWithPath: promtool)
        p.arguments = ["check", "metrics"]
        p.standardInput = try FileHandle(forReadingFrom: URL(fileURLWithPath: input))
        let outPath = input + ".out"
        _ = FileManager.default.createFile(atPath: outPath, contents: nil)
        defer { try? FileManager.default.removeItem(atPath: outPath) }
        p.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: outPath))
        p.standardError = p.standardOutput
        try p.run()
        p.waitUntilExit()
        let report = (try? String(contentsOfFile: outPath, encoding: .utf8)) ?? ""
        XCTAssertEqual(p.terminationStatus, 0, report)
        XCTAssertEqual(report, "", "promtool's lint has no complaint")
    }

    // MARK: - Textfile

    func temporaryDirectory() throws -> String {
        let dir = NSTemporaryDirectory() + "mcelog-textfile-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(atPath: dir) }
        return dir
    }

    func testTextfileIsReplacedWholeWorldReadableAndNoTemporaryStays() throws {
        let dir = try temporaryDirectory()
        let path = dir + "/mcelog.prom"
        try "old\n".write(toFile: path, atomically: false, encoding: .utf8)
        let reader = try XCTUnwrap(FileHandle(forReadingAtPath: path), "a collector that opened the old file")
        let oldUmask = umask(0o077)
        defer { umask(oldUmask) }
        try Self.snapshot.writeTextfile(path: path)
        XCTAssertEqual(try String(contentsOfFile: path, encoding: .utf8), MetricsRenderer.render(Self.snapshot, format: .prometheus))
        let mode = try XCTUnwrap(FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int)
        XCTAssertEqual(mode, 0o644, "node_exporter does not run as root")
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir), ["mcelog.prom"])
        XCTAssertEqual(String(decoding: reader.readDataToEndOfFile(), as: UTF8.self), "old\n",
                       "the file was replaced by rename, not rewritten in place")
    }

    func testTextfileInAMissingDirectoryFailsNamingThePathAndCreatesNothing() throws {
        let dir = try temporaryDirectory()
        XCTAssertThrowsError(try MetricsTextfile.write("x 1\n", to: dir + "/absent/mcelog.prom")) { error in
            XCTAssertEqual((error as? SystemError)?.errno, ENOENT)
            XCTAssertEqual((error as? SystemError)?.path, dir + "/absent/.mcelog.prom.tmp")
        }
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir), [])
    }

    func testTemporaryNameIsHiddenAndNotAPromFile() {
        XCTAssertEqual(MetricsTextfile.temporaryPath(for: "/var/lib/node/textfile/mcelog.prom"), "/var/lib/node/textfile/.mcelog.prom.tmp")
        XCTAssertEqual(MetricsTextfile.temporaryPath(for: "mcelog.prom"), ".mcelog.prom.tmp")
    }
}

/// A strict reader of the two text formats: the grammar of Prometheus text 0.0.4 and
/// OpenMetrics 1.0 for what the renderer can produce (no timestamps, exemplars or
/// histograms), plus their structural rules: HELP then TYPE once per family, samples under
/// their family with its series names, no repeated series, `# EOF` last in OpenMetrics.
enum ExpositionParser {
    struct Sample: Equatable { var name: String; var labels: [String: String]; var value: Double }
    struct Invalid: Error, CustomStringConvertible { let line: Int; let why: String
        var description: String { "line \(line): \(why)" } }

    static func isMetricName(_ s: Substring) -> Bool {
        guard let f = s.first, f.isASCII, f.isLetter || f == "_" || f == ":" else { return false }
        return s.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_" || $0 == ":") }
    }

    static func isLabelName(_ s: Substring) -> Bool {
        guard let f = s.first, f.isASCII, f.isLetter || f == "_" else { return false }
        return s.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_") }
    }

    static func parse(_ text: String, format: MetricsFormat) throws -> [Sample] {
        guard text.hasSuffix("\n") else { throw Invalid(line: 0, why: "no final newline") }
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        lines.removeLast()
        var samples: [Sample] = []
        var families: Set<String> = []
        var family: (name: String, type: String)? = nil
        var seenHelp: String? = nil
        var series: Set<String> = []
        var sawEOF = false
        for (n, line) in lines.enumerated() {
            let ln = n + 1
            if sawEOF { throw Invalid(line: ln, why: "text after # EOF") }
            if line.isEmpty { throw Invalid(line: ln, why: "empty line") }
            if line.hasPrefix("#") {
                let parts = line.split(separator: " ", maxSplits: 3, omittingEmptySubsequences: false)
                if line == "# EOF" {
                    guard format == .openMetrics else { throw Invalid(line: ln, why: "# EOF in Prometheus text") }
                    sawEOF = true; continue
                }
                guard parts.count >= 3, parts[0] == "#", isMetricName(parts[2]) else { throw Invalid(line: ln, why: "bad comment line") }
                let name = String(parts[2])
                switch parts[1] {
                case "HELP":
                    guard !families.contains(name) else { throw Invalid(line: ln, why: "family \(name) declared twice") }
                    guard parts.count == 4, !parts[3].isEmpty else { throw Invalid(line: ln, why: "HELP without text") }
                    let help = parts[3]
                    var i = help.startIndex
                    while i < help.endIndex {
                        if help[i] == "\\" {
                            let next = help.index(after: i)
                            guard next < help.endIndex else { throw Invalid(line: ln, why: "dangling backslash in HELP") }
                            let allowed: Set<Character> = format == .openMetrics ? ["\\", "n", "\""] : ["\\", "n"]
                            guard allowed.contains(help[next]) else { throw Invalid(line: ln, why: "bad escape in HELP") }
                            i = help.index(after: next)
                        } else {
                            if format == .openMetrics && help[i] == "\"" { throw Invalid(line: ln, why: "unescaped quote in OpenMetrics HELP") }
                            i = help.index(after: i)
                        }
                    }
                    families.insert(name); seenHelp = name; family = nil
                case "TYPE":
                    guard seenHelp == name, parts.count == 4 else { throw Invalid(line: ln, why: "TYPE not right after its HELP") }
                    let types: Set<Substring> = format == .openMetrics ? ["counter", "gauge", "info"] : ["counter", "gauge"]
                    guard types.contains(parts[3]) else { throw Invalid(line: ln, why: "type \(parts[3])") }
                    if format == .prometheus && parts[3] == "counter" && !name.hasSuffix("_total") {
                        throw Invalid(line: ln, why: "counter \(name) without _total")
                    }
                    if format == .openMetrics && name.hasSuffix("_total") { throw Invalid(line: ln, why: "OpenMetrics family named _total") }
                    family = (name, String(parts[3]))
                case "UNIT":
                    guard format == .openMetrics, let f = family, f.name == name, parts.count == 4,
                          name.hasSuffix("_" + parts[3]) else { throw Invalid(line: ln, why: "bad UNIT") }
                default:
                    throw Invalid(line: ln, why: "unknown metadata \(parts[1])")
                }
                continue
            }
            guard let f = family else { throw Invalid(line: ln, why: "sample before any TYPE") }
            var rest = Substring(line)
            let name = rest.prefix(while: { $0 != "{" && $0 != " " })
            guard isMetricName(name) else { throw Invalid(line: ln, why: "bad metric name") }
            let expected: String
            switch (format, f.type) {
            case (.openMetrics, "counter"): expected = f.name + "_total"
            case (.openMetrics, "info"): expected = f.name + "_info"
            default: expected = f.name
            }
            guard name == expected else { throw Invalid(line: ln, why: "sample \(name) under family \(f.name)") }
            rest = rest.dropFirst(name.count)
            var labels: [String: String] = [:]
            if rest.first == "{" {
                rest = rest.dropFirst()
                while rest.first != "}" {
                    let key = rest.prefix(while: { $0 != "=" })
                    guard isLabelName(key), labels[String(key)] == nil else { throw Invalid(line: ln, why: "bad or repeated label \(key)") }
                    rest = rest.dropFirst(key.count)
                    guard rest.hasPrefix("=\"") else { throw Invalid(line: ln, why: "label without quoted value") }
                    rest = rest.dropFirst(2)
                    var value = ""
                    while true {
                        guard let c = rest.first else { throw Invalid(line: ln, why: "unterminated label value") }
                        rest = rest.dropFirst()
                        if c == "\"" { break }
                        if c == "\\" {
                            guard let e = rest.first else { throw Invalid(line: ln, why: "dangling backslash") }
                            rest = rest.dropFirst()
                            switch e {
                            case "\\": value.append("\\")
                            case "\"": value.append("\"")
                            case "n": value.append("\n")
                            default: throw Invalid(line: ln, why: "bad escape \\\(e)")
                            }
                        } else {
                            value.append(c)
                        }
                    }
                    labels[String(key)] = value
                    if rest.first == "," { rest = rest.dropFirst() } else if rest.first != "}" { throw Invalid(line: ln, why: "junk in labels") }
                }
                rest = rest.dropFirst()
            }
            guard rest.first == " " else { throw Invalid(line: ln, why: "no space before value") }
            let valueText = rest.dropFirst()
            guard let v = Double(valueText), !valueText.contains(" ") else { throw Invalid(line: ln, why: "bad value \(valueText)") }
            if f.type == "counter" && v < 0 { throw Invalid(line: ln, why: "negative counter") }
            let key = String(name) + labels.sorted(by: { $0.key < $1.key }).map { "\($0.key)=\($0.value)" }.joined(separator: ",")
            guard series.insert(key).inserted else { throw Invalid(line: ln, why: "series repeated") }
            samples.append(Sample(name: String(name), labels: labels, value: v))
        }
        if format == .openMetrics && !sawEOF { throw Invalid(line: lines.count, why: "no # EOF") }
        return samples
    }
}
