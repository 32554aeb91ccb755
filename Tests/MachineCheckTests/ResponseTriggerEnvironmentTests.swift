import XCTest
@testable import MachineCheck

/// Each trigger's argv and environment, variable by variable in upstream's order, and the
/// `*-log` lines (mcelog.md §9.2).
final class ResponseTriggerEnvironmentTests: XCTestCase {
    func testDimmUncorrectedTriggerCarriesDmiNamesAndLogsTwoLines() {
        var s = ResponseSettings()
        s.memoryErrorSupport = true
        s.dimmUCThreshold = Threshold.parse("1 / 24h")
        s.dimmUCTrigger = "dimm-error-trigger"
        s.dimmUCLog = true
        s.pathVariable = "/usr/bin:/bin"
        var run = ScenarioRun(s)
        XCTAssertEqual(run.engine.prepopulate(locators: [("DIMM_B1", "NODE 0 CHANNEL 1 DIMM 0")]), [])
        run.feed(UpstreamInject.timed([UpstreamInject.genmem(channel: 1, dimm: 0, uncorrected: true, cmci: false)]))
        let location = "SOCKET:0 CHANNEL:1 DIMM:0 [NODE 0 CHANNEL 1 DIMM 0 DIMM_B1]"
        let message = "Uncorrected DIMM memory error count exceeded threshold: 1 in 24h"
        XCTAssertEqual(run.actions.count, 2)
        XCTAssertEqual(run.actions.first, .log(ResponseLog(kind: .dimmThreshold, priority: 4,
                                                           lines: [message, "Location \(location)"],
                                                           threshold: "1 in 24h", location: location)))
        XCTAssertEqual(run.triggers.first?.environmentStrings, [
            "PATH=/usr/bin:/bin", "THRESHOLD=1 in 24h", "TOTALCOUNT=1", "LOCATION=\(location)",
            "DMI_LOCATION=NODE 0 CHANNEL 1 DIMM 0", "DMI_NAME=DIMM_B1", "DIMM=0", "CHANNEL=1", "SOCKETID=0",
            "CECOUNT=0", "UCCOUNT=1", "LASTEVENT=1700000000", "AGETIME=86400", "MESSAGE=\(message)",
            "THRESHOLD_COUNT=0"])
        XCTAssertEqual(run.triggers.first?.key, .dimmUC)
        XCTAssertEqual(run.triggers.first?.path, "dimm-error-trigger")
        XCTAssertEqual(run.triggers.first?.arguments, [])
        XCTAssertEqual(run.triggers.first?.message, message)
    }

    func testSocketUncorrectedTriggerHasNoDimmOrChannel() {
        var s = ResponseSettings()
        s.memoryErrorSupport = true
        s.socketUCThreshold = Threshold.parse("1 / 24h")
        s.socketUCTrigger = "socket-memory-error-trigger"
        var run = ScenarioRun(s)
        run.feed(UpstreamInject.timed([UpstreamInject.genmem(socket: 1, channel: 2, dimm: 1, uncorrected: true, cmci: false)]))
        XCTAssertEqual(run.triggers.map(\.environmentStrings), [[
            "PATH=/sbin:/usr/sbin:/bin:/usr/bin", "THRESHOLD=1 in 24h", "TOTALCOUNT=1",
            "LOCATION=SOCKET:1 CHANNEL:? DIMM:? []", "SOCKETID=1", "CECOUNT=0", "UCCOUNT=1",
            "LASTEVENT=1700000000", "AGETIME=86400",
            "MESSAGE=Uncorrected Socket memory error count exceeded threshold: 1 in 24h", "THRESHOLD_COUNT=0"]])
        XCTAssertEqual(run.triggers.map(\.reporter), ["sockdb_memdb"])
        XCTAssertEqual(run.triggers.map(\.key), [.socketUC])
    }

    func testSoftOfflineRunsPageThenPreSoftThenOfflineThenPostSoft() {
        var s = ResponseSettings()
        s.pageCEThreshold = Threshold.parse("2 / 24h")
        s.pageCETrigger = "page-error-trigger"
        s.pageCELog = true
        s.pageAction = .soft
        s.preSoftTrigger = "page-error-pre-sync-soft-trigger"
        s.postSoftTrigger = "page-error-post-sync-soft-trigger"
        var engine = ResponseEngine(settings: s)
        let records = UpstreamInject.timed([UpstreamInject.genpage(0x1234), UpstreamInject.genpage(0x1234)])
        let formatter = RecordFormatter()
        XCTAssertEqual(engine.handle(records[0], facts: formatter.format(records[0], cpuType: .nehalem).facts,
                                     now: 0, topology: nil), [])
        let actions = engine.handle(records[1], facts: formatter.format(records[1], cpuType: .nehalem).facts,
                                    now: 0, topology: nil)
        let place = "SOCKET:0 CHANNEL:0 DIMM:0 []", location = "Location \(place)"
        func env(_ message: String) -> [String] {
            ["PATH=/sbin:/usr/sbin:/bin:/usr/bin", "THRESHOLD=2 in 24h", "TOTALCOUNT=2",
             "LOCATION=SOCKET:0 CHANNEL:0 DIMM:0 []", "DIMM=0", "CHANNEL=0", "SOCKETID=0", "CECOUNT=2", "UCCOUNT=0",
             "LASTEVENT=1700000001", "AGETIME=86400", "MESSAGE=\(message)", "THRESHOLD_COUNT=0"]
        }
        let pageMessage = "Corrected memory errors on page 1234000 exceed threshold 2 in 24h: 2 in 24h"
        let preMessage = "pre soft trigger run for page 19087360: 2 in 24h"
        XCTAssertEqual(actions.count, 6)
        XCTAssertEqual(actions[0], .log(ResponseLog(kind: .pageThreshold, priority: 4, lines: [pageMessage, location],
                                                    threshold: "2 in 24h", location: place)))
        XCTAssertEqual(actions[1], .trigger(TriggerRequest(key: .page, path: "page-error-trigger",
            environment: env(pageMessage).map(split), reporter: "page", message: pageMessage)))
        XCTAssertEqual(actions[2], .log(ResponseLog(kind: .pageSoftTrigger, priority: 4, lines: [preMessage, location],
                                                    threshold: "2 in 24h", location: place)))
        XCTAssertEqual(actions[3], .trigger(TriggerRequest(key: .preSoftOffline, path: "page-error-pre-sync-soft-trigger",
            arguments: ["19087360"], environment: env(preMessage).map(split), reporter: "page_pre_soft",
            message: preMessage)))
        XCTAssertEqual(actions[4], .log(ResponseLog(kind: .pageOffline, priority: 3, lines: ["Offlining page 1234000"])))
        XCTAssertEqual(actions[5], .offlinePage(address: 0x1234000, mode: .soft))

        let after = engine.offlineFinished(address: 0x1234000, mode: .soft, succeeded: true, error: nil, now: 0)
        let postMessage = "post soft trigger run for page 19087360: 2 in 24h"
        XCTAssertEqual(after, [
            .log(ResponseLog(kind: .pageSoftTrigger, priority: 4, lines: [postMessage, location],
                             threshold: "2 in 24h", location: place)),
            .trigger(TriggerRequest(key: .postSoftOffline, path: "page-error-post-sync-soft-trigger",
                                    arguments: ["19087360"], environment: env(postMessage).map(split),
                                    reporter: "page_post_soft", message: postMessage))])
        XCTAssertEqual(engine.pagesText(),
                       "Per page corrected memory statistics:\n1234000: total 2 seen \"2 in 24h\" offline triggered\n\n")
    }

    private func split(_ s: String) -> (name: String, value: String) {
        let i = s.firstIndex(of: "=") ?? s.endIndex
        return (String(s[..<i]), String(s[s.index(after: i)...]))
    }

    func testCacheTriggerWithoutTopologyOrSocketSaysUnknown() {
        var s = ResponseSettings()
        s.cacheTrigger = "cache-error-trigger"
        s.cacheLog = false
        var r = UpstreamInject.gencache(cpu: 1, level: 0, type: 0, track: 2)
        r.length = 64        // a record too short to carry the socket id
        r.time = UpstreamInject.baseTime
        var run = ScenarioRun(s)
        run.feed([r])
        XCTAssertEqual(run.actions.count, 2)
        XCTAssertEqual(run.logs, [ResponseLog(kind: .cacheTopologyUnknown, priority: 4,
                                              lines: ["Cannot find sysfs cache for CPU 1"])])
        XCTAssertEqual(run.triggers.map(\.environmentStrings), [[
            "MESSAGE=CPU 1 has large number of corrected cache errors in Level-1 Instruction",
            "CPU=1", "LEVEL=1", "TYPE=Instruction", "AFFECTED_CPUS=unknown"]])
    }

    func testCacheHierarchyErrorAsksForTheUnifiedCache() {
        struct Recorder: CacheTopologyProvider {
            func cpusSharingCache(cpu: Int, level: Int, typeCode: Int) -> [Int]? {
                cpu == 2 && level == 2 && typeCode == -1 ? [3, 2] : nil
            }
        }
        var s = ResponseSettings()
        s.cacheTrigger = "cache-error-trigger"
        var r = UpstreamInject.gencache(cpu: 2, level: 0, type: 0, track: 2)
        r.status = (r.status & ~0xffff) | 0x000e    // 0000 0000 0000 11LL: Level-2 hierarchy error
        var run = ScenarioRun(s)
        run.feed(UpstreamInject.timed([r]), topology: Recorder())
        XCTAssertEqual(run.triggers.first?.environmentStrings, [
            "SOCKETID=0", "MESSAGE=CPU 2 on socket 0 has large number of corrected cache errors in Level-2 unknown",
            "CPU=2", "LEVEL=2", "TYPE=unknown", "AFFECTED_CPUS=2 3"])
    }

    func testThermalEventRunsUnknownTriggerWithoutSocket() {
        var s = ResponseSettings()
        s.unknownTrigger = "unknown-error-trigger"
        var r = MachineCheckRecord()
        r.bank = SpecialBank.thermal
        r.extcpu = 3
        r.status = 1
        r.length = 64
        var run = ScenarioRun(s)
        run.feed([r])
        XCTAssertEqual(run.triggers.map(\.environmentStrings), [[
            "LOCATION=CPU 3", "MESSAGE=CPU 3 received unknown error", "CPU=3", "STATUS=1", "MISC=0",
            "ADDR=0", "MCGSTATUS=0", "MCGCAP=0"]])
    }

    func testBusTriggerIsNotRunWithoutConfigurationButCounted() {
        var run = ScenarioRun(ResponseSettings())
        run.feed(UpstreamInject.timed([UpstreamInject.cpu0Bank1(status: 0x9c00_0000_0000_0e0b)]))
        XCTAssertEqual(run.actions, [])
        XCTAssertEqual(run.engine.counters.busEvents, 1)
        XCTAssertEqual(run.engine.counters.iomcaEvents, 1)
        XCTAssertEqual(run.engine.counters.triggersRequested, [:])
    }

    func testCounterReplacementLogIsOneLine() {
        var s = ResponseSettings()
        s.maxCorrErrCounters = 63
        s.pageAction = .account
        s.replacementThreshold = Threshold.parse("2 / 1h")
        s.replacementLog = true
        var run = ScenarioRun(s)
        run.feed(UpstreamInject.timed((0..<65).map { UpstreamInject.genpage(0x100 + UInt64($0)) }))
        XCTAssertEqual(run.logs, [ResponseLog(kind: .counterReplacement, priority: 4, lines: [
            "Replacements of page correctable error counter exceed threshold 2 in 1h: 2 in 1h"], threshold: "2 in 1h")])
        XCTAssertEqual(run.triggers, [])
    }
}
