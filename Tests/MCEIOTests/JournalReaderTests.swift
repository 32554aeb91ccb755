import Foundation
import XCTest
import TestSupport
@testable import MCEIO
import MachineCheck

/// Real journal files for reader tests: entries rendered in systemd's Journal Export Format
/// and written by systemd-journal-remote, the same program a fleet's collector runs.
enum ExportedJournal {

    struct Item {
        var realtime: UInt64
        var bootID: String
        var host: String
        var entry: JournalEntry
    }

    /// The items as the daemon would have sent them, with the fields journald adds.
    static func entries(_ items: [Item]) -> [[(name: String, value: [UInt8])]] {
        items.enumerated().map { i, item in
            [("__REALTIME_TIMESTAMP", Array(String(item.realtime).utf8)),
             ("__MONOTONIC_TIMESTAMP", Array(String(1_000_000 + i).utf8)),
             ("_BOOT_ID", Array(item.bootID.utf8)),
             ("_HOSTNAME", Array(item.host.utf8)),
             ("_TRANSPORT", Array("journal".utf8)),
             ("_PID", Array("4242".utf8)),
             ("_COMM", Array("mcelog".utf8))] + item.entry.fields.map { ($0.name, $0.value) }
        }
    }

    /// Writes `items` into `directory`/mcelog.journal; fails the test when journal-remote is
    /// missing (CI installs systemd-journal-remote) or rejects the input.
    static func write(_ items: [Item], into directory: String, file: StaticString = #filePath, line: UInt = #line) throws {
        do {
            try JournalExport.write(entries(items), to: directory + "/mcelog.journal")
        } catch {
            XCTFail("\(error)", file: file, line: line)
            throw error
        }
    }

    static func temporaryDirectory(_ test: XCTestCase) throws -> String {
        let dir = NSTemporaryDirectory() + "mcelog-journal-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        test.addTeardownBlock { try? FileManager.default.removeItem(atPath: dir) }
        return dir
    }
}

final class JournalReaderTests: XCTestCase {
    let bootA = "0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a"
    let bootB = "0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b"

    /// Three records over two boots and one loss, as the daemon would have sent them.
    func writeSample() throws -> (String, [JournalEntry]) {
        let dir = try ExportedJournal.temporaryDirectory(self)
        let (ce, _) = CapturedRecords.entry(CapturedRecords.correctedMemory, .nehalem, dimm: "CPU0_DIMM_A1")
        let (srao, _) = CapturedRecords.entry(CapturedRecords.recoverableMemory, .nehalem)
        let lost = JournalEntry.recordsLost(count: 7, source: "tracefs", cpu: 2)
        let (thermal, _) = CapturedRecords.entry(CapturedRecords.thermal, .skylakeXeon)
        let items = [
            ExportedJournal.Item(realtime: 1_795_839_035_000_000, bootID: bootA, host: "alpha", entry: ce),
            ExportedJournal.Item(realtime: 1_795_839_041_000_000, bootID: bootA, host: "alpha", entry: srao),
            ExportedJournal.Item(realtime: 1_795_839_050_000_000, bootID: bootB, host: "alpha", entry: lost),
            ExportedJournal.Item(realtime: 1_795_839_100_000_000, bootID: bootB, host: "alpha", entry: thermal),
        ]
        try ExportedJournal.write(items, into: dir)
        return (dir, [ce, srao, lost, thermal])
    }

    func testMatchOnMessageIDsVisitsOnlyThoseEntriesAcrossBootsInTimeOrder() throws {
        let (dir, _) = try writeSample()
        let reader = try JournalReader(.directory(dir))
        XCTAssertTrue(reader.hasFiles)
        try reader.addMatch("MESSAGE_ID", JournalMessageID.correctedMemoryError.hex)
        try reader.addMatch("MESSAGE_ID", JournalMessageID.uncorrectedMemoryError.hex)
        try reader.addMatch("MESSAGE_ID", JournalMessageID.thermalEvent.hex)
        try reader.seekHead()
        var seen: [(UInt64, String, String)] = []
        while try reader.next() {
            let boot = String(decoding: reader.value(of: "_BOOT_ID") ?? [], as: UTF8.self)
            let bank = String(decoding: reader.value(of: "MCE_BANK") ?? [], as: UTF8.self)
            seen.append((try reader.realtimeMicroseconds(), boot, bank))
        }
        XCTAssertEqual(seen.map(\.0), [1_795_839_035_000_000, 1_795_839_041_000_000, 1_795_839_100_000_000])
        XCTAssertEqual(seen.map(\.1), [bootA, bootA, bootB])
        XCTAssertEqual(seen.map(\.2), ["1", "1", "128"])
    }

    func testEveryFieldOfTheEntryComesBackOnceWithItsExactBytes() throws {
        let (dir, entries) = try writeSample()
        let reader = try JournalReader(.directory(dir))
        reader.setDataThreshold(0)
        try reader.addMatch("MESSAGE_ID", JournalMessageID.correctedMemoryError.hex)
        try reader.seekHead()
        XCTAssertTrue(try reader.next())
        var fields: [String: [UInt8]] = [:]
        reader.forEachField { item in
            let bytes = Array(item)
            guard let eq = bytes.firstIndex(of: UInt8(ascii: "=")) else { return XCTFail("item without =") }
            let name = String(decoding: bytes[..<eq], as: UTF8.self)
            XCTAssertNil(fields[name], "\(name) twice")
            fields[name] = Array(bytes[(eq + 1)...])
        }
        for (name, value) in entries[0].fields {
            XCTAssertEqual(fields[name], value, name)
        }
        XCTAssertEqual(fields["_HOSTNAME"], Array("alpha".utf8))
        XCTAssertTrue(String(decoding: fields["MCE_DECODED"] ?? [], as: UTF8.self).contains("\nMCA: MEMORY CONTROLLER"))
        XCTAssertFalse(try reader.next(), "exactly one corrected memory error")
    }

    func testDataThresholdKeepsShortFieldsWholeAndLongOnesStartRight() throws {
        let (dir, entries) = try writeSample()
        let reader = try JournalReader(.directory(dir))
        reader.setDataThreshold(256)
        try reader.addMatch("MESSAGE_ID", JournalMessageID.uncorrectedMemoryError.hex)
        try reader.seekHead()
        XCTAssertTrue(try reader.next())
        let full = try XCTUnwrap(entries[1].value(of: "MCE_DECODED"))
        XCTAssertGreaterThan(full.count, 512, "long enough for journal-remote to compress it")
        let got = try XCTUnwrap(reader.value(of: "MCE_DECODED"))
        XCTAssertGreaterThanOrEqual(got.count, 256 - "MCE_DECODED=".count)
        XCTAssertEqual(Array(full.prefix(got.count)), got, "a prefix of the real value")
        XCTAssertEqual(reader.value(of: "MESSAGE"), entries[1].value(of: "MESSAGE"))
        XCTAssertEqual(reader.value(of: "MCE_STATUS"), Array("0xbd000000000000c0".utf8))
        XCTAssertNil(reader.value(of: "DIMM"), "no label was known for this record")
    }

    func testSeekingToATimeSkipsEverythingReceivedBefore() throws {
        let (dir, _) = try writeSample()
        let reader = try JournalReader(.directory(dir))
        try reader.addMatch("SYSLOG_IDENTIFIER", "mcelog")
        try reader.seek(realtimeMicroseconds: 1_795_839_041_000_000)
        var times: [UInt64] = []
        while try reader.next() { times.append(try reader.realtimeMicroseconds()) }
        XCTAssertEqual(times, [1_795_839_041_000_000, 1_795_839_050_000_000, 1_795_839_100_000_000])
    }

    func testMissingDirectoryOrPlainFileIsAnErrorNamingIt() throws {
        XCTAssertThrowsError(try JournalReader(.directory("/nonexistent/journal"))) { error in
            let e = error as? JournalReadError
            XCTAssertEqual(e?.errno, ENOENT)
            XCTAssertEqual(e?.description, "cannot open journal directory `/nonexistent/journal': No such file or directory")
        }
        XCTAssertThrowsError(try JournalReader(.directory("/etc/hostname"))) { error in
            XCTAssertEqual((error as? JournalReadError)?.errno, ENOTDIR)
        }
    }

    func testEmptyDirectoryHasNoFilesAndNoEntries() throws {
        let dir = try ExportedJournal.temporaryDirectory(self)
        let reader = try JournalReader(.directory(dir))
        XCTAssertFalse(reader.hasFiles)
        try reader.seekHead()
        XCTAssertFalse(try reader.next())
    }
}
