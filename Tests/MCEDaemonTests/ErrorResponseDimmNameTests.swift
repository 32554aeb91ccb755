import XCTest
import MachineCheck
@testable import MCEDaemon

/// The journal's DIMM name comes from the DIMM the accounting counts, so it matches the
/// triggers' DIMM and LOCATION.
final class ErrorResponseDimmNameTests: XCTestCase {
    func testFailingRankSixIsNamedAsDimmTwoWhereTheChannelHasOne() {
        var configuration = ResponseConfiguration()
        configuration.stateDirectory = ""
        configuration.sysfsRoot = "/nonexistent-mcelog-test"
        configuration.settings.memoryErrorSupport = true
        let response = ErrorResponse(configuration: configuration, post: { _ in })
        response.engine.setName("DIMM_B3", for: DimmKey(socket: 0, channel: 1, dimm: 1))
        response.engine.setName("DIMM_C3", for: DimmKey(socket: 0, channel: 1, dimm: 2))
        // SNB-EP iMC bank 8, corrected memory read on channel 1, failing rank 6.
        var r = MachineCheckRecord()
        r.bank = 8; r.cpuvendor = CPUIdentity.intel; r.cpuid = 0x206d7; r.time = 1_700_000_000
        r.status = (0x8800_0000 << 32) | 0x0091
        r.misc = (1 << 62) | (6 << 46)
        let out = RecordFormatter().format(r, cpuType: .sandyBridgeEP)
        XCTAssertEqual(out.facts.dimm, 1)
        XCTAssertEqual(response.dimmName(for: r, facts: out.facts), "DIMM_C3")
        response.handle(DecodedRecord(record: r, facts: out.facts, text: out.text, dimmName: nil))
        XCTAssertEqual(response.engine.counters.dimms, [DimmKey(socket: 0, channel: 1, dimm: 1): .init(),
                                                        DimmKey(socket: 0, channel: 1, dimm: 2): .init(corrected: 1)])
    }
}
