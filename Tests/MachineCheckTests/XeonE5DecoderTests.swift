import Foundation
import XCTest
@testable import MachineCheck

/// Probes for the Xeon decoder tests: a record as an ascii case gives it (no socket id).
enum XeonGolden {
    static func record(bank: UInt8, status: UInt64, misc: UInt64 = 0) -> MachineCheckRecord {
        var r = MachineCheckRecord()
        r.bank = bank
        r.status = status
        r.misc = misc
        r.length = RecordOffset.socketid   // no socket, as from an ascii record
        return r
    }

    /// The model-specific text alone, and the facts of the whole decode.
    static func modelText(_ type: CPUType, bank: UInt8, status: UInt64, misc: UInt64 = 0) -> (String, DecodeFacts) {
        let r = XeonGolden.record(bank: bank, status: status, misc: misc)
        var ctx = DecodeContext(record: r, cpuType: type)
        ModelSpecific.decode(&ctx)
        return (ctx.out.string, DecoderSpanReplay.decode(r, type).facts)
    }
}

final class XeonE5DecoderTests: XCTestCase {
    // MARK: upstream cases

    func testGoldenSandyBridgeCasesGen05() throws { try DecoderSpanReplay.check("gen-05") }
    func testGoldenHaswellCasesGen07() throws { try DecoderSpanReplay.check("gen-07") }
    func testGoldenBroadwellMirrorFailover() throws { try DecoderSpanReplay.check("bdw_mirror1") }
    func testGoldenBroadwellMirrorScrubbed() throws { try DecoderSpanReplay.check("bdw_mirror2") }
    func testGoldenHaswellForcedIOMCA() throws { try DecoderSpanReplay.check("iomca.cpu-haswell", forced: .haswellEPEX) }
    func testExtraSandyIvyCases() throws { try DecoderSpanReplay.check("e5-snb-ivb", extra: true) }
    func testExtraHaswellBroadwellCases() throws { try DecoderSpanReplay.check("e5-hsx-bdx", extra: true) }

    // MARK: Sandy Bridge

    func testSandyBridgePCUPrintsBothFieldsAndBlankLine() {
        let (text, _) = XeonGolden.modelText(.sandyBridgeEP, bank: 4, status: 0xb200000043030402)
        XCTAssertEqual(text, "PCU: Bad_OpCode MC_PECI_MAILBOX_QUIESCE_TIMEOUT\n\n")
    }

    func testSandyBridgePCUOutOfTableValuesUseStartHexForm() {
        let (text, _) = XeonGolden.modelText(.sandyBridge, bank: 4, status: 0xb0000000990c0402)
        XCTAssertEqual(text, "PCU: <16:c> <24:99>\n\n")
    }

    func testSandyBridgeQPILineOnlyOnEP() {
        XCTAssertEqual(XeonGolden.modelText(.sandyBridgeEP, bank: 7, status: 0x9000000000000e0f).0, "QPI\n")
        XCTAssertEqual(XeonGolden.modelText(.sandyBridge, bank: 7, status: 0x9000000000000e0f).0, "")
    }

    func testSandyBridgeEmptyMemCtrlStillPrintsBlankLine() {
        // No MSCOD bit set: the prefix is followed directly by the extra newline.
        XCTAssertEqual(XeonGolden.modelText(.sandyBridge, bank: 9, status: 0x9000000000000090).0, "MemCtrl: \n")
    }

    func testSandyBridgeEPFailingRanksGiveDIMMs() {
        // Rank 5 (first device, bit 62) -> DIMM 1; rank 2 (second device, bit 63) -> DIMM 0.
        let misc: UInt64 = (1 << 62) | (1 << 63) | (5 << 46) | (2 << 51)
        let (_, facts) = XeonGolden.modelText(.sandyBridgeEP, bank: 10, status: 0x9c00000000010092, misc: misc)
        XCTAssertEqual(facts.channel, 2)
        XCTAssertEqual(facts.dimm, 1)
        XCTAssertEqual(facts.secondDimm, 0)
    }

    func testSandyBridgeFailingRankIgnoredWhenUncorrectedOrClient() {
        let misc: UInt64 = (1 << 62) | (4 << 46)
        XCTAssertNil(XeonGolden.modelText(.sandyBridgeEP, bank: 8, status: 0xbc00000000000090, misc: misc).1.dimm)
        XCTAssertNil(XeonGolden.modelText(.sandyBridge, bank: 8, status: 0x9c00000000000090, misc: misc).1.dimm)
        XCTAssertNil(XeonGolden.modelText(.sandyBridgeEP, bank: 8, status: 0x9c0000000000009f, misc: misc).1.dimm)
    }

    /// `--no-imc-log`: MISC's failing ranks are not trusted, so the same record names no DIMM
    /// (the channel still comes from MCACOD) and its text does not change.
    func testNoIMCLogLeavesTheDIMMFactsAlone() {
        let r = XeonGolden.record(bank: 10, status: 0x9c00000000010092, misc: (1 << 62) | (1 << 63) | (5 << 46) | (2 << 51))
        var off = DecodeOptions()
        off.imcLog = false
        let with = RecordFormatter().format(r, cpuType: .sandyBridgeEP)
        let without = RecordFormatter(options: off).format(r, cpuType: .sandyBridgeEP)
        XCTAssertEqual(with.facts.channel, 2)
        XCTAssertEqual(with.facts.dimm, 1)
        XCTAssertEqual(with.facts.secondDimm, 0)
        XCTAssertEqual(without.facts.channel, 2)
        XCTAssertNil(without.facts.dimm)
        XCTAssertNil(without.facts.secondDimm)
        XCTAssertEqual(without.text.string, with.text.string)
    }

    func testFailingRankToDIMMRule() {
        XCTAssertEqual((0...9).map { FailingRank.dimm(rank: $0) }, [0, 0, 0, 0, 1, 1, 1, 1, nil, nil])
        XCTAssertEqual(FailingRank.dimm(rank: 7, channelHasThirdDIMM: true), 2)
        XCTAssertEqual(FailingRank.dimm(rank: 5, channelHasThirdDIMM: true), 1)
    }

    func testSecondDeviceWithUnmappableRankIsStillRecorded() {
        let misc: UInt64 = (1 << 63) | (0x1f << 51)
        let facts = XeonGolden.modelText(.ivyBridgeEPEX, bank: 9, status: 0x9c00000000000090, misc: misc).1
        XCTAssertEqual(facts.secondDimm, -1)
        XCTAssertNil(facts.dimm)
    }

    // MARK: Ivy Bridge

    func testIvyBridgeMemCtrlBitsAndBlankLine() {
        // gen-31: bank 9 with MSCOD bits 17 and 19.
        let (text, _) = XeonGolden.modelText(.ivyBridgeEPEX, bank: 9, status: 0x9c000040000a0090)
        XCTAssertEqual(text, "MemCtrl: HA Wrt buffer Data parity error Corrected patrol scrub error\n\n")
    }

    func testIvyBridgeAddsPCUCodesAndMemCtrlBits() {
        XCTAssertEqual(XeonGolden.modelText(.ivyBridgeEPEX, bank: 4, status: 0xb20000007b000402).0,
                       "PCU: No error MC_PCIE_R2PCIE-RW_BLOCK_ACK_TIMEOUT\n\n")
        XCTAssertEqual(XeonGolden.modelText(.ivyBridgeEPEX, bank: 4, status: 0xb200000045000402).0,
                       "PCU: No error MC_ICC_MAX-NOTSUPPORTED\n\n")
        XCTAssertEqual(XeonGolden.modelText(.ivyBridgeEPEX, bank: 16, status: 0x9000000001800090).0,
                       "MemCtrl: Corrected memory read error iMC, WDB, parity errors\n\n")
    }

    func testIvyBridgeQPIBank5() {
        XCTAssertEqual(XeonGolden.modelText(.ivyBridgeEPEX, bank: 5, status: 0x9000000000000e0f).0, "QPI\n")
        XCTAssertEqual(XeonGolden.modelText(.ivyBridgeEPEX, bank: 6, status: 0x9000000000000e0f).0, "")
    }

    func testIvyBridgeFailingRankBanks9To16() {
        let misc: UInt64 = (1 << 62) | (7 << 46)
        XCTAssertEqual(XeonGolden.modelText(.ivyBridgeEPEX, bank: 16, status: 0x9c00000000000091, misc: misc).1.dimm, 1)
        XCTAssertNil(XeonGolden.modelText(.ivyBridgeEPEX, bank: 8, status: 0x9c00000000000091, misc: misc).1.dimm)
    }

    // MARK: Haswell-EP

    func testHaswellPCUClassAndInternalError() {
        XCTAssertEqual(XeonGolden.modelText(.haswellEPEX, bank: 4, status: 0xb00000004f030402).0,
                       "PCU: Internal errors PCU internal error MC_SVID_COMMAND_ERROR\n")
        // F bit ignored when picking the class.
        XCTAssertEqual(XeonGolden.modelText(.haswellEPEX, bank: 4, status: 0xb00000007d001406).0,
                       "PCU: Intel TXT errors MC_MORE_THAN_ONE_TXT_AGENT\n")
        // gen-25: a bus code in the PCU bank has no class.
        XCTAssertEqual(XeonGolden.modelText(.haswellEPEX, bank: 4, status: 0xb200000000070f0f).0,
                       "PCU: PCU internal error No Error\n")
        XCTAssertEqual(XeonGolden.modelText(.haswellEPEX, bank: 4, status: 0xb200000080000403).0,
                       "PCU: Internal errors <24:80>\n")
    }

    func testHaswellQPIZeroCodeGluesPrefix() {
        XCTAssertEqual(XeonGolden.modelText(.haswellEPEX, bank: 21, status: 0x9000000000000e0f).0, "QPI: ")
        XCTAssertEqual(XeonGolden.modelText(.haswellEPEX, bank: 5, status: 0x9000000000150e0f).0,
                       "QPI: RBT used un-initialized value\n")
        XCTAssertEqual(XeonGolden.modelText(.haswellEPEX, bank: 5, status: 0x9000000000040e0f).0, "QPI: <16:4>\n")
    }

    func testHaswellMemCtrlAllBits() {
        XCTAssertEqual(XeonGolden.modelText(.haswellEPEX, bank: 12, status: 0x9000000003ff0090).0,
                       "MemCtrl: DDR3 address parity error Uncorrected HA write data error\n"
                       + "Uncorrected HA data byte enable error Corrected patrol scrub error\n"
                       + "Uncorrected patrol scrub error Corrected spare error\n"
                       + "Uncorrected spare error Corrected memory read error\n"
                       + "iMC write data buffer parity error DDR4 command address parity error\n")
    }

    func testHaswellChannelMap() {
        let cases: [(UInt8, UInt64, Int?)] = [
            (7, 0x9000000000000092, 2), (8, 0x9000000000000092, 6), (9, 0x9000000000000093, 0),
            (12, 0x9000000000000090, 3), (13, 0x9000000000000090, 4), (16, 0x9000000000000091, 7),
            (16, 0x900000000000009f, nil), (5, 0x9000000000000092, 2), (10, 0x9000000000001091, 1),
        ]
        for (bank, status, channel) in cases {
            XCTAssertEqual(XeonGolden.modelText(.haswellEPEX, bank: bank, status: status).1.channel, channel,
                           "bank \(bank) status \(status)")
        }
    }

    // MARK: Broadwell

    func testBroadwellEPMemCtrlSkipsBit23() {
        XCTAssertEqual(XeonGolden.modelText(.broadwellEPEX, bank: 9, status: 0x9000000000800090).0, "MemCtrl: ")
        XCTAssertEqual(XeonGolden.modelText(.broadwellEPEX, bank: 9, status: 0x9000000001800090).0,
                       "MemCtrl: iMC write data buffer parity error\n")
    }

    func testBroadwellEPSharesHaswellPCUAndQPI() {
        XCTAssertEqual(XeonGolden.modelText(.broadwellEPEX, bank: 4, status: 0xb000000039000407).0,
                       "PCU: Other UBOX Internal errors MC_PKGC_WATCHDOG_HANG_C3_UP_SF\n")
        XCTAssertEqual(XeonGolden.modelText(.broadwellEPEX, bank: 20, status: 0x9000000000230e0f).0,
                       "QPI: Link failover clock failover\n")
        XCTAssertEqual(XeonGolden.modelText(.broadwellEPEX, bank: 15, status: 0x9000000000000090).1.channel, 6)
    }

    func testBroadwellEPMirrorCorrection() {
        func mirror(_ bank: UInt8, _ status: UInt64, _ misc: UInt64) -> String? {
            BroadwellEPEX.mirrorCorrection(DecodeContext(record: XeonGolden.record(bank: bank, status: status, misc: misc),
                                                         cpuType: .broadwellEPEX))
        }
        XCTAssertEqual(mirror(7, 0x8800000000000080, 1 << 41), MirrorCorrection.channelFailover)
        XCTAssertEqual(mirror(8, 0x8800000000000080, 1 << 42), MirrorCorrection.primaryScrubbed)
        XCTAssertEqual(mirror(8, 0x8800000000000080, (1 << 42) | (1 << 41)), MirrorCorrection.channelFailover)
        XCTAssertNil(mirror(9, 0x8800000000000080, 1 << 41))
        XCTAssertNil(mirror(7, 0x8000000000000080, 1 << 41))   // no MISCV
        XCTAssertNil(mirror(7, 0x8800000000000080, 1 << 63))   // Skylake's bit
    }

    func testBroadwellDEPCUPrefixesUseMaskedFields() {
        // MSCOD[19:16] = 4: not in the low two bits, so no "PCU internal error";
        // MSCOD[23:20] = 4: "Ubox error".
        XCTAssertEqual(XeonGolden.modelText(.broadwellDE, bank: 4, status: 0xb000000026440402).0,
                       "PCU: Internal errors Ubox error MCA_PKGC_DIRECT_WAKE_RING_TIMEOUT\n")
        XCTAssertEqual(XeonGolden.modelText(.broadwellDE, bank: 4, status: 0xb000000072310403).0,
                       "PCU: Internal errors PCU internal error MC_WATCHDOG_TIMEOUT_PKGS_MAIN\n")
        XCTAssertEqual(XeonGolden.modelText(.broadwellDE, bank: 4, status: 0xb000000045000402).0,
                       "PCU: Internal errors <24:45>\n")
    }

    func testBroadwellDEMemCtrlBanks9And10Only() {
        XCTAssertEqual(XeonGolden.modelText(.broadwellDE, bank: 10, status: 0x9000000001080090).0,
                       "MemCtrl: Corrected patrol scrub error iMC, WDB, parity errors\n")
        XCTAssertEqual(XeonGolden.modelText(.broadwellDE, bank: 11, status: 0x9000000001080090).0, "")
        XCTAssertEqual(XeonGolden.modelText(.broadwellDE, bank: 5, status: 0x9000000000310e0f).0, "")
    }
}
