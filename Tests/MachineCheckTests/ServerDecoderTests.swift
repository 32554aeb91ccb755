import XCTest
@testable import MachineCheck

/// Helpers for the Ice Lake and later server decoder tests.
enum ServerHarness {
    static func record(bank: UInt8, status: UInt64, misc: UInt64, apicid: UInt32) -> MachineCheckRecord {
        var r = MachineCheckRecord()
        r.bank = bank
        r.status = status
        r.misc = misc
        r.apicid = apicid
        return r
    }

    /// The model-specific text alone, with the facts the model decoder left.
    static func model(_ type: CPUType, bank: UInt8, status: UInt64, misc: UInt64 = 0,
                      apicid: UInt32 = 0) -> (text: String, facts: DecodeFacts) {
        var ctx = DecodeContext(record: record(bank: bank, status: status, misc: misc, apicid: apicid),
                                cpuType: type)
        ModelSpecific.decode(&ctx)
        return (ctx.out.string, ctx.facts)
    }

    /// The whole Intel decode (architectural lines first), with its facts.
    static func full(_ type: CPUType, bank: UInt8, status: UInt64, misc: UInt64 = 0,
                     apicid: UInt32 = 0) -> (text: String, facts: DecodeFacts) {
        var ctx = DecodeContext(record: record(bank: bank, status: status, misc: misc, apicid: apicid),
                                cpuType: type)
        IntelArchitectural.decode(&ctx)
        return (ctx.out.string, ctx.facts)
    }

    /// Places `value` at bit `lo` (for building MCi_MISC values field by field).
    static func field(_ value: UInt64, at lo: Int) -> UInt64 { value << UInt64(lo) }
}

/// The table helpers shared by the server decoders.
final class ServerTableTests: XCTestCase {
    func testSparseFieldRunsToHighestNamedValueAndSetsMask() {
        let f = ServerTable.field(0, [0x02: "two", 0x31: "high"], ranges: [(0x10...0x12, "run")])
        XCTAssertEqual(f.names.count, 0x32)
        XCTAssertEqual(f.mask, 0x3f)
        XCTAssertEqual(f.names[0x11], "run")
        XCTAssertNil(f.names[0x13])
    }

    func testSingleEntryTableHasOneBitMask() {
        // Upstream's `bitmask(0)` is 1: a one-entry table still looks at bit 0.
        XCTAssertEqual(ServerTable.field(0, [0x00: "only"]).mask, 1)
    }

    func testBankMapExpandsRanges() {
        let map: [Int: String] = ServerTable.banks([(3...5, "a"), (9...9, "b")])
        XCTAssertEqual(map, [3: "a", 4: "a", 5: "a", 9: "b"])
    }

    func testHexItemsLine() {
        var out = TextBuffer()
        ServerTable.hexItems(&out, [("rank", 0x5), ("subrank", 0xa)])
        XCTAssertEqual(out.string, "rank: 0x5 subrank: 0xa\n")
    }
}
