import XCTest
@testable import MachineCheck

final class IceLakeServerDecoderTests: XCTestCase {
    typealias H = ServerHarness

    // MARK: upstream cases

    func testGoldenIcelakeDEAndSnowRidgeBankMapsGen11() throws { try DecoderSpanReplay.check("gen-11") }
    func testExtraIcelakeCases() throws { try DecoderSpanReplay.check("server-icx", extra: true) }

    // MARK: bank maps

    func testIcelakeXeonHasUPIOnBanks5To8ButIcelakeDEAndSnowRidgeDoNot() {
        let upi: UInt64 = 0x9000000000110e0f
        XCTAssertEqual(H.model(.icelakeXeon, bank: 5, status: upi).text,
                       "UPI: LL Rx Unsupported/Undefined packet\n")
        XCTAssertEqual(H.model(.icelakeXeon, bank: 7, status: upi).text,
                       "UPI: LL Rx Unsupported/Undefined packet\n")
        XCTAssertEqual(H.model(.icelakeXeon, bank: 6, status: upi).text, "")
        XCTAssertEqual(H.model(.icelakeDE, bank: 5, status: upi).text, "")
        XCTAssertEqual(H.model(.tremontD, bank: 8, status: upi).text, "")
    }

    func testSnowRidgeHasOnlyTheFirstMemoryController() {
        let m2m: UInt64 = 0x9000000000010090
        XCTAssertTrue(H.model(.tremontD, bank: 12, status: m2m).text.hasPrefix("M2M: "))
        XCTAssertEqual(H.model(.tremontD, bank: 16, status: m2m).text, "")
        XCTAssertTrue(H.model(.icelakeDE, bank: 16, status: m2m).text.hasPrefix("M2M: "))
        XCTAssertEqual(H.model(.icelakeDE, bank: 20, status: m2m).text, "")
        XCTAssertTrue(H.model(.icelakeXeon, bank: 24, status: m2m).text.hasPrefix("M2M: "))
        XCTAssertTrue(H.model(.icelakeXeon, bank: 27, status: m2m).text.hasPrefix("MemCtrl: "))
        XCTAssertEqual(H.model(.icelakeXeon, bank: 28, status: m2m).text, "")
    }

    func testBanksPastUpstreamsTableHaveNoModelText() {
        // Upstream reads past its 32-entry table here; we decode nothing.
        for bank: UInt8 in [32, 44, 200, 255] {
            XCTAssertEqual(H.model(.icelakeXeon, bank: bank, status: 0x9000000000010090).text, "")
        }
    }

    // MARK: PCU

    func testPCUWatchdogCodeFromGen11() {
        XCTAssertEqual(H.model(.icelakeDE, bank: 4, status: 0xb00000005d000402).text,
                       "PCU: MCA_WATCHDOG_TIMEOUT_IOSFSB_FSM\n")
    }

    func testPCUPrintsEachNonZeroFieldOnItsOwnLine() {
        // [31:24] 0x70 is in the 0x65-0x7A range, [23:20] 5, [19:16] 3.
        XCTAssertEqual(H.model(.icelakeXeon, bank: 4, status: 0xb000000070530402).text,
                       "PCU: MCA_PKGS_RESET_PREP_TIMEOUT\nSMBus controller raised SMI\nInvalid OpCode seen\n")
    }

    func testPCUOutOfTableCodesAndMaskedFirmwareCode() {
        // [31:24] 1 unnamed, [23:20] 0xa past the table, [19:16] 8 masked to 0 (prints nothing).
        XCTAssertEqual(H.model(.tremontD, bank: 4, status: 0xb000000001a80402).text,
                       "PCU: <0:1>\n<0:a>\n")
    }

    func testPCUWithZeroMSCODGluesPrefix() {
        XCTAssertEqual(H.model(.icelakeXeon, bank: 4, status: 0xb000000000000402).text, "PCU: ")
    }

    // MARK: UPI

    func testUPILinkFlagsOnlyWhenSetThenCodeAlwaysPrinted() {
        XCTAssertEqual(H.model(.icelakeXeon, bank: 8, status: 0x9000000000000e0f).text,
                       "UPI: Phy Initialization Failure (NumInit)\n")
        XCTAssertEqual(H.model(.icelakeXeon, bank: 5, status: 0x9000000002710e0f).text,
                       "UPI: Phy Control Error RF parity error\n"
                       + "LL Rx detected CRC error: successful LLR with Phy Reinit\n")
        XCTAssertEqual(H.model(.icelakeXeon, bank: 5, status: 0x9000000000320e0f).text,
                       "UPI: Tx received LLR\n")
        XCTAssertEqual(H.model(.icelakeXeon, bank: 5, status: 0x9000000000030e0f).text, "UPI: <0:3>\n")
    }

    // MARK: M2M

    func testM2MPrintsTypeAndMiscAlwaysThenFlags() {
        XCTAssertEqual(H.model(.icelakeDE, bank: 16, status: 0x9000000000010090).text,
                       "M2M: MscodDDRType=0x0\nMscodMiscErrs=0x0\nMC read data error\n")
        XCTAssertEqual(H.model(.tremontD, bank: 12, status: 0x9000000000020090).text,
                       "M2M: MscodDDRType=0x0\nMscodMiscErrs=0x0\nReserved\n")
    }

    func testM2MAllFlagsWrapAt75Columns() {
        XCTAssertEqual(H.model(.icelakeXeon, bank: 20, status: 0x90000000feff0090).text,
                       "M2M: MscodDDRType=0x2\nMscodMiscErrs=0x3f\n"
                       + "MC read data error Reserved MC partial write data error\n"
                       + "Full write data error M2M clock-domain-crossing buffer (BGF) error\n"
                       + "M2M time out M2M tracker parity error fatal Bucket1 error\n")
    }

    // MARK: iMC

    func testIMCPatrolScrubWithMISCFromGen11() {
        XCTAssertEqual(H.model(.icelakeDE, bank: 19, status: 0x9800000000080090, misc: 0x800000000000000).text,
                       "MemCtrl: Corrected patrol scrub error\n"
                       + "bank: 0x0 bankgroup: 0x0 row: 0x0 column: 0x0\n"
                       + "failed device: 0x0\nrank: 0x0 subrank: 0x0\necc mode: SDDC\n")
    }

    func testIMCSelectorsPickTables() {
        let cases: [(UInt64, String)] = [
            (0x9000000000a00090, "Uncorrected read error"),
            (0x9000000001120090, "PCLS data error"),
            (0x9000000002210090, "HBM data parity error"),
            (0x9000000004000090, "RPQ parity (primary) error"),
            (0x90000000082e0090, "TME_SECURITY_ENGINE_ERR"),
            (0x9000000010a00090, "HA_UNCORR_RD_MIRR2ND_ERR"),
            (0x9000000001040090, "<0:4>"),
        ]
        for (status, name) in cases {
            XCTAssertTrue(H.model(.icelakeXeon, bank: 13, status: status).text.hasPrefix("MemCtrl: " + name + "\n"),
                          name)
        }
    }

    func testIMCUnknownSelectorGluesPrefixToMISCLine() {
        XCTAssertEqual(H.model(.icelakeXeon, bank: 14, status: 0x9000000003000090).text,
                       "MemCtrl: bank: 0x0 bankgroup: 0x0 row: 0x0 column: 0x0\n"
                       + "failed device: 0x0\nrank: 0x0 subrank: 0x0\necc mode: SDDC memory mode\n")
    }

    func testIMCMISCFieldPositions() {
        let misc = H.field(0x155, at: 9) | H.field(0x12345, at: 19) | H.field(3, at: 40)
            | H.field(2, at: 42) | H.field(1, at: 44) | H.field(0x2a, at: 46) | H.field(9, at: 52)
            | H.field(5, at: 56) | H.field(4, at: 59)
        XCTAssertEqual(H.model(.icelakeXeon, bank: 15, status: 0x9800000000800090, misc: misc).text,
                       "MemCtrl: Corrected read error\n"
                       + "bank: 0x2 bankgroup: 0x7 row: 0x12345 column: 0x554\n"
                       + "failed device: 0x2a\nrank: 0x5 subrank: 0x9\necc mode: ADDDC memory mode\n")
    }

    func testIMCNoFailedDeviceWhenUncorrectedOrTransient() {
        XCTAssertEqual(H.model(.icelakeXeon, bank: 17, status: 0xb000000000a00090, misc: H.field(5, at: 59)).text,
                       "MemCtrl: Uncorrected read error\nbank: 0x0 bankgroup: 0x0 row: 0x0 column: 0x0\n"
                       + "rank: 0x0 subrank: 0x0\necc mode: ADDDC\n")
        XCTAssertEqual(H.model(.icelakeXeon, bank: 17, status: 0x9000000000800090,
                               misc: 1 << 63 | H.field(8, at: 59)).text,
                       "MemCtrl: Corrected read error\nbank: 0x0 bankgroup: 0x0 row: 0x0 column: 0x0\n"
                       + "rank: 0x0 subrank: 0x0\necc mode: DDRT read\ntransient\n")
    }

    func testIMCUnlistedECCModeIsUnknown() {
        XCTAssertTrue(H.model(.icelakeXeon, bank: 13, status: 0x9000000000800090, misc: H.field(2, at: 59))
                        .text.hasSuffix("ecc mode: unknown\n"))
    }

    // MARK: mirroring

    func testMirrorCorrectionOnM2MBanksWithMISCV() {
        let status: UInt64 = 0x8800000000000080
        XCTAssertEqual(H.full(.icelakeXeon, bank: 12, status: status, misc: 1 << 63).facts.mirrorCorrection,
                       MirrorCorrection.channelFailover)
        XCTAssertEqual(H.full(.icelakeXeon, bank: 24, status: status, misc: 1 << 62).facts.mirrorCorrection,
                       MirrorCorrection.primaryScrubbed)
        XCTAssertTrue(H.full(.icelakeXeon, bank: 16, status: status, misc: 3 << 62).text
                        .contains("Corrected error by mirroring with channel failover\n"))
        // Not an M2M bank, no MISCV, or not Ice Lake server: plain corrected error.
        XCTAssertNil(H.full(.icelakeXeon, bank: 13, status: status, misc: 1 << 63).facts.mirrorCorrection)
        XCTAssertNil(H.full(.icelakeXeon, bank: 12, status: 0x8000000000000080, misc: 1 << 63).facts.mirrorCorrection)
        XCTAssertNil(H.full(.icelakeDE, bank: 12, status: status, misc: 1 << 63).facts.mirrorCorrection)
    }

    func testMirroredM2MGluesEmptyFlagsLine() {
        // Nothing in MSCOD: the M2M flag list is empty, so the prefix lines end the text.
        XCTAssertTrue(H.full(.icelakeXeon, bank: 12, status: 0x8800000000000080, misc: 1 << 62).text
                        .hasSuffix("M2M: MscodDDRType=0x0\nMscodMiscErrs=0x0\n"))
    }

    // MARK: channel facts

    func testChannelIsControllerTimesThreePlusChannel() {
        XCTAssertEqual(H.full(.icelakeXeon, bank: 21, status: 0x9000000000000091).facts.channel, 7)
        XCTAssertEqual(H.full(.icelakeXeon, bank: 24, status: 0x9000000000000092).facts.channel, 11)
        XCTAssertEqual(H.full(.tremontD, bank: 13, status: 0x9000000000000090).facts.channel, 0)
        // Outside the memory banks the MCACOD channel stays; 0xf stays unknown.
        XCTAssertEqual(H.full(.icelakeXeon, bank: 9, status: 0x9000000000000092).facts.channel, 2)
        XCTAssertNil(H.full(.icelakeXeon, bank: 21, status: 0x900000000000009f).facts.channel)
    }
}
