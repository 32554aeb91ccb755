import XCTest
@testable import MachineCheck

final class RecordLayoutTests: XCTestCase {
    func sampleRecord() -> MachineCheckRecord {
        var r = MachineCheckRecord()
        r.status = 0x9c00004000010090; r.misc = 0x8c; r.addr = 0x1234000; r.mcgstatus = 5
        r.ip = 0xffffffff81000000; r.tsc = 0x123456789; r.time = 1_700_000_000
        r.cpuvendor = 0; r.injectFlags = 1; r.severity = 2; r.cpuid = 0x50654; r.cs = 0x10
        r.bank = 7; r.cpu = 3; r.finished = 1; r.extcpu = 300; r.socketid = 1; r.apicid = 0x22
        r.mcgcap = 0x1000c16; r.synd = 0xabc; r.ipid = 0xdef; r.ppin = 0x1122334455667788
        r.microcode = 0x2000065; r.kflags = 0
        return r
    }

    func testEveryFieldSitsAtItsKernelOffset() throws {
        let bytes = sampleRecord().bytes()
        XCTAssertEqual(bytes.count, 128)
        func u64(_ o: Int) -> UInt64 { (0..<8).reduce(0) { $0 | UInt64(bytes[o + $1]) << (8 * UInt64($1)) } }
        func u32(_ o: Int) -> UInt32 { (0..<4).reduce(0) { $0 | UInt32(bytes[o + $1]) << (8 * UInt32($1)) } }
        XCTAssertEqual(u64(0), 0x9c00004000010090)
        XCTAssertEqual(u64(16), 0x1234000)
        XCTAssertEqual(u64(48), 1_700_000_000)
        XCTAssertEqual(u32(60), 0x50654)
        XCTAssertEqual(bytes[65], 7)
        XCTAssertEqual(u32(68), 300)
        XCTAssertEqual(u32(76), 0x22)
        XCTAssertEqual(u64(80), 0x1000c16)
        XCTAssertEqual(u64(104), 0x1122334455667788)
        XCTAssertEqual(u32(112), 0x2000065)
        XCTAssertEqual(try MachineCheckRecord(bytes: bytes), sampleRecord())
    }

    func testOlderKernelRecordLengthsLeaveLaterFieldsAbsent() throws {
        let full = sampleRecord().bytes()
        for length in MachineCheckRecord.knownLengths {
            let r = try MachineCheckRecord(bytes: Array(full[0..<length]))
            XCTAssertEqual(r.length, length)
            XCTAssertEqual(r.status, 0x9c00004000010090)
            XCTAssertEqual(r.mcgcap != 0, length >= 88, "mcgcap at \(length)")
            XCTAssertEqual(r.ppin != 0, length >= 112, "ppin at \(length)")
            XCTAssertEqual(r.microcode != 0, length >= 120, "microcode at \(length)")
            let text = RecordFormatter().format(r, cpuType: .skylakeXeon).text.string
            XCTAssertEqual(text.contains("PPIN "), length > 104, "PPIN line at \(length)")
            XCTAssertEqual(text.contains("MICROCODE "), length > 112, "MICROCODE line at \(length)")
            XCTAssertEqual(text.contains("APICID "), length > 76, "APICID at \(length)")
        }
    }

    func testLongerRecordsIgnoreTrailingBytes() throws {
        let r = try MachineCheckRecord(bytes: sampleRecord().bytes() + [UInt8](repeating: 0xee, count: 40))
        XCTAssertEqual(r, sampleRecord())
    }

    func testCPUIDDecodingFollowsTheSDM() {
        let skx = CPUIdentity(vendor: 0, cpuid: 0x50654)
        XCTAssertEqual([skx.family, skx.model, skx.stepping], [6, 0x55, 4])
        let zen = CPUIdentity(vendor: 2, cpuid: 0x800f12)
        XCTAssertEqual([zen.family, zen.model, zen.stepping], [0x17, 1, 2])
        XCTAssertEqual(CPUIdentity(vendor: 0, family: 6, model: 0x4f, stepping: 1).cpuid, 0x406f1)
        XCTAssertEqual(CPUTypeSelector.select(vendor: 0, cpuid: 0x50654).type, .skylakeXeon)
        XCTAssertEqual(CPUTypeSelector.select(vendor: 2, cpuid: 0xa00f11).type, .amdSMCA)
        XCTAssertEqual(CPUTypeSelector.select(vendor: 2, cpuid: 0xf50).type, .k8)
        XCTAssertEqual(CPUTypeSelector.intel(family: 6, model: 0xfe).warning,
                       "Family 6 Model 254 CPU: only decoding architectural errors")
    }

    func testSeverityFollowsTheStatusBits() {
        XCTAssertEqual(Severity.classify(status: 0x9000000000000150), .corrected)
        XCTAssertEqual(Severity.classify(status: 0xbd0000000000017a), .recoverable(.optional))
        XCTAssertEqual(Severity.classify(status: 0xbd8000000000017a), .recoverable(.required))
        XCTAssertEqual(Severity.classify(status: 0xbf80000000000134), .fatal)
        XCTAssertEqual(Severity.classify(status: 0xb000000000000150), .uncorrected)
        XCTAssertEqual(Severity.recoverable(.optional).name, "uncorrected-recoverable")
        XCTAssertEqual(Severity.fatal.priority, 2)
    }

    func testCTimeMatchesTheCLibraryInUTC() {
        XCTAssertEqual(UTCTimeRenderer().ctime(123456789), "Thu Nov 29 21:33:09 1973\n")
        XCTAssertEqual(UTCTimeRenderer().ctime(1710000000), "Sat Mar  9 16:00:00 2024\n")
        XCTAssertEqual(UTCTimeRenderer().ctime(0), "Thu Jan  1 00:00:00 1970\n")
    }

    func testBitfieldPrinterWrapsBefore75Columns() {
        var t = TextBuffer()
        let fields = (0..<8).map { BitField.flag($0, "field-number-\($0)-with-long-name") }
        t.bitfields(0xff, fields)
        for line in t.string.split(separator: "\n") { XCTAssertLessThanOrEqual(line.count, 75) }
        XCTAssertEqual(t.string.split(separator: "\n").count, 4)
        var u = TextBuffer()
        XCTAssertFalse(u.bitfields(0, fields))
        u.bitfields(0b11 << 4, [BitField(4, ["a", "b", nil])])
        XCTAssertEqual(u.string, "<4:3>\n")
    }
}
