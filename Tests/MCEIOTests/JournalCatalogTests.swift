import Foundation
import XCTest
import TestSupport
@testable import MCEIO
import MachineCheck

/// conf/mcelog.catalog: one well-formed entry per MESSAGE_ID, accepted by journalctl.
final class JournalCatalogTests: XCTestCase {
    static var catalogPath: String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("../../conf/mcelog.catalog").standardized.path
    }

    struct CatalogEntry {
        var id: String
        var headers: [String: String] = [:]
        var body: [String] = []
        /// Every @FIELD@ in subject and body.
        var substitutions: Set<String> {
            let text = ([headers["Subject"] ?? ""] + body).joined(separator: "\n")
            var out = Set<String>()
            let parts = text.components(separatedBy: "@")
            // Odd-indexed pieces sit between a pair of @.
            for (i, p) in parts.enumerated() where i % 2 == 1 { out.insert(p) }
            return out
        }
    }

    /// Parses the catalog format (systemd.md §4): `-- id`, headers, blank line, body.
    static func parse() throws -> [CatalogEntry] {
        let text = try String(contentsOfFile: catalogPath, encoding: .utf8)
        var entries: [CatalogEntry] = []
        var inBody = false
        for line in text.components(separatedBy: "\n") {
            if line.hasPrefix("-- ") {
                entries.append(CatalogEntry(id: String(line.dropFirst(3))))
                inBody = false
            } else if entries.isEmpty {
                XCTAssertTrue(line.isEmpty || line.hasPrefix("#"), "text before the first entry: \(line)")
            } else if !inBody {
                if line.isEmpty { inBody = true; continue }
                let kv = line.split(separator: ":", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
                XCTAssertEqual(kv.count, 2, "bad header line: \(line)")
                if kv.count == 2 { entries[entries.count - 1].headers[kv[0]] = kv[1] }
            } else {
                entries[entries.count - 1].body.append(line)
            }
        }
        return entries
    }

    func testCatalogHasOneCompleteEntryPerMessageID() throws {
        let entries = try Self.parse()
        XCTAssertEqual(entries.map(\.id), JournalMessageID.all.map(\.hex))
        for e in entries {
            XCTAssertFalse((e.headers["Subject"] ?? "").isEmpty, e.id)
            XCTAssertEqual(e.headers["Defined-By"], "mcelog", e.id)
            XCTAssertEqual(e.headers["Documentation"], "man:mcelog(8)", e.id)
            XCTAssertTrue((e.headers["Support"] ?? "").hasPrefix("https://"), e.id)
            XCTAssertGreaterThan(e.body.filter { !$0.isEmpty }.count, 3, "\(e.id): body says what happened and what to do")
        }
    }

    /// The fields an entry's text substitutes must be ones its events carry, or readers see
    /// bare field names.
    func testCatalogSubstitutesOnlyFieldsTheEventsCarry() throws {
        let entries = Dictionary(uniqueKeysWithValues: try Self.parse().map { ($0.id, $0) })
        func names(_ r: MachineCheckRecord, _ t: CPUType, dimm: String? = nil) -> Set<String> {
            Set(CapturedRecords.entry(r, t, dimm: dimm).0.fieldNames)
        }
        var carried: [JournalMessageID: Set<String>] = [
            .correctedMemoryError: names(CapturedRecords.correctedMemory, .nehalem, dimm: "A1"),
            .uncorrectedMemoryError: names(CapturedRecords.recoverableMemory, .nehalem, dimm: "A1"),
            .otherCPUError: names(CapturedRecords.fatalInternal, .skylakeXeon),
            .thermalEvent: names(CapturedRecords.thermal, .skylakeXeon),
            .recordsLost: Set(JournalEntry.recordsLost(count: 1, source: "tracefs", cpu: 0).fieldNames),
        ]
        // Classes other issues emit: the fields JournalMessageID documents for them.
        carried[.triggerRun] = ["MCE_TRIGGER", "MCE_TRIGGER_EXIT", "MCE_THRESHOLD", "MCE_CPU", "MCE_BANK", "DIMM"]
        carried[.pageOffline] = ["MCE_PAGE", "MCE_OFFLINE_MODE", "MCE_OFFLINE_RESULT", "DIMM"]
        carried[.cpuOffline] = ["MCE_CPU", "MCE_SOCKET", "MCE_OFFLINE_RESULT"]
        carried[.configReloadFailed] = ["MCE_CONFIG", "MCE_CONFIG_ERROR"]
        carried[.thresholdExceeded] = ["MCE_THRESHOLD", "MCE_THRESHOLD_KIND", "MCE_LOCATION", "DIMM"]
        for id in JournalMessageID.all {
            let subs = try XCTUnwrap(entries[id.hex], id.name).substitutions
            XCTAssertFalse(subs.isEmpty, id.name)
            let fields = try XCTUnwrap(carried[id])
            XCTAssertTrue(subs.isSubset(of: fields), "\(id.name) substitutes \(subs.subtracting(fields).sorted())")
            for s in subs { XCTAssertTrue(JournalEntry.isValidFieldName(s), s) }
        }
    }

    func testJournalctlAcceptsTheCatalogAndListsEveryID() throws {
        let root = NSTemporaryDirectory() + "mcelog-catalog-\(getpid())"
        defer { try? FileManager.default.removeItem(atPath: root) }
        let dir = root + "/usr/lib/systemd/catalog"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: Self.catalogPath, toPath: dir + "/mcelog.catalog")

        let update = try TestProcess.run("/usr/bin/journalctl", ["--root=" + root, "--update-catalog"])
        XCTAssertEqual(update.status, 0, update.stderr)
        XCTAssertEqual(update.stderr, "", "journalctl complained about the catalog")
        XCTAssertTrue(FileManager.default.fileExists(atPath: root + "/var/lib/systemd/catalog/database"))

        let list = try TestProcess.run("/usr/bin/journalctl", ["--root=" + root, "--list-catalog", "--no-pager"])
        XCTAssertEqual(list.status, 0, list.stderr)
        let subjects = try Self.parse().reduce(into: [String: String]()) { $0[$1.id] = $1.headers["Subject"] }
        let lines = Set(list.stdout.split(separator: "\n").map(String.init))
        for id in JournalMessageID.all {
            XCTAssertTrue(lines.contains("\(id.hex) mcelog: \(subjects[id.hex] ?? "?")"), "\(id.name) not listed: \(list.stdout)")
        }
        XCTAssertEqual(lines.count, JournalMessageID.all.count)
    }
}

/// Runs a program to completion and collects its output (tests only).
typealias TestProcess = Subprocess
