import Foundation
import XCTest
import TestSupport
import MachineCheck
@testable import mcelog

/// Runs the built `mcelog` binary as an operator would.
final class MCELogCommandTests: XCTestCase {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()

    static var binary: URL {
        // The mcelog built beside this test bundle (any --scratch-path), then the default.
        let beside = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        let products = [beside, beside.deletingLastPathComponent()]
            + Bundle.allBundles.map { $0.bundleURL.deletingLastPathComponent() }
        for dir in products + [root.appendingPathComponent(".build/debug")] {
            let candidate = dir.appendingPathComponent("mcelog")
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
        }
        return root.appendingPathComponent(".build/debug/mcelog")
    }

    func run(_ args: [String], stdin: Data? = nil) throws -> Subprocess.Result {
        try Subprocess.run(Self.binary.path, args, environment: ["TZ": "UTC", "LC_ALL": "C"], stdin: stdin)
    }

    func tempFile(_ bytes: [UInt8]) throws -> String {
        let path = NSTemporaryDirectory() + "mcelog-cli-\(UUID().uuidString)"
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        addTeardownBlock { try? FileManager.default.removeItem(atPath: path) }
        return path
    }

    func skxRecord(bank: UInt8, status: UInt64) -> MachineCheckRecord {
        var r = MachineCheckRecord()
        r.status = status; r.bank = bank; r.cpuid = 0x50654; r.finished = 1; r.time = 1_700_000_000
        r.mcgcap = 0x1000c16; r.socketid = 1; r.apicid = 2; r.extcpu = 5; r.misc = 0x86; r.addr = 0x1234000
        r.microcode = 0x2000065
        return r
    }

    func testDeviceModeDecodesConsecutiveBinaryRecordsWithIndexes() throws {
        let a = skxRecord(bank: 7, status: 0x8c00004000010090), b = skxRecord(bank: 1, status: 0x9000000000000150)
        let path = try tempFile(a.bytes() + b.bytes())
        let r = try run(["--no-dmi", path])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stdout.contains("MCE 0\nCPU 5 BANK 7 \n"), r.stdout)
        XCTAssertTrue(r.stdout.contains("MCE 1\nCPU 5 BANK 1 \n"), r.stdout)
        XCTAssertTrue(r.stdout.contains("MCA: MEMORY CONTROLLER RD_CHANNEL0_ERR"))
        XCTAssertTrue(r.stdout.contains("TIME 1700000000 Tue Nov 14 22:13:20 2023"))
    }

    func testRecordLengthOptionReadsOlderKernelRecordsAndNamesATruncatedTail() throws {
        let a = skxRecord(bank: 2, status: 0x9000000000000150)
        let path = try tempFile(a.bytes(length: 88) + a.bytes(length: 88) + [0, 1, 2])
        let r = try run(["--record-length", "88", path])
        XCTAssertEqual(r.status, 0)
        XCTAssertEqual(r.stdout.components(separatedBy: "CPU 5 BANK 2").count - 1, 2)
        XCTAssertTrue(r.stdout.contains("MCGCAP 1000c16 APICID 2 SOCKETID 1 \n"), "88 bytes reach mcgcap, apicid and socketid")
        XCTAssertFalse(r.stdout.contains("MICROCODE"), "an 88-byte record has no microcode field")
        XCTAssertTrue(r.stderr.contains("3 trailing bytes at offset 176"), r.stderr)
    }

    func testBinaryOptionTakesTheWholeFileAsOneRecord() throws {
        let path = try tempFile(skxRecord(bank: 13, status: 0x9c000040010000a1).bytes())
        let r = try run(["--binary", path])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stdout.contains("MCE 0\nCPU 5 BANK 13 "))
        XCTAssertTrue(r.stdout.contains("MemCtrl:") || r.stdout.contains("MCA: MEMORY CONTROLLER"))
    }

    func testAsciiReadsStandardInputAndReportsMalformedFieldsWithTheirLine() throws {
        let r = try run(["--ascii"], stdin: Data("CPU 1 BANK 2\nSTATUS zzzz\nPROCESSOR 0:50654\n".utf8))
        XCTAssertEqual(r.status, 0)
        XCTAssertTrue(r.stdout.contains("(Fields were incomplete)"))
        XCTAssertTrue(r.stderr.contains("input line 2: malformed STATUS field: 'STATUS zzzz'"), r.stderr)
    }

    func testBinaryJunkOnStandardInputIsSurvived() throws {
        var junk = [UInt8](repeating: 0, count: 300_000)
        var x: UInt32 = 12345
        for i in junk.indices { x = x &* 1103515245 &+ 12345; junk[i] = UInt8(truncatingIfNeeded: x >> 16) }
        let r = try run(["--ascii"], stdin: Data(junk))
        XCTAssertEqual(r.status, 0)
    }

    func testUnknownCPUNameListsValidOnesAndFails() throws {
        let r = try run(["--cpu", "pentium9", "--ascii"], stdin: Data())
        XCTAssertEqual(r.status, 1)
        XCTAssertTrue(r.stderr.contains("Unknown CPU type `pentium9' specified"))
        XCTAssertTrue(r.stderr.contains("skylake_server"))
    }

    func testIntelCPUOptionAcceptsHexAndUniquePrefixesWork() throws {
        let input = Data("CPU 0 BANK 7\nSTATUS 0x8800000000000080\nMISC 8000000000000000\n".utf8)
        let r = try run(["--intel-cpu", "6,0x55", "--asc"], stdin: input)
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stdout.contains("Corrected error by mirroring with channel failover"), r.stdout)
    }

    func testCPUMHzDecodesTheTSC() throws {
        let r = try run(["--cpumhz", "2000", "--ascii"], stdin: Data("CPU 0 BANK 1 TSC 2e90edd000\nSTATUS 0x9000000000000150\n".utf8))
        XCTAssertTrue(r.stdout.contains("TSC 2e90edd000 [at 2000 Mhz 0 days 0:1:40 uptime (unreliable)]"), r.stdout)
    }

    func testIsCPUSupportedAnswersForTheHost() throws {
        let r = try run(["--is-cpu-supported"])
        // The expectation read independently from /proc/cpuinfo: Intel always decodes (at
        // least architecturally); AMD K8 (0xf) and Zen (17h, 19h, 1Ah) decode; others do not.
        let info = try String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)
        func value(_ key: String) -> String? {
            info.split(separator: "\n").first { $0.hasPrefix(key) }.flatMap { $0.split(separator: ":").last }
                .map { $0.trimmingCharacters(in: .whitespaces) }
        }
        let vendor = value("vendor_id"), family = Int(value("cpu family") ?? "") ?? -1
        let supported = vendor == "GenuineIntel" || (vendor == "AuthenticAMD" && [0xf, 0x17, 0x19, 0x1a].contains(family))
            || (vendor == "HygonGenuine" && family == 0x18)
        XCTAssertEqual(r.status, supported ? 0 : 1, "\(vendor ?? "?") family \(family): \(r.stderr)")
    }

    func testHelpListsEveryOptionOnStandardOutput() throws {
        let r = try run(["--help"])
        XCTAssertEqual(r.status, 0)
        for option in CommandLineOptions.table.map(\.name) where !["k8", "p4", "generic", "core2", "dump-raw-ascii",
                                                                   "debug-numerrors", "binary"].contains(option) {
            XCTAssertTrue(r.stdout.contains("--" + option), "--help does not list --\(option)")
        }
        XCTAssertTrue(r.stdout.contains("Valid CPUs: generic k8 intel"), r.stdout)
    }

    func testMissingInputFileIsAClearError() throws {
        let r = try run(["--ascii", "--file", "/nonexistent/x"])
        XCTAssertEqual(r.status, 1)
        XCTAssertTrue(r.stderr.contains("Cannot open input file `/nonexistent/x'"), r.stderr)
    }

    /// mcelog.conf's [global] keys are upstream's long options (an argument, or a boolean for
    /// an option without one); the command line overrides them; commands in the file do nothing.
    func testGlobalConfigKeysActAsOptionsUnderTheCommandLine() throws {
        let input = Data("CPU 0 BANK 1 TSC 2e90edd000\nSTATUS 0x9000000000000150\n".utf8)
        let config = try tempFile(Array("[global]\ncpumhz = 2000\nraw = no\ndaemon = yes\n".utf8))
        let fromFile = try run(["--config-file", config, "--ascii"], stdin: input)
        XCTAssertEqual(fromFile.status, 0, fromFile.stderr)
        XCTAssertTrue(fromFile.stdout.contains("[at 2000 Mhz 0 days 0:1:40 uptime (unreliable)]"), fromFile.stdout)
        let overridden = try run(["--config-file", config, "--cpumhz", "1000", "--ascii"], stdin: input)
        XCTAssertTrue(overridden.stdout.contains("[at 1000 Mhz 0 days 0:3:20 uptime (unreliable)]"), overridden.stdout)
        let raw = try tempFile(Array("[global]\nraw = yes\n".utf8))
        let rawRun = try run(["--config-file", raw, "--ascii"], stdin: input)
        XCTAssertFalse(rawRun.stdout.contains("Hardware event"), "raw = yes passes the text through: \(rawRun.stdout)")
    }

    func testABadGlobalOptionValueNamesTheFileAndLine() throws {
        let config = try tempFile(Array("# mcelog.conf\n[global]\nnum-errors = many\n".utf8))
        let r = try run(["--config-file", config, "--ascii"], stdin: Data())
        XCTAssertEqual(r.status, 1)
        XCTAssertTrue(r.stderr.contains("config file \(config) line 3: --num-errors takes a count, got `many'"), r.stderr)
    }
}
