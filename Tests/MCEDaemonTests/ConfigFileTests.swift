import XCTest
import TestSupport
@testable import MCEDaemon

final class ConfigFileTests: XCTestCase {
    static let shipped = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("conf/mcelog.conf").path

    func testTheShippedConfigurationParses() throws {
        let c = try ConfigFile.load(path: Self.shipped)
        XCTAssertEqual(c.string("page", "memory-ce-action"), "soft")
        XCTAssertEqual(try c.bool("cache", "cache-threshold-log"), true)
        XCTAssertEqual(try c.integer("trigger", "children-max", range: -1...1000), 2)
    }

    func testUnknownKeysAndBadLinesNameFileAndLine() {
        XCTAssertThrowsError(try ConfigFile(path: "x.conf", text: "[page]\nmemory-ce-actoin = soft\n")) { e in
            XCTAssertEqual("\(e)", "config file x.conf line 2: unknown key `memory-ce-actoin' in [page]")
        }
        XCTAssertThrowsError(try ConfigFile(path: "x.conf", text: "[page\n")) { e in
            XCTAssertEqual("\(e)", "config file x.conf line 1: Header without ending ]")
        }
        XCTAssertThrowsError(try ConfigFile(path: "x.conf", text: "\n\njust words\n")) { e in
            XCTAssertEqual("\(e)", "config file x.conf line 3: config file line not field nor header")
        }
        XCTAssertThrowsError(try ConfigFile(path: "x.conf", text: "[nosuch]\n")) { e in
            XCTAssertEqual("\(e)", "config file x.conf line 1: unknown section [nosuch]")
        }
    }

    func testSectionsFallBackToGlobalAndCommentsAreStripped() throws {
        let c = try ConfigFile(path: "x", text: "memory-ce-action = hard # comment\n[page]\nmemory-ce-log = on\n")
        XCTAssertEqual(c.string("page", "memory-ce-action"), "hard")
        XCTAssertEqual(try c.bool("page", "memory-ce-log"), true)
        let bad = try ConfigFile(path: "x", text: "[cache]\ncache-threshold-log = maybe\n")
        XCTAssertThrowsError(try bad.bool("cache", "cache-threshold-log")) { e in
            XCTAssertEqual("\(e)", "config file x line 2: choice config option `maybe' unparseable")
        }
    }

    func testMissingDefaultFileIsEmptyButAMissingGivenFileIsAnError() throws {
        XCTAssertThrowsError(try ConfigFile.load(path: "/nonexistent/mcelog.conf"))
    }
}
