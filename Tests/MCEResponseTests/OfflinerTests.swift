import Foundation
import Glibc
import XCTest
@testable import MCEResponse

final class PageOfflinerTests: XCTestCase {
    /// The kernel's files are write-only for root (0200 [observed]); ours are regular files.
    private func sysfs(_ files: [String] = ["soft_offline_page", "hard_offline_page"]) -> TemporaryDirectory {
        let root = TemporaryDirectory("sysfs")
        for f in files { root.write("devices/system/memory/" + f, "", mode: 0o200) }
        return root
    }

    private func bytes(_ path: String) -> [UInt8] {
        Array(FileManager.default.contents(atPath: path) ?? Data())
    }

    func testSoftOfflineWritesTheAddressAsHashLLX() {
        let root = sysfs()
        let offliner = PageOffliner(sysfsRoot: root.path)
        XCTAssertEqual(offliner.offline(physicalAddress: 0x1234000, mode: .soft), .offlined)
        XCTAssertEqual(bytes(root.sub("devices/system/memory/soft_offline_page")), Array("0x1234000".utf8))
        XCTAssertEqual(bytes(root.sub("devices/system/memory/hard_offline_page")), [])
    }

    func testHardOfflineWritesTheHardFile() {
        let root = sysfs()
        let offliner = PageOffliner(sysfsRoot: root.path)
        XCTAssertEqual(offliner.offline(physicalAddress: 0x3ff3b000, mode: .hard), .offlined)
        XCTAssertEqual(bytes(root.sub("devices/system/memory/hard_offline_page")), Array("0x3ff3b000".utf8))
        XCTAssertEqual(bytes(root.sub("devices/system/memory/soft_offline_page")), [])
    }

    func testAddressTextMatchesPrintfHashLLX() {
        XCTAssertEqual(PageOffliner.addressText(0), "0")          // printf("%#llx", 0) == "0"
        XCTAssertEqual(PageOffliner.addressText(0x1000), "0x1000")
        XCTAssertEqual(PageOffliner.addressText(0x7ff_ffff_ffff_f000), "0x7fffffffffff000")
        XCTAssertEqual(PageOffliner.addressText(UInt64.max), "0xffffffffffffffff")
    }

    func testPathsFollowTheConfiguredRoot() {
        XCTAssertEqual(PageOffliner().path(for: .soft), "/sys/devices/system/memory/soft_offline_page")
        XCTAssertEqual(PageOffliner(sysfsRoot: "/x/").path(for: .hard), "/x/devices/system/memory/hard_offline_page")
    }

    func testSupportFollowsTheFile() {
        let root = sysfs(["soft_offline_page"])
        let offliner = PageOffliner(sysfsRoot: root.path)
        XCTAssertTrue(offliner.isSupported(.soft))
        XCTAssertFalse(offliner.isSupported(.hard), "no hard_offline_page")
        XCTAssertEqual(PageOffliner.unsupportedText, "Kernel does not support page offline interface")
    }

    func testANonWritableFileIsUnsupportedAndTheWriteFailsWithItsErrno() {
        let root = sysfs()
        chmod(root.sub("devices/system/memory/soft_offline_page"), 0o444)
        let path = root.path
        let (supported, result) = withoutFileCapabilities { () -> (Bool, PageOfflineResult) in
            let offliner = PageOffliner(sysfsRoot: path)
            return (offliner.isSupported(.soft), offliner.offline(physicalAddress: 0x1234000, mode: .soft))
        }
        XCTAssertFalse(supported)
        XCTAssertEqual(result, .failed(errno: EACCES, reason: "Permission denied"))
        XCTAssertEqual(bytes(root.sub("devices/system/memory/soft_offline_page")), [])
    }

    func testAMissingFileFailsWithENOENT() {
        let root = TemporaryDirectory("sysfs")
        XCTAssertEqual(PageOffliner(sysfsRoot: root.path).offline(physicalAddress: 0x1000, mode: .soft),
                       .failed(errno: ENOENT, reason: "No such file or directory"))
    }

    func testKernelRefusalsComeBackAsErrno() {
        // /dev/full refuses every write with ENOSPC: stands in for the kernel's EBUSY/EIO.
        let root = TemporaryDirectory("sysfs")
        root.mkdir("devices/system/memory")
        symlink("/dev/full", root.sub("devices/system/memory/soft_offline_page"))
        XCTAssertEqual(PageOffliner(sysfsRoot: root.path).offline(physicalAddress: 0x1000, mode: .soft),
                       .failed(errno: ENOSPC, reason: "No space left on device"))
    }
}

final class CorrectedErrorCollectorTests: XCTestCase {
    private func tree(cmdline: String = "BOOT_IMAGE=/vmlinuz-6.12.117+deb12-amd64 root=/dev/sda1 ro quiet\n") -> TemporaryDirectory {
        let t = TemporaryDirectory("cec")
        t.write("proc/cmdline", cmdline)
        t.mkdir("debug")
        t.mkdir("boot")
        return t
    }

    private func detect(_ t: TemporaryDirectory, release: String = "6.12.117+deb12-amd64") -> CorrectedErrorCollector {
        CorrectedErrorCollector.detect(debugfsRoot: t.sub("debug"), procRoot: t.sub("proc"),
                                       bootRoot: t.sub("boot"), release: release)
    }

    func testTheCECDebugfsDirectoryMeansActiveWithItsSettings() {
        // As observed in the Debian 12 6.12 kernel (CONFIG_RAS_CEC=y) under QEMU.
        let t = tree()
        t.write("debug/ras/daemon_active", "0\n")
        t.write("debug/ras/cec/action_threshold", "2\n")
        t.write("debug/ras/cec/decay_interval", "86400\n")
        let cec = detect(t)
        XCTAssertEqual(cec, CorrectedErrorCollector(state: .active, evidence: "\(t.sub("debug"))/ras/cec present",
                                                    actionThreshold: 2, decayIntervalSeconds: 86400))
        XCTAssertTrue(cec.isActive)
    }

    func testRASWithoutCECMeansInactive() {
        // Debian 12's 6.1 kernel (# CONFIG_RAS_CEC is not set), and 6.12 with ras=cec_disable.
        let t = tree()
        t.write("debug/ras/daemon_active", "0\n")
        t.write("boot/config-6.12.117+deb12-amd64", "CONFIG_RAS=y\nCONFIG_RAS_CEC=y\n")
        let cec = detect(t)
        XCTAssertEqual(cec.state, .inactive, "debugfs beats the config")
        XCTAssertEqual(cec.evidence, "\(t.sub("debug"))/ras present without cec/")
    }

    func testCecDisableOnTheCommandLineWins() {
        let t = tree(cmdline: "root=/dev/vda ras=cec_disable quiet\n")
        t.write("debug/ras/cec/action_threshold", "2\n")
        XCTAssertEqual(detect(t), CorrectedErrorCollector(state: .inactive, evidence: "ras=cec_disable on the kernel command line"))
        let listed = tree(cmdline: "ras=foo,cec_disable")
        XCTAssertEqual(detect(listed).state, .inactive)
        let other = tree(cmdline: "xras=cec_disable ras=cec_disabled")
        XCTAssertEqual(detect(other).state, .unknown)
    }

    func testWithoutDebugfsTheKernelConfigDecides() {
        let on = tree()
        on.write("boot/config-6.12.117+deb12-amd64", "CONFIG_RAS=y\nCONFIG_RAS_CEC=y\n# CONFIG_RAS_CEC_DEBUG is not set\n")
        XCTAssertEqual(detect(on), CorrectedErrorCollector(
            state: .active, evidence: "CONFIG_RAS_CEC=y in \(on.sub("boot"))/config-6.12.117+deb12-amd64"))

        let off = tree()
        off.write("boot/config-6.1.0-56-amd64", "CONFIG_RAS=y\n# CONFIG_RAS_CEC is not set\n")
        XCTAssertEqual(detect(off, release: "6.1.0-56-amd64").state, .inactive)
        XCTAssertEqual(detect(off, release: "6.1.0-56-amd64").evidence,
                       "CONFIG_RAS_CEC not set in \(off.sub("boot"))/config-6.1.0-56-amd64")
    }

    func testNothingToGoOnIsUnknown() {
        let t = tree()
        let cec = detect(t)
        XCTAssertEqual(cec.state, .unknown)
        XCTAssertFalse(cec.isActive)
    }
}

final class CPUOfflinerTests: XCTestCase {
    func testOfflineWritesZeroAndConfirmsIt() {
        let root = TemporaryDirectory("sysfs")
        let online = root.write("devices/system/cpu/cpu1/online", "1\n")
        XCTAssertEqual(CPUOffliner(sysfsRoot: root.path).offline(cpu: 1), .offlined)
        XCTAssertEqual(FileManager.default.contents(atPath: online), Data("0".utf8))
    }

    func testTheBootCPUWithoutAnOnlineFileIsRefusedClearly() {
        let root = TemporaryDirectory("sysfs")
        root.mkdir("devices/system/cpu/cpu0/cache")
        let result = CPUOffliner(sysfsRoot: root.path).offline(cpu: 0)
        XCTAssertEqual(result, .notHotpluggable(
            message: "CPU 0 cannot be taken offline: no \(root.path)/devices/system/cpu/cpu0/online"))
        XCTAssertFalse(FileManager.default.fileExists(atPath: root.sub("devices/system/cpu/cpu0/online")),
                       "no online file created")
        XCTAssertEqual(CPUOffliner(sysfsRoot: root.path).offline(cpu: 64).message,
                       "CPU 64 cannot be taken offline: no \(root.path)/devices/system/cpu/cpu64/online")
        XCTAssertEqual(CPUOffliner(sysfsRoot: root.path).offline(cpu: -1),
                       .notHotpluggable(message: "CPU -1 cannot be taken offline: no \(root.path)/devices/system/cpu/cpu-1/online"))
    }

    func testAnOfflineCPUIsLeftAlone() {
        let root = TemporaryDirectory("sysfs")
        let online = root.write("devices/system/cpu/cpu2/online", "0\n")
        XCTAssertEqual(CPUOffliner(sysfsRoot: root.path).offline(cpu: 2), .alreadyOffline)
        XCTAssertEqual(FileManager.default.contents(atPath: online), Data("0\n".utf8))
    }

    func testAWriteThatDoesNotStickIsReported() {
        // /dev/null takes the write and reads back empty, like a kernel that refused silently.
        let root = TemporaryDirectory("sysfs")
        root.mkdir("devices/system/cpu/cpu3")
        symlink("/dev/null", root.sub("devices/system/cpu/cpu3/online"))
        let result = CPUOffliner(sysfsRoot: root.path).offline(cpu: 3)
        XCTAssertEqual(result, .notConfirmed(readBack: ""))
        XCTAssertEqual(result.message, "online still reads `' after writing 0")
    }

    func testARefusedWriteCarriesTheErrno() {
        let root = TemporaryDirectory("sysfs")
        root.mkdir("devices/system/cpu/cpu5")
        symlink("/dev/full", root.sub("devices/system/cpu/cpu5/online"))
        XCTAssertEqual(CPUOffliner(sysfsRoot: root.path).offline(cpu: 5),
                       .failed(errno: ENOSPC, reason: "Offlining CPU 5 failed: No space left on device"))
    }
}
