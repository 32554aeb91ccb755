import Foundation
import XCTest
import MachineCheck
import MCEIO
@testable import MCEDaemon

/// The daemon asks the tracepoint source for no more records than its queue has room for;
/// the source turns that into whole sub-buffers (at most 35 records each), never zero.
final class TracepointSourceTests: XCTestCase {
    func testLimitNextDrainReadsTheSubBuffersTheQueueHasRoomFor() throws {
        let capture = try CaptureCopy("debian-6.1", in: self)
        let raw = [UInt8](try Data(contentsOf: URL(fileURLWithPath: capture.rawPipe)))
        let page = CaptureCopy.pageSize
        XCTAssertEqual(raw.count, 2 * page, "34 records, then 33")
        try Data(raw + raw).write(to: URL(fileURLWithPath: capture.rawPipe))
        let source = try TracepointSource(root: capture.root)
        defer { source.close() }

        func drain(limit records: Int) throws -> (count: Int, more: Bool) {
            source.limitNextDrain(records: records)
            var count = 0
            let more = try source.drain { event in
                if case .record = event { count += 1 }
            }
            return (count, more)
        }
        // Room for less than a whole sub-buffer still reads one: the reader must move on.
        XCTAssertEqual(try drain(limit: 35).count, 34)
        XCTAssertEqual(try drain(limit: 72).count, 33 + 34, "room for two sub-buffers")
        XCTAssertEqual(try drain(limit: 71).count, 33)
        let last = try drain(limit: 1_000_000)
        XCTAssertEqual(last.count, 0)
        XCTAssertFalse(last.more)
    }
}
