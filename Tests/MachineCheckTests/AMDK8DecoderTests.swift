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

    /// The header's bank text as a K8 record gets it.
    private func k8BankName(_ bank: UInt8, cpuType: CPUType = .k8) -> String {
        var t = TextBuffer(capacity: 48)
        RecordFormatter().writeBankName(bank, cpuType: cpuType, into: &t)
        return t.string
    }

    func testBankNamesOfMCABanks() {
        XCTAssertEqual(k8BankName(0), "0 data cache")
        XCTAssertEqual(k8BankName(1), "1 instruction cache")
        XCTAssertEqual(k8BankName(2), "2 bus unit")
        XCTAssertEqual(k8BankName(3), "3 load/store unit")
        XCTAssertEqual(k8BankName(4), "4 northbridge")
        XCTAssertEqual(k8BankName(5), "5 fixed-issue reoder")
        XCTAssertEqual(k8BankName(6), "6 unknown")
        XCTAssertEqual(k8BankName(127), "127 unknown")
    }

    /// Threshold banks 129 + 9 * bank + block; upstream's range also takes in 183, where the
    /// K8 lookup falls back to "unknown".
    func testBankNamesOfThresholdBanks() {
        XCTAssertEqual(k8BankName(129), "129 Unknown threshold counter")
        XCTAssertEqual(k8BankName(164), "164 Unknown threshold counter")
        XCTAssertEqual(k8BankName(165), "165 MC4_MISC0 DRAM threshold")
        XCTAssertEqual(k8BankName(166), "166 MC4_MISC1 Link threshold")
        XCTAssertEqual(k8BankName(167), "167 MC4_MISC2 L3 Cache threshold")
        XCTAssertEqual(k8BankName(168), "168 MC4_MISC3 FBDIMM threshold")
        XCTAssertEqual(k8BankName(170), "170 Unknown threshold counter")
        XCTAssertEqual(k8BankName(182), "182 Unknown threshold counter")
        XCTAssertEqual(k8BankName(183), "183 unknown")
    }

    func testBankNamesOfOtherSoftwareBanks() {
        XCTAssertEqual(k8BankName(128), "THERMAL EVENT")
        XCTAssertEqual(k8BankName(218), "Timeout waiting for exception on other CPUs")
        XCTAssertEqual(k8BankName(255), "ACPI/APEI reported error")
        XCTAssertEqual(k8BankName(184), "Undecoded extended event b8")
        XCTAssertEqual(k8BankName(200), "Undecoded extended event c8")
        // Pseudo-banks read the same on any CPU; only the MCA banks are K8's own.
        for bank: UInt8 in [128, 165, 183, 200, 218, 255] {
            XCTAssertEqual(k8BankName(bank, cpuType: .nehalem), k8BankName(bank))
        }
        XCTAssertEqual(k8BankName(4, cpuType: .nehalem), "BANK 4")
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
