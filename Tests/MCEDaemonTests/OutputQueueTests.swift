import XCTest
import TestSupport
import Glibc
@testable import MCEDaemon

final class OutputQueueTests: XCTestCase {
    func testFullQueueDropsAndReportsTheCountToTheSender() {
        let q = OutputQueue<Int>(capacity: 3)
        XCTAssertTrue(q.push(1)); XCTAssertTrue(q.push(2)); XCTAssertTrue(q.push(3))
        XCTAssertFalse(q.push(4))
        XCTAssertFalse(q.push(5))
        var dropped = 0
        XCTAssertEqual(q.pop(dropped: &dropped), 1)
        XCTAssertEqual(dropped, 2, "losses reach the sender with the next item")
        XCTAssertEqual(q.pop(dropped: &dropped), 2)
        XCTAssertEqual(dropped, 0)
        XCTAssertEqual(q.droppedTotal, 2)
    }

    /// Closing lets the sender take everything still queued, in order, before pop says done.
    func testSenderThreadReceivesEverythingInOrderBeforeCloseEndsIt() {
        let q = OutputQueue<Int>(capacity: 1000)
        final class Box: @unchecked Sendable { var got: [Int] = [] }
        let box = Box()
        let t = BackgroundThread {
            var d = 0
            while let v = q.pop(dropped: &d) { box.got.append(v); usleep(10) }
        }
        for i in 0..<500 { XCTAssertTrue(q.push(i)) }
        q.close()
        t.join()
        XCTAssertEqual(box.got, Array(0..<500))
        XCTAssertFalse(q.push(500), "closed")
    }
}
