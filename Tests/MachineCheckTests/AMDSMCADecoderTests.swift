import Foundation
import XCTest
@testable import MachineCheck

/// AMD Scalable MCA decoding. Expected strings come from rasdaemon's tables
/// (mchehab/rasdaemon mce-amd-smca.c and mce-amd.c, v0.8.x); IPIDs are built from the
/// HWID (bits 43:32) / McaType (bits 63:48) pairs of its `smca_hwid_mcatypes` table.
final class AMDSMCADecoderTests: XCTestCase {

    // MARK: - Helpers

    /// CPUID(1).EAX for an AMD family/model (base family 0xF plus extended fields).
    static func cpuid(family: UInt32, model: UInt32, stepping: UInt32 = 0) -> UInt32 {
        stepping | ((model & 0xf) << 4) | (0xf << 8) | ((model >> 4) << 16) | ((family - 0xf) << 20)
    }

    /// MCA_IPID with the given fields.
    static func ipid(hwid: UInt64, mcaType: UInt64, instanceHigh: UInt64 = 0,
                     instance: UInt64 = 0) -> UInt64 {
        (mcaType << 48) | (instanceHigh << 44) | (hwid << 32) | instance
    }

    static func record(status: UInt64, ipid: UInt64, family: UInt32 = 0x19, model: UInt32 = 0x21,
                       synd: UInt64 = 0, mcgstatus: UInt64 = 0, bank: UInt8 = 0) -> MachineCheckRecord {
        var r = MachineCheckRecord()
        r.cpuvendor = CPUIdentity.amd
        r.cpuid = cpuid(family: family, model: model)
        r.status = status
        r.ipid = ipid
        r.synd = synd
        r.mcgstatus = mcgstatus
        r.bank = bank
        return r
    }

    static func decode(_ r: MachineCheckRecord) -> DecodeContext {
        var ctx = DecodeContext(record: r, cpuType: .amdSMCA)
        AMDSMCA.decode(&ctx)
        return ctx
    }

    /// A corrected, valid, enabled status with the given extended error code and no
    /// classified error code, so only bank, description and status lines print.
    static func correctedStatus(xec: UInt64) -> UInt64 { 0x9000_0000_0000_0000 | (xec << 16) }

    /// The description line the decoder printed (second line), for table checks.
    static func descriptionLine(hwid: UInt64, mcaType: UInt64, xec: UInt64,
                                family: UInt32 = 0x19, model: UInt32 = 0x21,
                                instanceHigh: UInt64 = 0) -> String {
        let r = record(status: correctedStatus(xec: xec),
                       ipid: ipid(hwid: hwid, mcaType: mcaType, instanceHigh: instanceHigh),
                       family: family, model: model)
        let lines = decode(r).out.string.split(separator: "\n", omittingEmptySubsequences: false)
        return lines.count > 1 ? String(lines[1]) : ""
    }

    // MARK: - Fixtures (Tests/Fixtures/smca, provenance in each .in)

    static let fixtureDirectory = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/smca")

    static func parseFixture(_ text: String) -> MachineCheckRecord {
        var r = MachineCheckRecord()
        func number(_ s: Substring) -> UInt64 {
            s.hasPrefix("0x") ? UInt64(s.dropFirst(2), radix: 16)! : UInt64(s)!
        }
        for line in text.split(separator: "\n") where !line.hasPrefix("#") {
            let parts = line.split(separator: " ", maxSplits: 1)
            guard parts.count == 2 else { continue }
            let v = number(parts[1])
            switch parts[0] {
            case "VENDOR": r.cpuvendor = UInt8(v)
            case "CPUID": r.cpuid = UInt32(v)
            case "BANK": r.bank = UInt8(v)
            case "STATUS": r.status = v
            case "MCGSTATUS": r.mcgstatus = v
            case "SYND": r.synd = v
            case "IPID": r.ipid = v
            case "LENGTH": r.length = Int(v)
            default: XCTFail("unknown fixture key \(parts[0])")
            }
        }
        return r
    }

    func fixture(_ name: String) throws -> (record: MachineCheckRecord, expected: String) {
        let dir = Self.fixtureDirectory
        let input = try String(contentsOf: dir.appendingPathComponent(name + ".in"), encoding: .utf8)
        let output = try String(contentsOf: dir.appendingPathComponent(name + ".out"), encoding: .utf8)
        return (Self.parseFixture(input), output)
    }

    func testEveryFixtureDecodesToItsExpectedText() throws {
        let names = try FileManager.default.contentsOfDirectory(atPath: Self.fixtureDirectory.path)
            .filter { $0.hasSuffix(".in") }.map { String($0.dropLast(3)) }.sorted()
        XCTAssertGreaterThanOrEqual(names.count, 10)
        for name in names {
            let (r, expected) = try fixture(name)
            XCTAssertEqual(Self.decode(r).out.string, expected, name)
        }
    }

    func testRealZen3UMCRecordGivesChannelAndChipSelectFacts() throws {
        let (r, _) = try fixture("umc-zen3-rasdaemon95")
        let f = Self.decode(r).facts
        XCTAssertEqual(f.bankType, "Unified Memory Controller")
        XCTAssertEqual(f.kind, .memory)
        XCTAssertEqual(f.channel, 0)
        XCTAssertEqual(f.dimm, 0)
        XCTAssertTrue(f.isMemoryError)
        XCTAssertEqual(f.severity, .corrected)
    }

    func testZen2UMCRecordMatchesRasdaemonsPrintedLocation() throws {
        let (r, _) = try fixture("umc-zen2-nixos523")
        let ctx = Self.decode(r)
        XCTAssertTrue(ctx.out.string.hasSuffix("memory_channel=0,csrow=1\n"))
        XCTAssertEqual(ctx.facts.channel, 0)
        XCTAssertEqual(ctx.facts.dimm, 1)
    }

    func testRealExecutionUnitRecordIsFatalInternalError() throws {
        let (r, _) = try fixture("ex-fatal-cachyos1038")
        let f = Self.decode(r).facts
        XCTAssertEqual(f.bankType, "Execution Unit")
        XCTAssertEqual(f.kind, .internal)
        XCTAssertEqual(f.severity, .fatal)
        XCTAssertNil(f.channel)
    }

    func testHBMChannelAndPhyFromUMCV2Instance() throws {
        let (r, _) = try fixture("hbm-umc-v2")
        let f = Self.decode(r).facts
        XCTAssertEqual(f.channel, 9)
        XCTAssertEqual(f.dimm, 1)
        XCTAssertEqual(f.severity, .uncorrected)
    }

    func testMI300UMCNamesOnlyTheMemoryDie() throws {
        let (r, _) = try fixture("mi300-umc-die")
        let f = Self.decode(r).facts
        XCTAssertNil(f.channel)
        XCTAssertNil(f.dimm)
        XCTAssertEqual(f.kind, .memory)
    }

    func testDeferredL3ErrorIsUncorrectedCacheError() throws {
        let (r, _) = try fixture("l3-deferred-poison")
        let f = Self.decode(r).facts
        XCTAssertEqual(f.kind, .cache)
        XCTAssertEqual(f.severity, .uncorrected)
    }

    func testFormatterPlacesSMCALinesBetweenHeaderAndStatus() throws {
        var (r, _) = try fixture("umc-zen3-rasdaemon95")
        r.finished = 1
        r.addr = 0xa8eb3fc80            // from the same kernel log line
        r.misc = 0xd01202dd01000000
        let text = RecordFormatter().format(r, cpuType: .amdSMCA).text.string
        // "Model 1": the CPUID line keeps upstream's rule (no extended model above family 0xF);
        // the SMCA errata checks use the real model 21h.
        XCTAssertEqual(text, """
            CPU 0 BANK 17 
            MISC d01202dd01000000 ADDR a8eb3fc80 
            SMCA bank type: Unified Memory Controller (HWID 0x96 McaType 0x0)
            DRAM ECC error. Ext Err Code: 0
            Corrected error, no action required.
            Error_overflow
            CECC
            MCA: Memory Error 'mem-tx: generic read, tx: generic, level: L3/generic'
            memory_channel=0,csrow=0
            STATUS dc2040000000011b MCGSTATUS 0
            APICID 0 SOCKETID 0 
            CPUID Vendor AMD Family 25 Model 1 Step 0

            """)
    }

    // MARK: - No IPID: print nothing (upstream compatibility, gen-35)

    func testRecordWithoutIPIDPrintsNothing() {
        let r = Self.record(status: 0x9000000000000813, ipid: 0, family: 0x17, model: 0x01)
        let ctx = Self.decode(r)
        XCTAssertEqual(ctx.out.string, "")
        XCTAssertNil(ctx.facts.bankType)
        // A deferred error without IPID still counts as uncorrected.
        let deferred = Self.record(status: 0x9000_1000_0000_0000, ipid: 0, family: 0x17, model: 0x01)
        XCTAssertEqual(Self.decode(deferred).facts.severity, .uncorrected)
    }

    func testIPIDBeyondRecordLengthIsIgnored() {
        var r = Self.record(status: 0x9000000000000813, ipid: 0x9600050f00)
        r.length = 96
        XCTAssertEqual(Self.decode(r).out.string, "")
        r.length = 104
        XCTAssertNotEqual(Self.decode(r).out.string, "")
    }

    // MARK: - Bank type lookup

    func testIPIDFieldsFromBriefExample() {
        let ipid: UInt64 = 0x000700B000000000
        XCTAssertEqual(AMDSMCA.hardwareID(ipid), 0xB0)
        XCTAssertEqual(AMDSMCA.mcaType(ipid), 0x7)
        XCTAssertEqual(AMDSMCA.bankType(ipid: ipid), "L3 Cache")
    }

    func testPublicBankTypeHelper() {
        XCTAssertNil(AMDSMCA.bankType(ipid: 0))
        XCTAssertEqual(AMDSMCA.bankType(ipid: 0x9600050f00), "Unified Memory Controller")
        XCTAssertEqual(AMDSMCA.bankType(ipid: 0x001000b000000000), "Load Store Unit")
        XCTAssertEqual(AMDSMCA.bankType(ipid: Self.ipid(hwid: 0x2E, mcaType: 1)), "Power, Interrupts, etc.")
        XCTAssertNil(AMDSMCA.bankType(ipid: Self.ipid(hwid: 0x123, mcaType: 4)))
        // HWID 0xB0 McaType 4 is reserved: no bank type.
        XCTAssertNil(AMDSMCA.bankType(ipid: Self.ipid(hwid: 0xB0, mcaType: 4)))
        // Unlisted bank on a non-CPU node (InstanceIdHi >= 8): UMC V2.
        XCTAssertEqual(AMDSMCA.bankType(ipid: Self.ipid(hwid: 0x123, mcaType: 4, instanceHigh: 8)),
                       "Unified Memory Controller V2")
    }

    func testEveryBankTypeHasAnIPIDAndAName() {
        let mapped = Set(AMDSMCA.bankTypes.values)
        XCTAssertEqual(mapped.count, AMDSMCA.BankType.allCases.count)
        XCTAssertEqual(AMDSMCA.bankTypes.count, 37)
    }

    func testBankTypeNamesAreRasdaemons() {
        let expected: [(UInt64, UInt64, String)] = [
            (0xB0, 0x0, "Load Store Unit"), (0xB0, 0x10, "Load Store Unit"),
            (0xB0, 0x1, "Instruction Fetch Unit"), (0xB0, 0x2, "L2 Cache"),
            (0xB0, 0x3, "Decode Unit"), (0xB0, 0x5, "Execution Unit"),
            (0xB0, 0x6, "Floating Point Unit"), (0xB0, 0x7, "L3 Cache"),
            (0x2E, 0x0, "Coherent Slave"), (0x2E, 0x1, "Power, Interrupts, etc."),
            (0x2E, 0x2, "Coherent Slave"), (0x0, 0x1, "Coherent Slave"),
            (0x96, 0x0, "Unified Memory Controller"), (0x0, 0x2, "Unified Memory Controller"),
            (0x96, 0x1, "Unified Memory Controller V2"),
            (0x2E, 0x4, "Memory Attached Last Level Cache"),
            (0x05, 0x0, "Parameter Block"),
            (0xFF, 0x0, "Platform Security Processor"), (0xFF, 0x1, "Platform Security Processor"),
            (0x01, 0x0, "System Management Unit"), (0x01, 0x1, "System Management Unit"),
            (0x01, 0x2, "Microprocessor 5 Unit"), (0x01, 0x3, "MPDMA Unit"),
            (0x18, 0x0, "Northbridge IO Unit"),
            (0x46, 0x0, "PCI Express Unit"), (0x46, 0x1, "PCI Express Unit"),
            (0x50, 0x0, "Ext Global Memory Interconnect PCS Unit"),
            (0x6C, 0x0, "NBIF Unit"), (0x80, 0x0, "System Hub Unit"),
            (0xA8, 0x0, "SATA Unit"), (0xAA, 0x0, "USB Unit"),
            (0x170, 0x0, "Ultra Short Reach Data Plane Controller"),
            (0x180, 0x0, "Ultra Short Reach Control Plane Controller"),
            (0x241, 0x0, "Global Memory Interconnect PCS Unit"),
            (0x259, 0x0, "Ext Global Memory Interconnect PHY Unit"),
            (0x267, 0x0, "WAFL PHY Unit"),
            (0x269, 0x0, "Global Memory Interconnect PHY Unit"),
        ]
        for (hwid, type, name) in expected {
            XCTAssertEqual(AMDSMCA.bankType(ipid: Self.ipid(hwid: hwid, mcaType: type)), name,
                           "HWID \(hwid) McaType \(type)")
        }
    }

    func testFirstLineShowsNameHWIDAndMcaType() {
        let r = Self.record(status: Self.correctedStatus(xec: 1),
                            ipid: Self.ipid(hwid: 0x170, mcaType: 0, instance: 0x1234))
        XCTAssertTrue(Self.decode(r).out.string.hasPrefix(
            "SMCA bank type: Ultra Short Reach Data Plane Controller (HWID 0x170 McaType 0x0)\n"))
    }

    // MARK: - Extended error code tables: one entry of every table

    func testOneErrorCodeOfEveryDescriptionTable() {
        // (HWID, McaType, XEC, family, model, expected description line)
        let cases: [(UInt64, UInt64, UInt64, UInt32, UInt32, String)] = [
            (0xB0, 0x0, 12, 0x17, 0x01, "DC data error type 1 (poison consumption). Ext Err Code: 12"),
            (0xB0, 0x10, 1, 0x19, 0x21, "An ECC error or L2 poison was detected on a data cache read by a load. Ext Err Code: 1"),
            (0xB0, 0x1, 18, 0x19, 0x21, "CT MCE. Ext Err Code: 18"),
            (0xB0, 0x2, 2, 0x19, 0x21, "L2M Data Array ECC Error. Ext Err Code: 2"),
            (0xB0, 0x3, 9, 0x19, 0x21, "Hardware Assertion MCA Error. Ext Err Code: 9"),
            (0xB0, 0x5, 13, 0x19, 0x21, "Retire Map parity error. Ext Err Code: 13"),
            (0xB0, 0x6, 7, 0x19, 0x21, "Physical K mask register file (KRF) parity error. Ext Err Code: 7"),
            (0xB0, 0x7, 9, 0x19, 0x21, "Machine check error initiated by DSM action. Ext Err Code: 9"),
            (0x2E, 0x0, 8, 0x17, 0x31, "Probe Filter ECC Error. Ext Err Code: 8"),
            (0x2E, 0x1, 8, 0x19, 0x01, "DSM Error. Ext Err Code: 8"),
            (0x2E, 0x2, 20, 0x19, 0x01, "Shadow Tag Transaction Error. Ext Err Code: 20"),
            (0x2E, 0x2, 12, 0x1A, 0x44, "Probe Filter Protocol Error. Ext Err Code: 12"),      // CS V2 quirk
            (0x2E, 0x4, 6, 0x19, 0x21, "Cache Data ECC Error. Ext Err Code: 6"),
            (0x96, 0x0, 16, 0x19, 0x11, "RFM SRAM ECC error. Ext Err Code: 16"),
            (0x96, 0x0, 15, 0x19, 0x9F, "HBM CRC Error. Ext Err Code: 15"),                   // UMC quirk
            (0x96, 0x1, 11, 0x19, 0x90, "LM32 MP errors. Ext Err Code: 11"),
            (0x05, 0x0, 0, 0x17, 0x01, "An ECC error in the Parameter Block RAM array. Ext Err Code: 0"),
            (0xFF, 0x0, 0, 0x17, 0x01, "An ECC or parity error in a PSP RAM instance. Ext Err Code: 0"),
            (0xFF, 0x1, 23, 0x19, 0x01, "SIB WDT error. Ext Err Code: 23"),
            (0x01, 0x0, 0, 0x17, 0x01, "An ECC or parity error in an SMU RAM instance. Ext Err Code: 0"),
            (0x01, 0x1, 11, 0x19, 0x01, "PHY RAS ECC Error. Ext Err Code: 11"),
            (0x01, 0x2, 10, 0x17, 0x31, "Fuse SRAM ECC or parity error. Ext Err Code: 10"),
            (0x01, 0x3, 49, 0x19, 0x01, "MPDMA TVF SDP Master Memory 7 ECC or parity error. Ext Err Code: 49"),
            (0x18, 0x0, 5, 0x19, 0x01, "Internal system fatal error event. Ext Err Code: 5"),
            (0x46, 0x0, 4, 0x17, 0x31, "CCIX Non-okay write response with data error. Ext Err Code: 4"),
            (0x46, 0x1, 0, 0x19, 0x11, "SDP Data Parity Error logging. Ext Err Code: 0"),
            (0x50, 0x0, 28, 0x17, 0x31, "Rx CMD Pocket Error. Ext Err Code: 28"),
            (0x6C, 0x0, 3, 0x17, 0x31, "SDP Parity error. Ext Err Code: 3"),
            (0x80, 0x0, 1, 0x17, 0x31, "SRAM ECC error. Ext Err Code: 1"),
            (0xA8, 0x0, 7, 0x17, 0x31, "Parity error for port 7. Ext Err Code: 7"),
            (0xAA, 0x0, 5, 0x17, 0x31, "AXI Slave Response error. Ext Err Code: 5"),
            (0x170, 0x0, 31, 0x19, 0x11, "Replay Overflow Error. Ext Err Code: 31"),
            (0x180, 0x0, 12, 0x19, 0x11, "Remote Link Fatal Error. Ext Err Code: 12"),
            (0x241, 0x0, 28, 0x19, 0x11, "Rx CMD Packet Error. Ext Err Code: 28"),
            (0x259, 0x0, 3, 0x19, 0x01, "PHY APB error. Ext Err Code: 3"),
            (0x267, 0x0, 0, 0x19, 0x01, "RAM ECC Error. Ext Err Code: 0"),
            (0x269, 0x0, 1, 0x19, 0x11, "ARC instruction buffer parity error. Ext Err Code: 1"),
        ]
        for (hwid, type, xec, family, model, expected) in cases {
            XCTAssertEqual(Self.descriptionLine(hwid: hwid, mcaType: type, xec: xec,
                                                family: family, model: model),
                           expected, "HWID \(hwid) McaType \(type) XEC \(xec)")
        }
    }

    func testDescriptionTableSizesMatchRasdaemon() {
        let sizes: [(AMDSMCA.BankType, Int)] = [
            (.loadStore, 27), (.loadStoreV2, 24), (.instructionFetch, 19), (.l2Cache, 6),
            (.decode, 10), (.execution, 14), (.floatingPoint, 8), (.l3Cache, 10),
            (.coherentSlave, 9), (.coherentSlaveV2, 21), (.coherentSlaveV2Quirk, 18), (.pie, 9),
            (.umc, 17), (.umcQuirk, 16), (.umcV2, 12), (.memoryAttachedLLC, 7),
            (.parameterBlock, 1), (.psp, 1), (.pspV2, 24), (.smu, 1), (.smuV2, 64), (.mp5, 11),
            (.mpdma, 50), (.nbio, 6), (.pcie, 5), (.pcieV2, 1), (.xgmiPCS, 29), (.nbif, 4),
            (.shub, 4), (.sata, 8), (.usb, 6), (.usrDataPlane, 32), (.usrControlPlane, 13),
            (.gmiPCS, 32), (.xgmiPHY, 4), (.waflPHY, 4), (.gmiPHY, 4),
        ]
        XCTAssertEqual(sizes.count, AMDSMCA.BankType.allCases.count)
        for (type, count) in sizes {
            XCTAssertEqual(type.descriptions.count, count, "\(type)")
        }
    }

    func testMPDMARepeatsItsCacheBankEntriesThreeTimes() {
        let t = AMDSMCA.Descriptions.mpdma
        XCTAssertEqual(t[4], "Data Cache Bank A ECC or parity error")
        XCTAssertEqual(t[12], "Data Cache Bank A ECC or parity error")
        XCTAssertEqual(t[20], "Data Cache Bank A ECC or parity error")
        XCTAssertEqual(t[27], "Instruction Tag Cache Bank B ECC or parity error")
        XCTAssertEqual(t[28], "System Hub Read Buffer ECC or parity error")
        XCTAssertEqual(t[43], "SDP Watchdog Timer expired")
    }

    func testSMUV2ReservedRangeAndGFXSubIPCodes() {
        XCTAssertEqual(Self.descriptionLine(hwid: 0x01, mcaType: 0x1, xec: 12), "Reserved. Ext Err Code: 12")
        XCTAssertEqual(Self.descriptionLine(hwid: 0x01, mcaType: 0x1, xec: 57), "Reserved. Ext Err Code: 57")
        XCTAssertEqual(Self.descriptionLine(hwid: 0x01, mcaType: 0x1, xec: 58),
                       "A correctable error from a GFX Sub-IP. Ext Err Code: 58")
        XCTAssertEqual(Self.descriptionLine(hwid: 0x01, mcaType: 0x1, xec: 59),
                       "A fatal error from a GFX Sub-IP. Ext Err Code: 59")
        XCTAssertEqual(Self.descriptionLine(hwid: 0x01, mcaType: 0x1, xec: 61), "Reserved. Ext Err Code: 61")
        XCTAssertEqual(Self.descriptionLine(hwid: 0x01, mcaType: 0x1, xec: 62),
                       "A poison error from a GFX Sub-IP. Ext Err Code: 62")
        XCTAssertEqual(Self.descriptionLine(hwid: 0x01, mcaType: 0x1, xec: 63), "Reserved. Ext Err Code: 63")
    }

    func testGenoaCSErratumOnlyOnAffectedModels() {
        // XEC 9: CS V2 "Probe Filter Protocol Error", erratum-1384 table "SDP ... RETRY error".
        let plain = "Probe Filter Protocol Error. Ext Err Code: 9"
        let quirk = "SDP read response had an unexpected RETRY error. Ext Err Code: 9"
        let models: [(UInt32, UInt32, String)] = [
            (0x19, 0x01, plain), (0x19, 0x10, quirk), (0x19, 0x1F, quirk), (0x19, 0x20, plain),
            (0x19, 0x60, quirk), (0x19, 0x7B, quirk), (0x19, 0x7C, plain), (0x19, 0xA0, quirk),
            (0x19, 0xAF, quirk), (0x1A, 0x40, quirk), (0x1A, 0x4F, quirk), (0x1A, 0x11, plain),
            (0x17, 0x31, plain),
        ]
        for (family, model, expected) in models {
            XCTAssertEqual(Self.descriptionLine(hwid: 0x2E, mcaType: 0x2, xec: 9, family: family, model: model),
                           expected, "family \(family) model \(model)")
        }
    }

    func testUMCHBMTableOnlyOnMI300Models() {
        XCTAssertEqual(Self.descriptionLine(hwid: 0x96, mcaType: 0, xec: 10, family: 0x19, model: 0x90),
                       "Thermal throttling. Ext Err Code: 10")
        XCTAssertEqual(Self.descriptionLine(hwid: 0x96, mcaType: 0, xec: 10, family: 0x19, model: 0xA0),
                       "UMC Throttling Error. Ext Err Code: 10")
        XCTAssertEqual(Self.descriptionLine(hwid: 0x96, mcaType: 0, xec: 10, family: 0x1A, model: 0x90),
                       "UMC Throttling Error. Ext Err Code: 10")
    }

    // MARK: - Out-of-table codes and unknown banks

    func testExtendedErrorCodeBeyondTablePrintsCodeOnly() {
        XCTAssertEqual(Self.descriptionLine(hwid: 0xB0, mcaType: 0x10, xec: 24), "Ext Err Code: 24")
        XCTAssertEqual(Self.descriptionLine(hwid: 0xB0, mcaType: 0x10, xec: 23),
                       "A parity error was detected in an STLF, SCB EMEM entry, store data mask or SRB store data by any access. Ext Err Code: 23")
        XCTAssertEqual(Self.descriptionLine(hwid: 0x05, mcaType: 0x0, xec: 63), "Ext Err Code: 63")
    }

    func testUnknownHWIDPrintsRasdaemonsMessageAndStatus() {
        let r = Self.record(status: 0x9000000000000000 | (1 << 46), ipid: Self.ipid(hwid: 0x3FF, mcaType: 0x9))
        let ctx = Self.decode(r)
        XCTAssertEqual(ctx.out.string, """
            SMCA bank type: unknown (HWID 0x3ff McaType 0x9)
            Couldn't find bank type with IPID
            Corrected error, no action required.
            CECC

            """)
        XCTAssertNil(ctx.facts.bankType)
        XCTAssertEqual(ctx.facts.kind, .unknown)
    }

    func testUnlistedBankOnNonCPUNodeDecodesAsUMCV2() {
        let r = Self.record(status: Self.correctedStatus(xec: 0),
                            ipid: Self.ipid(hwid: 0x123, mcaType: 0x4, instanceHigh: 9, instance: 0x0010_3000))
        let ctx = Self.decode(r)
        XCTAssertEqual(ctx.out.string, """
            SMCA bank type: Unified Memory Controller V2 (HWID 0x123 McaType 0x4)
            DRAM ECC error. Ext Err Code: 0
            Corrected error, no action required.
            memory_channel=7,csrow=0

            """)
        XCTAssertEqual(ctx.facts.channel, 7)
        XCTAssertEqual(ctx.facts.dimm, 0)
    }

    func testUMCLocationOnlyForDRAMECCCode() {
        let r = Self.record(status: Self.correctedStatus(xec: 4), ipid: 0x9600150f00, synd: 2)
        let ctx = Self.decode(r)
        XCTAssertFalse(ctx.out.string.contains("memory_channel"))
        XCTAssertNil(ctx.facts.channel)
        XCTAssertFalse(ctx.facts.isMemoryError)
        XCTAssertEqual(ctx.facts.kind, .memory)
    }

    func testUMCChannelIsInstanceNibbleAndChipSelectIsSyndromeLowBits() {
        // UMC instance 5 (InstanceIdLo 0x00550f00), SYND bits 2:0 = 6.
        let r = Self.record(status: Self.correctedStatus(xec: 0), ipid: 0x9600550f00, synd: 0xfe)
        let ctx = Self.decode(r)
        XCTAssertTrue(ctx.out.string.hasSuffix("memory_channel=5,csrow=6\n"))
        XCTAssertEqual(ctx.facts.channel, 5)
        XCTAssertEqual(ctx.facts.dimm, 6)
    }

    // MARK: - Status decode (rasdaemon's amd_decode_errcode)

    func testUncorrectedStatusSentences() {
        let ls = Self.ipid(hwid: 0xB0, mcaType: 0x10)
        let uc: UInt64 = 0xB000_0000_0000_0000
        XCTAssertEqual(AMDSMCA.errorStatus(status: uc, mcgstatus: 0),
                       "Uncorrected, software containable error.")
        XCTAssertEqual(AMDSMCA.errorStatus(status: uc, mcgstatus: MCGStatus.ripv),
                       "Uncorrected, software restartable error.")
        XCTAssertEqual(AMDSMCA.errorStatus(status: uc | MCiStatus.pcc, mcgstatus: MCGStatus.ripv),
                       "System Fatal error.")
        XCTAssertEqual(AMDSMCA.errorStatus(status: 0x9000_1000_0000_0000, mcgstatus: 0),
                       "Deferred error, no action required.")
        XCTAssertEqual(AMDSMCA.errorStatus(status: 0x9000_0000_0000_0000, mcgstatus: 0),
                       "Corrected error, no action required.")
        // UC wins over Deferred.
        XCTAssertEqual(AMDSMCA.errorStatus(status: uc | (1 << 44), mcgstatus: 0),
                       "Uncorrected, software containable error.")
        let ctx = Self.decode(Self.record(status: uc | (1 << 16), ipid: ls))
        XCTAssertEqual(ctx.facts.severity, .uncorrected)
    }

    func testStatusFlagsEachOnTheirOwnLineInRasdaemonOrder() {
        // VAL clear, OVER, UC, PCC, TCC, CECC+UECC, poison; XEC 1 on LS V2.
        let status: UInt64 = (1 << 62) | (1 << 61) | (1 << 57) | (1 << 55) | (3 << 45) | (1 << 43) | (1 << 16)
        let ctx = Self.decode(Self.record(status: status, ipid: Self.ipid(hwid: 0xB0, mcaType: 0x10)))
        XCTAssertEqual(ctx.out.string, """
            SMCA bank type: Load Store Unit (HWID 0xb0 McaType 0x10)
            An ECC error or L2 poison was detected on a data cache read by a load. Ext Err Code: 1
            System Fatal error.
            MCE_INVALID
            Error_overflow
            Processor_context_corrupt
            UECC
            Poison consumed
            Task_context_corrupt

            """)
        XCTAssertEqual(ctx.facts.severity, .fatal)
        XCTAssertEqual(ctx.facts.kind, .internal)
    }

    func testErrorCodeClasses() {
        XCTAssertEqual(AMDSMCA.errorCodeClass(0x0015), "TLB Error 'tx: data, level: L1'")
        XCTAssertEqual(AMDSMCA.errorCodeClass(0x0136),
                       "Memory Error 'mem-tx: data read, tx: data, level: L2'")
        XCTAssertEqual(AMDSMCA.errorCodeClass(0x0150),
                       "Memory Error 'mem-tx: instruction fetch, tx: instruction, level: reserved'")
        XCTAssertEqual(AMDSMCA.errorCodeClass(0x01a3),
                       "Memory Error 'mem-tx: Wrong R4!, tx: instruction, level: L3/generic'")
        XCTAssertEqual(AMDSMCA.errorCodeClass(0x0e0b),
                       "Bus Error 'generic participation, request didn't time out, mem-tx: generic, level: L3/generic'")
        XCTAssertEqual(AMDSMCA.errorCodeClass(0x0913),
                       "Bus Error 'local node origin, request timed out, mem-tx: generic read, level: L3/generic'")
        XCTAssertEqual(AMDSMCA.errorCodeClass(0x0400), "Internal 'reserved'")
        XCTAssertEqual(AMDSMCA.errorCodeClass(0x0600), "Internal 'hardware assert'")
        XCTAssertNil(AMDSMCA.errorCodeClass(0x0000))
        XCTAssertNil(AMDSMCA.errorCodeClass(0x0005))
    }

    func testKindsByBankType() {
        let kinds: [(UInt64, UInt64, ErrorKind)] = [
            (0xB0, 0x2, .cache), (0xB0, 0x7, .cache), (0x2E, 0x4, .cache),
            (0x96, 0x0, .memory), (0x96, 0x1, .memory),
            (0x2E, 0x0, .interconnect), (0x2E, 0x1, .interconnect), (0x2E, 0x2, .interconnect),
            (0x50, 0x0, .interconnect), (0x241, 0x0, .interconnect), (0x259, 0x0, .interconnect),
            (0x267, 0x0, .interconnect), (0x269, 0x0, .interconnect), (0x170, 0x0, .interconnect),
            (0x180, 0x0, .interconnect),
            (0x18, 0x0, .io), (0x46, 0x0, .io), (0x6C, 0x0, .io), (0xA8, 0x0, .io),
            (0xB0, 0x0, .internal), (0xB0, 0x1, .internal), (0xB0, 0x3, .internal),
            (0xB0, 0x5, .internal), (0xB0, 0x6, .internal), (0xFF, 0x1, .internal),
            (0x01, 0x3, .internal), (0x05, 0x0, .internal),
        ]
        for (hwid, type, kind) in kinds {
            let ctx = Self.decode(Self.record(status: Self.correctedStatus(xec: 0),
                                              ipid: Self.ipid(hwid: hwid, mcaType: type)))
            XCTAssertEqual(ctx.facts.kind, kind, "HWID \(hwid) McaType \(type)")
        }
    }

    func testFamilyModelUsesExtendedFieldsForAMD() {
        XCTAssertTrue(AMDSMCA.familyModel(cpuid: 0xa20f10) == (0x19, 0x21))
        XCTAssertTrue(AMDSMCA.familyModel(cpuid: 0x870f10) == (0x17, 0x71))
        XCTAssertTrue(AMDSMCA.familyModel(cpuid: 0xb40f40) == (0x1A, 0x44))
        XCTAssertTrue(AMDSMCA.familyModel(cpuid: 0x800f12) == (0x17, 0x01))
    }
}
