import Foundation
import XCTest
import MCEIO
import MachineCheck

/// Throughput of the tracepoint reader (a regular file of real sub-buffers through the whole
/// source: read, walk, decode). Prints records/s; run in release for meaningful numbers:
/// `swift test -c release -Xswiftc -enable-testing --filter TracefsPerformanceTests`.
final class TracefsPerformanceTests: XCTestCase {
    func testReaderThroughputOnRealSubBuffers() throws {
        let fixture = TracefsFixture(name: "debian-6.12")
        let raw = try fixture.rawPages
        let copies = Int(ProcessInfo.processInfo.environment["MCELOG_TRACEFS_BENCH_COPIES"] ?? "") ?? 300
        let root = URL(fileURLWithPath: NSTemporaryDirectory()).appendingPathComponent("tracefs-bench-\(getpid())")
        defer { try? FileManager.default.removeItem(at: root) }
        let instance = root.appendingPathComponent("instances/mcelog")
        try FileManager.default.createDirectory(at: root.appendingPathComponent("instances"), withIntermediateDirectories: true)
        try FileManager.default.copyItem(at: fixture.instance, to: instance)
        try "0\n".write(to: instance.appendingPathComponent("events/mce/mce_record/enable"), atomically: false, encoding: .utf8)
        var big = [UInt8](); big.reserveCapacity(raw.count * copies)
        for _ in 0..<copies { big += raw }
        try Data(big).write(to: instance.appendingPathComponent("per_cpu/cpu0/trace_pipe_raw"))

        var source = try TracefsSource(root: root.path)
        defer { source.close() }
        var n = 0
        var bankSum = 0
        let start = DispatchTime.now().uptimeNanoseconds
        while !source.isExhausted {
            try source.drain { item in
                if case .record(let r, _) = item { n += 1; bankSum &+= Int(r.bank) }
            }
        }
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        XCTAssertEqual(n, 67 * copies)
        XCTAssertGreaterThan(bankSum, 0)
        print("tracefs reader: \(n) records in \(String(format: "%.3f", seconds)) s = \(Int(Double(n) / seconds)) records/s")
    }
}
