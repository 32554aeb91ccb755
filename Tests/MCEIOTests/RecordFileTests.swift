import Foundation
import XCTest
@testable import MCEIO
import MachineCheck

final class RecordFileTests: XCTestCase {
    func testReadsBackToBackRecordsAndReportsATruncatedTail() throws {
        var a = MachineCheckRecord(); a.status = 0x9000000000000150; a.bank = 1; a.finished = 1
        var b = a; b.bank = 2; b.status = 0xbd0000000000017a
        let path = NSTemporaryDirectory() + "records-\(getpid()).bin"
        let data = Data(a.bytes() + b.bytes() + [1, 2, 3])
        try data.write(to: URL(fileURLWithPath: path))
        defer { unlink(path) }
        var seen: [MachineCheckRecord] = []
        var truncated: (Int, Int)? = nil
        try RecordFileReader(path: path).forEach { item in
            switch item {
            case .record(let r, _): seen.append(r)
            case .truncated(let off, let n): truncated = (off, n)
            }
        }
        XCTAssertEqual(seen, [a, b])
        XCTAssertEqual(truncated?.0, 256)
        XCTAssertEqual(truncated?.1, 3)
    }

    func testOlderRecordLengthsParseWithTheirOwnStride() throws {
        var a = MachineCheckRecord(); a.status = 0x8c00004000010091; a.bank = 8; a.mcgcap = 0xc16; a.finished = 1
        let path = NSTemporaryDirectory() + "records88-\(getpid()).bin"
        try Data(a.bytes(length: 88) + a.bytes(length: 88)).write(to: URL(fileURLWithPath: path))
        defer { unlink(path) }
        var n = 0
        try RecordFileReader(path: path, recordLength: 88).forEach { item in
            if case .record(let r, _) = item { n += 1; XCTAssertEqual(r.length, 88); XCTAssertEqual(r.mcgcap, 0xc16) }
        }
        XCTAssertEqual(n, 2)
    }
}
