import XCTest
@testable import MachineCheck

final class SkylakeDecoderTests: XCTestCase {
    // MARK: upstream cases

    func testGoldenSkylakeUncoreBanksGen09() throws { try DecoderSpanReplay.check("gen-09") }
    func testGoldenSkylakeSpecialBanksGen21() throws { try DecoderSpanReplay.check("gen-21") }
    func testGoldenSkylakeCoreBankGen39() throws { try DecoderSpanReplay.check("gen-39") }
    func testGoldenSkylakeTableSweepGen45() throws { try DecoderSpanReplay.check("gen-45") }
    func testGoldenSkylakeMirrorFailoverGluesM2M() throws { try DecoderSpanReplay.check("skx_mirror1") }
    func testGoldenSkylakeMirrorScrubbedGluesM2M() throws { try DecoderSpanReplay.check("skx_mirror2") }
    func testGoldenForcedSkylakeUnknownCode() throws {
        try DecoderSpanReplay.check("unknown.cpu-skylake", forced: .skylakeXeon)
    }
    func testGoldenMCACODSweepOnSkylake() throws { try DecoderSpanReplay.check("mca-sweep") }
    func testExtraSkylakeCases() throws { try DecoderSpanReplay.check("e5-skx", extra: true) }

    // MARK: PCU

    func testSkylakePCUClassesAndOutOfTableCode() {
        XCTAssertEqual(XeonGolden.modelText(.skylakeXeon, bank: 4, status: 0xb000000058020402).0,
                       "PCU: Internal errors PCU internal error MCA_WATCHDOG_TIMEOUT_PKGC_SECONDARY\n")
        XCTAssertEqual(XeonGolden.modelText(.skylakeXeon, bank: 4, status: 0xb000000099000402).0,
                       "PCU: Internal errors <24:99>\n")
        XCTAssertEqual(XeonGolden.modelText(.skylakeXeon, bank: 4, status: 0xb000000081001406).0,
                       "PCU: Intel TXT errors MCA_RECOVERABLE_DIE_THERMAL_TOO_HOT\n")
        XCTAssertEqual(XeonGolden.modelText(.skylakeXeon, bank: 4, status: 0xb000000000000e0b).0, "PCU: No Error\n")
    }

    // MARK: UPI

    func testSkylakeUPIBankDecodesMSCOD0x12SubTable() {
        XCTAssertEqual(XeonGolden.modelText(.skylakeXeon, bank: 5, status: 0x9000000082520e0f).0,
                       "UPI: UC LL or Phy control error\n"
                       + "Phy Control Error RF parity error Link Layer Tx Parity Error\n")
    }

    func testSkylakeUPISubTableOnlyForControlError() {
        // Bits 22+ set with MSCOD[21:16] = 0x11: no sub-table line.
        XCTAssertEqual(XeonGolden.modelText(.skylakeXeon, bank: 12, status: 0x9000000000510e0f).0,
                       "UPI: UC LL Rx unsupported or undefined packet\n")
        // 0x12 with no detail bits: just the code.
        XCTAssertEqual(XeonGolden.modelText(.skylakeXeon, bank: 19, status: 0x9000000000120e0f).0,
                       "UPI: UC LL or Phy control error\n")
    }

    func testSkylakeUPISubTableWrapsLongLines() {
        // All ten detail bits: the printer wraps at 75 columns.
        let (text, facts) = XeonGolden.modelText(.skylakeXeon, bank: 19, status: 0x90000000ffd20e0f)
        XCTAssertEqual(text, "UPI: UC LL or Phy control error\n"
                       + "Phy Control Error Unexpected Retry.Ack flit Unexpected Retry.Req flit\n"
                       + "RF parity error Routeback Table error\n"
                       + "unexpected Tx Protocol flit (EOP, Header or Data)\n"
                       + "Rx Header-or-Credit BGF credit overflow/underflow\n"
                       + "Link Layer Reset still in progress when Phy enters L0\n"
                       + "Link Layer reset initiated while protocol traffic not idle\n"
                       + "Link Layer Tx Parity Error\n")
        XCTAssertEqual(facts.kind, .interconnect)
    }

    func testSkylakeUPIOutOfTableCode() {
        XCTAssertEqual(XeonGolden.modelText(.skylakeXeon, bank: 5, status: 0x90000000003f0e0f).0, "UPI: <16:3f>\n")
        XCTAssertEqual(XeonGolden.modelText(.skylakeXeon, bank: 5, status: 0x9000000000000e0f).0,
                       "UPI: UC Phy Initialization Failure\n")
    }

    // MARK: M2M and iMC

    func testSkylakeM2MBits() {
        XCTAssertEqual(XeonGolden.modelText(.skylakeXeon, bank: 8, status: 0x9000000000ff0090).0,
                       "M2M: MscodDataRdErr Reserved MscodPtlWrErr MscodFullWrErr MscodBgfErr\n"
                       + "MscodTimeout MscodParErr MscodBucket1Err\n")
    }

    func testSkylakeEmptyM2MLeavesPrefixForGluing() {
        XCTAssertEqual(XeonGolden.modelText(.skylakeXeon, bank: 7, status: 0x8800000000000080).0, "M2M: ")
    }

    func testSkylakeMemCtrlTableChosenByStatusBit27() {
        XCTAssertEqual(XeonGolden.modelText(.skylakeXeon, bank: 13, status: 0x9c000000040800c0).0,
                       "MemCtrl: Corrected patrol scrub error Uncorrected address parity error\n")
        XCTAssertEqual(XeonGolden.modelText(.skylakeXeon, bank: 18, status: 0x90000000080e0090).0, "MemCtrl: <16:e>\n")
        XCTAssertEqual(XeonGolden.modelText(.skylakeXeon, bank: 14, status: 0x9000000008000090).0,
                       "MemCtrl: Unrecognized request type\n")
        // Bits 16-19 of the 0x8xx form are a code, not flags: bit 20 is outside the field.
        XCTAssertEqual(XeonGolden.modelText(.skylakeXeon, bank: 15, status: 0x9000000008100090).0,
                       "MemCtrl: Unrecognized request type\n")
        XCTAssertEqual(XeonGolden.modelText(.skylakeXeon, bank: 16, status: 0x9000000000000090).0, "MemCtrl: ")
        XCTAssertEqual(XeonGolden.modelText(.skylakeXeon, bank: 17, status: 0x9000000003800090).0,
                       "MemCtrl: Any HA read error WDB read parity error DDR4 command address parity error\n")
    }

    func testSkylakeOtherBanksPrintNothing() {
        for bank: UInt8 in [0, 1, 2, 3, 6, 9, 10, 11, 20, 218, 255] {
            XCTAssertEqual(XeonGolden.modelText(.skylakeXeon, bank: bank, status: 0x90000000ffff0090).0, "", "bank \(bank)")
        }
    }

    // MARK: facts

    func testSkylakeChannelMap() {
        let expected: [UInt8: Int] = [7: 2, 8: 5, 13: 0, 14: 1, 15: 3, 16: 4, 17: 2, 18: 5]
        for (bank, channel) in expected {
            XCTAssertEqual(XeonGolden.modelText(.skylakeXeon, bank: bank, status: 0x9000000000000092).1.channel,
                           channel, "bank \(bank)")
        }
        // Unspecified channel: no map; other banks keep the MCACOD channel.
        XCTAssertNil(XeonGolden.modelText(.skylakeXeon, bank: 13, status: 0x900000000000009f).1.channel)
        XCTAssertEqual(XeonGolden.modelText(.skylakeXeon, bank: 1, status: 0x9000000000000092).1.channel, 2)
        // Not a memory code: no channel.
        XCTAssertNil(XeonGolden.modelText(.skylakeXeon, bank: 13, status: 0x9000000000000e0f).1.channel)
    }

    func testSkylakeMirrorCorrection() {
        func mirror(_ bank: UInt8, _ status: UInt64, _ misc: UInt64) -> String? {
            SkylakeXeon.mirrorCorrection(DecodeContext(record: XeonGolden.record(bank: bank, status: status, misc: misc),
                                                       cpuType: .skylakeXeon))
        }
        XCTAssertEqual(mirror(7, 0x8800000000000080, 1 << 63), MirrorCorrection.channelFailover)
        XCTAssertEqual(mirror(8, 0x8800000000000080, 1 << 62), MirrorCorrection.primaryScrubbed)
        XCTAssertEqual(mirror(8, 0x8800000000000080, 3 << 62), MirrorCorrection.channelFailover)
        XCTAssertNil(mirror(13, 0x8800000000000080, 1 << 63))
        XCTAssertNil(mirror(7, 0x8000000000000080, 1 << 63))
        XCTAssertNil(mirror(7, 0x8800000000000080, 1 << 41))
    }

    func testSkylakeMirrorTextInArchitecturalDecode() {
        var ctx = DecodeContext(record: XeonGolden.record(bank: 8, status: 0x9800000000000091, misc: 1 << 62), cpuType: .skylakeXeon)
        IntelArchitectural.decode(&ctx)
        XCTAssertTrue(ctx.out.string.contains("Corrected error by mirroring. Primary channel scrubbed successfully\n"))
        XCTAssertTrue(ctx.out.string.hasSuffix("M2M: "))
        XCTAssertEqual(ctx.facts.mirrorCorrection, MirrorCorrection.primaryScrubbed)
        XCTAssertEqual(ctx.facts.channel, 4)
    }
}
