import XCTest
import MachineCheck
import MCEIO
@testable import MCEDaemon

/// EDAC's ras:mc_event names the DIMM; the pipeline carries that label to the records of the
/// same page, and the journal entry gets it as DIMM and MCE_DIMM.
final class RecordPipelineTests: XCTestCase {
    func memoryRecord(addr: UInt64) -> MachineCheckRecord {
        var r = MachineCheckRecord()
        r.status = 0x9c00004000010090; r.addr = addr; r.misc = 0x8c; r.bank = 7
        r.cpuid = 0x50654; r.finished = 1; r.time = 1_700_000_000
        return r
    }

    func testAnEDACLabelNamesTheDIMMOfRecordsOnItsPage() throws {
        var p = RecordPipeline(forced: nil, hostType: .generic, formatter: RecordFormatter())
        p.rememberLabel("CPU_SrcID#0_Ha#0_Chan#1_DIMM#0", address: 0x1234_5678)
        let same = try XCTUnwrap(p.decode(memoryRecord(addr: 0x1234_5000)).0)
        XCTAssertEqual(same.dimmName, "CPU_SrcID#0_Ha#0_Chan#1_DIMM#0")
        let other = try XCTUnwrap(p.decode(memoryRecord(addr: 0x9999_0000)).0)
        XCTAssertNil(other.dimmName)
        let entry = JournalSink.entry(for: .record(same))
        XCTAssertEqual(entry.string(of: "DIMM"), "CPU_SrcID#0_Ha#0_Chan#1_DIMM#0")
        XCTAssertEqual(entry.string(of: "MCE_DIMM"), "CPU_SrcID#0_Ha#0_Chan#1_DIMM#0")
        XCTAssertNil(JournalSink.entry(for: .record(other)).string(of: "DIMM"))
    }

    func testANewerLabelForThePageReplacesTheOlderAndTheTableStaysBounded() throws {
        var p = RecordPipeline(forced: nil, hostType: .generic, formatter: RecordFormatter())
        p.rememberLabel("A", address: 0x5000)
        p.rememberLabel("B", address: 0x5010)
        XCTAssertEqual(try XCTUnwrap(p.decode(memoryRecord(addr: 0x5000)).0).dimmName, "B")
        for i in 0..<1000 { p.rememberLabel("L\(i)", address: UInt64(0x100000 + i * 0x1000)) }
        XCTAssertLessThanOrEqual(p.labels.count, 256)
        XCTAssertNil(try XCTUnwrap(p.decode(memoryRecord(addr: 0x5000)).0).dimmName, "the oldest labels are dropped")
    }

    /// K8 GART errors are upstream's known noise: dropped unless the filter is off.
    func testTheFilterDropsK8GARTErrorsAndKeepsEverythingElse() throws {
        var gart = MachineCheckRecord()
        gart.bank = 4; gart.status = 0xb000000000050e0f
        var p = RecordPipeline(forced: .k8, hostType: .generic, formatter: RecordFormatter())
        XCTAssertNil(p.decode(gart).0)
        XCTAssertNotNil(p.decode(memoryRecord(addr: 0x5000)).0)
        p.filter = false
        XCTAssertNotNil(p.decode(gart).0)
        var intel = RecordPipeline(forced: .nehalem, hostType: .generic, formatter: RecordFormatter())
        XCTAssertNotNil(intel.decode(gart).0, "GART is a K8 notion")
    }
}
