import XCTest
@testable import MachineCheck

final class SapphireRapidsDecoderTests: XCTestCase {
    typealias H = ServerHarness

    // MARK: upstream cases

    func testGoldenSapphireTableSweepGen43() throws { try DecoderSpanReplay.check("gen-43") }
    func testGoldenSapphireMirrorPatrolScrub() throws { try DecoderSpanReplay.check("spr_uc_patscrub") }
    func testExtraSapphireCases() throws { try DecoderSpanReplay.check("server-spr", extra: true) }

    // MARK: PCU

    func testPCUShutdownCausesOnlyForMCACOD0x40C() {
        XCTAssertEqual(H.model(.sapphireRapids, bank: 4, status: 0xb00000000005040c).text,
                       "PCU: SW triple fault shutdown\n")
        XCTAssertEqual(H.model(.sapphireRapids, bank: 4, status: 0xb000000000050402).text,
                       "PCU: Stack Overflow\n")
        XCTAssertEqual(H.model(.sapphireRapids, bank: 4, status: 0xb0000000000a040c).text, "PCU: <0:a>\n")
    }

    func testPCUFirmwareCode8MasksToNothingAndGlues() {
        XCTAssertEqual(H.model(.sapphireRapids, bank: 4, status: 0xb000000000080402).text, "PCU: ")
    }

    func testPCUHasTheExtraDispatcherCode() {
        XCTAssertEqual(H.model(.emeraldRapids, bank: 4, status: 0xb0000000c0000402).text,
                       "PCU: MCA_DISPATCHER_RUN_BUSY_TIMEOUT\n")
        XCTAssertEqual(H.model(.icelakeXeon, bank: 4, status: 0xb0000000c0000402).text, "PCU: <0:c0>\n")
    }

    // MARK: UPI

    func testUPICodeTableDiffersFromIcelake() {
        XCTAssertEqual(H.model(.sapphireRapids, bank: 5, status: 0x9000000000000e0f).text,
                       "UPI: Phy Initialization Failure\n")
        XCTAssertEqual(H.model(.sapphireRapids, bank: 5, status: 0x9000000000150e0f).text,
                       "UPI: UC LL Rx SGX MAC Error\n")
        XCTAssertEqual(H.model(.sapphireRapids, bank: 5, status: 0x9000000000320e0f).text, "UPI: <0:32>\n")
        XCTAssertEqual(H.model(.sapphireRapids, bank: 5, status: 0x9000000080100e0f).text,
                       "UPI: Link Layer Tx Parity Error\nLL Rx detected CRC error: unsuccessful LLR (entered Abort state)\n")
        XCTAssertEqual(H.model(.sapphireRapids, bank: 7, status: 0x9000000000100e0f).text, "")
    }

    // MARK: M2M

    func testM2MCodeAndHBMErrorMarker() {
        XCTAssertEqual(H.model(.sapphireRapids, bank: 12, status: 0x9000000000090090).text, "M2M: Timeout error\n")
        XCTAssertEqual(H.model(.sapphireRapids, bank: 12, status: 0x90000000000d0090).text, "M2M: <0:d>\n")
        XCTAssertEqual(H.model(.sapphireRapids, bank: 12, status: 0x9000000001010090).text,
                       "M2M: HBM Error\nRead ECC error\n")
        // Only DDR type 1 is HBM.
        XCTAssertEqual(H.model(.sapphireRapids, bank: 12, status: 0x9000000002010090).text,
                       "M2M: Read ECC error\n")
    }

    func testHBMM2MBankPrefixAndGlue() {
        XCTAssertEqual(H.model(.sapphireRapids, bank: 29, status: 0x9000000000020090).text,
                       "HBM: M2M: Bucket1 error\n")
        XCTAssertEqual(H.model(.sapphireRapids, bank: 29, status: 0x9000000000000090).text, "HBM: M2M: ")
    }

    // MARK: iMC

    func testIMCMirrorScrubFromUpstreamCase() {
        XCTAssertEqual(H.model(.sapphireRapids, bank: 13, status: 0x8000000010100080).text,
                       "MemCtrl: UC_PATSCRUB_MIRR2ND_ERR\nbank: 0x0 bankgroup: 0x0 row: 0x0 column: 0x0\n"
                       + "failed device: 0x0\nrank: 0x0 subrank: 0x0\necc mode: SDDC 2LM memory mode\n")
    }

    func testIMCDDR5TablesReplaceIcelakeOnes() {
        let prefix = { (s: UInt64) in
            H.model(.sapphireRapids, bank: 20, status: s).text.split(separator: "\n").first.map(String.init) ?? ""
        }
        XCTAssertEqual(prefix(0x9000000001000090), "MemCtrl: WDB read parity error")
        XCTAssertEqual(prefix(0x9000000001080090), "MemCtrl: DDR link failure")
        XCTAssertEqual(prefix(0x9000000001030090), "MemCtrl: <0:3>")
        XCTAssertEqual(prefix(0x9000000002000090), "MemCtrl: DDR5 command / address parity error")
        XCTAssertEqual(prefix(0x9000000002010090), "MemCtrl: <0:1>")
        XCTAssertEqual(prefix(0x90000000082d0090), "MemCtrl: TME_KEY_POISON_ERR")
        XCTAssertEqual(prefix(0x9000000004000090), "MemCtrl: RPQ parity (primary) error")
    }

    func testIMCMISCFieldPositionsMovedFromIcelake() {
        let misc = H.field(0x2aa, at: 9) | H.field(0x3, at: 19) | H.field(2, at: 37)
            | H.field(3, at: 39) | H.field(1, at: 41) | H.field(0x15, at: 43) | H.field(0xc, at: 52)
            | H.field(6, at: 56) | H.field(7, at: 59)
        // Row (19-39) overlaps bankgroup and bank (37-40), as upstream extracts them.
        XCTAssertEqual(H.model(.sapphireRapids, bank: 16, status: 0x9800000000800090, misc: misc).text,
                       "MemCtrl: Corrected read error\n"
                       + "bank: 0x3 bankgroup: 0x6 row: 0x180003 column: 0xaa8\n"
                       + "failed device: 0x15\nrank: 0x6 subrank: 0xc\necc mode: ADDDC+1\n")
    }

    func testIMCAllECCModes() {
        let modes = ["SDDC 2LM memory mode", "SDDC", "SDDC+1 2LM memory mode", "SDDC+1",
                     "ADDDC 2LM memory mode", "ADDDC", "ADDDC+1 2LM memory mode", "ADDDC+1",
                     "DDRT read", "unknown", "unknown"]
        for (mode, name) in modes.enumerated() {
            XCTAssertTrue(H.model(.sapphireRapids, bank: 14, status: 0x9800000000800090,
                                  misc: H.field(UInt64(mode), at: 59)).text.hasSuffix("ecc mode: \(name)\n"), name)
        }
    }

    func testHBMIMCTwoPartFailedDeviceAndReadModes() {
        let misc = H.field(0x2a, at: 43) | H.field(0x1f, at: 51) | H.field(9, at: 59)
        XCTAssertEqual(H.model(.sapphireRapids, bank: 30, status: 0x9800000000800090, misc: misc).text,
                       "HBM: MemCtrl: Corrected read error\nbank: 0x0 bankgroup: 0x0 row: 0x0 column: 0x0\n"
                       + "failed device: 0x1f,0x2a\nrank: 0x0 subrank: 0xf\nHBM 32B read\n")
        XCTAssertTrue(H.model(.sapphireRapids, bank: 31, status: 0x9800000000800090, misc: H.field(1, at: 59))
                        .text.hasSuffix("rank: 0x0 subrank: 0x0\nHBM 64B read\n"))
        // Other modes print no mode line on HBM; transient still does.
        XCTAssertEqual(H.model(.sapphireRapids, bank: 31, status: 0xb000000000a00090, misc: 1 << 63).text,
                       "HBM: MemCtrl: Uncorrected read error\nbank: 0x0 bankgroup: 0x0 row: 0x0 column: 0x0\n"
                       + "rank: 0x0 subrank: 0x0\ntransient\n")
    }

    func testBanksOutsideTheMapHaveNoText() {
        for bank: UInt8 in [6, 11, 21, 28, 32, 100] {
            XCTAssertEqual(H.model(.sapphireRapids, bank: bank, status: 0x9000000000010090).text, "", "bank \(bank)")
        }
    }

    // MARK: facts

    func testChannelsFromBankNumbers() {
        XCTAssertEqual(H.full(.sapphireRapids, bank: 13, status: 0x9000000000000093).facts.channel, 0)
        XCTAssertEqual(H.full(.emeraldRapids, bank: 20, status: 0x9000000000000090).facts.channel, 7)
        XCTAssertEqual(H.full(.sapphireRapids, bank: 30, status: 0x9000000000000090).facts.channel, 8)
        XCTAssertEqual(H.full(.sapphireRapids, bank: 31, status: 0x9000000000000090).facts.channel, 9)
        XCTAssertEqual(H.full(.sapphireRapids, bank: 12, status: 0x9000000000000093).facts.channel, 3)
        XCTAssertNil(H.full(.sapphireRapids, bank: 14, status: 0x900000000000009f).facts.channel)
    }

    func testNoMirrorCorrectionOnSapphire() {
        XCTAssertNil(H.full(.sapphireRapids, bank: 12, status: 0x8800000000000080, misc: 1 << 63)
                        .facts.mirrorCorrection)
    }
}
