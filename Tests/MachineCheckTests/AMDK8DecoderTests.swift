import XCTest
@testable import MachineCheck

final class AMDK8DecoderTests: XCTestCase {
    private func decode(bank: UInt8, status: UInt64, misc: UInt64 = 0) -> DecodeContext {
        var ctx = DecodeContext(record: OldGolden.record(bank: bank, status: status, misc: misc), cpuType: .k8)
        AMDK8.decode(&ctx)
        return ctx
    }

    // MARK: upstream cases

    /// Every K8 bank, northbridge ECC/chipkill/CRC/GART, threshold banks, unknown bank, fam 10h.
    func testGoldenK8BanksGen19() throws { try DecoderSpanReplay.check("gen-19") }

    func testExtraK8Cases() throws { try DecoderSpanReplay.check("old-k8", extra: true) }

    // MARK: header bank names

    func testBankNamesOfMCABanks() {
        XCTAssertEqual(AMDK8.bankName(0), "0 data cache")
        XCTAssertEqual(AMDK8.bankName(1), "1 instruction cache")
        XCTAssertEqual(AMDK8.bankName(2), "2 bus unit")
        XCTAssertEqual(AMDK8.bankName(3), "3 load/store unit")
        XCTAssertEqual(AMDK8.bankName(4), "4 northbridge")
        XCTAssertEqual(AMDK8.bankName(5), "5 fixed-issue reoder")
        XCTAssertEqual(AMDK8.bankName(6), "6 unknown")
        XCTAssertEqual(AMDK8.bankName(127), "127 unknown")
    }

    /// Threshold banks 129 + 9 * bank + block; upstream's range also takes in 183, where the
    /// K8 lookup falls back to "unknown".
    func testBankNamesOfThresholdBanks() {
        XCTAssertEqual(AMDK8.bankName(129), "129 Unknown threshold counter")
        XCTAssertEqual(AMDK8.bankName(164), "164 Unknown threshold counter")
        XCTAssertEqual(AMDK8.bankName(165), "165 MC4_MISC0 DRAM threshold")
        XCTAssertEqual(AMDK8.bankName(166), "166 MC4_MISC1 Link threshold")
        XCTAssertEqual(AMDK8.bankName(167), "167 MC4_MISC2 L3 Cache threshold")
        XCTAssertEqual(AMDK8.bankName(168), "168 MC4_MISC3 FBDIMM threshold")
        XCTAssertEqual(AMDK8.bankName(170), "170 Unknown threshold counter")
        XCTAssertEqual(AMDK8.bankName(182), "182 Unknown threshold counter")
        XCTAssertEqual(AMDK8.bankName(183), "183 unknown")
    }

    func testBankNamesOfOtherSoftwareBanks() {
        XCTAssertEqual(AMDK8.bankName(128), "THERMAL EVENT")
        XCTAssertEqual(AMDK8.bankName(218), "Timeout waiting for exception on other CPUs")
        XCTAssertEqual(AMDK8.bankName(255), "ACPI/APEI reported error")
        XCTAssertEqual(AMDK8.bankName(184), "Undecoded extended event b8")
        XCTAssertEqual(AMDK8.bankName(200), "Undecoded extended event c8")
    }

    // MARK: filter

    func testGARTFilterNeedsNorthbridgeCode5AndUC() {
        XCTAssertTrue(AMDK8.isGARTError(OldGolden.record(bank: 4, status: 0xb000000000050e0f)))
        XCTAssertFalse(AMDK8.isGARTError(OldGolden.record(bank: 4, status: 0x9000000000050e0f)))
        XCTAssertFalse(AMDK8.isGARTError(OldGolden.record(bank: 3, status: 0xb000000000050e0f)))
        XCTAssertFalse(AMDK8.isGARTError(OldGolden.record(bank: 4, status: 0xb000000000060e0f)))
        // Only bits 16-19 are the extended code.
        XCTAssertTrue(AMDK8.isGARTError(OldGolden.record(bank: 4, status: 0xb000000000150e0f)))
    }

    /// Device mode drops K8 GART errors only when decoding as K8.
    func testDeviceFilterDropsGARTErrorsOnlyForK8() {
        let gart = OldGolden.record(bank: 4, status: 0xb000000000050e0f)
        XCTAssertTrue(DeviceFilter.isBogus(gart, cpuType: .k8))
        XCTAssertFalse(DeviceFilter.isBogus(gart, cpuType: .amdSMCA))
        XCTAssertFalse(DeviceFilter.isBogus(gart, cpuType: .nehalem))
        XCTAssertFalse(DeviceFilter.isBogus(OldGolden.record(bank: 4, status: 0xb000000000060e0f), cpuType: .k8))
        XCTAssertFalse(DeviceFilter.isBogus(OldGolden.record(bank: 4, status: 0x9000000000050e0f), cpuType: .k8))
    }

    // MARK: bank decoders

    func testNorthbridgeLinkNumberAndCodesWithoutExtraLine() {
        let link = decode(bank: 4, status: 0x900000f000060000)
        XCTAssertEqual(link.out.string, "  Northbridge RMW error\n  link number = f\n")
        XCTAssertEqual(link.facts.kind, .interconnect)
        XCTAssertEqual(decode(bank: 4, status: 0x90000000000f0000).out.string,
                       "  Northbridge Tablew Walk Data Error\n")
        XCTAssertEqual(decode(bank: 4, status: 0x9000000000090000).out.string, "  Northbridge DEV Error\n")
    }

    func testNorthbridgeECCFactsAndDRAMChannel() {
        let ecc = decode(bank: 4, status: 0x9000020000000813)
        XCTAssertEqual(ecc.out.string,
                       "  Northbridge RAM ECC error\n  ECC syndrome = 0\n"
                       + "       bit41 = sublink or DRAM channel\n"
                       + "  bus error 'local node origin, request didn't time out\n"
                       + "             generic read mem transaction\n"
                       + "             memory access, level generic'\n")
        XCTAssertEqual(ecc.facts.kind, .memory)
        XCTAssertTrue(ecc.facts.isMemoryError)
        XCTAssertEqual(ecc.facts.channel, 1)
        let chipkill = decode(bank: 4, status: 0xb41a200012080813)
        XCTAssertEqual(chipkill.facts.channel, 0)
        XCTAssertTrue(chipkill.facts.isMemoryError)
        XCTAssertFalse(decode(bank: 4, status: 0xb000013000010e0f).facts.isMemoryError)
    }

    /// Every named high bit except VAL, EN and ADDRV, and a TLB code with TT/LL = 3.
    func testHighBitsAndReservedTLBTransaction() {
        let ctx = decode(bank: 3, status: 0xdf801c0f0000001f)
        XCTAssertEqual(ctx.out.string,
                       "       bit32 = err cpu0\n       bit33 = err cpu1\n"
                       + "       bit34 = err cpu2\n       bit35 = err cpu3\n"
                       + "       bit42 = L3 subcache in error bit 0\n"
                       + "       bit43 = L3 subcache in error bit 1\n"
                       + "       bit44 = res12\n       bit55 = res23\n       bit56 = res24\n"
                       + "       bit57 = processor context corrupt\n"
                       + "       bit59 = misc error valid\n"
                       + "       bit62 = error overflow (multiple errors)\n"
                       + "  TLB error 'reserved transaction, level generic'\n")
        XCTAssertEqual(ctx.facts.kind, .tlb)
    }

    func testBusErrorWithUnnamedRequestType() {
        let ctx = decode(bank: 5, status: 0x9000000000000d95)
        XCTAssertEqual(ctx.out.string,
                       "  bus error 'local node observed, request timed out\n"
                       + "             ? mem transaction\n"
                       + "             res. access, level 1'\n")
        XCTAssertEqual(ctx.facts.kind, .bus)
    }

    func testDataCacheECCWithoutScrubber() {
        XCTAssertEqual(decode(bank: 0, status: 0x9055a00000000000).out.string,
                       "  Data cache ECC error (syndrome ab)\n       bit45 = uncorrected ecc error\n")
    }

    func testBusUnitArrayLineAlwaysPrinted() {
        XCTAssertEqual(decode(bank: 2, status: 0x9000000000000000).out.string, "  Bus or cache array error\n")
        XCTAssertEqual(decode(bank: 2, status: 0x9000400000050000).out.string,
                       "  L2 cache ECC error\n  Cache tag array error\n       bit46 = corrected ecc error\n")
    }

    func testThresholdAndUnknownBanks() {
        let link = decode(bank: 166, status: 0x9000000000000000, misc: 1 << 48)
        XCTAssertEqual(link.out.string, "  Threshold error count overflow\n")
        XCTAssertEqual(link.facts.kind, .interconnect)
        XCTAssertEqual(decode(bank: 165, status: 0x9000000000000000, misc: 1 << 47).out.string, "")
        XCTAssertEqual(decode(bank: 183, status: 0x9000000000000000).out.string,
                       "  no decoder for unknown bank 183\n")
        XCTAssertEqual(decode(bank: 128, status: 0x9000000000000001).out.string,
                       "  no decoder for unknown bank 128\n")
    }
}
