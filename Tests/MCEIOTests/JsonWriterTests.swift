import Foundation
import XCTest
@testable import MCEIO
import MachineCheck

/// The JSON writer behind `--json`: valid JSON for every value, journal entries rendered as
/// `journalctl -o json` renders them.
final class JsonWriterTests: XCTestCase {
    func parse(_ bytes: [UInt8]) throws -> Any {
        try JSONSerialization.jsonObject(with: Data(bytes), options: [.fragmentsAllowed])
    }

    func testNestedContainersGetTheirCommasAndParseBack() throws {
        var w = JSONWriter()
        w.beginObject()
        w.member("a", 1 as Int)
        w.key("list"); w.beginArray(); w.integer(-5); w.string("x"); w.null(); w.bool(true); w.beginObject(); w.endObject(); w.endArray()
        w.member("absent", nil as String?)
        w.member("big", UInt64.max)
        w.member("min", Int64.min)
        w.endObject()
        XCTAssertEqual(w.string, #"{"a":1,"list":[-5,"x",null,true,{}],"absent":null,"big":18446744073709551615,"min":-9223372036854775808}"#)
        let obj = try XCTUnwrap(try parse(w.bytes) as? [String: Any])
        XCTAssertEqual(obj["a"] as? Int, 1)
        XCTAssertEqual((obj["list"] as? [Any])?.count, 5)
        XCTAssertTrue(obj["absent"] is NSNull)
    }

    func testStringsEscapeQuotesBackslashesAndEveryControlCharacter() throws {
        var raw = "q\"b\\s/n\nr\rt\tb\u{08}f\u{0c}"
        for c in 0..<0x20 { raw.unicodeScalars.append(Unicode.Scalar(UInt8(c))) }
        raw += "\u{7f}é€😀"
        var w = JSONWriter()
        w.string(raw)
        XCTAssertTrue(w.string.hasPrefix(#""q\"b\\s/n\nr\rt\tb\bf\f\u0000\u0001"#), w.string)
        XCTAssertFalse(w.bytes.dropFirst().dropLast().contains(where: { $0 < 0x20 }), "no raw control byte inside the string")
        XCTAssertEqual(try parse(w.bytes) as? String, raw)
    }

    func testInvalidUTF8GivenAsTextIsRepairedNotPassedThrough() throws {
        var w = JSONWriter()
        w.string(utf8: [0x61, 0xff, 0x62, 0xc0, 0x80])
        XCTAssertEqual(try parse(w.bytes) as? String, "a\u{fffd}b\u{fffd}\u{fffd}")
    }

    func testUTF8ValidationRejectsOverlongsSurrogatesAndTruncation() {
        XCTAssertTrue(JSONWriter.isValidUTF8(Array("é€😀 plain".utf8)))
        XCTAssertFalse(JSONWriter.isValidUTF8([0xc0, 0xaf]), "overlong '/'")
        XCTAssertFalse(JSONWriter.isValidUTF8([0xe0, 0x80, 0xaf]), "overlong 3-byte")
        XCTAssertFalse(JSONWriter.isValidUTF8([0xed, 0xa0, 0x80]), "UTF-16 surrogate")
        XCTAssertFalse(JSONWriter.isValidUTF8([0xf4, 0x90, 0x80, 0x80]), "above U+10FFFF")
        XCTAssertFalse(JSONWriter.isValidUTF8([0xe2, 0x82]), "truncated")
        XCTAssertFalse(JSONWriter.isValidUTF8([0x80]), "lone continuation byte")
    }

    func testJournalEntryBecomesOneObjectWithItsFieldsInOrder() throws {
        let record = CapturedRecords.correctedMemory
        let out = CapturedRecords.decode(record, .nehalem)
        let entry = JournalEntry.machineCheck(record, facts: out.facts, decoded: out.text, dimmName: "DIMM \"A1\"")
        let line = JSONWriter.jsonLine(entry)
        XCTAssertEqual(line.last, 0x0a, "JSON Lines: one object, one newline")
        XCTAssertEqual(line.filter { $0 == 0x0a }.count, 1, "the multi-line decode is escaped, not split")
        let obj = try XCTUnwrap(try parse(Array(line.dropLast())) as? [String: Any])
        XCTAssertEqual(obj.count, entry.count)
        for (name, value) in entry.fields {
            XCTAssertEqual(obj[name] as? String, String(decoding: value, as: UTF8.self), name)
        }
        XCTAssertEqual(obj["MCE_ADDR"] as? String, "0x1234000")
        XCTAssertEqual(obj["DIMM"] as? String, "DIMM \"A1\"")
        XCTAssertTrue((obj["MCE_DECODED"] as? String)?.contains("\nMCA: MEMORY CONTROLLER") == true)
        // Field order is the entry's: MESSAGE first, MCE_DECODED last.
        let text = String(decoding: line, as: UTF8.self)
        XCTAssertTrue(text.hasPrefix(#"{"MESSAGE":"Corrected memory error: CPU 0 bank 1 addr 0x1234000 DIMM DIMM \"A1\"","MESSAGE_ID":"19b8d76f99044599b3477385cb5fb56c","PRIORITY":"4","#), text)
    }

    func testBinaryOrControlCharacterValuesBecomeByteArraysAsInJournalctl() throws {
        var e = JournalEntry()
        try e.append("MESSAGE", "tab\tand\nnewline stay text")
        try e.append("MCE_RAW", bytes: [0x00, 0x01, 0x0a, 0xff])
        try e.append("MCE_ESC", "colour \u{1b}[31m")
        try e.append("MCE_C1", "c1 \u{85}")
        try e.append("MCE_NONASCII", "Hauptspeicher ÄÖÜ")
        let obj = try XCTUnwrap(try parse(Array(JSONWriter.jsonLine(e).dropLast())) as? [String: Any])
        XCTAssertEqual(obj["MESSAGE"] as? String, "tab\tand\nnewline stay text")
        XCTAssertEqual(obj["MCE_RAW"] as? [Int], [0, 1, 10, 255])
        XCTAssertEqual(obj["MCE_ESC"] as? [Int], Array("colour \u{1b}[31m".utf8).map(Int.init))
        XCTAssertEqual(obj["MCE_C1"] as? [Int], [0x63, 0x31, 0x20, 0xc2, 0x85])
        XCTAssertEqual(obj["MCE_NONASCII"] as? String, "Hauptspeicher ÄÖÜ")
    }
}
