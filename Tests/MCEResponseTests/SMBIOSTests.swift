import Foundation
import Glibc
import XCTest
@testable import MCEResponse

/// The fixtures are real tables copied out of QEMU guests (Tests/Fixtures/dmi/*/PROVENANCE.md,
/// scripts/capture-dmi.sh); every expected value below was read off `dmidecode --from-dump`
/// (listed in each PROVENANCE.md), not off our parser.
final class SMBIOSTests: XCTestCase {
    static let fixtures = repositoryRoot + "/Tests/Fixtures/dmi"

    private func table(_ name: String) throws -> [UInt8] {
        let path = Self.fixtures + "/" + name + "/DMI"
        guard let data = FileManager.default.contents(atPath: path) else {
            throw XCTSkip("fixture \(path) missing")
        }
        return Array(data)
    }

    func testQEMUPCTwoGigabytes() throws {
        let smbios = try SMBIOS.parse(table: table("qemu-pc-2g"))
        XCTAssertEqual(smbios.memoryDevices, [MemoryDevice(
            handle: 0x1100, arrayHandle: 0x1000, totalWidth: nil, dataWidth: nil,
            sizeBytes: 2 << 30, formFactor: 0x09, deviceSet: 0, deviceLocator: "DIMM 0", bankLocator: "",
            memoryType: 0x07, typeDetail: 0x0002, speed: nil, manufacturer: "QEMU", serialNumber: "",
            assetTag: "", partNumber: "", rank: nil, configuredSpeed: nil)])
        XCTAssertEqual(smbios.memoryDevices.first?.formFactorName, "DIMM")
        XCTAssertEqual(smbios.memoryDevices.first?.memoryTypeName, "RAM")
        XCTAssertEqual(smbios.memoryDevices.first?.sizeMegabytes, 2048)
        XCTAssertEqual(smbios.mappedAddresses, [], "QEMU 7.2 builds no type 20")
        XCTAssertEqual(smbios.emptySlots, 0)
        XCTAssertEqual(smbios.devices(at: 0x1234000), [])
    }

    func testQEMUQ35SMBIOS3WithTwoDevicesAndServerStrings() throws {
        let smbios = try SMBIOS.parse(table: table("qemu-q35-20g-smbios3"))
        XCTAssertEqual(smbios.memoryDevices.map(\.handle), [0x1100, 0x1101])
        XCTAssertEqual(smbios.memoryDevices.map(\.sizeBytes), [16 << 30, 4 << 30])
        XCTAssertEqual(smbios.memoryDevices.map(\.deviceLocator), ["CPU0_DIMM_ 0", "CPU0_DIMM_ 1"])
        for device in smbios.memoryDevices {
            XCTAssertEqual(device.bankLocator, "P0_Node0_Channel0_Dimm0")
            XCTAssertEqual(device.manufacturer, "Samsung")
            XCTAssertEqual(device.serialNumber, "3A1B2C3D")
            XCTAssertEqual(device.assetTag, "AT-0017")
            XCTAssertEqual(device.partNumber, "M393A2K40DB3-CWE")
            XCTAssertEqual(device.speed, 3200)
            XCTAssertEqual(device.configuredSpeed, 3200)
            XCTAssertEqual(device.memoryTypeName, "RAM")
        }
        XCTAssertEqual(smbios.mappedAddresses, [])
    }

    func testInjectedStructuresEmptySlotExtendedSizeKilobytesAndType20() throws {
        let smbios = try SMBIOS.parse(table: table("qemu-pc-4g-injected"))
        XCTAssertEqual(smbios.emptySlots, 1, "DIMM_A2: No Module Installed")
        XCTAssertEqual(smbios.memoryDevices.map(\.deviceLocator), ["DIMM_A1", "DIMM_B1", "DIMM_B2"])
        XCTAssertEqual(smbios.memoryDevices.map(\.sizeBytes), [4 << 30, 32 << 30, 512 << 10])
        XCTAssertEqual(smbios.memoryDevices.map(\.memoryTypeName), ["DDR4", "DDR4", "DDR3"])
        let a1 = try XCTUnwrap(smbios.device(handle: 0x1100))
        XCTAssertEqual(a1, MemoryDevice(
            handle: 0x1100, arrayHandle: 0x1000, totalWidth: 72, dataWidth: 64, sizeBytes: 4 << 30,
            formFactor: 0x09, deviceSet: 0, deviceLocator: "DIMM_A1", bankLocator: "NODE 0 CHANNEL 0 DIMM 0",
            memoryType: 0x1A, typeDetail: 0x2080, speed: 2933, manufacturer: "Hynix", serialNumber: "H0000A1",
            assetTag: "ASSET-A1", partNumber: "HMA84GR7CJR4N-XN", rank: 2, configuredSpeed: 2933))
        XCTAssertEqual(smbios.device(handle: 0x1102)?.partNumber, "36ASF4G72PZ-2G9E2")
        XCTAssertEqual(smbios.device(handle: 0x1103)?.speed, 1600)
        XCTAssertNil(smbios.device(handle: 0x1101), "empty slots are skipped")

        XCTAssertEqual(smbios.mappedAddresses, [
            MemoryDeviceMappedAddress(handle: 0x1400, start: 0, end: 0xFFFF_FFFF, deviceHandle: 0x1100,
                                      arrayMappedAddressHandle: 0x1300, partitionRowPosition: 1,
                                      interleavePosition: 1, interleavedDataDepth: 1),
            MemoryDeviceMappedAddress(handle: 0x1401, start: 0x1_0000_0000, end: 0x8_FFFF_FFFF, deviceHandle: 0x1102,
                                      arrayMappedAddressHandle: 0x1300, partitionRowPosition: 1,
                                      interleavePosition: 1, interleavedDataDepth: 1),
            MemoryDeviceMappedAddress(handle: 0x1402, start: 0x9_0000_0000, end: 0x9_0007_FFFF, deviceHandle: 0x1103,
                                      arrayMappedAddressHandle: 0x1300, partitionRowPosition: 1,
                                      interleavePosition: 1, interleavedDataDepth: 1),
        ])
    }

    func testAddressLookupUsesInclusiveRangesIncludingExtendedOnes() throws {
        let smbios = try SMBIOS.parse(table: table("qemu-pc-4g-injected"))
        func names(_ address: UInt64) -> [String] { smbios.devices(at: address).map(\.deviceLocator) }
        XCTAssertEqual(names(0), ["DIMM_A1"])
        XCTAssertEqual(names(0x1234000), ["DIMM_A1"])
        XCTAssertEqual(names(0xFFFF_FFFF), ["DIMM_A1"])
        XCTAssertEqual(names(0x1_0000_0000), ["DIMM_B1"], "extended (64-bit) type-20 range")
        XCTAssertEqual(names(0x8_FFFF_FFFF), ["DIMM_B1"])
        XCTAssertEqual(names(0x9_0000_0000), ["DIMM_B2"])
        XCTAssertEqual(names(0x9_0007_FFFF), ["DIMM_B2"])
        XCTAssertEqual(names(0x9_0008_0000), [])
        XCTAssertEqual(names(UInt64.max), [])
    }

    func testInterleavedRangesReturnEveryDeviceOnce() throws {
        var smbios = try SMBIOS.parse(table: table("qemu-pc-4g-injected"))
        var overlap = smbios.mappedAddresses[1]
        overlap.handle = 0x1410
        overlap.start = 0
        overlap.end = 0xFFFF_FFFF
        smbios.mappedAddresses.append(overlap)
        smbios.mappedAddresses.append(smbios.mappedAddresses[0])
        XCTAssertEqual(smbios.devices(at: 0x1000).map(\.deviceLocator), ["DIMM_A1", "DIMM_B1"])
    }

    func testLoadPrefersTablesDMIAndFallsBackToEntries() throws {
        for name in ["qemu-pc-2g", "qemu-q35-20g-smbios3", "qemu-pc-4g-injected"] {
            let fixture = Self.fixtures + "/" + name
            let expected = try SMBIOS.parse(table: table(name))

            let withTable = TemporaryDirectory("sysfs")
            withTable.mkdir("firmware/dmi/tables")
            symlink(fixture + "/DMI", withTable.sub("firmware/dmi/tables/DMI"))
            XCTAssertEqual(try SMBIOS.load(sysfsRoot: withTable.path), expected, name)

            // Only CONFIG_DMI_SYSFS's per-structure files: the same devices and ranges.
            let withEntries = TemporaryDirectory("sysfs")
            withEntries.mkdir("firmware/dmi")
            symlink(fixture + "/entries", withEntries.sub("firmware/dmi/entries"))
            XCTAssertEqual(try SMBIOS.load(sysfsRoot: withEntries.path), expected, name)
        }
    }

    func testLoadWithoutAnyTableSaysSo() {
        let empty = TemporaryDirectory("sysfs")
        XCTAssertThrowsError(try SMBIOS.load(sysfsRoot: empty.path)) { error in
            XCTAssertEqual(error as? SMBIOSError, .notPresent(path: empty.sub("firmware/dmi/entries")))
        }
    }

    func testAnUnreadableTableIsATypedError() throws {
        guard geteuid() == 0 else { throw XCTSkip("needs root to hand the file to another owner") }
        let root = TemporaryDirectory("sysfs")
        let table = root.write("firmware/dmi/tables/DMI", "\u{7f}\u{4}\0\u{7f}\0\0", mode: 0o400)
        // Owned by someone else, mode 0400, read without root's override: EACCES.
        chown(table, 65534, 65534)
        let path = root.path
        let result = withoutFileCapabilities { () -> SMBIOSError? in
            do { _ = try SMBIOS.load(sysfsRoot: path); return nil }
            catch let e as SMBIOSError { return e } catch { return nil }
        }
        XCTAssertEqual(result, .unreadable(path: table, errno: EACCES))
        XCTAssertEqual(result?.description, "Cannot read SMBIOS table \(table): Permission denied")
        // The same file readable: parses (just the end-of-table structure).
        XCTAssertEqual(try SMBIOS.load(sysfsRoot: path), SMBIOS())
    }

    // MARK: - damaged tables

    func testTruncationInsideAStructureNamesItsOffset() throws {
        let bytes = try table("qemu-pc-4g-injected")
        // Structures: type 0 at 0, type 17 (0x1100) at 67 (40-byte formatted area, ends at 180).
        XCTAssertThrowsError(try SMBIOS.parse(table: Array(bytes[0..<69]))) {
            XCTAssertEqual($0 as? SMBIOSError, .truncated(offset: 67, type: 17))
        }
        XCTAssertThrowsError(try SMBIOS.parse(table: Array(bytes[0..<100]))) {
            XCTAssertEqual($0 as? SMBIOSError, .truncated(offset: 67, type: 17))
            XCTAssertEqual(($0 as? SMBIOSError)?.description, "SMBIOS table truncated in the structure at offset 67 (type 17)")
        }
        XCTAssertThrowsError(try SMBIOS.parse(table: Array(bytes[0..<150]))) {
            XCTAssertEqual($0 as? SMBIOSError, .unterminatedStrings(offset: 67, type: 17))
        }
        // Cut exactly after a structure: what is there parses.
        XCTAssertEqual(try SMBIOS.parse(table: Array(bytes[0..<180])).memoryDevices.map(\.deviceLocator), ["DIMM_A1"])
    }

    func testALengthBelowTheHeaderIsRejected() throws {
        var bytes = try table("qemu-pc-4g-injected")
        bytes[67 + 1] = 2
        XCTAssertThrowsError(try SMBIOS.parse(table: bytes)) {
            XCTAssertEqual($0 as? SMBIOSError, .badLength(offset: 67, type: 17, length: 2))
        }
    }

    func testAMemoryStructureTooShortForItsTypeIsRejected() {
        let short17: [UInt8] = [17, 0x10, 0x00, 0x11] + [UInt8](repeating: 0, count: 12) + [0, 0]
        XCTAssertThrowsError(try SMBIOS.parse(table: short17)) {
            XCTAssertEqual($0 as? SMBIOSError, .structureTooShort(offset: 0, type: 17, length: 16))
        }
        let short20: [UInt8] = [0, 4, 0, 0, 0, 0] + [20, 0x0C, 0x00, 0x14] + [UInt8](repeating: 0, count: 8) + [0, 0]
        XCTAssertThrowsError(try SMBIOS.parse(table: short20)) {
            XCTAssertEqual($0 as? SMBIOSError, .structureTooShort(offset: 6, type: 20, length: 12))
        }
    }

    func testEndOfTableStopsTheWalk() throws {
        var bytes = try table("qemu-pc-2g")
        bytes += [0xde, 0xad]   // junk after type 127 is never looked at
        XCTAssertEqual(try SMBIOS.parse(table: bytes).memoryDevices.count, 1)
    }

    func testStringIndexesOutOfRangeReadAsEmpty() throws {
        // A type 17 (2.1 layout) whose Device Locator points at string 5 of 1.
        var s: [UInt8] = [17, 0x15, 0x34, 0x12, 0x00, 0x10, 0xFE, 0xFF, 72, 0, 64, 0, 0x00, 0x04, 0x09, 0, 5, 1, 0x1A, 0x80, 0x20]
        s += Array("BANK 0".utf8) + [0, 0]
        let smbios = try SMBIOS.parse(table: s)
        XCTAssertEqual(smbios.memoryDevices.first?.deviceLocator, "")
        XCTAssertEqual(smbios.memoryDevices.first?.bankLocator, "BANK 0")
        XCTAssertEqual(smbios.memoryDevices.first?.sizeBytes, 1024 << 20)
        XCTAssertNil(smbios.memoryDevices.first?.speed, "field beyond a 2.1 structure")
    }

    func testEveryPrefixAndRandomDamageEitherParsesOrThrowsATypedError() throws {
        // No input may crash the parser: all prefixes, and seeded random byte damage.
        for name in ["qemu-pc-2g", "qemu-q35-20g-smbios3", "qemu-pc-4g-injected"] {
            let bytes = try table(name)
            for n in 0...bytes.count { _ = try? SMBIOS.parse(table: Array(bytes[0..<n])) }
            var rng = SplitMix64(seed: 0x5EED_0000 &+ UInt64(bytes.count))
            var thrown = 0
            for _ in 0..<2000 {
                var damaged = bytes
                for _ in 0..<Int(rng.next() % 8 + 1) {
                    damaged[Int(rng.next() % UInt64(damaged.count))] = UInt8(truncatingIfNeeded: rng.next())
                }
                do { _ = try SMBIOS.parse(table: damaged) } catch { thrown += 1 }
            }
            XCTAssertGreaterThan(thrown, 0, "damage never detected in \(name)")
        }
        for size in [0, 1, 3, 4, 5, 64, 4096] {
            var rng = SplitMix64(seed: UInt64(size))
            let garbage = (0..<size).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
            _ = try? SMBIOS.parse(table: garbage)
        }
    }
}

/// Deterministic PRNG so a failure reproduces.
struct SplitMix64 {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
