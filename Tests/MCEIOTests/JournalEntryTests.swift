import XCTest
@testable import MCEIO
import MachineCheck

/// Real records: the values of the Debian 6.1 capture (Tests/Fixtures/tracefs/debian-6.1,
/// injected.tsv and the trace lines in PROVENANCE.md), as the tracepoint delivered them.
enum CapturedRecords {
    /// Injection #1: software-injected corrected memory-controller error, bank 1.
    static var correctedMemory: MachineCheckRecord {
        var r = MachineCheckRecord()
        r.status = 0x9c00004000010090; r.addr = 0x1234000; r.misc = 0x8c
        r.tsc = 0x369e3abeb; r.cpuid = 0x106a3; r.time = 1795839035
        r.bank = 1; r.finished = 1; r.cpuvendor = CPUIdentity.intel
        return r
    }

    /// Injection #65: hardware-style injected SRAO memory error, bank 1, RIP in a module.
    static var recoverableMemory: MachineCheckRecord {
        var r = MachineCheckRecord()
        r.status = 0xbd000000000000c0; r.mcgstatus = 0x7; r.mcgcap = 0x100010a
        r.addr = 0x1236000; r.misc = 0x86; r.cs = 0x10; r.ip = 0xffffffffc0201127
        r.tsc = 0x6ba9def3f; r.cpuid = 0x106a3; r.time = 1795839041
        r.bank = 1; r.finished = 1; r.cpuvendor = CPUIdentity.intel
        return r
    }

    /// Injection #67: QEMU `mce` command, bank 4, MCG_STATUS 5 (RIPV|MCIP).
    static var qemuMemory: MachineCheckRecord {
        var r = recoverableMemory
        r.bank = 4; r.mcgstatus = 0x5; r.addr = 0x1237000; r.ip = 0xffffffff81a592eb
        r.tsc = 0x7dfa36f21; r.time = 1795839042
        return r
    }

    /// A thermal trip on a Skylake server (pseudo-bank 128, status bit 0 set).
    static var thermal: MachineCheckRecord {
        var r = MachineCheckRecord()
        r.status = 0x1; r.bank = SpecialBank.thermal; r.extcpu = 3; r.socketid = 1; r.apicid = 6
        r.cpuid = 0x50654; r.time = 1795839100; r.tsc = 0x1234; r.finished = 1
        return r
    }

    /// A fatal internal timer error (MCACOD 0x400, PCC) on a Skylake server, with every
    /// late field set.
    static var fatalInternal: MachineCheckRecord {
        var r = MachineCheckRecord()
        r.status = 0xb200000000000400; r.mcgstatus = 0x5; r.mcgcap = 0x7000c16
        r.bank = 3; r.extcpu = 17; r.socketid = 1; r.apicid = 34; r.cs = 0x10
        r.ip = 0xffffffff81000000; r.tsc = 0xabcdef0123; r.time = 1795839200
        r.cpuid = 0x50654; r.ppin = 0xdeadbeef12345678; r.microcode = 0x2006e05
        r.synd = 0x10; r.ipid = 0x1000b000000; r.finished = 1
        return r
    }

    static func decode(_ r: MachineCheckRecord, _ type: CPUType) -> RecordFormatter.Output {
        RecordFormatter().format(r, cpuType: type)
    }

    /// `Entry` with `r` decoded as `type`.
    static func entry(_ r: MachineCheckRecord, _ type: CPUType, dimm: String? = nil) -> (JournalEntry, RecordFormatter.Output) {
        let out = decode(r, type)
        return (JournalEntry.machineCheck(r, facts: out.facts, decoded: out.text, dimmName: dimm), out)
    }
}

extension JournalEntry {
    /// Fields as name -> text, failing on a repeat (which must never happen).
    func dictionary(file: StaticString = #filePath, line: UInt = #line) -> [String: String] {
        var d: [String: String] = [:]
        for f in fields {
            XCTAssertNil(d[f.name], "field \(f.name) repeats", file: file, line: line)
            d[f.name] = String(decoding: f.value, as: UTF8.self)
        }
        return d
    }
}

final class JournalEntryTests: XCTestCase {
    func testCorrectedMemoryErrorFromTheCaptureHasEveryFieldInItsFixedFormat() {
        let (e, out) = CapturedRecords.entry(CapturedRecords.correctedMemory, .nehalem, dimm: "CPU0_DIMM_A1")
        let decoded = out.text.string
        XCTAssertTrue(decoded.hasSuffix("\n"))
        XCTAssertEqual(e.dictionary(), [
            "MESSAGE": "Corrected memory error: CPU 0 bank 1 addr 0x1234000 DIMM CPU0_DIMM_A1",
            "MESSAGE_ID": "19b8d76f99044599b3477385cb5fb56c",
            "PRIORITY": "4",
            "SYSLOG_IDENTIFIER": "mcelog",
            "MCE_SEVERITY": "corrected",
            "MCE_KIND": "memory",
            "MCE_CPU": "0", "MCE_BANK": "1", "MCE_SOCKET": "0", "MCE_APICID": "0", "MCE_CS": "0",
            "MCE_STATUS": "0x9c00004000010090",
            "MCE_ADDR": "0x1234000",
            "MCE_MISC": "0x8c",
            "MCE_MCGSTATUS": "0x0", "MCE_MCGCAP": "0x0", "MCE_IP": "0x0",
            "MCE_TSC": "0x369e3abeb",
            "MCE_SYND": "0x0", "MCE_IPID": "0x0", "MCE_PPIN": "0x0", "MCE_MICROCODE": "0x0",
            "MCE_CPUID": "0x106a3",
            "MCE_TIME": "1795839035",
            "MCE_CPUVENDOR": "Intel",
            "DIMM": "CPU0_DIMM_A1", "MCE_DIMM": "CPU0_DIMM_A1",
            "MCE_CHANNEL": "0",
            "MCE_PAGE": "0x1234000",
            "MCE_DECODED": String(decoded.dropLast()),
        ])
        XCTAssertEqual(e.fieldNames.prefix(4), ["MESSAGE", "MESSAGE_ID", "PRIORITY", "SYSLOG_IDENTIFIER"])
        XCTAssertTrue(decoded.contains("MEMORY CONTROLLER"), decoded)
    }

    func testRecoverableMemoryErrorIsUncorrectedClassAtPriorityErr() {
        let (e, out) = CapturedRecords.entry(CapturedRecords.recoverableMemory, .nehalem)
        let d = e.dictionary()
        XCTAssertEqual(out.facts.severity, .recoverable(.optional))
        XCTAssertEqual(d["MESSAGE"], "Uncorrected recoverable (action optional) memory error: CPU 0 bank 1 addr 0x1236000")
        XCTAssertEqual(d["MESSAGE_ID"], JournalMessageID.uncorrectedMemoryError.hex)
        XCTAssertEqual(d["PRIORITY"], "3")
        XCTAssertEqual(d["MCE_SEVERITY"], "uncorrected-recoverable")
        XCTAssertEqual(d["MCE_CS"], "16")
        XCTAssertEqual(d["MCE_IP"], "0xffffffffc0201127")
        XCTAssertEqual(d["MCE_MCGSTATUS"], "0x7")
        XCTAssertEqual(d["MCE_MCGCAP"], "0x100010a")
        XCTAssertEqual(d["MCE_MISC"], "0x86")
        XCTAssertEqual(d["MCE_PAGE"], "0x1236000")
        XCTAssertNil(d["DIMM"]); XCTAssertNil(d["MCE_DIMM"])
    }

    func testAddrAndMiscAreOmittedWithoutTheirValidBits() {
        var r = CapturedRecords.correctedMemory
        r.status &= ~(MCiStatus.addrv | MCiStatus.miscv)
        let (e, _) = CapturedRecords.entry(r, .nehalem)
        XCTAssertFalse(e.contains("MCE_ADDR"))
        XCTAssertFalse(e.contains("MCE_MISC"))
        XCTAssertFalse(e.contains("MCE_PAGE"))
        XCTAssertEqual(e.string(of: "MESSAGE"), "Corrected memory error: CPU 0 bank 1")
        XCTAssertEqual(e.string(of: "MCE_STATUS"), "0x9000004000010090")
    }

    func testFieldsPastAnOlderRecordLengthAreAbsent() throws {
        let bytes = CapturedRecords.fatalInternal.bytes(length: 88)
        let r = try MachineCheckRecord(bytes: bytes)
        let (e, _) = CapturedRecords.entry(r, .skylakeXeon)
        for absent in ["MCE_SYND", "MCE_IPID", "MCE_PPIN", "MCE_MICROCODE"] {
            XCTAssertFalse(e.contains(absent), absent)
        }
        XCTAssertEqual(e.string(of: "MCE_MCGCAP"), "0x7000c16")
        XCTAssertEqual(e.string(of: "MCE_SOCKET"), "1")
        XCTAssertEqual(e.string(of: "MCE_APICID"), "34")
    }

    func testFatalInternalErrorIsOtherCPUClassAtPriorityCritWithRegistersInHex() {
        let (e, out) = CapturedRecords.entry(CapturedRecords.fatalInternal, .skylakeXeon)
        let d = e.dictionary()
        XCTAssertEqual(out.facts.kind, .internal)
        XCTAssertEqual(d["MESSAGE"], "Fatal internal error: CPU 17 bank 3")
        XCTAssertEqual(d["MESSAGE_ID"], JournalMessageID.otherCPUError.hex)
        XCTAssertEqual(d["PRIORITY"], "2")
        XCTAssertEqual(d["MCE_SEVERITY"], "fatal")
        XCTAssertEqual(d["MCE_KIND"], "internal")
        XCTAssertEqual(d["MCE_CPU"], "17")
        XCTAssertEqual(d["MCE_SOCKET"], "1")
        XCTAssertEqual(d["MCE_APICID"], "34")
        XCTAssertEqual(d["MCE_PPIN"], "0xdeadbeef12345678")
        XCTAssertEqual(d["MCE_MICROCODE"], "0x2006e05")
        XCTAssertEqual(d["MCE_SYND"], "0x10")
        XCTAssertEqual(d["MCE_IPID"], "0x1000b000000")
        XCTAssertEqual(d["MCE_TSC"], "0xabcdef0123")
        XCTAssertEqual(d["MCE_IP"], "0xffffffff81000000")
        XCTAssertEqual(d["MCE_CPUID"], "0x50654")
        XCTAssertEqual(d["MCE_TIME"], "1795839200")
        XCTAssertNil(d["MCE_ADDR"]); XCTAssertNil(d["MCE_CHANNEL"]); XCTAssertNil(d["MCE_PAGE"])
    }

    func testThermalEventIsInformational() {
        let (e, out) = CapturedRecords.entry(CapturedRecords.thermal, .skylakeXeon)
        let d = e.dictionary()
        XCTAssertEqual(d["MESSAGE"], "Informational thermal event: CPU 3 bank 128")
        XCTAssertEqual(d["MESSAGE_ID"], JournalMessageID.thermalEvent.hex)
        XCTAssertEqual(d["PRIORITY"], "6")
        XCTAssertEqual(d["MCE_SEVERITY"], "informational")
        XCTAssertEqual(d["MCE_KIND"], "thermal")
        XCTAssertEqual(d["MCE_DECODED"], String(out.text.string.dropLast()))
        XCTAssertTrue(d["MCE_DECODED"]!.contains("Processor 3 heated above trip temperature. Throttling enabled.\n"))
    }

    func testTimeZeroMeansNoEventTimeField() {
        var r = CapturedRecords.correctedMemory
        r.time = 0
        XCTAssertFalse(CapturedRecords.entry(r, .nehalem).0.contains("MCE_TIME"))
    }

    /// The field names every X86_VENDOR_* the kernel has; the decoded text keeps upstream's
    /// shorter table, which calls Hygon an unknown vendor.
    func testCPUVendorFieldNamesVendorsPastUpstreamsTable() {
        var r = CapturedRecords.correctedMemory
        r.cpuvendor = CPUIdentity.hygon
        let (e, out) = CapturedRecords.entry(r, .amdSMCA)
        XCTAssertEqual(e.string(of: "MCE_CPUVENDOR"), "Hygon")
        XCTAssertTrue(out.text.string.contains("CPUID Vendor Unknown vendor "), out.text.string)
        for (v, name) in [(UInt8(4), "vendor 4"), (10, "Zhaoxin"), (11, "Vortex"), (12, "vendor 12"), (255, "vendor 255")] {
            r.cpuvendor = v
            XCTAssertEqual(CapturedRecords.entry(r, .amdSMCA).0.string(of: "MCE_CPUVENDOR"), name)
        }
    }

    func testDimmLabelWithAControlCharacterKeepsMessageOnOneLine() {
        let (e, _) = CapturedRecords.entry(CapturedRecords.correctedMemory, .nehalem, dimm: "A1\nB2")
        XCTAssertEqual(e.string(of: "MESSAGE"), "Corrected memory error: CPU 0 bank 1 addr 0x1234000 DIMM A1 B2")
        XCTAssertEqual(e.string(of: "DIMM"), "A1\nB2")
        let (empty, _) = CapturedRecords.entry(CapturedRecords.correctedMemory, .nehalem, dimm: "")
        XCTAssertFalse(empty.contains("DIMM"))
    }

    func testDecodedTextOverloadsAgree() {
        let r = CapturedRecords.recoverableMemory
        let out = CapturedRecords.decode(r, .nehalem)
        let a = JournalEntry.machineCheck(r, facts: out.facts, decoded: out.text)
        let b = JournalEntry.machineCheck(r, facts: out.facts, decoded: out.text.string)
        let c = JournalEntry.machineCheck(r, facts: out.facts, decoded: out.text.bytes + [0x0a, 0x0a])
        XCTAssertEqual(a, b)
        XCTAssertEqual(a, c)
    }

    func testRecordsLostEntry() {
        XCTAssertEqual(JournalEntry.recordsLost(count: 3, source: "tracefs", cpu: 1).dictionary(), [
            "MESSAGE": "Lost 3 machine check records (tracefs, CPU 1)",
            "MESSAGE_ID": "aaf51df5623b46a3914774302b2d6096",
            "PRIORITY": "3", "SYSLOG_IDENTIFIER": "mcelog",
            "MCE_LOST_COUNT": "3", "MCE_SOURCE": "tracefs", "MCE_CPU": "1",
        ])
        let one = JournalEntry.recordsLost(count: 1, source: "/dev/mcelog")
        XCTAssertEqual(one.string(of: "MESSAGE"), "Lost 1 machine check record (/dev/mcelog)")
        XCTAssertFalse(one.contains("MCE_CPU"))
        // MCE_OVERFLOW says only that records were dropped, not how many: no made-up count.
        let unknown = JournalEntry.recordsLost(count: 0, source: "/dev/mcelog")
        XCTAssertEqual(unknown.string(of: "MESSAGE"), "Lost machine check records, count unknown (/dev/mcelog)")
        XCTAssertEqual(unknown.string(of: "MCE_LOST_COUNT"), "unknown")
    }

    func testGenericEventCarriesItsFieldsAndRejectsBadOnes() throws {
        let e = try JournalEntry.event(.pageOffline, priority: 4, message: "Offlined page 0x1234000",
                                       fields: [("MCE_PAGE", "0x1234000"), ("MCE_OFFLINE_MODE", "soft")])
        XCTAssertEqual(e.dictionary(), [
            "MESSAGE": "Offlined page 0x1234000", "MESSAGE_ID": "fd1c1bed96d3405e855f06da768b8cfe",
            "PRIORITY": "4", "SYSLOG_IDENTIFIER": "mcelog",
            "MCE_PAGE": "0x1234000", "MCE_OFFLINE_MODE": "soft",
        ])
        XCTAssertThrowsError(try JournalEntry.event(.triggerRun, priority: 6, message: "x", fields: [("mce_lower", "1")])) {
            XCTAssertEqual($0 as? JournalEntryError, .invalidFieldName("mce_lower"))
        }
        XCTAssertThrowsError(try JournalEntry.event(.triggerRun, priority: 6, message: "x", fields: [("MESSAGE", "again")])) {
            XCTAssertEqual($0 as? JournalEntryError, .duplicateField("MESSAGE"))
        }
        XCTAssertThrowsError(try JournalEntry.event(.triggerRun, priority: 8, message: "x")) {
            XCTAssertEqual($0 as? JournalEntryError, .invalidPriority(8))
        }
    }

    func testFieldNameRuleMatchesJournald() {
        // The cases of systemd.md §1.3, each checked against journald 252.
        XCTAssertTrue(JournalEntry.isValidFieldName("MCE_OK"))
        XCTAssertTrue(JournalEntry.isValidFieldName(String(repeating: "A", count: 64)))
        XCTAssertTrue(JournalEntry.isValidFieldName("A1_2"))
        XCTAssertFalse(JournalEntry.isValidFieldName(String(repeating: "A", count: 65)))
        XCTAssertFalse(JournalEntry.isValidFieldName("lower_case"))
        XCTAssertFalse(JournalEntry.isValidFieldName("MCE_Lower"))
        XCTAssertFalse(JournalEntry.isValidFieldName("A-B"))
        XCTAssertFalse(JournalEntry.isValidFieldName("1ABC"))
        XCTAssertFalse(JournalEntry.isValidFieldName("_TRUSTED_FAKE"))
        XCTAssertFalse(JournalEntry.isValidFieldName(""))
        XCTAssertFalse(JournalEntry.isValidFieldName("MCÉ"))
        XCTAssertFalse(JournalEntry.isValidFieldName("A B"))
    }

    /// Every name any builder emits, over every decoder family and a spread of status
    /// values, with and without a DIMM, passes journald's rule and never repeats.
    func testEveryEmittedFieldNameIsValidAndUnique() throws {
        let statuses: [UInt64] = [0x9c00004000010090, 0xbd000000000000c0, 0xb200000000000400,
                                  0x9400004000040150, 0x8c000040000000a1, 0xfe00000000800400, 0x1]
        var seen = Set<String>()
        var entries: [JournalEntry] = []
        for type in CPUType.allCases {
            for (i, status) in statuses.enumerated() {
                var r = CapturedRecords.fatalInternal
                r.status = status
                r.bank = status == 0x1 ? SpecialBank.thermal : UInt8(i + 1)
                r.addr = 0x1234000
                entries.append(CapturedRecords.entry(r, type, dimm: i % 2 == 0 ? "DIMM_A1" : nil).0)
            }
        }
        entries.append(JournalEntry.recordsLost(count: 7, source: "send queue", cpu: 0))
        for id in JournalMessageID.all {
            entries.append(try JournalEntry.event(id, priority: 5, message: "m", fields: [("MCE_X", "1")]))
        }
        for e in entries {
            let names = e.fieldNames
            XCTAssertEqual(Set(names).count, names.count, "repeated field in \(names)")
            for n in names {
                XCTAssertTrue(JournalEntry.isValidFieldName(n), n)
                seen.insert(n)
            }
        }
        // The whole vocabulary was exercised.
        for n in ["MCE_ADDR", "MCE_MISC", "DIMM", "MCE_DIMM", "MCE_CHANNEL", "MCE_PAGE", "MCE_LOST_COUNT",
                  "MCE_SOURCE", "MCE_DECODED", "MCE_PPIN", "MCE_TIME"] {
            XCTAssertTrue(seen.contains(n), n)
        }
    }

    func testMessageIDsAreDistinct128BitLowerCaseHex() {
        let ids = JournalMessageID.all.map(\.hex)
        XCTAssertEqual(Set(ids).count, 10)
        for id in ids {
            XCTAssertEqual(id.count, 32)
            XCTAssertTrue(id.allSatisfy { "0123456789abcdef".contains($0) }, id)
        }
    }
}
