import XCTest
@testable import MachineCheck

/// The number primitives decoded text, JSON and journal fields are all written with.
final class FormatTests: XCTestCase {
    func text(_ body: (inout [UInt8]) -> Void) -> String {
        var out: [UInt8] = Array("x=".utf8)
        body(&out)
        return String(decoding: out, as: UTF8.self)
    }

    func testDecimalAndHexAppendAfterWhatIsThere() {
        XCTAssertEqual(text { Format.appendDecimal(0, to: &$0) }, "x=0")
        XCTAssertEqual(text { Format.appendDecimal(1_795_839_035, to: &$0) }, "x=1795839035")
        XCTAssertEqual(text { Format.appendDecimal(UInt64.max, to: &$0) }, "x=18446744073709551615")
        XCTAssertEqual(text { Format.appendDecimal(7, width: 3, to: &$0) }, "x=007")
        XCTAssertEqual(text { Format.appendDecimal(12345, width: 3, to: &$0) }, "x=12345")
        XCTAssertEqual(text { Format.appendHex(0, to: &$0) }, "x=0")
        XCTAssertEqual(text { Format.appendHex(0x9c00004000010090, to: &$0) }, "x=9c00004000010090")
        XCTAssertEqual(text { Format.appendHex(UInt64.max, to: &$0) }, "x=ffffffffffffffff")
        XCTAssertEqual(text { Format.appendHex(0xa, width: 2, to: &$0) }, "x=0a")
        XCTAssertEqual(text { Format.appendHex(0x1f, width: 16, to: &$0) }, "x=000000000000001f")
    }

    /// printf's %d with a width counts the sign: %03d of -5 is "-05".
    func testTextBufferSignedDecimalsKeepPrintfsWidth() {
        var t = TextBuffer()
        t.decimal(-5, width: 3); t.write(" "); t.decimal(Int64.min); t.write(" "); t.decimal(UInt8(255))
        t.write(" "); t.hex(UInt8(0xb), width: 2)
        XCTAssertEqual(t.string, "-05 -9223372036854775808 255 0b")
    }

    func testJSONIntegersAndControlCharacterEscapes() {
        var j = JSONWriter()
        j.beginArray(); j.integer(Int64.min); j.integer(UInt64.max); j.string("a\u{1}\u{1f}"); j.endArray()
        XCTAssertEqual(String(decoding: j.bytes, as: UTF8.self), #"[-9223372036854775808,18446744073709551615,"a\u0001\u001f"]"#)
    }
}
