import Foundation
import XCTest
@testable import MCEIO
import MachineCheck

/// The reader on directories laid out like tracefs: copies of the real captures as plain
/// files, and FIFOs fed sub-buffer by sub-buffer.
final class TracefsSourceTests: XCTestCase {
    var root: URL!
    let fm = FileManager.default

    override func setUpWithError() throws {
        root = URL(fileURLWithPath: NSTemporaryDirectory()).appendingPathComponent("tracefs-\(getpid())-\(UUID().uuidString)")
        try fm.createDirectory(at: root, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? fm.removeItem(at: root)
    }

    var instance: URL { root.appendingPathComponent("instances/mcelog") }

    /// Copies a capture's instance and adds the control files tracefs would have.
    func layOut(_ fixture: String, cpus: [Int: [UInt8]]? = nil) throws {
        try fm.createDirectory(at: root.appendingPathComponent("instances"), withIntermediateDirectories: true)
        try fm.copyItem(at: TracefsFixture(name: fixture).instance, to: instance)
        for f in ["events/mce/mce_record/enable", "events/ras/mc_event/enable", "tracing_on"] {
            try "0\n".write(to: instance.appendingPathComponent(f), atomically: false, encoding: .utf8)
        }
        if let cpus {
            try fm.removeItem(at: instance.appendingPathComponent("per_cpu"))
            for (cpu, bytes) in cpus { try write(bytes, cpu: cpu) }
        }
    }

    func write(_ bytes: [UInt8], cpu: Int) throws {
        let dir = instance.appendingPathComponent("per_cpu/cpu\(cpu)")
        try fm.createDirectory(at: dir, withIntermediateDirectories: true)
        try Data(bytes).write(to: dir.appendingPathComponent("trace_pipe_raw"))
    }

    func content(_ relative: String) throws -> String {
        try String(contentsOf: instance.appendingPathComponent(relative), encoding: .utf8)
    }

    struct Drained {
        var records: [(MachineCheckRecord, Int)] = []
        var lost: [(Int, Int)] = []
        var memory: [MemoryControllerEvent] = []
        var error: Error?
    }

    func drain(_ source: inout TracefsSource) -> Drained {
        var out = Drained()
        do {
            try source.drain { item in
                switch item {
                case .record(let r, let cpu): out.records.append((r, cpu))
                case .lost(let n, let cpu): out.lost.append((n, cpu))
                case .memoryEvent(let e): out.memory.append(e)
                }
            }
        } catch { out.error = error }
        return out
    }

    func testReadsEveryCapturedRecordFromALaidOutInstance() throws {
        for fixture in TracefsFixture.all {
            try? fm.removeItem(at: root)
            try layOut(fixture.name)
            XCTAssertTrue(TracefsSource.isAvailable(root: root.path))
            var source = try TracefsSource(root: root.path)
            defer { source.close() }
            XCTAssertEqual(source.cpus, [0])
            XCTAssertEqual(source.pollDescriptors.count, 1)
            XCTAssertEqual(source.warnings, [])
            XCTAssertNotNil(source.memoryEventDecoder)
            // The instance was switched on as the daemon needs it.
            XCTAssertEqual(try content("buffer_percent"), "0\n")
            XCTAssertEqual(try content("tracing_on"), "1\n")
            XCTAssertEqual(try content("events/mce/mce_record/enable"), "1\n")
            XCTAssertEqual(try content("events/ras/mc_event/enable"), "1\n")

            let got = drain(&source)
            XCTAssertNil(got.error)
            let injected = try fixture.injected()
            XCTAssertEqual(got.records.count, 67, fixture.name)
            XCTAssertEqual(got.records.map(\.0.addr), injected.map(\.addr), fixture.name)
            XCTAssertEqual(got.records.map(\.0.status), injected.map(\.status), fixture.name)
            XCTAssertTrue(got.records.allSatisfy { $0.1 == 0 })
            XCTAssertTrue(got.lost.isEmpty)
            XCTAssertEqual(source.statistics.records, 67)
            XCTAssertEqual(source.statistics.pages, try fixture.pages().count)

            // A plain file at its end is no longer polled and is not read again.
            XCTAssertEqual(source.pollDescriptors, [])
            XCTAssertTrue(source.isExhausted)
            let again = drain(&source)
            XCTAssertTrue(again.records.isEmpty)
            XCTAssertNil(again.error)
        }
    }

    func testCPUsAreReadSeparatelyAndInOrder() throws {
        let pages = try TracefsFixture(name: "debian-6.12").pages()
        // cpu2 gets the first two sub-buffers, cpu10 the last one.
        try layOut("debian-6.12", cpus: [10: pages[2], 2: pages[0] + pages[1]])
        var source = try TracefsSource(root: root.path)
        defer { source.close() }
        XCTAssertEqual(source.cpus, [2, 10])
        let got = drain(&source)
        XCTAssertNil(got.error)
        let injected = try TracefsFixture(name: "debian-6.12").injected()
        let cpu2 = got.records.filter { $0.1 == 2 }.map(\.0.addr)
        let cpu10 = got.records.filter { $0.1 == 10 }.map(\.0.addr)
        XCTAssertEqual(cpu2 + cpu10, injected.map(\.addr))
        XCTAssertEqual(cpu10.count, 5)
    }

    /// One busy CPU cannot starve the others: each drain takes at most `pagesPerDrainLimit`
    /// sub-buffers from every CPU, and the next drains go on where it stopped.
    func testThePerDrainPageLimitSharesEachDrainBetweenCPUsAndLosesNothing() throws {
        let fixture = TracefsFixture(name: "debian-6.1")
        let pages = try fixture.pages()
        XCTAssertEqual(pages.count, 2)
        let addrs = try fixture.injected().map(\.addr)
        let first = Array(addrs[0..<34]), second = Array(addrs[34...])
        // cpu0 is busy with three sub-buffers, cpu3 has one.
        try layOut(fixture.name, cpus: [0: pages[0] + pages[1] + pages[0], 3: pages[1]])
        var source = try TracefsSource(root: root.path)
        defer { source.close() }
        source.pagesPerDrainLimit = 1

        var perDrain: [(cpu0: [UInt64], cpu3: [UInt64], pages: Int)] = []
        for _ in 0..<4 {
            let before = source.statistics.pages
            let got = drain(&source)
            XCTAssertNil(got.error)
            perDrain.append((got.records.filter { $0.1 == 0 }.map(\.0.addr),
                             got.records.filter { $0.1 == 3 }.map(\.0.addr),
                             source.statistics.pages - before))
        }
        XCTAssertEqual(perDrain.map(\.pages), [2, 1, 1, 0], "at most one sub-buffer per CPU per drain")
        XCTAssertEqual(perDrain.map(\.cpu0), [first, second, first, []])
        XCTAssertEqual(perDrain.map(\.cpu3), [second, [], [], []])
        XCTAssertTrue(source.isExhausted)
        XCTAssertEqual(source.statistics.records, 34 + 33 + 34 + 33)

        // Without the limit one drain takes everything.
        try? fm.removeItem(at: root)
        try layOut(fixture.name, cpus: [0: pages[0] + pages[1] + pages[0], 3: pages[1]])
        var unlimited = try TracefsSource(root: root.path)
        defer { unlimited.close() }
        XCTAssertEqual(drain(&unlimited).records.count, 34 + 33 + 34 + 33)
        XCTAssertTrue(unlimited.isExhausted)
    }

    func testACorruptSubBufferIsSkippedAndReportedAfterTheOthers() throws {
        var pages = try TracefsFixture(name: "debian-6.12").pages()
        pages[1][9] = 0x20                            // commit 0x2080: beyond the data area
        try layOut("debian-6.12", cpus: [0: pages.flatMap { $0 }])
        var source = try TracefsSource(root: root.path)
        defer { source.close() }
        let got = drain(&source)
        XCTAssertEqual(got.records.count, 31 + 5)
        let e = try XCTUnwrap(got.error as? TracefsError)
        guard case .corruptSubBuffer(let path, let sub) = e else { return XCTFail("\(e)") }
        XCTAssertTrue(path.hasSuffix("per_cpu/cpu0/trace_pipe_raw"))
        XCTAssertEqual(sub, SubBufferError(pageOffset: 4096, reason: .commitBeyondPage(commit: 0x2080, capacity: 4080)))
        XCTAssertTrue("\(e)".contains("trace_pipe_raw: corrupt trace sub-buffer at byte 4096: commit of 8320"), "\(e)")
    }

    func testATruncatedCaptureDeliversWholeSubBuffersAndSaysSoOnce() throws {
        let raw = try TracefsFixture(name: "debian-6.1").rawPages
        try layOut("debian-6.1", cpus: [0: Array(raw.prefix(4096 + 100))])
        var source = try TracefsSource(root: root.path)
        defer { source.close() }
        let got = drain(&source)
        XCTAssertEqual(got.records.count, 34)
        guard case .truncatedSubBuffer(_, offset: 4096, bytes: 100, pageSize: 4096)? = got.error as? TracefsError else {
            return XCTFail("\(String(describing: got.error))")
        }
        XCTAssertNil(drain(&source).error, "reported once")
    }

    func testMissedEventsAreReportedBeforeTheSubBuffersRecords() throws {
        var pages = try TracefsFixture(name: "debian-6.1").pages()
        let commit = Int(pages[1][8]) | Int(pages[1][9]) << 8
        pages[1][11] = 0xc0
        pages[1][16 + commit] = 17
        try layOut("debian-6.1", cpus: [3: pages.flatMap { $0 }])
        var source = try TracefsSource(root: root.path)
        defer { source.close() }
        var order: [String] = []
        try source.drain { item in
            switch item {
            case .record: if order.last != "record" { order.append("record") }
            case .lost(let n, let cpu): order.append("lost \(n) on cpu\(cpu)")
            case .memoryEvent: order.append("memory")
            }
        }
        XCTAssertEqual(order, ["record", "lost 17 on cpu3", "record"])
        XCTAssertEqual(source.statistics.lostEvents, 17)
        XCTAssertEqual(source.statistics.pagesAfterLoss, 1)
    }

    func testFIFOFedSubBufferBySubBufferDeliversEveryRecordInOrder() throws {
        let fixture = TracefsFixture(name: "debian-6.12")
        let pages = try fixture.pages()
        try layOut(fixture.name, cpus: [:])
        let dir = instance.appendingPathComponent("per_cpu/cpu0")
        try fm.createDirectory(at: dir, withIntermediateDirectories: true)
        let fifo = dir.appendingPathComponent("trace_pipe_raw").path
        XCTAssertEqual(mkfifo(fifo, 0o600), 0)
        var source = try TracefsSource(root: root.path)
        defer { source.close() }

        // No writer yet: nothing, and no churn.
        XCTAssertTrue(drain(&source).records.isEmpty)
        let fd = source.pollDescriptors

        var writer = open(fifo, O_WRONLY | O_NONBLOCK)
        XCTAssertGreaterThanOrEqual(writer, 0)
        var records: [MachineCheckRecord] = []
        for page in pages {
            // Half a sub-buffer is held back until the rest arrives.
            XCTAssertEqual(page.withUnsafeBytes { Glibc.write(writer, $0.baseAddress, 1000) }, 1000)
            let partial = drain(&source)
            XCTAssertTrue(partial.records.isEmpty)
            XCTAssertNil(partial.error)
            XCTAssertEqual(page.withUnsafeBytes { Glibc.write(writer, $0.baseAddress! + 1000, 3096) }, 3096)
            let got = drain(&source)
            XCTAssertNil(got.error)
            XCTAssertFalse(got.records.isEmpty)
            records += got.records.map(\.0)
        }
        XCTAssertEqual(records.map(\.addr), try fixture.injected().map(\.addr))
        XCTAssertEqual(source.pollDescriptors, fd)

        // The writer leaves: the FIFO is reopened, so it does not poll as hung up forever,
        // and the next writer is read too.
        close(writer)
        XCTAssertTrue(drain(&source).records.isEmpty)
        XCTAssertEqual(source.pollDescriptors.count, 1)
        var pfd = pollfd(fd: source.pollDescriptors[0], events: Int16(POLLIN), revents: 0)
        XCTAssertEqual(poll(&pfd, 1, 0), 0, "an idle FIFO does not wake the daemon")
        XCTAssertFalse(source.isExhausted)

        writer = open(fifo, O_WRONLY | O_NONBLOCK)
        XCTAssertGreaterThanOrEqual(writer, 0)
        XCTAssertEqual(pages[2].withUnsafeBytes { Glibc.write(writer, $0.baseAddress, 4096) }, 4096)
        XCTAssertEqual(poll(&pfd, 1, 1000), 1)
        XCTAssertEqual(drain(&source).records.count, 5)
        close(writer)
    }

    /// Real tracefs files are "regular" too; the file-system magic tells a capture apart.
    func testFileSystemMagicSeparatesKernelFilesFromCaptures() throws {
        let proc = open("/proc/self/stat", O_RDONLY)
        defer { close(proc) }
        XCTAssertEqual(TracefsFiles.fileSystemMagic(proc), 0x9fa0, "PROC_SUPER_MAGIC")
        try layOut("debian-6.1")
        let path = instance.appendingPathComponent("per_cpu/cpu0/trace_pipe_raw").path
        let fd = open(path, O_RDONLY)
        defer { close(fd) }
        XCTAssertEqual(try TracefsFiles.kind(of: fd, path: path), .file)
    }

    func testAFIFOWhoseWriterLeftWithoutWritingStopsPollingReady() throws {
        try layOut("debian-6.1", cpus: [:])
        let dir = instance.appendingPathComponent("per_cpu/cpu0")
        try fm.createDirectory(at: dir, withIntermediateDirectories: true)
        let fifo = dir.appendingPathComponent("trace_pipe_raw").path
        XCTAssertEqual(mkfifo(fifo, 0o600), 0)
        var source = try TracefsSource(root: root.path)
        defer { source.close() }
        var pfd = pollfd(fd: source.pollDescriptors[0], events: Int16(POLLIN), revents: 0)
        XCTAssertEqual(poll(&pfd, 1, 0), 0, "never written: quiet")
        close(open(fifo, O_WRONLY | O_NONBLOCK))
        XCTAssertEqual(poll(&pfd, 1, 0), 1, "hung up")
        XCTAssertNil(drain(&source).error)
        pfd.fd = source.pollDescriptors[0]
        pfd.revents = 0
        XCTAssertEqual(poll(&pfd, 1, 0), 0, "reopened: quiet again")
    }

    func testFIFOWriterLeavingMidSubBufferIsReported() throws {
        try layOut("debian-6.12", cpus: [:])
        let dir = instance.appendingPathComponent("per_cpu/cpu0")
        try fm.createDirectory(at: dir, withIntermediateDirectories: true)
        let fifo = dir.appendingPathComponent("trace_pipe_raw").path
        XCTAssertEqual(mkfifo(fifo, 0o600), 0)
        var source = try TracefsSource(root: root.path)
        defer { source.close() }
        let writer = open(fifo, O_WRONLY | O_NONBLOCK)
        let page = try TracefsFixture(name: "debian-6.12").pages()[0]
        XCTAssertEqual(page.withUnsafeBytes { Glibc.write(writer, $0.baseAddress, 4096 + 0) }, 4096)
        XCTAssertEqual(page.withUnsafeBytes { Glibc.write(writer, $0.baseAddress, 10) }, 10)
        close(writer)
        let got = drain(&source)
        XCTAssertEqual(got.records.count, 31)
        guard case .truncatedSubBuffer(_, offset: 4096, bytes: 10, _)? = got.error as? TracefsError else {
            return XCTFail("\(String(describing: got.error))")
        }
    }

    func testMissingInstanceIsCreatedAndAMissingEventIsAClearError() throws {
        try fm.createDirectory(at: root.appendingPathComponent("instances"), withIntermediateDirectories: true)
        XCTAssertFalse(TracefsSource.isAvailable(root: root.path))
        XCTAssertThrowsError(try TracefsSource(root: root.path)) { e in
            XCTAssertEqual("\(e)", "no mce:mce_record tracepoint (\(instance.path)/events/mce/mce_record/format is missing)")
        }
        var isDir: ObjCBool = false
        XCTAssertTrue(fm.fileExists(atPath: instance.path, isDirectory: &isDir) && isDir.boolValue, "mkdir made the instance")

        let bare = root.appendingPathComponent("bare")
        try fm.createDirectory(at: bare, withIntermediateDirectories: true)
        XCTAssertThrowsError(try TracefsSource(root: bare.path)) { e in
            guard case .noInstances? = e as? TracefsError else { return XCTFail("\(e)") }
        }
    }

    func testAnUnwritableEnableFileStopsTheSourceWithItsPath() throws {
        try layOut("debian-6.1")
        try fm.removeItem(at: instance.appendingPathComponent("events/mce/mce_record/enable"))
        XCTAssertThrowsError(try TracefsSource(root: root.path)) { e in
            XCTAssertTrue("\(e)".contains("events/mce/mce_record/enable"), "\(e)")
        }
    }

    func testABrokenFormatFileIsRejectedBeforeAnythingIsEnabled() throws {
        try layOut("debian-6.12")
        let format = instance.appendingPathComponent("events/mce/mce_record/format")
        let text = try String(contentsOf: format, encoding: .utf8)
        try text.replacingOccurrences(of: "field:u8 bank;", with: "field:u8 bnak;").write(to: format, atomically: false, encoding: .utf8)
        XCTAssertThrowsError(try TracefsSource(root: root.path)) { e in
            XCTAssertEqual("\(e)", "\(format.path): required field `bank' is missing")
        }
        XCTAssertEqual(try content("events/mce/mce_record/enable"), "0\n")
    }

    func testAnUnusableMcEventFormatIsAWarningNotAFailure() throws {
        try layOut("debian-6.1")
        try "garbage\n".write(to: instance.appendingPathComponent("events/ras/mc_event/format"), atomically: false, encoding: .utf8)
        var source = try TracefsSource(root: root.path)
        defer { source.close() }
        XCTAssertNil(source.memoryEventDecoder)
        XCTAssertEqual(source.warnings.count, 1)
        XCTAssertTrue(source.warnings[0].hasPrefix("ras:mc_event not used: "), source.warnings[0])
        XCTAssertEqual(try content("events/ras/mc_event/enable"), "0\n")
        XCTAssertEqual(drain(&source).records.count, 67)
    }

    func testMcEventsInTheRingAreDelivered() throws {
        // A sub-buffer holding one mc_event (as an EDAC driver would emit) between records.
        let fixture = TracefsFixture(name: "debian-6.12")
        let format = try fixture.memoryFormat
        let payload = TracefsMemoryEventTests.payload(id: format.id, label: "DIMM_B2", msg: "read error", detail: "")
        var page = try fixture.pages()[2]
        let commit = Int(page[8]) | Int(page[9]) << 8
        let at = 16 + commit
        page.replaceSubrange(at..<(at + 4), with: [UInt8(payload.count / 4) << 0 | 0, 0, 0, 0])
        page.replaceSubrange((at + 4)..<(at + 4 + payload.count), with: payload)
        let newCommit = commit + 4 + payload.count
        page[8] = UInt8(newCommit & 0xff); page[9] = UInt8(newCommit >> 8)
        try layOut(fixture.name, cpus: [0: page])
        var source = try TracefsSource(root: root.path)
        defer { source.close() }
        let got = drain(&source)
        XCTAssertNil(got.error)
        XCTAssertEqual(got.records.count, 5)
        XCTAssertEqual(got.memory.map(\.label), ["DIMM_B2"])
        XCTAssertEqual(got.memory.first?.message, "read error")
        XCTAssertEqual(source.statistics.memoryEvents, 1)
    }
}
