import Foundation
import XCTest
@testable import MachineCheck

/// Replays a decode case through the decoders alone: records are read by the real ascii
/// parser (so record boundaries and the sticky CPU type are upstream's), and each record's
/// decoder text (after the header, RIP, MISC/ADDR and TIME lines, up to `STATUS `) is
/// compared with the same span of upstream's output. GoldenDecodeTests compares whole
/// outputs; this pins a difference to one family's decoder.
enum DecoderSpanReplay {
    static func directory(extra: Bool) -> URL {
        GoldenDecodeTests.fixtures.appendingPathComponent(extra ? "decode-extra" : "decode")
    }

    /// The records of an input, each with the decoder type it is decoded with.
    static func records(_ input: [UInt8], forced: CPUType?) -> [(MachineCheckRecord, CPUType)] {
        var parser = AsciiRecordParser()
        var tracker = CPUTypeTracker(forced: forced)
        var out: [(MachineCheckRecord, CPUType)] = []
        func take(_ parsed: AsciiRecordParser.ParsedRecord?) {
            guard let p = parsed else { return }
            _ = tracker.observe(p.record)
            out.append((p.record, tracker.current))
        }
        var start = 0
        for (i, b) in input.enumerated() where b == 0x0a {
            take(parser.feed(line: input[start...i]).record)
            start = i + 1
        }
        if start < input.count { take(parser.feed(line: input[start...]).record) }
        take(parser.finish())
        return out
    }

    /// The decoder span of every record in upstream's output.
    static func spans(_ text: String) -> [String] {
        let marker = "Hardware event. This is not a software error.\n"
        return text.components(separatedBy: marker).dropFirst().compactMap { chunk -> String? in
            var lines = chunk.split(separator: "\n", omittingEmptySubsequences: false).dropFirst()
            if lines.first?.hasPrefix("RIP") == true { lines = lines.dropFirst() }
            if let l = lines.first, (l.hasPrefix("MISC ") || l.hasPrefix("ADDR ")) && l.hasSuffix(" ") {
                lines = lines.dropFirst()
            }
            if lines.first?.hasPrefix("TIME ") == true { lines = lines.dropFirst() }
            let rest = lines.joined(separator: "\n")
            guard let end = rest.range(of: "STATUS ") else { return nil }   // an echoed marker line
            return String(rest[..<end.lowerBound])
        }
    }

    /// The decoder part of one record's decode.
    static func decode(_ record: MachineCheckRecord, _ type: CPUType) -> DecodeContext {
        var ctx = DecodeContext(record: record, cpuType: type)
        switch type {
        case .k8: AMDK8.decode(&ctx)
        case .amdSMCA: AMDSMCA.decode(&ctx)
        case .generic: break
        default: IntelArchitectural.decode(&ctx)
        }
        return ctx
    }

    static func check(_ name: String, forced: CPUType? = nil, extra: Bool = false,
                      file: StaticString = #filePath, line: UInt = #line) throws {
        let dir = directory(extra: extra)
        let input = try [UInt8](Data(contentsOf: dir.appendingPathComponent(name + ".in")))
        let output = try String(contentsOf: dir.appendingPathComponent(name + ".out"), encoding: .utf8)
        let recs = records(input, forced: forced)
        let expected = spans(output)
        XCTAssertFalse(expected.isEmpty, "\(name): no records in the expected output", file: file, line: line)
        XCTAssertEqual(recs.count, expected.count, "\(name): record count", file: file, line: line)
        for (i, ((r, type), want)) in zip(recs, expected).enumerated() {
            XCTAssertEqual(decode(r, type).out.string, want, "\(name) record \(i + 1)", file: file, line: line)
        }
    }
}
