import XCTest
@testable import MachineCheck

final class DiamondRapidsDecoderTests: XCTestCase {
    typealias H = ServerHarness

    // MARK: upstream cases

    func testGoldenDiamondCoreBankHasNoModelText() throws { try DecoderSpanReplay.check("dmr_dcu_srar") }
    func testExtraDiamondCases() throws { try DecoderSpanReplay.check("server-dmr", extra: true) }

    // MARK: CBB Punit

    func testCBBPunitScanAtFieldWinsOverMSCOD() {
        XCTAssertEqual(H.model(.diamondRapids, bank: 4, status: 0xb00000000000040b).text,
                       "CBB Punit: Scan-at-Field Error\n")
        XCTAssertEqual(H.model(.diamondRapids, bank: 4, status: 0xb0000000080d040b).text,
                       "CBB Punit: Scan-at-Field Error\n")
        // With the F bit the MCACOD is no longer 0x040b: the tables apply.
        XCTAssertEqual(H.model(.diamondRapids, bank: 4, status: 0xb00000000005140b).text,
                       "CBB Punit: TRIPLE_FAULT: SW triple fault shutdown\n")
    }

    func testCBBPunitSelectors() {
        let cases: [(UInt64, String)] = [
            (0xb000000000050402, "CBB Punit: TRIPLE_FAULT: SW triple fault shutdown\n"),
            (0xb000000008480402, "CBB Punit: UC_PATCH_LOAD_ACK_ERROR\n"),
            (0xb00000000c030402, "CBB Punit: MCA_UC_TELEM_SRAM_ERROR\n"),
            (0xb000000014020402, "CBB Punit: MCA_FIVR_HI_RED\n"),
            (0xb000000014030402, "CBB Punit: <0:3>\n"),
            (0xb000000001050402, "CBB Punit: "),
            (0xb000000000000402, "CBB Punit: "),
        ]
        for (status, text) in cases {
            XCTAssertEqual(H.model(.diamondRapids, bank: 4, status: status).text, text)
        }
    }

    // MARK: IMH Punit

    func testIMHNumberIsAPICIDBit2() {
        XCTAssertEqual(H.model(.diamondRapids, bank: 11, status: 0xb000000083000402, apicid: 4).text,
                       "IMH1 Punit: MCA_PKGS_RECOVERABLE_RESET_PREP_ACK_TIMEOUT\n")
        XCTAssertEqual(H.model(.diamondRapids, bank: 11, status: 0xb000000083000402, apicid: 0xb).text,
                       "IMH0 Punit: MCA_PKGS_RECOVERABLE_RESET_PREP_ACK_TIMEOUT\n")
    }

    func testIMHPunitFirmwareCodeElseMicrocontrollerCode() {
        XCTAssertEqual(H.model(.diamondRapids, bank: 11, status: 0xb000000084000402).text, "IMH0 Punit: <0:84>\n")
        XCTAssertEqual(H.model(.diamondRapids, bank: 11, status: 0xb000000000090402).text,
                       "IMH0 Punit: Power Management Unit microcontroller error\n")
        XCTAssertEqual(H.model(.diamondRapids, bank: 11, status: 0xb000000000000402).text, "IMH0 Punit: ")
    }

    func testIMHPunitOverlongNameStartsOnItsOwnLine() {
        XCTAssertEqual(H.model(.diamondRapids, bank: 11, status: 0xb000000000100402, apicid: 4).text,
                       "IMH1 Punit: \nIf MCI_MISC.MODEL_SPECIFIC_INFORMATION is set to 1, indicates Pcode "
                       + "Watchdog Timer expired. If MCI_MISC.MODEL_SPECIFIC_INFORMATION is set to 3, "
                       + "indicates Power Management Unit TeleSRAM double-bit ECC error detected.\n")
    }

    // MARK: UPI

    func testUPISelectorsRangesAndMask() {
        let cases: [(UInt64, String)] = [
            (0x9000000000010e0f, "UPI: Internal Parity Error\n"),
            (0x90000000002b0e0f, "UPI: Power Management Transition Error - Timeout\n"),
            (0x9000000002060e0f, "UPI: Power Management Transition Error - Timeout\n"),
            // Selector 2's table has eight entries: code 8 masks to 0.
            (0x9000000002080e0f, "UPI: Link integrity or initialization error\n"),
            (0x9000000001000e0f, "UPI: "),
        ]
        for (status, text) in cases {
            XCTAssertEqual(H.model(.diamondRapids, bank: 18, status: status).text, text)
        }
    }

    // MARK: MCCHAN

    func testMCCHANTablesCarryTheIMHNumber() {
        XCTAssertEqual(H.model(.diamondRapids, bank: 19, status: 0x9000000000200090, apicid: 4).text,
                       "IMH1 MCCHAN: Nontransient or Transient ectable Error for Spare Reads\n")
        XCTAssertEqual(H.model(.diamondRapids, bank: 26, status: 0x9000000002400090).text,
                       "IMH0 MCCHAN: Decoder structure error\n")
        XCTAssertEqual(H.model(.diamondRapids, bank: 22, status: 0x9000000008360090).text,
                       "IMH0 MCCHAN: MC Tracker WRCMP RF parity error\n")
        XCTAssertEqual(H.model(.diamondRapids, bank: 22, status: 0x9000000020020090).text, "IMH0 MCCHAN: ")
    }

    func testMISCFieldPositions() {
        let misc = H.field(0x1ff, at: 9) | H.field(0x2abcd, at: 19) | H.field(1, at: 37) | H.field(5, at: 39)
            | H.field(1, at: 42) | H.field(0x13, at: 44) | H.field(1, at: 49) | H.field(0xa, at: 51)
            | H.field(3, at: 55) | H.field(11, at: 58)
        XCTAssertEqual(H.model(.diamondRapids, bank: 20, status: 0x9800000200800090, misc: misc).text,
                       "IMH0 MCCHAN: Transient or Correctable Error for Demand or Underfill Reads\n"
                       + "bank: 0x1 bankgroup: 0x5 row: 0x2abcd column: 0x7fc\n"
                       + "chipselect: 0x3 subrank: 0xa subchan: 0x1\nfailed device: 0x13\n"
                       + "ecc mode: 5x8 125b 2LM\n")
    }

    func testMISCTransientStopsAfterTransientLine() {
        let misc: UInt64 = 1 << 63 | H.field(1, at: 42) | H.field(1, at: 58)
        XCTAssertEqual(H.model(.diamondRapids, bank: 21, status: 0x9800000200800090, misc: misc).text,
                       "IMH0 MCCHAN: Transient or Correctable Error for Demand or Underfill Reads\n"
                       + "bank: 0x0 bankgroup: 0x0 row: 0x0 column: 0x0\n"
                       + "chipselect: 0x0 subrank: 0x0 subchan: 0x0\ntransient\n")
    }

    func testMISCFailedDeviceOnlyWhenValidAndModes() {
        let modes = ["Invalid/unknown ECC mode", "SDDC 128b 1LM", "SDDC 125b 1LM", "SDDC 125b 2LM",
                     "ADDDC 80b 1LM", "ADDDC 80b 2LM", "Invalid/unknown ECC mode", "Invalid/unknown ECC mode",
                     "Invalid/unknown ECC mode", "5x8 128b 1LM", "5x8 125b 1LM", "5x8 125b 2LM",
                     "Invalid/unknown ECC mode"]
        for (mode, name) in modes.enumerated() {
            let text = H.model(.diamondRapids, bank: 23, status: 0x9800000200800090,
                               misc: H.field(UInt64(mode), at: 58) | H.field(7, at: 44)).text
            XCTAssertTrue(text.hasSuffix("subchan: 0x0\necc mode: \(name)\n"), name)
        }
    }

    func testMISCNeedsMISCVBit33AndMSCODBelow0x800() {
        XCTAssertEqual(H.model(.diamondRapids, bank: 24, status: 0x9800000208320090).text,
                       "IMH0 MCCHAN: MC Internal Errors\n")
        XCTAssertEqual(H.model(.diamondRapids, bank: 24, status: 0x9000000200800090).text,
                       "IMH0 MCCHAN: Transient or Correctable Error for Demand or Underfill Reads\n")
        XCTAssertEqual(H.model(.diamondRapids, bank: 24, status: 0x9800000000800090).text,
                       "IMH0 MCCHAN: Transient or Correctable Error for Demand or Underfill Reads\n")
    }

    func testOtherBanksHaveNoText() {
        for bank: UInt8 in [1, 5, 6, 12, 13, 27, 40] {
            XCTAssertEqual(H.model(.diamondRapids, bank: bank, status: 0x9000000000010090).text, "", "bank \(bank)")
        }
    }

    // MARK: facts

    func testChannelCountsOnFromTheIMH() {
        XCTAssertEqual(H.full(.diamondRapids, bank: 19, status: 0x9000000000000093).facts.channel, 0)
        XCTAssertEqual(H.full(.diamondRapids, bank: 26, status: 0x9000000000000090, apicid: 4).facts.channel, 15)
        // Upstream does not drop the unspecified channel code here.
        XCTAssertEqual(H.full(.diamondRapids, bank: 20, status: 0x900000000000009f).facts.channel, 1)
        XCTAssertNil(H.full(.diamondRapids, bank: 18, status: 0x900000000000009f).facts.channel)
        XCTAssertEqual(H.full(.diamondRapids, bank: 18, status: 0x9000000000000093).facts.channel, 3)
    }
}
