import XCTest
@testable import MachineCheck

/// The state text that carries counts across restarts: exact format, round trip, and
/// every way a damaged file is refused without touching the engine.
final class ResponseStateTests: XCTestCase {
    /// FNV-1a 64, written out again here so the test does not trust the code under test.
    func fnv(_ s: String) -> String {
        var h: UInt64 = 14_695_981_039_346_656_037
        for b in s.utf8 { h ^= UInt64(b); h = h &* 1_099_511_628_211 }
        let hex = String(h, radix: 16)
        return String(repeating: "0", count: 16 - hex.count) + hex
    }

    func small() -> ResponseEngine {
        var s = ResponseSettings()
        s.memoryErrorSupport = true
        s.dimmCEThreshold = Threshold.parse("10 / 24h")
        s.pageAction = .account
        s.pageCEThreshold = Threshold.parse("5 / 1h")
        var run = ScenarioRun(s)
        run.feed(UpstreamInject.timed([UpstreamInject.genpage(0x1234), UpstreamInject.genpage(0x1234)]))
        return run.engine
    }

    func testStateTextFormat() {
        // The socket bucket has no threshold, so it counts nothing (only the total).
        let body = """
            mcelog-response-state 1
            dimm 0 -1 -1 2 0 0 1700000000 0 0 0 1700000000
            dimm 0 0 0 2 2 0 1700000000 0 0 0 1700000000
            replacement 0 0 0 0
            cluster 1
            page 0 0 1234000 2 2 0 1700000000 online 0 1
            current 0

            """
        XCTAssertEqual(small().stateText(), body + "checksum \(fnv(body))\n")
    }

    /// An engine that went through everything the state must carry: DIMM and socket
    /// buckets, replaced counters, offline, offline-failed and triggered pages, retry
    /// multipliers.
    func busySettings() -> ResponseSettings {
        var s = ResponseSettings()
        s.memoryErrorSupport = true
        s.dimmCEThreshold = Threshold.parse("5 / 24h")
        s.socketCEThreshold = Threshold.parse("50 / 24h")
        s.dimmUCThreshold = Threshold.parse("1 / 24h")
        s.pageCEThreshold = Threshold.parse("2 / 1h")
        s.pageAction = .hard
        s.offlineRetry = true
        s.maxCorrErrCounters = 63
        s.replacementThreshold = Threshold.parse("50 / 1h")
        s.pageCETrigger = "page"
        return s
    }

    func busyRecords() -> [MachineCheckRecord] {
        var records = UpstreamInject.pageInject(total: 6)
        records += (0..<70).map { UpstreamInject.genpage(0x3000 + UInt64($0)) }
        records += [UpstreamInject.genpage(0x3040), UpstreamInject.genpage(0x3040), UpstreamInject.genpage(0x3041),
                    UpstreamInject.genpage(0x3041), UpstreamInject.genmem(socket: 1, channel: 2, dimm: 1, uncorrected: true)]
        return UpstreamInject.timed(records)
    }

    func testRoundTripKeepsEverythingAndBehavesTheSameAfterwards() throws {
        var original = ScenarioRun(busySettings())
        original.offlineSucceeds = false
        original.feed(Array(busyRecords().prefix(78)))
        original.offlineSucceeds = true
        original.feed(Array(busyRecords().suffix(3)))
        let saved = original.engine.stateText()
        XCTAssertTrue(saved.contains(" 3040000 3 1 2 1700000070 offline-failed 1 2\n"), saved)
        XCTAssertTrue(saved.contains(" 3041000 3 1 2 1700000071 offline 1 1\n"), saved)

        var restored = ScenarioRun(busySettings())
        try restored.engine.restore(stateText: saved)
        XCTAssertEqual(restored.engine.stateText(), saved)
        XCTAssertEqual(restored.engine.pagesText(), original.engine.pagesText())
        let now = Int64(UpstreamInject.baseTime) + 500
        XCTAssertEqual(restored.engine.dumpText(all: true, bios: false, now: now),
                       original.engine.dumpText(all: true, bios: false, now: now))
        var a = original.engine.counters, b = restored.engine.counters
        a.triggersRequested = [:]
        b.triggersRequested = [:]
        XCTAssertEqual(a, b)
        XCTAssertEqual(b.pagesOffline, 1)
        XCTAssertEqual(b.pagesOfflineFailed, 1)
        // 4 + 70 distinct pages in 63 counters, then 0x3040/0x3041 again: 11 replacements.
        XCTAssertEqual(b.counterReplacements, 11)

        // The same errors afterwards lead to the same decisions.
        let more = UpstreamInject.timed((0..<80).map { UpstreamInject.genpage(0x3000 + UInt64($0 % 40)) })
            .map { r -> MachineCheckRecord in var x = r; x.time += 1000; return x }
        original.actions = []
        original.feed(more)
        restored.feed(more)
        XCTAssertEqual(restored.actions, original.actions)
        XCTAssertFalse(original.actions.isEmpty)
    }

    func testRestoreKeepsAttachedDmiNamesAndDropsPendingOffline() throws {
        var s = ResponseSettings()
        s.memoryErrorSupport = true
        s.pageAction = .soft
        s.pageCEThreshold = Threshold.parse("1 / 1h")
        var engine = ResponseEngine(settings: s)
        let r = UpstreamInject.timed([UpstreamInject.genpage(0x55)])[0]
        XCTAssertEqual(engine.handle(r, facts: RecordFormatter().format(r, cpuType: .nehalem).facts, now: 0,
                                     topology: nil).last, .offlinePage(address: 0x55000, mode: .soft))
        let saved = engine.stateText()
        // The offline in flight is saved as online: after a restart it is asked for again.
        XCTAssertTrue(saved.contains("page 0 0 55000 1 0 1 1700000000 online 1 1\n"), saved)

        var fresh = ResponseEngine(settings: s)
        _ = fresh.prepopulate([DimmDescriptor(socket: 0, channel: 0, dimm: 0, name: "DIMM_A1", location: "A0_BANK0")])
        try fresh.restore(stateText: saved)
        XCTAssertEqual(fresh.dumpText(all: false, bios: true, now: 1_700_000_000), """
            Memory errors
            SOCKET 0 CHANNEL any DIMM any
            corrected memory errors:
            \t1 total

            SOCKET 0 CHANNEL 0 DIMM 0
            DMI_NAME "DIMM_A1" DMI_LOCATION "A0_BANK0"
            corrected memory errors:
            \t1 total

            """)
        XCTAssertEqual(fresh.offlineFinished(address: 0x55000, mode: .soft, succeeded: true, error: nil, now: 0), [])
        XCTAssertEqual(fresh.counters.pagesOffline, 0)
    }

    func testDamagedStateIsRefusedAndTheEngineUnchanged() {
        let good = small().stateText()
        var lines = good.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        func resealed(_ body: [String]) -> String {
            let text = body.map { $0 + "\n" }.joined()
            return text + "checksum \(fnv(text))\n"
        }
        let bodyLines = Array(lines[0..<(lines.count - 2)])
        var badPage = bodyLines
        badPage[5] = "page 0 0 1234001 2 2 0 1700000000 online 0 1"
        var badState = bodyLines
        badState[5] = "page 0 0 1234000 2 2 0 1700000000 gone 0 1"
        var badSlot = bodyLines
        badSlot.insert("page 0 0 2000 1 1 0 1700000000 online 0 1", at: 6)
        var missingCurrent = bodyLines
        missingCurrent.removeLast()
        var unknown = bodyLines
        unknown.insert("socket 0", at: 1)
        lines[2] = "dimm 0 0 0 3 2 0 1700000000 0 0 0 1700000000"   // edited without resealing
        let cases: [(String, ResponseStateError)] = [
            ("", .empty),
            ("garbage\n", .malformed(line: 1, reason: "not a mcelog response state (no 'mcelog-response-state' header)")),
            (good.replacingOccurrences(of: "mcelog-response-state 1", with: "mcelog-response-state 2"),
             .unsupportedVersion(line: 1, found: "2")),
            (lines.joined(separator: "\n"), .checksumMismatch(line: 8, expected: fnv(lines[0..<7].map { $0 + "\n" }.joined()),
                                                              found: String(lines[7].dropFirst(9)))),
            (bodyLines.map { $0 + "\n" }.joined(), .missingChecksum(line: 7)),
            (resealed(badPage), .malformed(line: 6, reason: "address '1234001' is not a page address")),
            (resealed(badState), .malformed(line: 6, reason: "unknown page state 'gone'")),
            (resealed(badSlot), .malformed(line: 7, reason: "slot 0 invalid or used twice")),
            (resealed(missingCurrent), .malformed(line: 7, reason: "current line missing")),
            (resealed(unknown), .malformed(line: 2, reason: "unknown entry 'socket'")),
        ]
        for (text, expected) in cases {
            var engine = small()
            let before = engine.stateText()
            XCTAssertThrowsError(try engine.restore(stateText: text)) { error in
                XCTAssertEqual(error as? ResponseStateError, expected)
            }
            XCTAssertEqual(engine.stateText(), before)
        }
        XCTAssertEqual(ResponseStateError.checksumMismatch(line: 8, expected: "a", found: "b").description,
                       "line 8: checksum b does not match the content (a)")
    }
}
