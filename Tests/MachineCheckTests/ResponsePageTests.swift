import XCTest
@testable import MachineCheck

/// Page accounting and the offline state machine (mcelog.md §11.3).
final class ResponsePageTests: XCTestCase {
    func settings(_ action: PageAction, threshold: String = "1 / 1h", retry: Bool = false) -> ResponseSettings {
        var s = ResponseSettings()
        s.pageAction = action
        s.pageCEThreshold = Threshold.parse(threshold)
        s.offlineRetry = retry
        return s
    }

    func handle(_ engine: inout ResponseEngine, _ r: MachineCheckRecord, as type: CPUType = .nehalem) -> [ResponseAction] {
        engine.handle(r, facts: RecordFormatter().format(r, cpuType: type).facts, now: 0, topology: nil)
    }

    func page(_ pfn: UInt64, at i: UInt64 = 0) -> MachineCheckRecord {
        var r = UpstreamInject.genpage(pfn)
        r.time = UpstreamInject.baseTime + i
        return r
    }

    func testUncorrectedAndAddresslessErrorsAreNotPageAccounted() {
        var engine = ResponseEngine(settings: settings(.account))
        var uc = page(0x10)
        uc.status |= MCiStatus.uc
        _ = handle(&engine, uc)
        _ = handle(&engine, UpstreamInject.genmem(channel: 1, dimm: 0))
        XCTAssertEqual(engine.pagesText(), "")
        _ = handle(&engine, page(0x10))
        XCTAssertEqual(engine.counters.pagesTracked, 1)
    }

    func testSandyBridgeEPApeiDuplicateOnCpu0Bank1IsIgnored() {
        var engine = ResponseEngine(settings: settings(.account))
        var apei = page(0x10)
        apei.bank = 1
        apei.cpuid = 0x206d7
        _ = handle(&engine, apei, as: .sandyBridgeEP)
        XCTAssertEqual(engine.counters.pagesTracked, 0)
        _ = handle(&engine, apei, as: .nehalem)
        apei.extcpu = 1
        _ = handle(&engine, apei, as: .sandyBridgeEP)
        XCTAssertEqual(engine.pagesText(), "Per page corrected memory statistics:\n10000: total 2 seen \"2 in 1h\" online triggered\n\n")
    }

    func testFailedHardOfflineWithoutRetryIsNotRepeated() {
        var engine = ResponseEngine(settings: settings(.hard))
        XCTAssertEqual(handle(&engine, page(0x1)), [
            .log(ResponseLog(kind: .pageOffline, priority: 3, lines: ["Offlining page 1000"])),
            .offlinePage(address: 0x1000, mode: .hard)])
        XCTAssertEqual(engine.offlineFinished(address: 0x1000, mode: .hard, succeeded: false,
                                              error: "Device or resource busy", now: 0),
                       [.log(ResponseLog(kind: .pageOfflineFailed, priority: 3,
                                         lines: ["Offlining page 1000 failed: Device or resource busy"]))])
        XCTAssertEqual(handle(&engine, page(0x1, at: 1)), [])
        XCTAssertEqual(engine.pagesText(),
                       "Per page corrected memory statistics:\n1000: total 2 seen \"2 in 1h\" offline-failed triggered\n\n")
        XCTAssertEqual(engine.counters.pagesOfflineFailed, 1)
    }

    func testRetryDoublesTheThresholdAfterEachFailure() {
        var engine = ResponseEngine(settings: settings(.hard, retry: true))
        var requests: [Int] = []
        for i in 1...8 {
            let actions = handle(&engine, page(0x2, at: UInt64(i)))
            for case .offlinePage(let a, let m) in actions {
                requests.append(i)
                _ = engine.offlineFinished(address: a, mode: m, succeeded: false, error: "EBUSY", now: 0)
            }
        }
        // Threshold 1, then 2, then 4 errors: offlines asked at errors 1, 3 and 7.
        XCTAssertEqual(requests, [1, 3, 7])
        XCTAssertEqual(engine.pages[0x2000]?.multiplier, 8)
        // The multiplier stops at 128 (upstream's unsigned char would wrap to 0).
        for i in 9...2000 {
            for case .offlinePage(let a, let m) in handle(&engine, page(0x2, at: UInt64(i))) {
                _ = engine.offlineFinished(address: a, mode: m, succeeded: false, error: "EBUSY", now: 0)
            }
        }
        XCTAssertEqual(engine.pages[0x2000]?.multiplier, 128)
    }

    func testPendingOfflineSuppressesRepeatedRequests() {
        var engine = ResponseEngine(settings: settings(.soft))
        XCTAssertEqual(handle(&engine, page(0x3)).last, .offlinePage(address: 0x3000, mode: .soft))
        XCTAssertEqual(handle(&engine, page(0x3, at: 1)), [])
        XCTAssertEqual(engine.pagesText(), "Per page corrected memory statistics:\n3000: total 2 seen \"2 in 1h\" online triggered\n\n")
        XCTAssertEqual(engine.pagesJSON(), "{\"pages\":[{\"address\":\"0x3000\",\"total\":2,\"recent\":\"2 in 1h\",\"state\":\"offline-pending\",\"triggered\":true}]}")
        XCTAssertEqual(engine.counters.pagesOfflinePending, 1)
        XCTAssertEqual(engine.offlineFinished(address: 0x3000, mode: .soft, succeeded: true, error: nil, now: 0), [])
        XCTAssertEqual(engine.counters.pagesOffline, 1)
        // An outcome nobody asked for changes nothing.
        XCTAssertEqual(engine.offlineFinished(address: 0x9000, mode: .hard, succeeded: false, error: nil, now: 0), [])
        XCTAssertEqual(engine.pagesJSON(), "{\"pages\":[{\"address\":\"0x3000\",\"total\":2,\"recent\":\"2 in 1h\",\"state\":\"offline\",\"triggered\":true}]}")
    }

    func testSoftThenHardFailingTwiceEndsOfflineFailedAndRunsPostTrigger() {
        var s = settings(.softThenHard)
        s.postSoftTrigger = "post"
        var engine = ResponseEngine(settings: s)
        XCTAssertEqual(handle(&engine, page(0x4)).last, .offlinePage(address: 0x4000, mode: .soft))
        XCTAssertEqual(engine.offlineFinished(address: 0x4000, mode: .soft, succeeded: false, error: "EIO", now: 0), [
            .log(ResponseLog(kind: .softOfflineFallback, priority: 3,
                             lines: ["Soft offlining of page 4000 failed, trying hard offlining"])),
            .offlinePage(address: 0x4000, mode: .hard)])
        let final = engine.offlineFinished(address: 0x4000, mode: .hard, succeeded: false, error: "Input/output error", now: 0)
        XCTAssertEqual(final.count, 2)
        XCTAssertEqual(final.first, .log(ResponseLog(kind: .pageOfflineFailed, priority: 3,
                                                      lines: ["Offlining page 4000 failed: Input/output error"])))
        guard case .trigger(let post)? = final.last else { return XCTFail("no post trigger") }
        XCTAssertEqual(post.arguments, ["16384"])
        XCTAssertEqual(post.value(of: "MESSAGE"), "post soft trigger run for page 16384: 1 in 1h")
        XCTAssertEqual(engine.counters.pagesOfflineFailed, 1)
    }

    func testLeastRecentlyUsedClusterIsReusedSlotBySlot() {
        var s = settings(.account, threshold: "100 / 1h")
        s.maxCorrErrCounters = 126
        var engine = ResponseEngine(settings: s)
        for i in 0..<126 { _ = handle(&engine, page(0x100 + UInt64(i), at: UInt64(i))) }
        // Cluster A holds pages 0x100-0x13e, cluster B 0x13f-0x17d; touching 0x100 makes B
        // the least recently used.
        _ = handle(&engine, page(0x100, at: 200))
        _ = handle(&engine, page(0x500, at: 201))
        _ = handle(&engine, page(0x100, at: 202))   // A again most recent: B is still being reused
        _ = handle(&engine, page(0x501, at: 203))
        XCTAssertNotNil(engine.pages[0x100_000])
        XCTAssertNil(engine.pages[0x13f_000])
        XCTAssertNil(engine.pages[0x140_000])
        XCTAssertNotNil(engine.pages[0x141_000])
        XCTAssertNotNil(engine.pages[0x500_000])
        XCTAssertEqual(engine.counters.pagesTracked, 126)
        XCTAssertEqual(engine.counters.counterReplacements, 2)
        // A reused counter describes its new page only.
        XCTAssertEqual(engine.pages[0x500_000]?.total, 1)
    }

    func testCounterLimitIsRoundedUpToWholeClusters() {
        func warnings(_ n: Int) -> [String] {
            var s = ResponseSettings()
            s.maxCorrErrCounters = n
            return ResponseEngine(settings: s).configurationWarnings
        }
        XCTAssertEqual(warnings(4158), [])
        XCTAssertEqual(warnings(126), [])
        XCTAssertEqual(warnings(100), ["Round up max-corr-err-counters from 100 to 126"])
        XCTAssertEqual(warnings(0), ["Round up max-corr-err-counters from 0 to 63"])
        XCTAssertEqual(warnings(-5), ["Round up max-corr-err-counters from -5 to 63"])
        XCTAssertEqual(ResponseSettings.roundedCounterLimit(Int.max).limit % 63, 0)
    }

    func testReloadKeepsCountsAndAppliesNewThresholds() {
        var s = ResponseSettings()
        s.memoryErrorSupport = true
        s.dimmCEThreshold = Threshold.parse("3 / 24h")
        s.dimmCETrigger = "t"
        s.pageAction = .account
        var run = ScenarioRun(s)
        run.feed(UpstreamInject.timed([page(0x7), page(0x7)]))
        XCTAssertEqual(run.triggers.count, 0)
        var lower = s
        lower.dimmCEThreshold = Threshold.parse("2 / 1h")
        lower.pageCEThreshold = Threshold.parse("1 / 1h")
        run.engine.apply(settings: lower)
        var third = page(0x7)
        third.time = UpstreamInject.baseTime + 2
        run.feed([third])
        XCTAssertEqual(run.triggers.map(\.key), [.dimmCE])
        XCTAssertEqual(run.triggers.first?.value(of: "THRESHOLD"), "3 in 1h")
        // The page bucket counted nothing while its threshold was off.
        XCTAssertEqual(run.engine.pagesText(),
                       "Per page corrected memory statistics:\n7000: total 3 seen \"1 in 1h\" online triggered\n\n")
        XCTAssertEqual(run.engine.counters.dimms[DimmKey(socket: 0, channel: 0, dimm: 0)]?.corrected, 3)
    }
}
