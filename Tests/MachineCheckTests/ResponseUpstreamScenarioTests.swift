import XCTest
@testable import MachineCheck

/// The records upstream's daemon tests inject (andikleen/mcelog `input/GEN*`, `input/iomca`,
/// `input/unknown`), built the way `mce-inject` turns them into `struct mce`: STATUS as
/// written, MISC/ADDR as given (their valid bits come from STATUS here), PROCESSOR as vendor
/// and CPUID, SOCKETID and MCGCAP as given.
enum UpstreamInject {
    static let baseTime: UInt64 = 1_700_000_000

    /// `GENMEM socket channel dimm corr-err-cnt [uc]`: Nehalem memory error on CPU 0 bank 2.
    static func genmem(socket: UInt32 = 0, channel: UInt64 = 0, dimm: UInt64 = 0, corrected: UInt64 = 0,
                       uncorrected: Bool = false, cmci: Bool = true) -> MachineCheckRecord {
        var r = nehalem(cpu: 0, bank: 2)
        if cmci { r.mcgcap = 1 << 10 }
        r.socketid = socket
        let ucflag: UInt64 = uncorrected ? (1 << 29) | (1 << 28) | (1 << 24) : 0
        r.status = ((0x8800_0000 + (corrected << 6) + ucflag) << 32) | (0xb0 + channel)
        r.misc = (channel << 18) + (dimm << 16)
        return r
    }

    /// `GENPAGE pfn socket channel dimm corr-err-cnt`: Nehalem memory error with ADDR.
    static func genpage(_ pfn: UInt64, socket: UInt32 = 0, channel: UInt64 = 0, dimm: UInt64 = 0,
                        corrected: UInt64 = 0) -> MachineCheckRecord {
        var r = nehalem(cpu: 0, bank: 2)
        r.socketid = socket
        r.status = ((0x8800_0000 + (1 << 26) + (corrected << 6)) << 32) | (0xb0 + channel)
        r.misc = (channel << 18) + (dimm << 16)
        r.addr = pfn << 12
        return r
    }

    /// `GENCACHE cpu level type track`: cache error with MCG_CAP.TES_P.
    static func gencache(cpu: UInt32, level: UInt64, type: UInt64, track: UInt64) -> MachineCheckRecord {
        var r = nehalem(cpu: cpu, bank: 2)
        r.mcgcap = 1 << 11
        r.status = ((0x8800_0000 + (track << 21)) << 32) | (0x100 + level + (type << 2))
        return r
    }

    /// `input/iomca` and `input/unknown`: CPU 0 BANK 1 with MISC 0xabcdef, ADDR 0xabcd.
    static func cpu0Bank1(status: UInt64) -> MachineCheckRecord {
        var r = MachineCheckRecord()
        r.bank = 1
        r.status = status
        r.misc = 0xabcdef
        r.addr = 0xabcd
        return r
    }

    static func nehalem(cpu: UInt32, bank: UInt8) -> MachineCheckRecord {
        var r = MachineCheckRecord()
        r.extcpu = cpu
        r.bank = bank
        r.cpuvendor = CPUIdentity.intel
        r.cpuid = 0x106a0       // PROCESSOR 0:0x106a0
        return r
    }

    /// Records timed one second apart (the kernel stamps injected records with wall time).
    static func timed(_ records: [MachineCheckRecord]) -> [MachineCheckRecord] {
        records.enumerated().map { i, r in var x = r; x.time = baseTime + UInt64(i); return x }
    }

    /// `tests/page/inject`: page P three times (once as socket 0 ch 1 dimm 1 with count 5),
    /// then `total - 3` other pages, all distinct.
    static func pageInject(total: Int = 6, page: UInt64 = 0x1234) -> [MachineCheckRecord] {
        var records = [genpage(page), genpage(page, channel: 1, dimm: 1, corrected: 5), genpage(page)]
        for i in 0..<(total - 3) { records.append(genpage(0x20000 + UInt64(i) * 7)) }
        return timed(records)
    }

    /// `tests/memdb/inject` and the socket tests: two GENMEM records.
    static func memInject(cmci: Bool = true) -> [MachineCheckRecord] {
        timed([genmem(socket: 0, channel: 1, dimm: 0, corrected: 2, cmci: cmci),
               genmem(socket: 0, channel: 2, dimm: 0, corrected: 3, cmci: cmci)])
    }
}

/// Topology of a small machine: CPUs 1 and 5 are hyperthreads sharing L1/L2; L3 is shared
/// by 0-7.
struct TwoSiblingTopology: CacheTopologyProvider {
    func cpusSharingCache(cpu: Int, level: Int, typeCode: Int) -> [Int]? {
        switch level {
        case 1, 2: return cpu == 1 || cpu == 5 ? [5, 1] : [cpu]
        case 3: return Array(0...7)
        default: return nil
        }
    }
}

/// Runs records through the formatter (as `cpu = nehalem`) and the engine, and carries out
/// page offlines with the given outcome, as the daemon would.
struct ScenarioRun {
    var engine: ResponseEngine
    var actions: [ResponseAction] = []
    var offlineSucceeds = true
    var softOfflineSucceeds: Bool? = nil

    init(_ settings: ResponseSettings) { engine = ResponseEngine(settings: settings) }

    mutating func feed(_ records: [MachineCheckRecord], topology: (any CacheTopologyProvider)? = nil) {
        let formatter = RecordFormatter()
        for r in records {
            let facts = formatter.format(r, cpuType: .nehalem).facts
            var queue = engine.handle(r, facts: facts, now: Int64(r.time), topology: topology)
            while !queue.isEmpty {
                let a = queue.removeFirst()
                actions.append(a)
                if case .offlinePage(let address, let mode) = a {
                    let ok = mode == .soft ? (softOfflineSucceeds ?? offlineSucceeds) : offlineSucceeds
                    queue += engine.offlineFinished(address: address, mode: mode, succeeded: ok,
                                                    error: ok ? nil : "Input/output error", now: Int64(r.time))
                }
            }
        }
    }

    var triggers: [TriggerRequest] {
        actions.compactMap { if case .trigger(let t) = $0 { return t } else { return nil } }
    }
    var logs: [ResponseLog] {
        actions.compactMap { if case .log(let l) = $0 { return l } else { return nil } }
    }
    var offlines: [(UInt64, OfflineMode)] {
        actions.compactMap { if case .offlinePage(let a, let m) = $0 { return (a, m) } else { return nil } }
    }
}

/// upstream `tests/*/*.conf`: each declares `# trigger: N`, the number of "Running trigger"
/// lines the daemon must log for its injected records (mcelog.md §21.1). Every requested
/// trigger here is one such line.
final class ResponseUpstreamScenarioTests: XCTestCase {
    /// What `cpu = nehalem` does to the tracking defaults.
    var forcedNehalem: ResponseSettings {
        var s = ResponseSettings()
        s.memoryErrorSupport = MemoryErrorSupport.resolve(forcedCPUType: .nehalem, identity: nil)
        return s
    }

    // MARK: cache

    func testCacheConfTriggersOncePerYellowRecord() {
        var s = ResponseSettings()            // cache.conf
        s.cacheTrigger = "../trigger"
        s.triggerDirectory = "."
        s.childrenMax = 3
        var run = ScenarioRun(s)
        run.feed(UpstreamInject.timed([
            UpstreamInject.gencache(cpu: 1, level: 1, type: 1, track: 1),   // green
            UpstreamInject.gencache(cpu: 1, level: 1, type: 1, track: 2),   // yellow
            UpstreamInject.gencache(cpu: 1, level: 2, type: 2, track: 2),   // yellow
        ]), topology: TwoSiblingTopology())
        XCTAssertEqual(run.triggers.count, 2)                                 // "# trigger: 2"
        // The cache error prints level LL+1: L1 is "Level-2", generic L2 is "Level-3".
        XCTAssertEqual(run.triggers[0].environmentStrings, [
            "SOCKETID=0",
            "MESSAGE=CPU 1 on socket 0 has large number of corrected cache errors in Level-2 Data",
            "CPU=1", "LEVEL=2", "TYPE=Data", "AFFECTED_CPUS=1 5"])
        XCTAssertEqual(run.triggers[1].environmentStrings, [
            "SOCKETID=0",
            "MESSAGE=CPU 1 on socket 0 has large number of corrected cache errors in Level-3 Generic",
            "CPU=1", "LEVEL=3", "TYPE=Generic", "AFFECTED_CPUS=0 1 2 3 4 5 6 7"])
        XCTAssertEqual(run.triggers.map(\.reporter), ["yellow", "yellow"])
        XCTAssertEqual(run.triggers.map(\.path), ["../trigger", "../trigger"])
        // cache-threshold-log defaults to yes: two lines per yellow record.
        XCTAssertEqual(run.logs.map(\.lines), [
            ["CPU 1 on socket 0 has large number of corrected cache errors in Level-2 Data",
             "System operating correctly, but might lead to uncorrected cache errors soon"],
            ["CPU 1 on socket 0 has large number of corrected cache errors in Level-3 Generic",
             "System operating correctly, but might lead to uncorrected cache errors soon"]])
        XCTAssertEqual(run.logs.map(\.location), ["CPU 1 on socket 0", "CPU 1 on socket 0"])
        XCTAssertEqual(run.engine.counters.cacheEvents, 2)
    }

    // MARK: memdb

    func testMemdb1FiresOncePerDimmAtOnePerMinute() {
        var s = forcedNehalem                  // memdb-1.conf
        s.filterMemoryErrors = true
        s.dimmTrackingEnabled = true
        s.dimmCETrigger = "../trigger"; s.dimmCEThreshold = Threshold.parse("1 / 1min")
        s.dimmUCTrigger = "../trigger"; s.dimmUCThreshold = Threshold.parse("1 / 1min")
        var run = ScenarioRun(s)
        run.feed(UpstreamInject.memInject())
        XCTAssertEqual(run.triggers.count, 2)                                 // "# trigger: 2"
        XCTAssertEqual(run.triggers[0].environmentStrings, [
            "PATH=/sbin:/usr/sbin:/bin:/usr/bin", "THRESHOLD=1 in 1m", "TOTALCOUNT=1",
            "LOCATION=SOCKET:0 CHANNEL:1 DIMM:0 []", "DIMM=0", "CHANNEL=1", "SOCKETID=0",
            "CECOUNT=1", "UCCOUNT=0", "LASTEVENT=1700000000", "AGETIME=60",
            "MESSAGE=corrected DIMM memory error count exceeded threshold: 1 in 1m", "THRESHOLD_COUNT=0"])
        XCTAssertEqual(run.triggers[1].value(of: "LOCATION"), "SOCKET:0 CHANNEL:2 DIMM:0 []")
        XCTAssertEqual(run.triggers.map(\.reporter), ["memdb", "memdb"])
        XCTAssertEqual(run.triggers.map(\.key), [.dimmCE, .dimmCE])
    }

    func testMemdb2NeverReachesTwoPerMinute() {
        var s = forcedNehalem                  // memdb-2.conf
        s.dimmTrackingEnabled = true
        s.dimmCETrigger = "../trigger"; s.dimmCEThreshold = Threshold.parse("2 / 1min")
        s.dimmUCTrigger = "../trigger"; s.dimmUCThreshold = Threshold.parse("1 / 1min")
        var run = ScenarioRun(s)
        run.feed(UpstreamInject.memInject())
        XCTAssertEqual(run.triggers.count, 0)                                 // "# trigger: 0"
        XCTAssertEqual(run.engine.counters.dimms[DimmKey(socket: 0, channel: 1, dimm: 0)]?.corrected, 1)
        XCTAssertEqual(run.engine.counters.dimms[DimmKey(socket: 0, channel: 2, dimm: 0)]?.corrected, 1)
    }

    // MARK: socket
    //
    // GENMEM sets MCGCAP 0x400 (CMCI_P), so the corrected counts 2 and 3 in the records are
    // valid and upstream's socket "fallback" charges the unreported 1 and 2 errors to the
    // socket before the error itself (mcelog.md §11.1, §21.4): at 1/1min every one of the
    // four accountings fires, at 2/1min the first record's error and the second record's
    // fallback do. Upstream declares the counts of records without CMCI_P; both are checked.

    func socketSettings(_ threshold: String) -> ResponseSettings {
        var s = forcedNehalem
        s.dimmTrackingEnabled = true
        s.socketTrackingEnabled = true
        s.socketCETrigger = "../trigger"; s.socketCEThreshold = Threshold.parse(threshold)
        s.socketUCTrigger = "../trigger"; s.socketUCThreshold = Threshold.parse("1 / 1min")
        return s
    }

    func testSocket1CountsFallbackAccountingOfTheCorrectedCount() {
        var run = ScenarioRun(socketSettings("1 / 1min"))                     // socket-1.conf
        run.feed(UpstreamInject.memInject())
        XCTAssertEqual(run.triggers.count, 4)            // declared 2: records without CMCI_P
        XCTAssertEqual(run.triggers.map(\.reporter), ["sockdb_fallback", "sockdb_memdb", "sockdb_fallback", "sockdb_memdb"])
        XCTAssertEqual(run.triggers[0].environmentStrings, [
            "PATH=/sbin:/usr/sbin:/bin:/usr/bin", "THRESHOLD=1 in 1m", "TOTALCOUNT=1",
            "LOCATION=SOCKET:0 CHANNEL:? DIMM:? []", "SOCKETID=0", "CECOUNT=1", "UCCOUNT=0",
            "AGETIME=60", "MESSAGE=Fallback Socket memory error count 1 exceeded threshold: 1 in 1m",
            "THRESHOLD_COUNT=0"])
        // Within the window the bucket keeps what made it fire: 1, 2, 4, 5 "in 1m".
        XCTAssertEqual(run.triggers.map { $0.value(of: "THRESHOLD") }, ["1 in 1m", "2 in 1m", "4 in 1m", "5 in 1m"])
        XCTAssertEqual(run.triggers[3].value(of: "MESSAGE"),
                       "corrected Socket memory error count exceeded threshold: 5 in 1m")
        XCTAssertEqual(run.triggers[3].value(of: "TOTALCOUNT"), "5")   // 1 + 1 + 2 + 1
        XCTAssertEqual(run.triggers[3].value(of: "LASTEVENT"), "1700000001")

        var plain = ScenarioRun(socketSettings("1 / 1min"))
        plain.feed(UpstreamInject.memInject(cmci: false))
        XCTAssertEqual(plain.triggers.count, 2)          // upstream's declaration
    }

    func testSocket2CountsFallbackAccountingOfTheCorrectedCount() {
        var run = ScenarioRun(socketSettings("2 / 1min"))                     // socket-2.conf
        run.feed(UpstreamInject.memInject())
        XCTAssertEqual(run.triggers.count, 2)            // declared 1: records without CMCI_P
        XCTAssertEqual(run.triggers.map { $0.value(of: "MESSAGE") }, [
            "corrected Socket memory error count exceeded threshold: 2 in 1m",
            "Fallback Socket memory error count 2 exceeded threshold: 4 in 1m"])

        var plain = ScenarioRun(socketSettings("2 / 1min"))
        plain.feed(UpstreamInject.memInject(cmci: false))
        XCTAssertEqual(plain.triggers.count, 1)
    }

    func testSocketMemdbCountsSocketAndDimmTriggers() {
        var s = socketSettings("1 / 1min")                                    // socket-memdb.conf
        s.dimmCETrigger = "../trigger"; s.dimmCEThreshold = Threshold.parse("1 / 1min")
        s.dimmUCTrigger = "../trigger"; s.dimmUCThreshold = Threshold.parse("1 / 1min")
        var run = ScenarioRun(s)
        run.feed(UpstreamInject.memInject())
        XCTAssertEqual(run.triggers.count, 6)            // declared 4: 2 DIMM + 2 socket without CMCI_P
        XCTAssertEqual(run.triggers.map(\.reporter),
                       ["memdb", "sockdb_fallback", "sockdb_memdb", "memdb", "sockdb_fallback", "sockdb_memdb"])
        var plain = ScenarioRun(s)
        plain.feed(UpstreamInject.memInject(cmci: false))
        XCTAssertEqual(plain.triggers.count, 4)
    }

    // MARK: page

    func pageSettings(_ action: PageAction, threshold: String = "2 / 1h") -> ResponseSettings {
        var s = ResponseSettings()
        s.pageCEThreshold = Threshold.parse(threshold)
        s.pageCETrigger = "../trigger"
        s.pageAction = action
        s.triggerDirectory = "."
        return s
    }

    func testPageAccountTriggersOnceForTheRepeatedPage() {
        var run = ScenarioRun(pageSettings(.account))                         // page-account.conf
        run.feed(UpstreamInject.pageInject())
        XCTAssertEqual(run.triggers.count, 1)                                 // "# trigger: 1"
        XCTAssertTrue(run.offlines.isEmpty)
        // The page trigger reports the counts of the DIMM the firing error named.
        XCTAssertEqual(run.triggers[0].environmentStrings, [
            "PATH=/sbin:/usr/sbin:/bin:/usr/bin", "THRESHOLD=2 in 1h", "TOTALCOUNT=2",
            "LOCATION=SOCKET:0 CHANNEL:1 DIMM:1 []", "DIMM=1", "CHANNEL=1", "SOCKETID=0",
            "CECOUNT=1", "UCCOUNT=0", "LASTEVENT=1700000001", "AGETIME=3600",
            "MESSAGE=Corrected memory errors on page 1234000 exceed threshold 2 in 1h: 2 in 1h",
            "THRESHOLD_COUNT=0"])
        XCTAssertEqual(run.triggers[0].reporter, "page")
        XCTAssertEqual(run.engine.pagesText(), """
            Per page corrected memory statistics:
            1234000: total 3 seen "3 in 1h" online triggered

            20000000: total 1 seen "1 in 1h" online

            20007000: total 1 seen "1 in 1h" online

            2000e000: total 1 seen "1 in 1h" online


            """)
    }

    func testPageHardOfflinesOnce() {
        var run = ScenarioRun(pageSettings(.hard))                            // page-hard.conf
        run.feed(UpstreamInject.pageInject())
        XCTAssertEqual(run.triggers.count, 1)                                 // "# trigger: 1"
        XCTAssertEqual(run.offlines.map(\.0), [0x1234000])
        XCTAssertEqual(run.offlines.map(\.1), [.hard])
        XCTAssertEqual(run.engine.counters.pagesOffline, 1)
    }

    func testPageSoftOfflinesOnceWithoutSoftTriggersConfigured() {
        var run = ScenarioRun(pageSettings(.soft))                            // page-soft.conf
        run.feed(UpstreamInject.pageInject())
        XCTAssertEqual(run.triggers.count, 1)                                 // "# trigger: 1"
        XCTAssertEqual(run.offlines.map(\.1), [.soft])
        XCTAssertTrue(run.engine.pagesText().contains("1234000: total 3 seen \"3 in 1h\" offline triggered\n"))
    }

    func testPageSoftThenHardSkipsTheOfflinedPage() {
        // page-soft-then-hard.conf, 1/1h: the repeated page fires once, then is offline; the
        // three other pages fire once each.
        var run = ScenarioRun(pageSettings(.softThenHard, threshold: "1 / 1h"))
        run.feed(UpstreamInject.pageInject())
        XCTAssertEqual(run.triggers.count, 4)                                 // "# trigger: 4"
        XCTAssertEqual(run.offlines.count, 4)

        // Soft offline failing and hard succeeding changes nothing in the count.
        var fallback = ScenarioRun(pageSettings(.softThenHard, threshold: "1 / 1h"))
        fallback.softOfflineSucceeds = false
        fallback.feed(UpstreamInject.pageInject())
        XCTAssertEqual(fallback.triggers.count, 4)
        XCTAssertEqual(fallback.offlines.map(\.1), [.soft, .hard, .soft, .hard, .soft, .hard, .soft, .hard])
        XCTAssertEqual(fallback.logs.filter { $0.kind == .softOfflineFallback }.first?.lines,
                       ["Soft offlining of page 1234000 failed, trying hard offlining"])

        // Where the kernel lacks the interface upstream falls back to `account` and the
        // repeated page fires three times: the 6 of mcelog.md §21.4.
        var accountOnly = ScenarioRun(pageSettings(.account, threshold: "1 / 1h"))
        accountOnly.feed(UpstreamInject.pageInject())
        XCTAssertEqual(accountOnly.triggers.count, 6)
    }

    func testPageOffTracksNothing() {
        var run = ScenarioRun(pageSettings(.off))                             // page-off.conf
        run.feed(UpstreamInject.pageInject())
        XCTAssertEqual(run.triggers.count, 0)                                 // "# trigger: 0"
        XCTAssertEqual(run.engine.pagesText(), "")
    }

    func testPageMemdbCountsDimmAndPageTriggers() {
        var s = pageSettings(.soft)                                           // page-memdb.conf
        s.memoryErrorSupport = true
        s.dimmTrackingEnabled = true
        s.dimmCETrigger = "../trigger"; s.dimmCEThreshold = Threshold.parse("1 / 1min")
        s.dimmUCTrigger = "../trigger"; s.dimmUCThreshold = Threshold.parse("1 / 1min")
        var run = ScenarioRun(s)
        run.feed(UpstreamInject.pageInject())
        XCTAssertEqual(run.triggers.count, 7)                                 // "# trigger: 7"
        XCTAssertEqual(run.triggers.filter { $0.key == .dimmCE }.count, 6)
        XCTAssertEqual(run.triggers.filter { $0.key == .page }.count, 1)
        // The page trigger reports the DIMM's counts: (0,1,1) had its one error.
        let page = run.triggers.first { $0.key == .page }
        XCTAssertEqual(page?.value(of: "CECOUNT"), "1")
        XCTAssertEqual(page?.value(of: "LOCATION"), "SOCKET:0 CHANNEL:1 DIMM:1 []")
    }

    func testPageErrorCounterReplacementFiresAtTwentyReplacements() {
        var s = ResponseSettings()             // page-error-counter-replacement.conf
        s.maxCorrErrCounters = 126
        s.pageAction = .account
        s.replacementThreshold = Threshold.parse("20 / 1h")
        s.replacementTrigger = "../trigger"
        var run = ScenarioRun(s)
        XCTAssertEqual(run.engine.configurationWarnings, [])  // 126 = 2 clusters of 63
        run.feed(UpstreamInject.pageInject(total: 156))
        XCTAssertEqual(run.triggers.count, 1)                                 // "# trigger: 1"
        // 154 distinct pages in 126 counters: 28 replacements, the 20th at record 148.
        XCTAssertEqual(run.engine.counters.counterReplacements, 28)
        XCTAssertEqual(run.engine.counters.pagesTracked, 126)
        XCTAssertEqual(run.triggers[0].environmentStrings, [
            "THRESHOLD=20 in 1h", "TOTALCOUNT=20", "LASTEVENT=1700000147", "AGETIME=3600",
            "MESSAGE=Replacements of page correctable error counter exceed threshold 20 in 1h: 20 in 1h",
            "THRESHOLD_COUNT=0"])
        XCTAssertEqual(run.triggers[0].reporter, "page-error-counter")
    }

    // MARK: unknown

    func testUnknownConfRunsBusIomcaAndUnknownTriggers() {
        var s = ResponseSettings()                                            // unknown.conf
        s.busTrigger = "../trigger"
        s.iomcaTrigger = "../trigger"
        s.unknownTrigger = "../trigger"
        var run = ScenarioRun(s)
        run.feed(UpstreamInject.timed([UpstreamInject.cpu0Bank1(status: 0x9c00_0000_0000_0e0b),
                                       UpstreamInject.cpu0Bank1(status: 0x9c00_0000_0000_040b)]))
        XCTAssertEqual(run.triggers.count, 3)                                 // "# trigger: 3"
        XCTAssertEqual(run.triggers.map(\.key), [.bus, .iomca, .unknown])
        // MCACOD 0x0e0b: PP 3, T 0, RRRR 0, II 2, LL 3.
        XCTAssertEqual(run.triggers[0].environmentStrings, [
            "LOCATION=CPU 0 on socket 0", "SOCKETID=0",
            "MESSAGE=CPU 0 on socket 0 received Bus and Interconnect Errors in IO",
            "CPU=0", "LEVEL=Level-3", "PARTICIPATION=Generic", "REQUEST=Generic",
            "ORIGIN=IO", "TIMEOUT=Request-did-not-timeout"])
        // MISC 0xabcdef: segment 0, bus 0, device 0x15, function 3.
        XCTAssertEqual(run.triggers[1].environmentStrings, [
            "LOCATION=CPU 0 on socket 0", "SOCKETID=0",
            "MESSAGE=CPU 0 on socket 0 received IO MCA Errors from 0:00:15.3",
            "CPU=0", "SEG=0", "BUS=00", "DEVICE=15", "FUNCTION=3"])
        XCTAssertEqual(run.triggers[2].environmentStrings, [
            "LOCATION=CPU 0 on socket 0", "SOCKETID=0", "MESSAGE=CPU 0 on socket 0 received unknown error",
            "CPU=0", "STATUS=9c0000000000040b", "MISC=abcdef", "ADDR=abcd", "MCGSTATUS=0", "MCGCAP=0"])
        XCTAssertEqual(run.triggers.map(\.reporter), ["bus", "iomca", "unknown"])
        let c = run.engine.counters
        XCTAssertEqual([c.busEvents, c.iomcaEvents, c.unknownEvents], [1, 1, 1])
        XCTAssertEqual(c.triggersRequested, [.bus: 1, .iomca: 1, .unknown: 1])
    }
}
