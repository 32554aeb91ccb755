import XCTest
@testable import MachineCheck

final class GraniteRapidsDecoderTests: XCTestCase {
    typealias H = ServerHarness

    // MARK: upstream cases

    func testGoldenGraniteSierraClearwaterGen13() throws { try DecoderSpanReplay.check("gen-13") }
    func testGoldenGraniteTableSweepGen41() throws { try DecoderSpanReplay.check("gen-41") }
    func testExtraGraniteCases() throws { try DecoderSpanReplay.check("server-gnr", extra: true) }

    // MARK: UPI

    func testUPICodeIsMaskedToSixBits() {
        XCTAssertEqual(H.model(.graniteRapids, bank: 5, status: 0x9000000000180e0f).text, "UPI: UC LL FLE Failure\n")
        XCTAssertEqual(H.model(.graniteRapids, bank: 5, status: 0x9000000001300e0f).text,
                       "UPI: COR LL Rx detected CRC error: successful LLR without Phy Reinit\n")
        XCTAssertEqual(H.model(.sierraForest, bank: 5, status: 0x9000000000050e0f).text, "UPI: <0:5>\n")
        XCTAssertEqual(H.model(.clearwaterForest, bank: 5, status: 0x9000000000000e0f).text,
                       "UPI: UC Phy Initialization Failure (NumInit)\n")
    }

    // MARK: Punit

    func testPunitLongSecondCodeStartsWithBlankLine() {
        XCTAssertEqual(H.model(.graniteRapids, bank: 6, status: 0xb00000004c080402).text,
                       "Punit: Power Management Unit microcontroller error\n\n"
                       + "MCA_HPM_DOUBLE_BIT_ERROR_DETECTED: Read from HPM SRAM resulted in Double bit error\n")
    }

    func testPunitFirmwareCodeMaskedToSevenBits() {
        XCTAssertEqual(H.model(.graniteRapids, bank: 6, status: 0xb000000089000402).text,
                       "Punit: MCA_TSC_DOWNLOAD_TIMEOUT: TSC download timed out\n")
    }

    func testPunitRangesAndGlue() {
        XCTAssertEqual(H.model(.graniteRapids, bank: 6, status: 0xb000000000030402).text,
                       "Punit: Power Management Unit microcontroller double-bit ECC error\n")
        XCTAssertEqual(H.model(.graniteRapids, bank: 6, status: 0xb000000000000402).text, "Punit: ")
    }

    // MARK: B2CMI

    func testB2CMICodeMaskedToFourBits() {
        XCTAssertEqual(H.model(.graniteRapids, bank: 12, status: 0xb0000000000d0090).text, "B2CMI: SAI mismatch error\n")
        XCTAssertEqual(H.model(.graniteRapids, bank: 12, status: 0xb0000000001d0090).text, "B2CMI: SAI mismatch error\n")
        XCTAssertEqual(H.model(.graniteRapids, bank: 12, status: 0xb0000000000e0090).text, "B2CMI: <0:e>\n")
    }

    // MARK: MCCHAN

    func testMCCHANSelectorsIncludingSecondSubChannel() {
        XCTAssertEqual(H.model(.graniteRapids, bank: 24, status: 0x9000000021060090).text,
                       "MCCHAN: WDB Read Persistent Corr ECC Error on sCH1\n")
        XCTAssertEqual(H.model(.graniteRapids, bank: 13, status: 0x9000000020050090).text,
                       "MCCHAN: CMI Wr MAC parity Error on sCH1\n")
        XCTAssertEqual(H.model(.graniteRapids, bank: 13, status: 0x9000000008330090).text,
                       "MCCHAN: MCTracker Address RF parity error\n")
    }

    func testMCCHANOneEntryTableLooksOnlyAtBitZero() {
        XCTAssertEqual(H.model(.graniteRapids, bank: 14, status: 0x9000000002020090).text,
                       "MCCHAN: DDR CAParity or WrCRC Error\n")
        XCTAssertEqual(H.model(.graniteRapids, bank: 14, status: 0x9000000002010090).text, "MCCHAN: <0:1>\n")
    }

    func testMCCHANUnknownSelectorGlues() {
        XCTAssertEqual(H.model(.graniteRapids, bank: 15, status: 0x9000000003000090).text, "MCCHAN: ")
    }

    func testMISCNeedsBothMISCVAndOtherInfoBit33() {
        let misc: UInt64 = 0x400000000000000
        XCTAssertEqual(H.model(.graniteRapids, bank: 16, status: 0x9000000200800090, misc: misc).text,
                       "MCCHAN: Transient or Correctable Error for Demand or Underfill Reads\n")
        XCTAssertEqual(H.model(.graniteRapids, bank: 16, status: 0x9800000000800090, misc: misc).text,
                       "MCCHAN: Transient or Correctable Error for Demand or Underfill Reads\n")
        XCTAssertEqual(H.model(.graniteRapids, bank: 16, status: 0x9800000200800090, misc: misc).text,
                       "MCCHAN: Transient or Correctable Error for Demand or Underfill Reads\n"
                       + "bank: 0x0 bankgroup: 0x0 row: 0x0 column: 0x0\nfailed device: 0x0\n"
                       + "chipselect: 0x0 subrank: 0x0\necc mode: SDDC 128b 1LM\n")
    }

    func testMISCSuppressedOnlyForMSCOD0x800To0x82F() {
        XCTAssertEqual(H.model(.graniteRapids, bank: 17, status: 0x98000002082f0090).text, "MCCHAN: <0:2f>\n")
        XCTAssertTrue(H.model(.graniteRapids, bank: 17, status: 0x9800000208300090).text
                        .hasPrefix("MCCHAN: <0:30>\nbank: 0x0"))
        XCTAssertTrue(H.model(.graniteRapids, bank: 17, status: 0x9800000207ff0090).text
                        .hasPrefix("MCCHAN: bank: 0x0"))
    }

    func testMISCFieldPositionsAndFailedDeviceEvenWhenUncorrected() {
        // From gen-13: MISC 0xa99135ffffaaa00.
        XCTAssertEqual(H.model(.graniteRapids, bank: 13, status: 0xbc00000200a00090, misc: 0xa99135ffffaaa00).text,
                       "MCCHAN: Uncorrectable Error for Demand or Underfill Reads\n"
                       + "bank: 0x2 bankgroup: 0x6 row: 0x3ffff column: 0x554\nfailed device: 0x22\n"
                       + "chipselect: 0x5 subrank: 0x3\necc mode: SDDC 125b 1LM\n")
    }

    func testMISCAllECCModes() {
        let modes = ["Invalid/unknown ECC mode", "SDDC 128b 1LM", "SDDC 125b 1LM", "SDDC 96b 1LM",
                     "SDDC 96b 2LM", "ADDDC 80b 1LM", "ADDDC 80b 2LM", "ADDDC 64b 1LM", "9x4 61b 1LM",
                     "9x4 32b 1LM", "9x4 32b 2LM", "Invalid/unknown ECC mode"]
        for (mode, name) in modes.enumerated() {
            XCTAssertTrue(H.model(.graniteRapids, bank: 18, status: 0x9800000200800090,
                                  misc: H.field(UInt64(mode), at: 58)).text.hasSuffix("ecc mode: \(name)\n"), name)
        }
    }

    func testOtherBanksHaveNoText() {
        for bank: UInt8 in [4, 7, 11, 25, 40] {
            XCTAssertEqual(H.model(.graniteRapids, bank: bank, status: 0x9000000000010090).text, "", "bank \(bank)")
        }
    }

    // MARK: facts

    func testChannelIsBankMinus13() {
        XCTAssertEqual(H.full(.graniteRapids, bank: 13, status: 0x9000000000000092).facts.channel, 0)
        XCTAssertEqual(H.full(.sierraForest, bank: 24, status: 0x9000000000000090).facts.channel, 11)
        XCTAssertEqual(H.full(.graniteRapids, bank: 12, status: 0x9000000000000092).facts.channel, 2)
        XCTAssertNil(H.full(.graniteRapids, bank: 20, status: 0x900000000000009f).facts.channel)
    }
}
