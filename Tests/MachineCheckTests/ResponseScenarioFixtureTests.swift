import Foundation
import XCTest
@testable import MachineCheck

/// The binary record files of Tests/Fixtures/upstream-scenarios (issue 5 item 7), which the
/// daemon reads end to end in DaemonUpstreamScenarioTests. They are made by the same builders
/// the engine-level ResponseUpstreamScenarioTests feeds (UpstreamInject), so the daemon and the
/// engine see the same records. With MCELOG_REGENERATE_FIXTURES=1 the files are rewritten;
/// otherwise the committed files must equal the builders' output byte for byte, so neither can
/// drift from the other unnoticed.
final class ResponseScenarioFixtureTests: XCTestCase {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Fixtures/upstream-scenarios")

    /// Scenario directory -> file name -> records, in upstream's injection order.
    static var scenarios: [String: [String: [MachineCheckRecord]]] {
        let cache = UpstreamInject.timed([
            UpstreamInject.gencache(cpu: 1, level: 1, type: 1, track: 1),   // GENCACHE 1 1 data green
            UpstreamInject.gencache(cpu: 1, level: 1, type: 1, track: 2),   // GENCACHE 1 1 data yellow
            UpstreamInject.gencache(cpu: 1, level: 2, type: 2, track: 2),   // GENCACHE 1 2 generic yellow
        ])
        let memory = UpstreamInject.memInject()
        // The socket confs' declared counts hold for records without MCG_CAP.CMCI_P (mcelog.md §21.4).
        let memoryWithoutCMCI = UpstreamInject.memInject(cmci: false)
        let pages = UpstreamInject.pageInject()
        let unknown = UpstreamInject.timed([
            UpstreamInject.cpu0Bank1(status: 0x9c00_0000_0000_0e0b),   // input/iomca
            UpstreamInject.cpu0Bank1(status: 0x9c00_0000_0000_040b),   // input/unknown
        ])
        var all: [String: [String: [MachineCheckRecord]]] = [
            "cache": ["records.bin": cache],
            "server": ["records.bin": cache],
            "memdb-1": ["records.bin": memory],
            "memdb-2": ["records.bin": memory],
            "page-error-counter-replacement": ["records.bin": UpstreamInject.pageInject(total: 156)],
            "unknown": ["records.bin": unknown],
        ]
        for name in ["socket-1", "socket-2", "socket-memdb"] {
            all[name] = ["records.bin": memory, "records-without-cmci.bin": memoryWithoutCMCI]
        }
        for name in ["page-account", "page-hard", "page-soft", "page-soft-then-hard", "page-off", "page-memdb"] {
            all[name] = ["records.bin": pages]
        }
        return all
    }

    /// Back-to-back 128-byte records as /dev/mcelog hands them out (`finished` set).
    static func fileBytes(_ records: [MachineCheckRecord]) -> [UInt8] {
        records.flatMap { r -> [UInt8] in
            var x = r
            x.finished = 1
            return x.bytes(length: MachineCheckRecord.currentLength)
        }
    }

    func testCommittedRecordFilesAreWhatTheUpstreamBuildersProduce() throws {
        let regenerate = ProcessInfo.processInfo.environment["MCELOG_REGENERATE_FIXTURES"] == "1"
        let fm = FileManager.default
        for (scenario, files) in Self.scenarios.sorted(by: { $0.key < $1.key }) {
            let dir = Self.directory.appendingPathComponent(scenario)
            for (name, records) in files.sorted(by: { $0.key < $1.key }) {
                let url = dir.appendingPathComponent(name)
                let expected = Self.fileBytes(records)
                if regenerate {
                    try fm.createDirectory(at: dir, withIntermediateDirectories: true)
                    try Data(expected).write(to: url)
                    continue
                }
                guard let committed = fm.contents(atPath: url.path) else {
                    XCTFail("\(scenario)/\(name) is missing: run with MCELOG_REGENERATE_FIXTURES=1"); continue
                }
                XCTAssertEqual(committed.count, records.count * 128, "\(scenario)/\(name): one 128-byte record per injection")
                if [UInt8](committed) != expected {
                    let bytes = [UInt8](committed)
                    let first = (0..<min(bytes.count, expected.count)).first { bytes[$0] != expected[$0] } ?? min(bytes.count, expected.count)
                    XCTFail("\(scenario)/\(name) differs from the builders' records at byte \(first) (record \(first / 128)); regenerate with MCELOG_REGENERATE_FIXTURES=1 if the builders changed on purpose")
                }
            }
        }
    }

    /// Every scenario directory is one the builders know, and carries its conf, its expected
    /// outcome and where it came from.
    func testEveryScenarioDirectoryIsCompleteAndKnown() throws {
        let fm = FileManager.default
        let present = try fm.contentsOfDirectory(atPath: Self.directory.path)
            .filter { var d: ObjCBool = false; return fm.fileExists(atPath: Self.directory.appendingPathComponent($0).path, isDirectory: &d) && d.boolValue }
        XCTAssertEqual(Set(present), Set(Self.scenarios.keys))
        for scenario in Self.scenarios.keys {
            let dir = Self.directory.appendingPathComponent(scenario)
            for file in ["mcelog.conf", "expected.txt", "PROVENANCE"] {
                XCTAssertTrue(fm.fileExists(atPath: dir.appendingPathComponent(file).path), "\(scenario)/\(file)")
            }
            // upstream's harness reads the expected count from the conf's first line.
            let conf = (try? String(contentsOf: dir.appendingPathComponent("mcelog.conf"), encoding: .utf8)) ?? ""
            XCTAssertTrue(conf.hasPrefix("# trigger: "), "\(scenario)/mcelog.conf keeps upstream's `# trigger: N` header")
        }
    }

    /// The records decode as the scenarios need: a spot check that the file layout is the
    /// kernel's (a record read back equals the one built).
    func testRecordFilesReadBackAsTheBuiltRecords() throws {
        for (scenario, files) in Self.scenarios {
            for (name, records) in files {
                let bytes = Self.fileBytes(records)
                for (i, built) in records.enumerated() {
                    let read = try bytes.withUnsafeBytes {
                        try MachineCheckRecord(raw: UnsafeRawBufferPointer(rebasing: $0[(i * 128)..<((i + 1) * 128)]))
                    }
                    XCTAssertEqual([read.status, read.misc, read.addr, read.mcgcap, read.time],
                                   [built.status, built.misc, built.addr, built.mcgcap, built.time], "\(scenario)/\(name) #\(i)")
                    XCTAssertEqual([read.extcpu, read.socketid, read.cpuid, UInt32(read.bank), UInt32(read.finished)],
                                   [built.extcpu, built.socketid, built.cpuid, UInt32(built.bank), 1], "\(scenario)/\(name) #\(i)")
                }
            }
        }
    }
}
