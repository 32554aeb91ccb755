import XCTest
@testable import MachineCheck

/// Upstream's threshold syntax and leaky-bucket semantics (mcelog.md §10).
final class LeakyBucketTests: XCTestCase {
    func testThresholdSyntaxAcceptedAsUpstreamScansIt() {
        let cases: [(String, UInt64, Int64, Threshold.Unit, String)] = [
            ("10 / 24h", 10, 86_400, .hours, "10 / 24h"),
            ("1 / 1min", 1, 60, .minutes, "1 / 1m"),        // only the first letter counts
            ("100/24h", 100, 86_400, .hours, "100 / 24h"),
            ("2k / 1d", 2_000, 86_400, .days, "2000 / 1d"),
            ("3M/2H", 3_000_000, 7_200, .hours, "3000000 / 2h"),
            ("1g / 1m", 1_000_000_000, 60, .minutes, "1000000000 / 1m"),
            ("5 / 3600", 5, 3_600, .seconds, "5 / 3600"),
            ("  7 /  10 m trailing", 7, 600, .minutes, "7 / 10m"),
            ("20 / 24hours", 20, 86_400, .hours, "20 / 24h"),
        ]
        for (text, capacity, ageTime, unit, canonical) in cases {
            guard let t = Threshold.parse(text) else { XCTFail("rejected \(text)"); continue }
            XCTAssertEqual(t.capacity, capacity, text)
            XCTAssertEqual(t.ageTime, ageTime, text)
            XCTAssertEqual(t.unit, unit, text)
            XCTAssertEqual(t.description, canonical, text)
            XCTAssertEqual(Threshold.parse(canonical), t, "canonical form of \(text) parses back")
        }
    }

    func testThresholdSyntaxRejectedAsUpstreamRejectsIt() {
        for text in ["", "10", "10 24h", "ten / 24h", "0 / 24h", "10 / 0h", "10 / 24s", "10 / 24S",
                     "10x / 24h", "10k / 24", "10 / 24 x", "10 / / 24h", "-1 / 24h",
                     "4294967296 / 1h", "1 / 4294967296"] {
            XCTAssertNil(Threshold.parse(text), "accepted '\(text)'")
        }
    }

    func testBucketFiresOnTheCapacityThEventThenStartsOver() {
        var b = LeakyBucket(threshold: Threshold.parse("10 / 24h"), at: 1000)
        let fired = (1...25).map { i in b.account(1, at: 1000 + Int64(i)) }
        XCTAssertEqual(fired.enumerated().filter { $0.element }.map { $0.offset + 1 }, [10, 20])
        XCTAssertEqual(b.count, 5)
        XCTAssertEqual(b.excess, 20)
        XCTAssertEqual(b.description, "25 in 24h")
    }

    func testBucketSemanticsTable() {
        struct Step { let inc: UInt64; let at: Int64; let multiplier: UInt64; let fires: Bool; let shows: String }
        let table: [(String, [Step])] = [
            // Capacity 2 per hour: the second event in the window fires.
            ("2 / 1h", [Step(inc: 1, at: 0, multiplier: 1, fires: false, shows: "1 in 1h"),
                        Step(inc: 1, at: 10, multiplier: 1, fires: true, shows: "2 in 1h"),
                        Step(inc: 1, at: 20, multiplier: 1, fires: false, shows: "3 in 1h"),
                        // A whole window later everything leaked and the excess is forgotten.
                        Step(inc: 1, at: 3_600, multiplier: 1, fires: false, shows: "1 in 1h"),
                        // One second short of the next window: no leak yet.
                        Step(inc: 1, at: 7_199, multiplier: 1, fires: true, shows: "2 in 1h")]),
            // The multiplier scales the capacity (page offline retries).
            ("2 / 1h", [Step(inc: 1, at: 0, multiplier: 2, fires: false, shows: "1 in 1h"),
                        Step(inc: 1, at: 1, multiplier: 2, fires: false, shows: "2 in 1h"),
                        Step(inc: 1, at: 2, multiplier: 2, fires: false, shows: "3 in 1h"),
                        Step(inc: 1, at: 3, multiplier: 2, fires: true, shows: "4 in 1h")]),
            // An increment at or above capacity fires at once; seconds without unit letter.
            ("3 / 60", [Step(inc: 5, at: 0, multiplier: 1, fires: true, shows: "5 in 60"),
                        Step(inc: 1, at: 30, multiplier: 1, fires: false, shows: "6 in 60")]),
            // A record older than the last aging step leaks nothing.
            ("2 / 1m", [Step(inc: 1, at: 100, multiplier: 1, fires: false, shows: "1 in 1m"),
                        Step(inc: 1, at: 50, multiplier: 1, fires: true, shows: "2 in 1m")]),
            // Multiplier 0 (upstream's wrapped retry counter) counts as 1.
            ("1 / 1d", [Step(inc: 1, at: 0, multiplier: 0, fires: true, shows: "1 in 1d")]),
        ]
        for (threshold, steps) in table {
            var b = LeakyBucket(threshold: Threshold.parse(threshold), at: 0)
            for (i, s) in steps.enumerated() {
                XCTAssertEqual(b.account(s.inc, at: s.at, multiplier: s.multiplier), s.fires, "\(threshold) step \(i)")
                XCTAssertEqual(b.description, s.shows, "\(threshold) step \(i)")
            }
        }
    }

    func testDisabledBucketNeverFires() {
        var b = LeakyBucket(threshold: nil, at: 0)
        XCTAssertFalse(b.account(1_000_000, at: 5))
        XCTAssertEqual(b.count, 0)
        XCTAssertEqual(b.description, "not enabled")
    }

    func testAgingMovesTheWindowOnlyWhenAWholeWindowPassed() {
        var b = LeakyBucket(threshold: Threshold.parse("3 / 1h"), at: 0)
        _ = b.account(2, at: 0)
        b.age(at: 3_599)
        XCTAssertEqual(b.count, 2)
        XCTAssertEqual(b.stamp, 0)
        b.age(at: 3_600)
        XCTAssertEqual(b.count, 0)
        XCTAssertEqual(b.stamp, 3_600)
    }

    func testHugeValuesSaturateInsteadOfTrapping() {
        var b = LeakyBucket(threshold: Threshold.parse("1g / 1d"), at: Int64.min)
        XCTAssertTrue(b.account(UInt64.max, at: Int64.max, multiplier: UInt64.max))
        XCTAssertTrue(b.account(UInt64.max, at: Int64.max, multiplier: UInt64.max))
        XCTAssertEqual(b.excess, UInt64.max)
        XCTAssertEqual(b.description, "\(UInt64.max) in 1d")
    }
}
