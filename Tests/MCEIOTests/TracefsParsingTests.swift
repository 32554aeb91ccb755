import Foundation
import XCTest
@testable import MCEIO
import MachineCheck

/// The real captures in Tests/Fixtures/tracefs (Debian 12 kernels 6.1 and 6.12 under QEMU,
/// see each PROVENANCE.md): their description files, raw sub-buffers and expectations.
struct TracefsFixture {
    static let base = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("Fixtures/tracefs")
    static let all = ["debian-6.1", "debian-6.12"].map(TracefsFixture.init)

    let name: String
    var dir: URL { TracefsFixture.base.appendingPathComponent(name) }
    var instance: URL { dir.appendingPathComponent("instances/mcelog") }

    func text(_ relative: String) throws -> String {
        try String(contentsOf: instance.appendingPathComponent(relative), encoding: .utf8)
    }
    func path(_ relative: String) -> String { instance.appendingPathComponent(relative).path }

    var headerPage: HeaderPage { get throws { try HeaderPage(parsing: text("events/header_page"), file: path("events/header_page")) } }
    var recordFormat: TraceEventFormat {
        get throws { try TraceEventFormat(parsing: text("events/mce/mce_record/format"), file: path("events/mce/mce_record/format")) }
    }
    var memoryFormat: TraceEventFormat {
        get throws { try TraceEventFormat(parsing: text("events/ras/mc_event/format"), file: path("events/ras/mc_event/format")) }
    }
    var rawPages: [UInt8] { get throws { try [UInt8](Data(contentsOf: instance.appendingPathComponent("per_cpu/cpu0/trace_pipe_raw"))) } }

    func pages() throws -> [[UInt8]] {
        let raw = try rawPages, size = try headerPage.pageSize
        return stride(from: 0, to: raw.count, by: size).map { Array(raw[$0..<min($0 + size, raw.count)]) }
    }

    struct Injected { let bank: UInt8; let status, mcgstatus, addr, misc: UInt64 }

    /// injected.tsv: one line per injected machine check, in order.
    func injected() throws -> [Injected] {
        let tsv = try String(contentsOf: dir.appendingPathComponent("injected.tsv"), encoding: .utf8)
        func hex(_ s: Substring) -> UInt64 { UInt64(s.dropFirst(2), radix: 16)! }
        return tsv.split(separator: "\n").filter { !$0.hasPrefix("#") }.map { line in
            let c = line.split(separator: "\t")
            return Injected(bank: UInt8(c[3])!, status: hex(c[4]), mcgstatus: hex(c[5]), addr: hex(c[6]), misc: hex(c[7]))
        }
    }

    struct TraceLine { let micros: UInt64; let values: [String: String] }

    /// The kernel's own text rendering of each mce_record (the `trace` file), key by key.
    func traceLines() throws -> [TraceLine] {
        let trace = try text("trace")
        let re = try NSRegularExpression(pattern: #"([A-Za-z/]+[0-9]*): (?:([0-9a-f]+):<([0-9a-f]+)>|([0-9a-f]+)/([0-9a-f]+)|([0-9a-f]+):([0-9a-f]+)|([0-9a-f]+))"#)
        return try trace.split(separator: "\n").filter { $0.contains("mce_record:") }.map { line in
            let s = String(line)
            let parts = s.components(separatedBy: ": mce_record: ")
            let stamp = parts[0].split(separator: " ").last!.split(separator: ".")
            let micros = UInt64(stamp[0])! * 1_000_000 + UInt64(stamp[1])!
            var values: [String: String] = [:]
            let body = parts[1] as NSString
            for m in re.matches(in: parts[1], range: NSRange(location: 0, length: body.length)) {
                let key = body.substring(with: m.range(at: 1))
                func g(_ i: Int) -> String? { m.range(at: i).location == NSNotFound ? nil : body.substring(with: m.range(at: i)) }
                if let seg = g(2), let ip = g(3) { values["CS"] = seg; values["IP"] = ip }
                else if let a = g(4), let b = g(5), key == "MCGc/s" { values["MCGCAP"] = a; values["MCGSTATUS"] = b }
                else if let a = g(4), let b = g(5) { values[key] = a + "/" + b }
                else if let a = g(6), let b = g(7) { values[key] = a + ":" + b }
                else if let v = g(8) { values[key] = v }
            }
            guard !values.isEmpty else { throw NSError(domain: "trace", code: 1) }
            return TraceLine(micros: micros, values: values)
        }
    }

    /// Every mce_record in the raw sub-buffers, with its ring-buffer timestamp.
    func decodedRecords() throws -> [(record: MachineCheckRecord, timestamp: UInt64)] {
        let layout = try headerPage, decoder = try MCERecordDecoder(format: recordFormat)
        var out: [(MachineCheckRecord, UInt64)] = []
        for (i, bytes) in try pages().enumerated() {
            let page = try RingBufferPage(bytes: bytes, layout: layout, pageOffset: i * layout.pageSize)
            for e in page.events where e.typeID == decoder.eventID {
                out.append((try decoder.decode(Array(e.payload)), e.timestamp))
            }
        }
        return out
    }
}

final class TracefsFormatTests: XCTestCase {
    func testMceRecordFormatsOfBothKernelsGiveNamesOffsetsAndSizes() throws {
        let old = try TracefsFixture(name: "debian-6.1").recordFormat
        XCTAssertEqual(old.name, "mce_record")
        XCTAssertEqual(old.id, 113)
        XCTAssertEqual(old.fields.count, 21)
        XCTAssertEqual(old.field(named: "walltime")?.offset, 80)
        XCTAssertNil(old.field(named: "ppin"))
        XCTAssertEqual(old.field(named: "common_pid")?.isSigned, true)
        XCTAssertEqual(old.field(named: "cpuvendor").map { [$0.offset, $0.size] }, [106, 1])
        XCTAssertEqual(old.fixedSize, 107)

        let new = try TracefsFixture(name: "debian-6.12").recordFormat
        XCTAssertEqual(new.fields.count, 23)
        XCTAssertEqual(new.field(named: "ppin").map { [$0.offset, $0.size] }, [80, 8])
        XCTAssertEqual(new.field(named: "walltime")?.offset, 88)
        XCTAssertEqual(new.field(named: "microcode").map { [$0.offset, $0.size] }, [116, 4])
        XCTAssertEqual(new.field(named: "cpu")?.declaration, "u32 cpu")
        XCTAssertEqual(new.field(named: "cpu")?.line, 20)
    }

    func testMcEventFormatKnowsItsDataLocStrings() throws {
        let f = try TracefsFixture(name: "debian-6.12").memoryFormat
        XCTAssertEqual(f.id, 1351)
        XCTAssertEqual(f.field(named: "label")?.location, .dataLoc)
        XCTAssertEqual(f.field(named: "label")?.declaration, "__data_loc char[] label")
        XCTAssertEqual(f.field(named: "top_layer")?.isSigned, true)
        XCTAssertEqual(f.field(named: "address")?.offset, 32)
        XCTAssertEqual(try TracefsFixture(name: "debian-6.1").memoryFormat.id, 1227)
    }

    func testHeaderPagesGiveTheSubBufferLayout() throws {
        for fixture in TracefsFixture.all {
            let h = try fixture.headerPage
            XCTAssertEqual(h, HeaderPage(timestampOffset: 0, commitOffset: 8, commitSize: 8, describesOverwrite: true,
                                         dataOffset: 16, dataSize: 4080), fixture.name)
            XCTAssertEqual(h.pageSize, 4096)
        }
    }

    func format(replacing old: String, with new: String, in fixture: String = "debian-6.12") throws -> String {
        let text = try TracefsFixture(name: fixture).text("events/mce/mce_record/format")
        XCTAssertTrue(text.contains(old), "fixture lacks \(old)")
        return text.replacingOccurrences(of: old, with: new)
    }

    func formatError(_ text: String, maximumEventSize: Int = 4080, decoder: Bool = false) -> TraceFormatError? {
        do {
            let f = try TraceEventFormat(parsing: text, file: "test/format", maximumEventSize: maximumEventSize)
            if decoder { _ = try MCERecordDecoder(format: f) }
            return nil
        } catch let e as TraceFormatError {
            return e
        } catch {
            XCTFail("unexpected error \(error)")
            return nil
        }
    }

    func testAMissingRequiredFieldIsNamed() throws {
        let text = try format(replacing: "\tfield:u64 status;\toffset:24;\tsize:8;\tsigned:0;\n", with: "")
        let e = formatError(text, decoder: true)
        XCTAssertEqual(e, TraceFormatError(file: "test/format", .missingField("status")))
        XCTAssertEqual(e?.description, "test/format: required field `status' is missing")
    }

    func testAFieldBeyondTheSubBufferIsRejectedWithItsLine() throws {
        let text = try format(replacing: "field:u64 tsc;\toffset:72;", with: "field:u64 tsc;\toffset:4078;")
        let e = formatError(text)
        XCTAssertEqual(e, TraceFormatError(file: "test/format", line: 17, .fieldBeyondLimit(name: "tsc", end: 4086, limit: 4080)))
        XCTAssertEqual(e?.description, "test/format:17: field `tsc' ends at byte 4086, beyond the 4080 bytes an event can hold")
    }

    func testMalformedFieldLinesAreRejectedWithTheirLine() throws {
        for bad in ["field:u64 tsc;\toffset:x72;", "field:u64 tsc;\toffset:-72;", "field:;\toffset:72;",
                    "field:u64 tsc;\toffset:99999999999999999999;", "field:u64 7tsc;\toffset:72;"] {
            let text = try format(replacing: "field:u64 tsc;\toffset:72;", with: bad)
            guard case .malformedField? = formatError(text)?.reason else { XCTFail("accepted \(bad)"); continue }
            XCTAssertEqual(formatError(text)?.line, 17)
        }
        let noSize = try format(replacing: "\tsize:8;\tsigned:0;\n\tfield:u64 ppin", with: "\n\tfield:u64 ppin")
        XCTAssertEqual(formatError(noSize)?.line, 17)
    }

    func testGarbageAndTruncatedFormatFilesAreErrorsNotCrashes() throws {
        var rng = SeededGenerator(seed: 7)
        for _ in 0..<300 {
            let bytes = (0..<Int.random(in: 0..<400, using: &rng)).map { _ in UInt8.random(in: 0...255, using: &rng) }
            XCTAssertNotNil(formatError(String(decoding: bytes, as: UTF8.self)))
        }
        let text = try TracefsFixture(name: "debian-6.12").text("events/mce/mce_record/format")
        for cut in stride(from: 0, to: text.count, by: 7) {
            // Any prefix either parses (then decodes only if complete) or is a clean error.
            _ = formatError(String(text.prefix(cut)), decoder: true)
        }
        XCTAssertEqual(formatError("name: mce_record\nformat:\n")?.reason, .missingID)
        XCTAssertEqual(formatError("name: mce_record\nID: 70000\n")?.reason, .invalidID("70000"))
        XCTAssertEqual(formatError("name: x\nID: 1\nformat:\n")?.reason, .noFields)
        XCTAssertEqual(formatError("ID: 1\nfield:unsigned short common_type;\toffset:0;\tsize:2;\tsigned:0;\n")?.reason, .missingName)
        XCTAssertEqual(formatError("name: x\nID: 1\nhello world\n")?.reason, .unexpectedLine("hello world"))
        XCTAssertEqual(formatError("name: x\nID: 1\nfield:u64 a;\toffset:0;\tsize:8;\tsigned:0;\n")?.reason,
                       .invalidLayout("`common_type' is not the u16 at offset 0"))
    }

    func testDuplicateAndBadlySizedFieldsAreRejected() throws {
        let dup = try format(replacing: "field:u64 ppin;", with: "field:u64 tsc;")
        XCTAssertEqual(formatError(dup), TraceFormatError(file: "test/format", line: 18, .duplicateField("tsc")))
        let odd = try format(replacing: "field:u64 status;\toffset:24;\tsize:8;", with: "field:u64 status;\toffset:24;\tsize:3;")
        XCTAssertEqual(formatError(odd, decoder: true),
                       TraceFormatError(file: "test/format", line: 11, .unsupportedFieldSize(name: "status", size: 3)))
        let loc = try format(replacing: "field:u64 addr;", with: "field:__data_loc char[] addr;")
        XCTAssertEqual(formatError(loc, decoder: true)?.reason, .wrongFieldKind(name: "addr", expected: "an integer"))
    }

    func testOptionalFieldsMayBeAbsentAndUnknownFieldsAreIgnored() throws {
        let old = try MCERecordDecoder(format: TracefsFixture(name: "debian-6.1").recordFormat)
        XCTAssertEqual(old.absentFields, ["ppin", "microcode"])
        XCTAssertEqual(old.payloadSize, 107)
        // The record ends before the first absent field, so it is not reported as zero.
        XCTAssertEqual(old.recordLength, RecordOffset.ppin)
        let current = try MCERecordDecoder(format: TracefsFixture(name: "debian-6.12").recordFormat)
        XCTAssertEqual(current.absentFields, [])
        XCTAssertEqual(current.recordLength, MachineCheckRecord.currentLength)

        // The 2.6.33-era layout: no synd/ipid either.
        var text = try format(replacing: "\tfield:u64 synd;\toffset:48;\tsize:8;\tsigned:0;\n", with: "", in: "debian-6.1")
        text = text.replacingOccurrences(of: "\tfield:u64 ipid;\toffset:56;\tsize:8;\tsigned:0;\n", with: "")
        // ... and a field from a future kernel after the last one.
        text = text.replacingOccurrences(of: "\n\nprint fmt", with: "\n\tfield:__data_loc u8[] v_data;\toffset:108;\tsize:4;\tsigned:0;\n\nprint fmt")
        let decoder = try MCERecordDecoder(format: TraceEventFormat(parsing: text, file: "old"))
        XCTAssertEqual(decoder.absentFields, ["synd", "ipid", "ppin", "microcode"])
        XCTAssertEqual(decoder.recordLength, RecordOffset.synd)
        var payload = [UInt8](repeating: 0, count: 112)
        payload[24] = 0x90; payload[31] = 0x9c; payload[105] = 6; payload[88] = 3
        let r = try decoder.decode(payload)
        XCTAssertEqual(r.status, 0x9c00_0000_0000_0090)
        XCTAssertEqual(r.bank, 6)
        XCTAssertEqual(r.extcpu, 3)
        XCTAssertEqual(r.cpu, 3)
        XCTAssertEqual(r.synd, 0)
    }

    func testMalformedHeaderPagesAreRejected() throws {
        let good = try TracefsFixture(name: "debian-6.12").text("events/header_page")
        func error(_ text: String) -> TraceFormatError.Reason? {
            do { _ = try HeaderPage(parsing: text, file: "hp"); return nil } catch let e as TraceFormatError { return e.reason } catch { return nil }
        }
        XCTAssertNil(error(good))
        XCTAssertEqual(error(good.replacingOccurrences(of: "local_t commit", with: "local_t kommit")), .missingField("commit"))
        XCTAssertEqual(error(good.replacingOccurrences(of: "offset:8;\tsize:8;\tsigned:1;", with: "offset:8;\tsize:3;\tsigned:1;")),
                       .unsupportedFieldSize(name: "commit", size: 3))
        XCTAssertEqual(error(good.replacingOccurrences(of: "offset:16;", with: "offset:4;")),
                       .invalidLayout("the page header overlaps `data' at offset 4"))
        XCTAssertEqual(error(good + "junk\n"), .unexpectedLine("junk"))
        XCTAssertEqual(error(""), .missingField("timestamp"))
    }
}

final class TracefsPageTests: XCTestCase {
    func testEveryCapturedRecordDecodesAsInjected() throws {
        for fixture in TracefsFixture.all {
            let records = try fixture.decodedRecords().map(\.record)
            let injected = try fixture.injected()
            XCTAssertEqual(records.count, 67, fixture.name)
            XCTAssertEqual(injected.count, 67, fixture.name)
            for (i, (r, want)) in zip(records, injected).enumerated() {
                XCTAssertEqual(r.status, want.status, "\(fixture.name) #\(i + 1)")
                XCTAssertEqual(r.addr, want.addr, "\(fixture.name) #\(i + 1)")
                XCTAssertEqual(r.misc, want.misc, "\(fixture.name) #\(i + 1)")
                XCTAssertEqual(r.bank, want.bank, "\(fixture.name) #\(i + 1)")
                XCTAssertEqual(r.extcpu, 0)
                XCTAssertEqual(r.cpuid, 0x106a3)
                XCTAssertEqual(r.finished, 1)
                // 6.1 traces no ppin: the record ends where that field would start.
                XCTAssertEqual(r.length, fixture.name.hasSuffix("6.1") ? RecordOffset.ppin : 128, fixture.name)
            }
        }
    }

    /// Every field against the kernel's own text rendering of the same records.
    func testEveryFieldMatchesTheKernelsTextTrace() throws {
        for fixture in TracefsFixture.all {
            let decoded = try fixture.decodedRecords(), lines = try fixture.traceLines()
            XCTAssertEqual(decoded.count, lines.count)
            let is612 = fixture.name == "debian-6.12"
            for (i, ((r, ts), line)) in zip(decoded, lines).enumerated() {
                let v = line.values, at = "\(fixture.name) #\(i + 1)"
                func hex(_ k: String) -> UInt64? { v[k].flatMap { UInt64($0, radix: 16) } }
                XCTAssertEqual(hex("MCGCAP"), r.mcgcap, at)
                XCTAssertEqual(hex("MCGSTATUS"), r.mcgstatus, at)
                XCTAssertEqual(hex("MC\(r.bank)"), r.status, at)
                XCTAssertEqual(hex("IP"), r.ip, at)
                XCTAssertEqual(hex("CS"), UInt64(r.cs), at)
                XCTAssertEqual(hex("TSC"), r.tsc, at)
                XCTAssertEqual(hex("IPID"), r.ipid, at)
                if is612 {
                    XCTAssertEqual(hex("ADDR"), r.addr, at)
                    XCTAssertEqual(hex("SYND"), r.synd, at)
                    XCTAssertEqual(v["time"].flatMap { UInt64($0) }, r.time, at)
                    XCTAssertEqual(hex("CPUID"), UInt64(r.cpuid), at)
                    XCTAssertEqual(hex("microcode"), UInt64(r.microcode), at)
                    XCTAssertEqual(r.microcode, 1)
                    XCTAssertEqual(hex("PPIN"), r.ppin, at)
                } else {
                    XCTAssertEqual(v["ADDR/MISC/SYND"], String(format: "%016llx/%016llx", r.addr, r.misc), at)
                    XCTAssertEqual(v["TIME"].flatMap { UInt64($0) }, r.time, at)
                    XCTAssertEqual(v["PROCESSOR"], "0:" + String(r.cpuid, radix: 16), at)
                    XCTAssertEqual(r.microcode, 0, "absent on 6.1")
                }
                XCTAssertEqual(v["CPU"].flatMap { UInt32($0) }, r.extcpu, at)
                // The ring-buffer clock, rounded to microseconds as the kernel prints it.
                XCTAssertEqual((ts + 500) / 1000, line.micros, at)
            }
        }
    }

    func testTheTwoLayoutsPlaceWalltimeDifferently() throws {
        let p61 = try TracefsFixture(name: "debian-6.1").pages()[0], p612 = try TracefsFixture(name: "debian-6.12").pages()[0]
        // 6.1: 112-byte payloads fit a type_len of 28; 6.12's 120 bytes need the length word.
        XCTAssertEqual(p61[16] & 0x1f, 28)
        XCTAssertEqual(p612[16] & 0x1f, 0)
        XCTAssertEqual(p612[20], 124)
        let r61 = try TracefsFixture(name: "debian-6.1").decodedRecords()[0].record
        let r612 = try TracefsFixture(name: "debian-6.12").decodedRecords()[0].record
        XCTAssertEqual(r61.time, 1_795_839_035)
        XCTAssertEqual(r612.time, 1_795_839_033)
        XCTAssertEqual(r612.ppin, 0)
    }

    func testPageSummariesAndEventCounts() throws {
        let f = TracefsFixture(name: "debian-6.12"), layout = try f.headerPage
        let pages = try f.pages().map { try RingBufferPage(bytes: $0, layout: layout) }
        XCTAssertEqual(pages.map(\.summary.dataLength), [0xfa0, 0xf80, 0x290])
        XCTAssertEqual(pages.map(\.events.count).reduce(0, +), 67)
        XCTAssertTrue(pages.allSatisfy { !$0.summary.missedEvents })
        XCTAssertEqual(pages[0].summary.timestamp, 0xaabdde18)
        XCTAssertEqual(pages[0].events[0].timestamp, 0xaabdde18)
        XCTAssertEqual(pages[0].events[0].payload.count, 120)
        XCTAssertEqual(pages[0].events[0].offset, 16)
    }

    func testMissedEventsFlagAndStoredCountAreReported() throws {
        var page = try TracefsFixture(name: "debian-6.1").pages()[0]
        let layout = try TracefsFixture(name: "debian-6.1").headerPage
        let commit = Int(page[8]) | Int(page[9]) << 8
        page[11] |= 0xc0                      // RB_MISSED_EVENTS | RB_MISSED_STORED
        let at = 16 + commit
        for (i, b) in [0x39, 0x05, 0, 0, 0, 0, 0, 0].enumerated() { page[at + i] = UInt8(b) }
        let p = try RingBufferPage(bytes: page, layout: layout)
        XCTAssertTrue(p.summary.missedEvents)
        XCTAssertEqual(p.summary.missedCount, 0x539)
        XCTAssertEqual(p.summary.dataLength, commit)
        XCTAssertEqual(p.events.count, 34)

        page[11] = 0x80                       // flagged, but no room to store the count
        let q = try RingBufferPage(bytes: page, layout: layout)
        XCTAssertTrue(q.summary.missedEvents)
        XCTAssertNil(q.summary.missedCount)
    }

    /// A page assembled by hand: time extend, absolute stamp, discarded event, long event.
    func testTimeExtendsStampsAndPaddingFollowTheKernel() throws {
        var data: [UInt32] = []
        data += [30 | (5 << 5), 2]                    // time extend: +(2<<27) + 5
        data += [2 | (10 << 5), 0x0000_0071, 0xabcd]  // 8-byte event, delta 10, type 113
        data += [29 | (1 << 5), 8, 0]                 // discarded event: 4 + array[0] bytes
        data += [31 | (7 << 5), 1]                    // absolute: (1<<27) + 7
        data += [0 | (3 << 5), 9, 0x0000_0072, 0x11]  // long form, 5 payload bytes -> 8
        data += [29, 0]                               // empty rest of the page
        var page = [UInt8](repeating: 0, count: 4096)
        page.withUnsafeMutableBytes { p in
            p.storeBytes(of: UInt64(1000).littleEndian, toByteOffset: 0, as: UInt64.self)
            p.storeBytes(of: UInt64(data.count * 4 + 40).littleEndian, toByteOffset: 8, as: UInt64.self)
            for (i, w) in data.enumerated() { p.storeBytes(of: w.littleEndian, toByteOffset: 16 + 4 * i, as: UInt32.self) }
        }
        let p = try RingBufferPage(bytes: page, layout: HeaderPage())
        XCTAssertEqual(p.events.map(\.typeID), [0x71, 0x72])
        let extended: UInt64 = 1000 + (2 << 27) + 5 + 10, stamped: UInt64 = (1 << 27) + 7 + 3
        XCTAssertEqual(p.events.map(\.timestamp), [extended, stamped])
        XCTAssertEqual(p.events.map(\.payload.count), [8, 8])
        XCTAssertEqual(p.events.map(\.offset), [24, 56])
        XCTAssertEqual(p.summary.dataLength, 104, "the commit reaches past the empty-page marker")
    }

    func corruptionReason(_ page: [UInt8], pageOffset: Int = 0) -> SubBufferError.Reason? {
        do { _ = try RingBufferPage(bytes: page, layout: HeaderPage(), pageOffset: pageOffset); return nil }
        catch let e as SubBufferError { XCTAssertEqual(e.pageOffset, pageOffset); return e.reason }
        catch { XCTFail("\(error)"); return nil }
    }

    func testCorruptPagesAreRejectedWithTheirOffset() throws {
        let good = try TracefsFixture(name: "debian-6.12").pages()[1]
        XCTAssertNil(corruptionReason(good))

        XCTAssertEqual(corruptionReason(Array(good.prefix(3000)), pageOffset: 4096), .shortPage(bytes: 3000, pageSize: 4096))

        var big = good; big[8] = 0x00; big[9] = 0x20      // commit 8192
        XCTAssertEqual(corruptionReason(big, pageOffset: 8192), .commitBeyondPage(commit: 8192, capacity: 4080))
        let err = SubBufferError(pageOffset: 8192, reason: .commitBeyondPage(commit: 8192, capacity: 4080))
        XCTAssertEqual(err.description, "corrupt trace sub-buffer at byte 8192: commit of 8192 data bytes exceeds the 4080-byte data area")

        var long = good; long[20] = 0xff; long[21] = 0x0f   // first event claims 4095 bytes
        XCTAssertEqual(corruptionReason(long), .eventRunsOffData(at: 16, length: 8 + 4092, dataEnd: 16 + 0xf80))

        var empty = good; empty[20] = 4                     // length word counting only itself
        XCTAssertEqual(corruptionReason(empty), .zeroLengthEvent(at: 16))

        var cut = good; cut[8] = 0x7e                       // commit ends inside the last event
        XCTAssertEqual(corruptionReason(cut), .eventRunsOffData(at: 16 + 30 * 128, length: 128, dataEnd: 16 + 0xf7e))

        var stored = good; stored[8] = 0xf0; stored[9] = 0x0f; stored[11] = 0xc0  // count would sit past the page
        XCTAssertEqual(corruptionReason(stored), .missedCountBeyondPage(at: 4096))
    }

    func testRandomAndMutatedPagesNeverCrashOrHang() throws {
        var rng = SeededGenerator(seed: 42)
        let layout = HeaderPage()
        let real = try TracefsFixture.all.flatMap { try $0.pages() }
        let decoders = try TracefsFixture.all.map { try MCERecordDecoder(format: $0.recordFormat) }
        let iterations = Int(ProcessInfo.processInfo.environment["MCELOG_FUZZ_ITERATIONS"] ?? "") ?? 3000
        var outcomes = [0, 0]
        for i in 0..<iterations {
            var page: [UInt8]
            if i % 4 == 0 {
                page = (0..<4096).map { _ in UInt8.random(in: 0...255, using: &rng) }
                if i % 8 == 0 { page[8] = UInt8.random(in: 0...255, using: &rng); page[9] = UInt8.random(in: 0...15, using: &rng); page[10] = 0; page[11] = 0 }
            } else {
                page = real[i % real.count]
                for _ in 0..<Int.random(in: 1...8, using: &rng) { page[Int.random(in: 8..<4096, using: &rng)] = UInt8.random(in: 0...255, using: &rng) }
            }
            do {
                try page.withUnsafeBytes { raw in
                    _ = try RingBufferPage.walk(raw, layout: layout) { e in
                        for d in decoders { _ = try? d.decode(e.payload) }
                    }
                }
                outcomes[0] += 1
            } catch is SubBufferError {
                outcomes[1] += 1
            }
        }
        XCTAssertGreaterThan(outcomes[0], 0)
        XCTAssertGreaterThan(outcomes[1], 0)
    }

    func testShortPayloadsAreErrorsNotReadsPastTheEnd() throws {
        let decoder = try MCERecordDecoder(format: TracefsFixture(name: "debian-6.12").recordFormat)
        XCTAssertThrowsError(try decoder.decode([UInt8](repeating: 0, count: 116))) { e in
            XCTAssertEqual(e as? TraceRecordError, TraceRecordError(event: "mce_record", reason: .payloadTooShort(bytes: 116, needed: 120)))
        }
    }
}

final class TracefsMemoryEventTests: XCTestCase {
    /// An mc_event payload laid out by the captured format (no EDAC driver fires under QEMU).
    static func payload(id: UInt16, label: String, msg: String, detail: String) -> [UInt8] {
        var p = [UInt8](repeating: 0, count: 60)
        func put(_ v: UInt64, _ o: Int, _ n: Int) { for i in 0..<n { p[o + i] = UInt8(truncatingIfNeeded: v >> (8 * UInt64(i))) } }
        func string(_ s: String, field: Int) {
            let bytes = Array(s.utf8) + [0]
            put(UInt64(p.count) | UInt64(bytes.count) << 16, field, 4)
            p += bytes
        }
        put(UInt64(id), 0, 2)
        put(1, 8, 4)                                   // uncorrected
        string(msg, field: 12)
        string(label, field: 16)
        put(3, 20, 2)
        put(1, 22, 1)
        put(0xff, 23, 1); put(2, 24, 1); put(0, 25, 1)
        put(0x1234_5000, 32, 8)
        put(6, 40, 1)
        put(0xffff_ffff_ffff_fffe, 48, 8)
        string(detail, field: 56)
        while p.count % 4 != 0 { p.append(0) }
        return p
    }

    func testMcEventDecodesStringsAndLocation() throws {
        for fixture in TracefsFixture.all {
            let format = try fixture.memoryFormat
            let decoder = try MemoryControllerEventDecoder(format: format)
            let e = try decoder.decode(Self.payload(id: format.id, label: "CPU_SrcID#0_Ha#0_Chan#1_DIMM#0",
                                                    msg: "memory read error", detail: "APEI location: node:0"))
            XCTAssertEqual(e.label, "CPU_SrcID#0_Ha#0_Chan#1_DIMM#0")
            XCTAssertEqual(e.message, "memory read error")
            XCTAssertEqual(e.driverDetail, "APEI location: node:0")
            XCTAssertEqual(e.errorType, 1)
            XCTAssertEqual(e.errorTypeName, "uncorrected")
            XCTAssertEqual(e.errorCount, 3)
            XCTAssertEqual(e.mcIndex, 1)
            XCTAssertEqual([e.topLayer, e.middleLayer, e.lowerLayer], [-1, 2, 0])
            XCTAssertEqual(e.address, 0x1234_5000)
            XCTAssertEqual(e.grainBits, 6)
            XCTAssertEqual(e.grain, 64)
            XCTAssertEqual(e.syndrome, 0xffff_ffff_ffff_fffe)
        }
    }

    func testAStringPointingOutsideThePayloadIsAnError() throws {
        let format = try TracefsFixture(name: "debian-6.1").memoryFormat
        var p = Self.payload(id: format.id, label: "DIMM_A1", msg: "", detail: "")
        p[18] = 0xff                                     // label length 255
        XCTAssertThrowsError(try MemoryControllerEventDecoder(format: format).decode(p)) { e in
            guard case .stringOutsidePayload(field: "label", _, length: 0xff, _)? = (e as? TraceRecordError)?.reason else {
                return XCTFail("\(e)")
            }
        }
    }

    func testRelativeLocStringsCountFromTheFieldsEnd() throws {
        let text = """
        name: mc_event
        ID: 9
        format:
        \tfield:unsigned short common_type;\toffset:0;\tsize:2;\tsigned:0;
        \tfield:unsigned int error_type;\toffset:4;\tsize:4;\tsigned:0;
        \tfield:__rel_loc char[] label;\toffset:8;\tsize:4;\tsigned:0;
        \tfield:u16 error_count;\toffset:12;\tsize:2;\tsigned:0;

        print fmt: "whatever"
        """
        let decoder = try MemoryControllerEventDecoder(format: TraceEventFormat(parsing: text, file: "rel"))
        var p: [UInt8] = [9, 0, 0, 0, 0, 0, 0, 0, 4, 0, 3, 0, 1, 0, 0, 0]
        p += Array("DIMM0\0".utf8)                       // label at 16 = field end (12) + 4
        p[10] = 6
        let e = try decoder.decode(p)
        XCTAssertEqual(e.label, "DIMM0")
        XCTAssertEqual(e.errorCount, 1)
        XCTAssertEqual(e.topLayer, -1, "absent layers read as unknown")
        XCTAssertEqual(e.message, "")
    }
}

/// A small deterministic generator (xorshift64*), so failures reproduce.
struct SeededGenerator: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed &* 0x9E37_79B9_7F4A_7C15 | 1 }
    mutating func next() -> UInt64 {
        state ^= state >> 12; state ^= state << 25; state ^= state >> 27
        return state &* 0x2545_F491_4F6C_DD1D
    }
}
