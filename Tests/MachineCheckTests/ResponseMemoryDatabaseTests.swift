import XCTest
@testable import MachineCheck

/// The DIMM/socket database: which records count where, DMI prepopulation, and the
/// client's `dump` text and JSON (mcelog.md §8.3, §11.1).
final class ResponseMemoryDatabaseTests: XCTestCase {
    let base = Int64(UpstreamInject.baseTime)

    func testBankLocatorPatterns() {
        let cases: [(String, BankLocator.Place?)] = [
            ("P0_Node1_Channel2_Dimm3", .init(socket: 1, channel: 2, dimm: 3)),
            ("_Node0_Channel0_Dimm1", .init(socket: 0, channel: 0, dimm: 1)),
            ("NODE 1 CHANNEL 2 DIMM 3", .init(socket: 1, channel: 2, dimm: 3)),
            ("NODE1CHANNEL2DIMM3", .init(socket: 1, channel: 2, dimm: 3)),   // scanf spaces match none
            ("Node1_Bank0", .init(socket: 1, channel: nil, dimm: 0)),
            ("A1_BANK2", .init(socket: 1, channel: nil, dimm: 2)),
            ("BANK 0", nil), ("P0_Node1_Channel2", nil), ("node 1 channel 2 dimm 3", nil), ("", nil),
        ]
        for (text, place) in cases { XCTAssertEqual(BankLocator.parse(text), place, text) }
    }

    func testPrepopulateWarnsForDuplicatesAndUnparseableLocators() {
        var s = ResponseSettings()
        s.memoryErrorSupport = true
        var engine = ResponseEngine(settings: s)
        XCTAssertEqual(engine.prepopulate(locators: [("DIMM_A1", "NODE 0 CHANNEL 0 DIMM 0"),
                                                     ("DIMM_A2", "NODE 0 CHANNEL 0 DIMM 1")]), [])
        XCTAssertEqual(engine.prepopulate(locators: [("DIMM_X", "NODE 0 CHANNEL 0 DIMM 0")]),
                       ["failed to prefill DIMM database from DMI data"])
        XCTAssertEqual(engine.prepopulate(locators: [("DIMM_Y", "Bank 7")]),
                       ["failed to prefill DIMM database from DMI data"])
        // `dmi-prepopulate = no`: nothing attached, nothing said.
        var off = ResponseSettings()
        off.dmiPrepopulate = false
        var quiet = ResponseEngine(settings: off)
        XCTAssertEqual(quiet.prepopulate(locators: [("DIMM_Y", "Bank 7")]), [])
        XCTAssertEqual(quiet.dumpText(all: true, bios: true, now: 0), "")
    }

    /// The example of mcelog.md §8.3: 70 corrected errors on socket 0 channel 1 DIMM 0, 3
    /// more on socket 0 with no channel, one uncorrected on socket 1 channel 2 DIMM 1.
    func upstreamExampleEngine() -> ResponseEngine {
        var s = ResponseSettings()
        s.memoryErrorSupport = true
        s.dimmCEThreshold = Threshold.parse("100 / 24h")
        s.dimmUCThreshold = Threshold.parse("1 / 24h")
        s.socketCEThreshold = Threshold.parse("100 / 24h")
        s.socketUCThreshold = Threshold.parse("1 / 24h")
        var records = Array(repeating: UpstreamInject.genmem(channel: 1, dimm: 0, cmci: false), count: 70)
        var unknownChannel = UpstreamInject.genmem(cmci: false)
        unknownChannel.status = (0x8000_0000 << 32) | 0xbf     // MCACOD channel 0xf, no MISC
        records += Array(repeating: unknownChannel, count: 3)
        records.append(UpstreamInject.genmem(socket: 1, channel: 2, dimm: 1, uncorrected: true, cmci: false))
        var run = ScenarioRun(s)
        run.feed(UpstreamInject.timed(records))
        return run.engine
    }

    func testDumpMatchesUpstreamLayout() {
        var engine = upstreamExampleEngine()
        XCTAssertEqual(engine.dumpText(all: false, bios: false, now: base + 100), """
            Memory errors
            SOCKET 0 CHANNEL any DIMM any
            corrected memory errors:
            \t73 total
            \t73 in 24h

            SOCKET 0 CHANNEL 1 DIMM 0
            corrected memory errors:
            \t70 total
            \t70 in 24h

            SOCKET 1 CHANNEL any DIMM any
            uncorrected memory errors:
            \t1 total

            SOCKET 1 CHANNEL 2 DIMM 1
            uncorrected memory errors:
            \t1 total

            """)
        // A day later the buckets have leaked: only the totals remain.
        XCTAssertEqual(engine.dumpText(all: false, bios: false, now: base + 86_400 + 100), """
            Memory errors
            SOCKET 0 CHANNEL any DIMM any
            corrected memory errors:
            \t73 total

            SOCKET 0 CHANNEL 1 DIMM 0
            corrected memory errors:
            \t70 total

            SOCKET 1 CHANNEL any DIMM any
            uncorrected memory errors:
            \t1 total

            SOCKET 1 CHANNEL 2 DIMM 1
            uncorrected memory errors:
            \t1 total

            """)
    }

    func testDumpAllAndBiosShowEmptyDimmsAndNames() {
        var s = ResponseSettings()
        s.memoryErrorSupport = true
        s.dimmCEThreshold = Threshold.parse("10 / 24h")
        var engine = ResponseEngine(settings: s)
        _ = engine.prepopulate([DimmDescriptor(socket: 0, channel: 0, dimm: 0, name: "DIMM_A1", location: "NODE 0 CHANNEL 0 DIMM 0"),
                                DimmDescriptor(socket: 0, channel: 1, dimm: 0, name: "DIMM_B1", location: nil)])
        var run = ScenarioRun(s)
        run.engine = engine
        run.feed(UpstreamInject.timed([UpstreamInject.genmem(channel: 1, dimm: 0, cmci: false)]))
        engine = run.engine
        // Without `all` the empty DIMM prints nothing but still gets its separating blank
        // line, as upstream's dump does.
        XCTAssertEqual(engine.dumpText(all: false, bios: true, now: base), """
            Memory errors
            SOCKET 0 CHANNEL any DIMM any
            corrected memory errors:
            \t1 total


            SOCKET 0 CHANNEL 1 DIMM 0
            DMI_NAME "DIMM_B1"
            corrected memory errors:
            \t1 total
            \t1 in 24h

            """)
        XCTAssertEqual(engine.dumpText(all: true, bios: true, now: base), """
            Memory errors
            SOCKET 0 CHANNEL any DIMM any
            corrected memory errors:
            \t1 total
            uncorrected memory errors:
            \t0 total

            SOCKET 0 CHANNEL 0 DIMM 0
            DMI_NAME "DIMM_A1" DMI_LOCATION "NODE 0 CHANNEL 0 DIMM 0"
            corrected memory errors:
            \t0 total
            \t0 in 24h
            uncorrected memory errors:
            \t0 total

            SOCKET 0 CHANNEL 1 DIMM 0
            DMI_NAME "DIMM_B1"
            corrected memory errors:
            \t1 total
            \t1 in 24h
            uncorrected memory errors:
            \t0 total

            """)
    }

    func testDumpJSONEscapesNamesAndUsesNullForUnknowns() {
        var s = ResponseSettings()
        s.memoryErrorSupport = true
        s.dimmCEThreshold = Threshold.parse("10 / 24h")
        var engine = ResponseEngine(settings: s)
        _ = engine.prepopulate([DimmDescriptor(socket: 0, channel: 1, dimm: 0, name: "DIMM \"A\\1\"\t", location: nil)])
        var run = ScenarioRun(s)
        run.engine = engine
        run.feed(UpstreamInject.timed([UpstreamInject.genmem(channel: 1, dimm: 0, cmci: false)]))
        XCTAssertEqual(run.engine.dumpJSON(now: base), "{\"dimms\":["
            + "{\"socket\":0,\"channel\":null,\"dimm\":null,\"name\":null,\"location\":null,"
            + "\"corrected\":{\"total\":1,\"recent\":\"not enabled\"},\"uncorrected\":{\"total\":0,\"recent\":\"not enabled\"}},"
            + "{\"socket\":0,\"channel\":1,\"dimm\":0,\"name\":\"DIMM \\\"A\\\\1\\\"\\t\",\"location\":null,"
            + "\"corrected\":{\"total\":1,\"recent\":\"1 in 24h\"},\"uncorrected\":{\"total\":0,\"recent\":\"not enabled\"}}]}")
        var empty = ResponseEngine()
        XCTAssertEqual(empty.dumpText(all: true, bios: false, now: 0), "")
        XCTAssertEqual(empty.dumpJSON(now: 0), "{\"dimms\":[]}")
        XCTAssertEqual(empty.pagesJSON(), "{\"pages\":[]}")
    }

    func testEdacLabelReplacesTheNameKeepsTheBankLocatorAndUntimedRecordsUseNow() {
        var s = ResponseSettings()
        s.memoryErrorSupport = true
        s.dimmCEThreshold = Threshold.parse("1 / 24h")
        s.dimmCETrigger = "dimm-error-trigger"
        var engine = ResponseEngine(settings: s)
        _ = engine.prepopulate(locators: [("DIMM_A1", "NODE 0 CHANNEL 1 DIMM 0")])
        engine.setName("CPU_SrcID#0_Ha#0_Chan#1_DIMM#0", for: DimmKey(socket: 0, channel: 1, dimm: 0))
        let r = UpstreamInject.genmem(channel: 1, dimm: 0, cmci: false)     // time 0
        let actions = engine.handle(r, facts: RecordFormatter().format(r, cpuType: .nehalem).facts, now: 1234,
                                    topology: nil)
        guard case .trigger(let t)? = actions.first else { return XCTFail("no trigger") }
        // The label replaces the Device Locator; the Bank Locator stays.
        XCTAssertEqual(t.value(of: "LOCATION"), "SOCKET:0 CHANNEL:1 DIMM:0 [NODE 0 CHANNEL 1 DIMM 0 CPU_SrcID#0_Ha#0_Chan#1_DIMM#0]")
        XCTAssertEqual(t.value(of: "DMI_NAME"), "CPU_SrcID#0_Ha#0_Chan#1_DIMM#0")
        XCTAssertEqual(t.value(of: "DMI_LOCATION"), "NODE 0 CHANNEL 1 DIMM 0")
        XCTAssertEqual(t.value(of: "LASTEVENT"), "1234")
    }

    func testTrackingDefaultsFollowUpstreamMemoryErrorSupport() {
        XCTAssertTrue(MemoryErrorSupport.resolve(forcedCPUType: .nehalem, identity: nil))
        XCTAssertTrue(MemoryErrorSupport.resolve(forcedCPUType: .skylakeXeon, identity: nil))
        XCTAssertFalse(MemoryErrorSupport.resolve(forcedCPUType: .core2, identity: nil))
        XCTAssertFalse(MemoryErrorSupport.resolve(forcedCPUType: .atom, identity: nil))
        XCTAssertTrue(MemoryErrorSupport.resolve(forcedCPUType: nil, identity: CPUIdentity(vendor: 0, family: 6, model: 0x1a, stepping: 0)))
        XCTAssertFalse(MemoryErrorSupport.resolve(forcedCPUType: nil, identity: CPUIdentity(vendor: 0, family: 6, model: 0x1c, stepping: 0)))
        XCTAssertFalse(MemoryErrorSupport.resolve(forcedCPUType: nil, identity: CPUIdentity(vendor: 0, family: 6, model: 0x17, stepping: 0)))
        XCTAssertFalse(MemoryErrorSupport.resolve(forcedCPUType: nil, identity: CPUIdentity(vendor: 2, family: 6, model: 0x2a, stepping: 0)))

        // A Core 2 record decoded as such: no DIMM accounting unless configured.
        var core2 = UpstreamInject.genmem(channel: 1, dimm: 0, cmci: false)
        core2.cpuid = 0x6f6
        XCTAssertFalse(ResponseSettings().dimmTracking(for: core2, cpuType: .core2))
        var s = ResponseSettings()
        s.dimmTrackingEnabled = true
        XCTAssertTrue(s.dimmTracking(for: core2, cpuType: .core2))
        s.memoryErrorSupport = false
        XCTAssertFalse(s.socketTracking(for: UpstreamInject.genmem(), cpuType: .nehalem))
    }

    func testNonIntelAndFilteredCodesAreNotAccounted() {
        var s = ResponseSettings()
        s.memoryErrorSupport = true
        var engine = ResponseEngine(settings: s)
        let r = UpstreamInject.genmem(channel: 1, dimm: 0, cmci: false)
        var facts = RecordFormatter().format(r, cpuType: .nehalem).facts
        facts.cpuType = .k8                       // AMD decoders also flag memory errors
        XCTAssertEqual(engine.handle(r, facts: facts, now: 0, topology: nil), [])
        var filtered = r
        filtered.status |= 1 << 12                // F bit: upstream's MCACOD test fails
        _ = engine.handle(filtered, facts: RecordFormatter().format(filtered, cpuType: .nehalem).facts,
                          now: 0, topology: nil)
        XCTAssertEqual(engine.counters.dimms, [:])
        XCTAssertEqual(engine.counters.sockets, [:])
    }

    func testRecordWithoutSocketIdWarnsOnceAndSkipsTheDatabase() {
        var s = ResponseSettings()
        s.memoryErrorSupport = true
        s.pageAction = .account
        var run = ScenarioRun(s)
        var r = UpstreamInject.genpage(0x42)
        r.length = 64
        run.feed(UpstreamInject.timed([r, r]))
        XCTAssertEqual(run.logs, [ResponseLog(kind: .accountingUnavailable, priority: 3, lines: [
            "Cannot account memory errors because kernel does not report socketid"])])
        XCTAssertEqual(run.engine.counters.dimms, [:])
        XCTAssertEqual(run.engine.counters.pagesTracked, 1)     // pages do not need the socket
    }

    func testSecondFailingDeviceIsAccountedToItsDimmToo() {
        // SNB-EP iMC bank 8, corrected, MISC bit 62 rank 1 (DIMM 0), bit 63 rank 5 (DIMM 1).
        var r = UpstreamInject.nehalem(cpu: 0, bank: 8)
        r.cpuid = 0x206d7
        r.status = (0x8800_0000 << 32) | 0x0091      // MISCV, memory read, channel 1
        r.misc = (1 << 62) | (1 << 63) | (1 << 46) | (5 << 51)
        r.time = UpstreamInject.baseTime
        let facts = RecordFormatter().format(r, cpuType: .sandyBridgeEP).facts
        XCTAssertEqual(facts.dimm, 0)
        XCTAssertEqual(facts.secondDimm, 1)
        var s = ResponseSettings()
        s.memoryErrorSupport = true
        var engine = ResponseEngine(settings: s)
        _ = engine.handle(r, facts: facts, now: 0, topology: nil)
        XCTAssertEqual(engine.counters.dimms, [DimmKey(socket: 0, channel: 1, dimm: 0): .init(corrected: 1),
                                               DimmKey(socket: 0, channel: 1, dimm: 1): .init(corrected: 1)])
        XCTAssertEqual(engine.counters.sockets, [0: .init(corrected: 2)])
    }

    func testFailingRanksSixAndSevenGoToDimmTwoWhereItExists() {
        var r = UpstreamInject.nehalem(cpu: 0, bank: 8)
        r.cpuid = 0x206d7
        r.status = (0x8800_0000 << 32) | 0x0091
        r.misc = (1 << 62) | (6 << 46)
        r.time = UpstreamInject.baseTime
        let facts = RecordFormatter().format(r, cpuType: .sandyBridgeEP).facts
        XCTAssertEqual(facts.dimm, 1)
        var s = ResponseSettings()
        s.memoryErrorSupport = true
        var engine = ResponseEngine(settings: s)
        _ = engine.prepopulate([DimmDescriptor(socket: 0, channel: 1, dimm: 2, name: "DIMM_C3", location: nil)])
        _ = engine.handle(r, facts: facts, now: 0, topology: nil)
        XCTAssertEqual(engine.counters.dimms[DimmKey(socket: 0, channel: 1, dimm: 2)], .init(corrected: 1))
        XCTAssertNil(engine.counters.dimms[DimmKey(socket: 0, channel: 1, dimm: 1)])
    }

    /// Knights Landing/Mill print bank 15's channels from 3 but count the raw MCACOD channel;
    /// `dimmKeys` (which names the journal's DIMM) gives the key the accounting counts.
    func testKnightsBank15CountsTheRawChannelAndDimmKeysSaysSo() {
        var r = UpstreamInject.nehalem(cpu: 0, bank: 15)
        r.status = (0x8800_0000 << 32) | 0x0091      // memory read, channel 1
        r.time = UpstreamInject.baseTime
        let facts = RecordFormatter().format(r, cpuType: .knightsLanding).facts
        XCTAssertEqual(facts.channel, 4)
        var s = ResponseSettings()
        s.memoryErrorSupport = true
        var engine = ResponseEngine(settings: s)
        let keys = engine.dimmKeys(for: r, facts: facts)
        XCTAssertEqual(keys.first, DimmKey(socket: 0, channel: 1, dimm: -1))
        XCTAssertNil(keys.second)
        _ = engine.handle(r, facts: facts, now: 0, topology: nil)
        XCTAssertEqual(Set(engine.counters.dimms.keys), [keys.first])
    }

    /// The SNB-EP rank 6 case above through `dimmKeys`: DIMM 2 once the database knows one.
    func testDimmKeysSettleFailingRankSixLikeTheAccounting() {
        var r = UpstreamInject.nehalem(cpu: 0, bank: 8)
        r.cpuid = 0x206d7
        r.status = (0x8800_0000 << 32) | 0x0091
        r.misc = (1 << 62) | (1 << 63) | (6 << 46) | (7 << 51)
        r.time = UpstreamInject.baseTime
        let facts = RecordFormatter().format(r, cpuType: .sandyBridgeEP).facts
        var s = ResponseSettings()
        s.memoryErrorSupport = true
        var engine = ResponseEngine(settings: s)
        XCTAssertEqual(engine.dimmKeys(for: r, facts: facts).first, DimmKey(socket: 0, channel: 1, dimm: 1))
        engine.setName("DIMM_C3", for: DimmKey(socket: 0, channel: 1, dimm: 2))
        let keys = engine.dimmKeys(for: r, facts: facts)
        XCTAssertEqual(keys.first, DimmKey(socket: 0, channel: 1, dimm: 2))
        XCTAssertEqual(keys.second, DimmKey(socket: 0, channel: 1, dimm: 2))
        _ = engine.handle(r, facts: facts, now: 0, topology: nil)
        XCTAssertEqual(engine.counters.dimms, [keys.first: .init(corrected: 2)])
    }
}
