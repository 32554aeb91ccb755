import XCTest
@testable import MachineCheck

final class DenvertonDecoderTests: XCTestCase {
    /// Denverton records plus the Knights Landing/Mill channel fix in the same case.
    func testGoldenDenvertonAndKnightsGen15() throws { try DecoderSpanReplay.check("gen-15") }

    func testDenvertonMemCtrlBits() {
        XCTAssertEqual(XeonGolden.modelText(.denverton, bank: 7, status: 0xb00000000019009f).0,
                       "MemCtrl: Cmd/Addr parity Uncorrected demand read error WDB read ECC\n")
        XCTAssertEqual(XeonGolden.modelText(.denverton, bank: 6, status: 0x9000000000060090).0,
                       "MemCtrl: Corrected Demand/Patrol Scrub Error Uncorrected patrol scrub error\n")
    }

    func testDenvertonEmptyMemCtrlGluesAndOtherBanksSilent() {
        XCTAssertEqual(XeonGolden.modelText(.denverton, bank: 6, status: 0x9000000000200090).0, "MemCtrl: ")
        XCTAssertEqual(XeonGolden.modelText(.denverton, bank: 8, status: 0x90000000001f0090).0, "")
        XCTAssertEqual(XeonGolden.modelText(.denverton, bank: 4, status: 0x90000000001f0402).0, "")
    }

    func testDenvertonKeepsMCACODChannel() {
        var ctx = DecodeContext(record: XeonGolden.record(bank: 7, status: 0x9000000000020093), cpuType: .denverton)
        IntelArchitectural.decode(&ctx)
        XCTAssertEqual(ctx.facts.channel, 3)
    }
}
