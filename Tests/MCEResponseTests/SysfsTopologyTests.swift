import Foundation
import Glibc
import XCTest
@testable import MCEResponse

final class SysfsCacheTopologyTests: XCTestCase {
    /// The cache directories of a 2-vCPU QEMU guest (Debian 6.12, -cpu Nehalem -smp 2)
    /// [observed]: index0 L1 Data, index1 L1 Instruction, index2 L2 Unified, index3 L3 Unified
    /// shared by both CPUs; maps printed without commas when there are few CPUs.
    private func qemuGuest() -> TemporaryDirectory {
        let t = TemporaryDirectory("sysfs")
        for cpu in 0..<2 {
            let own = cpu == 0 ? "1" : "2"
            let caches = [("1", "Data", own), ("1", "Instruction", own), ("2", "Unified", own), ("3", "Unified", "3")]
            for (i, (level, type, map)) in caches.enumerated() {
                let dir = "devices/system/cpu/cpu\(cpu)/cache/index\(i)/"
                t.write(dir + "level", level + "\n")
                t.write(dir + "type", type + "\n")
                t.write(dir + "shared_cpu_map", map + "\n")
            }
        }
        return t
    }

    func testEachLevelAndTypeFindsItsCache() {
        let t = qemuGuest()
        let topology = SysfsCacheTopology(sysfsRoot: t.path)
        XCTAssertEqual(topology.cpusSharingCache(cpu: 1, level: 1, typeCode: SysfsCacheTopology.data), [1])
        XCTAssertEqual(topology.cpusSharingCache(cpu: 1, level: 1, typeCode: SysfsCacheTopology.instruction), [1])
        XCTAssertEqual(topology.cpusSharingCache(cpu: 0, level: 2, typeCode: SysfsCacheTopology.unified), [0])
        // A Data or Instruction error in a Unified cache matches the Unified index.
        XCTAssertEqual(topology.cpusSharingCache(cpu: 1, level: 2, typeCode: SysfsCacheTopology.data), [1])
        XCTAssertEqual(topology.cpusSharingCache(cpu: 0, level: 3, typeCode: SysfsCacheTopology.instruction), [0, 1])
    }

    func testUnknownCPUsLevelsAndTypesGiveNil() {
        let t = qemuGuest()
        let topology = SysfsCacheTopology(sysfsRoot: t.path)
        XCTAssertNil(topology.cpusSharingCache(cpu: 2, level: 1, typeCode: 1))
        XCTAssertNil(topology.cpusSharingCache(cpu: -1, level: 1, typeCode: 1))
        XCTAssertNil(topology.cpusSharingCache(cpu: 0, level: 4, typeCode: 2))
        // A Unified request does not match a split L1.
        XCTAssertNil(topology.cpusSharingCache(cpu: 0, level: 1, typeCode: SysfsCacheTopology.unified))
        XCTAssertNil(SysfsCacheTopology(sysfsRoot: t.sub("nope")).cpusSharingCache(cpu: 0, level: 1, typeCode: 1))
    }

    func testTheFirstMatchingIndexWinsInNumericIndexOrder() {
        let t = TemporaryDirectory("sysfs")
        // index10 sorts before index2 as text; numerically index2 comes first.
        for (i, type, map) in [(10, "Unified", "f0"), (2, "Data", "0c")] {
            let dir = "devices/system/cpu/cpu3/cache/index\(i)/"
            t.write(dir + "level", "2\n")
            t.write(dir + "type", type + "\n")
            t.write(dir + "shared_cpu_map", map + "\n")
        }
        XCTAssertEqual(SysfsCacheTopology(sysfsRoot: t.path).cpusSharingCache(cpu: 3, level: 2, typeCode: 1), [2, 3])
        XCTAssertEqual(SysfsCacheTopology(sysfsRoot: t.path).cpusSharingCache(cpu: 3, level: 2, typeCode: 0), [4, 5, 6, 7])
    }

    func testMasksWithCommaSeparatedGroups() {
        XCTAssertEqual(SysfsCacheTopology.cpus(inMask: "00000000,00000003"), [0, 1])
        XCTAssertEqual(SysfsCacheTopology.cpus(inMask: "00000000,00000003\n"), [0, 1])
        XCTAssertEqual(SysfsCacheTopology.cpus(inMask: "00000001,00000000"), [32])
        XCTAssertEqual(SysfsCacheTopology.cpus(inMask: "f,80000001"), [0, 31, 32, 33, 34, 35])
        XCTAssertEqual(SysfsCacheTopology.cpus(inMask: "00000000,00000000,00000000,0000000C"), [2, 3])
        XCTAssertEqual(SysfsCacheTopology.cpus(inMask: "0"), [])
        XCTAssertNil(SysfsCacheTopology.cpus(inMask: ""))
        XCTAssertNil(SysfsCacheTopology.cpus(inMask: "0-3"), "a cpulist is not a mask")
        XCTAssertNil(SysfsCacheTopology.cpus(inMask: "zz"))
    }

    func testAnUnparseableMapIsNil() {
        let t = TemporaryDirectory("sysfs")
        t.write("devices/system/cpu/cpu0/cache/index0/level", "1\n")
        t.write("devices/system/cpu/cpu0/cache/index0/type", "Data\n")
        t.write("devices/system/cpu/cpu0/cache/index0/shared_cpu_map", "garbage\n")
        XCTAssertNil(SysfsCacheTopology(sysfsRoot: t.path).cpusSharingCache(cpu: 0, level: 1, typeCode: 1))
    }

    func testTypeCodesMatchMCACOD() {
        XCTAssertEqual(SysfsCacheTopology.typeCode("Instruction"), 0)
        XCTAssertEqual(SysfsCacheTopology.typeCode("Data"), 1)
        XCTAssertEqual(SysfsCacheTopology.typeCode("Unified"), 2)
        XCTAssertNil(SysfsCacheTopology.typeCode("Generic"))
    }

    /// Only cpuN directories count (not cpufreq, cpuidle or a bare "cpu"); sockets are the
    /// distinct package ids among them.
    func testSocketsAreTheDistinctPackagesOfTheNumberedCPUs() {
        let t = TemporaryDirectory("sysfs")
        for (cpu, package) in [(0, "0"), (1, "0"), (2, "1"), (3, "1")] {
            t.write("devices/system/cpu/cpu\(cpu)/topology/physical_package_id", package + "\n")
        }
        for other in ["cpufreq", "cpuidle", "cpu", "cpu1x"] {
            t.write("devices/system/cpu/\(other)/topology/physical_package_id", "7\n")
        }
        XCTAssertEqual(SysfsSockets.count(sysfsRoot: t.path), 2)
        XCTAssertEqual(SysfsSockets.count(sysfsRoot: t.sub("missing")), 0)
    }
}

final class EDACLabelsTests: XCTestCase {
    /// An i10nm/skx-style controller (dimmN with channel/slot), a rank-based one, and an old
    /// csrow-layout one.
    private func edacTree() -> TemporaryDirectory {
        let t = TemporaryDirectory("sysfs")
        let mc = "devices/system/edac/mc/"
        t.write(mc + "mc0/mc_name", "Intel_10nm\n")
        for (n, ch, slot) in [(0, 0, 0), (1, 0, 1), (4, 1, 0)] {
            t.write(mc + "mc0/dimm\(n)/dimm_label", "CPU_SrcID#0_MC#0_Chan#\(ch)_DIMM#\(slot)\n")
            t.write(mc + "mc0/dimm\(n)/dimm_location", "channel \(ch) slot \(slot) \n")
            t.write(mc + "mc0/dimm\(n)/size", "16384\n")
        }
        t.write(mc + "mc1/rank0/dimm_label", "mc#1csrow#0channel#1\n")
        t.write(mc + "mc1/rank0/dimm_location", "csrow 0 channel 1 \n")
        t.write(mc + "mc1/rank0/size", "1024\n")
        t.write(mc + "mc2/csrow0/ch0_dimm_label", "DIMM_A1\n")
        t.write(mc + "mc2/csrow0/ch1_dimm_label", "DIMM_B1\n")
        t.write(mc + "mc2/csrow0/size_mb", "2048\n")
        t.write(mc + "mc2/csrow1/ch0_dimm_label", "DIMM_A2\n")
        return t
    }

    func testAllThreeLayoutsAreRead() {
        let tree = edacTree()
        let labels = EDACLabels.read(sysfsRoot: tree.path)
        XCTAssertEqual(labels.dimms.map(\.name), ["dimm0", "dimm1", "dimm4", "rank0", "csrow0/ch0", "csrow0/ch1", "csrow1/ch0"])
        guard labels.dimms.count == 7 else { return }
        XCTAssertEqual(labels.dimms[1], EDACDimm(controller: 0, name: "dimm1", location: [.init("channel", 0), .init("slot", 1)],
                                                 label: "CPU_SrcID#0_MC#0_Chan#0_DIMM#1", sizeMegabytes: 16384))
        XCTAssertEqual(labels.dimms[5], EDACDimm(controller: 2, name: "csrow0/ch1", location: [.init("csrow", 0), .init("channel", 1)],
                                                 label: "DIMM_B1", sizeMegabytes: 2048))
        XCTAssertEqual(labels.dimms[6].sizeMegabytes, nil)
    }

    func testLabelByControllerAndLayerValues() {
        let tree = edacTree()
        let labels = EDACLabels.read(sysfsRoot: tree.path)
        XCTAssertEqual(labels.label(mc: 0, location: [0, 1]), "CPU_SrcID#0_MC#0_Chan#0_DIMM#1")
        XCTAssertEqual(labels.label(mc: 0, location: [1, 0, -1]), "CPU_SrcID#0_MC#0_Chan#1_DIMM#0", "-1 = layer not given")
        XCTAssertEqual(labels.label(mc: 0, location: [1]), "CPU_SrcID#0_MC#0_Chan#1_DIMM#0", "only one DIMM on channel 1")
        XCTAssertNil(labels.label(mc: 0, location: [0]), "two DIMMs on channel 0: ambiguous")
        XCTAssertNil(labels.label(mc: 0, location: [-1, -1, -1]))
        XCTAssertNil(labels.label(mc: 0, location: [2, 0]))
        XCTAssertEqual(labels.label(mc: 1, location: [0, 1]), "mc#1csrow#0channel#1")
        XCTAssertEqual(labels.label(mc: 2, location: [0, 1]), "DIMM_B1")
        XCTAssertEqual(labels.label(mc: 2, location: [1, 0]), "DIMM_A2")
        XCTAssertNil(labels.label(mc: 3, location: [0, 0]))
        XCTAssertEqual(labels.labelsByLocation[2]?[[0, 0]], "DIMM_A1")
    }

    func testNoEDACDriverMeansNoLabels() {
        // QEMU: the mc directory exists and holds no controller [observed on 6.1 and 6.12].
        let t = TemporaryDirectory("sysfs")
        t.write("devices/system/edac/mc/uevent", "")
        t.mkdir("devices/system/edac/mc/power")
        XCTAssertEqual(EDACLabels.read(sysfsRoot: t.path).dimms, [])
        XCTAssertEqual(EDACLabels.read(sysfsRoot: t.sub("none")).dimms, [])
    }

    func testLocationText() {
        XCTAssertEqual(EDACLabels.parseLocation("channel 0 slot 1 "), [.init("channel", 0), .init("slot", 1)])
        XCTAssertEqual(EDACLabels.parseLocation("branch 1 channel 0 slot 2"),
                       [.init("branch", 1), .init("channel", 0), .init("slot", 2)])
        XCTAssertEqual(EDACLabels.parseLocation("garbage channel x slot 3\n"), [.init("slot", 3)])
        XCTAssertEqual(EDACLabels.parseLocation(""), [])
    }
}

/// The one whole-file reader SMBIOS, state files and sysfs attributes share.
final class SysfsIOTests: XCTestCase {
    func testAFileOfExactlyTheLimitIsReadAndOneByteMoreIsTooLarge() {
        let t = TemporaryDirectory("sysfs")
        let exact = t.write("exact", String(repeating: "x", count: 5000))
        let over = t.write("over", String(repeating: "x", count: 5001))
        XCTAssertEqual(SysfsIO.readBytes(exact, limit: 5000), .success(Array(repeating: UInt8(ascii: "x"), count: 5000)))
        XCTAssertEqual(SysfsIO.readBytes(over, limit: 5000), .failure(.tooLarge))
        XCTAssertEqual(SysfsIO.read(t.sub("missing")), .failure(.failed(errno: ENOENT)))
        XCTAssertEqual(SysfsIO.readBytes(t.path, limit: 10), .failure(.failed(errno: EISDIR)))
        XCTAssertEqual(SysfsIO.read(t.write("empty", "")), .success(""))
    }

    func testAnSMBIOSTableAboveTheLimitIsTooLarge() {
        let t = TemporaryDirectory("sysfs")
        let table = t.write("firmware/dmi/tables/DMI", String(repeating: "\0", count: SMBIOS.sizeLimit + 1))
        XCTAssertThrowsError(try SMBIOS.load(sysfsRoot: t.path)) { error in
            XCTAssertEqual(error as? SMBIOSError, .tooLarge(path: table))
        }
    }
}
