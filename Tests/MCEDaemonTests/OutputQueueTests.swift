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
        q.done()
        XCTAssertEqual(q.pop(dropped: &dropped), 2); q.done()
        XCTAssertEqual(dropped, 0)
        XCTAssertEqual(q.droppedTotal, 2)
    }

    func testSenderThreadReceivesEverythingInOrderAndDrainWaitsForIt() {
        let q = OutputQueue<Int>(capacity: 1000)
        final class Box: @unchecked Sendable { var got: [Int] = [] }
        let box = Box()
        let t = BackgroundThread {
            var d = 0
            while let v = q.pop(dropped: &d) { box.got.append(v); usleep(10); q.done() }
        }
        for i in 0..<500 { XCTAssertTrue(q.push(i)) }
        q.waitUntilDrained()
        XCTAssertEqual(box.got, Array(0..<500))
        q.close()
        t.join()
    }
}
