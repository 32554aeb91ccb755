import XCTest
@testable import MCEIO
import MachineCheck

/// /proc/cpuinfo to decoder type, on the real cpuinfo of the QEMU guest the captures came from.
final class HostCPUTests: XCTestCase {
    static let capture = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Fixtures/tracefs/debian-6.1/cpuinfo").path

    func testTheCaptureGuestIsANehalemDecodedWithItsModelDecoder() throws {
        let cpu = try XCTUnwrap(HostCPU.read(path: Self.capture))
        XCTAssertEqual(cpu.vendor, "GenuineIntel")
        XCTAssertEqual(cpu.family, 6)
        XCTAssertEqual(cpu.model, 26)
        XCTAssertEqual(cpu.selection, CPUSelection(type: .nehalem))
    }

    func testVendorsAndFamiliesMapAsUpstreamPlusZen() {
        func sel(_ v: String, _ f: UInt32, _ m: UInt32 = 1) -> CPUType {
            var c = HostCPU(); c.vendor = v; c.family = f; c.model = m
            return c.selection.type
        }
        XCTAssertEqual(sel("AuthenticAMD", 15), .k8)
        XCTAssertEqual(sel("AuthenticAMD", 0x19), .amdSMCA)
        XCTAssertEqual(sel("AuthenticAMD", 0x10), .generic)
        XCTAssertEqual(sel("HygonGenuine", 0x18), .amdSMCA)
        XCTAssertEqual(sel("GenuineIntel", 6, 0x55), .skylakeXeon)
        XCTAssertEqual(sel("CentaurHauls", 6), .generic)
    }

    func testAnUnreadableOrIncompleteCpuinfoIsNil() throws {
        XCTAssertNil(HostCPU.read(path: "/nonexistent/cpuinfo"))
        let path = NSTemporaryDirectory() + "cpuinfo-\(getpid())"
        try "processor : 0\nflags : fpu\n".write(toFile: path, atomically: true, encoding: .utf8)
        defer { unlink(path) }
        XCTAssertNil(HostCPU.read(path: path))
    }
}
