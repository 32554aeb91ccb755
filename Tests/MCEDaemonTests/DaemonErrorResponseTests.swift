import Foundation
import XCTest
import TestSupport
import MachineCheck

/// The error response in the running daemon (issue 5): thresholds, triggers with their
/// environment, soft page offlining against a laid-out sysfs, the client's dump and pages,
/// state across a restart, configuration errors, trigger timeouts.
final class DaemonErrorResponseTests: XCTestCase {
    struct Setup {
        let dir: String
        var config: String { dir + "/mcelog.conf" }
        var socket: String { dir + "/client.sock" }
        var sys: String { dir + "/sys" }
        var softOffline: String { sys + "/devices/system/memory/soft_offline_page" }
    }

    /// A working directory with a sysfs holding a writable soft_offline_page (a regular file,
    /// so the test reads exactly what the daemon wrote) and a trigger that saves its
    /// environment and arguments.
    func makeSetup(config: (Setup) -> String) throws -> Setup {
        let dir = NSTemporaryDirectory() + "mcelog-response-\(getpid())-\(UUID().uuidString.prefix(8))"
        let s = Setup(dir: dir)
        let fm = FileManager.default
        try fm.createDirectory(atPath: s.sys + "/devices/system/memory", withIntermediateDirectories: true)
        try fm.createDirectory(atPath: dir + "/state", withIntermediateDirectories: true)
        try fm.createDirectory(atPath: dir + "/runs", withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(atPath: dir) }
        fm.createFile(atPath: s.softOffline, contents: nil)
        fm.createFile(atPath: s.sys + "/devices/system/memory/hard_offline_page", contents: nil)
        try trigger(named: "save-env", in: s, body: "/usr/bin/env > \(dir)/runs/$$.env\necho \"$@\" > \(dir)/runs/$$.args\n")
        try trigger(named: "hang", in: s, body: "exec /bin/sleep 60\n")
        try config(s).write(toFile: s.config, atomically: true, encoding: .utf8)
        return s
    }

    func trigger(named name: String, in s: Setup, body: String) throws {
        let path = s.dir + "/" + name
        try ("#!/bin/sh\n" + body).write(toFile: path, atomically: true, encoding: .utf8)
        chmod(path, 0o755)
    }

    /// Corrected memory read errors (MCACOD 0x90, channel 0) on a Nehalem, bank 8, at the
    /// given addresses, one second apart.
    func records(_ addresses: [UInt64], in s: Setup, name: String = "records.bin") throws -> String {
        var bytes: [UInt8] = []
        for (i, a) in addresses.enumerated() {
            var r = MachineCheckRecord()
            r.status = 0x9400_0000_0000_0090   // VAL EN ADDRV, memory read
            r.addr = a
            r.bank = 8; r.cpuvendor = 0; r.cpuid = 0x106a5; r.mcgcap = 0x1000c09
            r.time = 1_700_000_000 + UInt64(i); r.finished = 1
            bytes += r.bytes()
        }
        let path = s.dir + "/" + name
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        return path
    }

    func baseConfig(_ s: Setup) -> String {
        """
        [global]
        state-directory = \(s.dir)/state
        sysfs-root = \(s.sys)
        [server]
        socket-path = \(s.socket)
        [trigger]
        directory = \(s.dir)
        timeout = 1

        """
    }

    func startDaemon(_ s: Setup, device: String) throws -> DaemonProcess {
        let d = try DaemonProcess(["--daemon", "--foreground", "--config-file", s.config, "--logfile", s.dir + "/mcelog.log", device], in: self)
        try d.start()
        for _ in 0..<500 where access(s.socket, F_OK) != 0 { usleep(10_000) }
        XCTAssertEqual(access(s.socket, F_OK), 0, "socket never appeared: \(d.stderr)")
        return d
    }

    func client(_ s: Setup, _ command: String) throws -> String {
        try DaemonClientTests.exchange(s.socket, Array((command + "\n").utf8)).reply
    }

    /// Entries of the daemon with the given MESSAGE_ID.
    func entries(_ d: DaemonProcess, _ s: Setup, id: String, count: Int) throws -> [[String: Any]] {
        let deadline = Date().addingTimeInterval(10)
        var found: [[String: Any]] = []
        while Date() < deadline {
            let all = (try? DaemonJournald.entries(pid: d.pid, marker: s.dir, count: 1, seconds: 2)) ?? []
            found = all.filter { $0["MESSAGE_ID"] as? String == id }
            if found.count >= count { break }
            usleep(100_000)
        }
        return found
    }

    /// The textfile is the running daemon's: a reload that names another path writes there,
    /// and a one-shot run (cron) never writes it.
    func testMetricsTextfileFollowsAReloadAndAOneShotRunLeavesItAlone() throws {
        if let problem = Journald.ensureRunning() { XCTFail(problem); return }
        let s = try makeSetup { s in baseConfig(s) + "[metrics]\ntextfile = \(s.dir)/first.prom\n" }
        let device = try records([0x4000_0000, 0x4000_1000], in: s)
        let d = try startDaemon(s, device: device)
        func appears(_ path: String) -> String? {
            for _ in 0..<100 {
                if let text = try? String(contentsOfFile: path, encoding: .utf8), text.contains("mcelog_records_total") { return text }
                usleep(50_000)
            }
            return nil
        }
        XCTAssertNotNil(appears(s.dir + "/first.prom"), d.stderr)
        try (baseConfig(s) + "[metrics]\ntextfile = \(s.dir)/second.prom\n").write(toFile: s.config, atomically: true, encoding: .utf8)
        d.signal(SIGHUP)
        let second = appears(s.dir + "/second.prom")
        XCTAssertTrue(second?.contains("bank=\"8\"} 2\n") == true, second ?? d.stderr)
        d.signal(SIGTERM)
        XCTAssertEqual(d.wait(), 0, d.stderr)

        let oneShotConfig = s.dir + "/oneshot.conf"
        try ("[global]\nstate-directory = \(s.dir)/state\n[server]\nsocket-path =\n[source]\ntype = device\ndevice = \(device)\n"
             + "[metrics]\ntextfile = \(s.dir)/oneshot.prom\n").write(toFile: oneShotConfig, atomically: true, encoding: .utf8)
        let once = try DaemonProcess(["--config-file", oneShotConfig, "--logfile", s.dir + "/mcelog.log"], in: self)
        try once.start()
        XCTAssertEqual(once.wait(seconds: 10), 0, once.stderr)
        XCTAssertEqual(UpstreamText.eventCount(once.stdout), 2, once.stdout)
        XCTAssertFalse(FileManager.default.fileExists(atPath: s.dir + "/oneshot.prom"), "a one-shot run writes no metrics")
    }

    func testPageThresholdRunsTheTriggerSoftOfflinesThePageAndTheClientShowsIt() throws {
        if let problem = Journald.ensureRunning() { XCTFail(problem); return }
        let s = try makeSetup { s in
            baseConfig(s) + """
            [dimm]
            ce-error-threshold = 3 / 24h
            ce-error-log = yes
            [page]
            memory-ce-threshold = 2 / 24h
            memory-ce-trigger = save-env
            memory-ce-action = soft
            [metrics]
            textfile = \(s.dir)/mcelog.prom

            """
        }
        let device = try records([0x4000_0000, 0x4000_0010, 0x4000_1000, 0x4000_0020], in: s)
        let d = try startDaemon(s, device: device)

        let offline = try entries(d, s, id: "fd1c1bed96d3405e855f06da768b8cfe", count: 1)
        XCTAssertEqual(offline.count, 1, d.stderr)
        XCTAssertEqual(offline.first?["MCE_PAGE"] as? String, "0x40000000")
        XCTAssertEqual(offline.first?["MCE_OFFLINE_MODE"] as? String, "soft")
        XCTAssertEqual(offline.first?["MCE_OFFLINE_RESULT"] as? String, "done")
        XCTAssertEqual(try String(contentsOfFile: s.softOffline, encoding: .utf8), "0x40000000",
                       "the page address as %#llx, written once")

        let runs = try entries(d, s, id: "8e38cc945e914afdb67b97e6c2866a1c", count: 1)
        XCTAssertEqual(runs.count, 1)
        XCTAssertEqual(runs.first?["MCE_TRIGGER"] as? String, "save-env")
        XCTAssertEqual(runs.first?["MCE_TRIGGER_EXIT"] as? String, "Trigger `save-env' exited with status 0")
        XCTAssertEqual(runs.first?["MCE_THRESHOLD"] as? String, "2 in 24h")

        let envFiles = try FileManager.default.contentsOfDirectory(atPath: s.dir + "/runs").filter { $0.hasSuffix(".env") }
        XCTAssertEqual(envFiles.count, 1, "one page trigger run")
        let env = try String(contentsOfFile: s.dir + "/runs/" + envFiles[0], encoding: .utf8)
        let vars = Dictionary(env.split(separator: "\n").map { l -> (String, String) in
            let p = l.split(separator: "=", maxSplits: 1); return (String(p[0]), p.count > 1 ? String(p[1]) : "") },
            uniquingKeysWith: { a, _ in a })
        XCTAssertEqual(vars["MESSAGE"], "Corrected memory errors on page 40000000 exceed threshold 2 in 24h: 2 in 24h")
        XCTAssertEqual(vars["THRESHOLD"], "2 in 24h")
        XCTAssertEqual(vars["TOTALCOUNT"], "2")
        XCTAssertEqual(vars["SOCKETID"], "0")
        XCTAssertEqual(vars["CHANNEL"], "0")
        XCTAssertEqual(vars["THRESHOLD_COUNT"], "0")
        XCTAssertNil(vars["HOME"], "the environment is replaced, nothing inherited")

        let threshold = try entries(d, s, id: "adfb120cc3f64c229a0f88977f84a2bd", count: 1)
        XCTAssertEqual(threshold.first?["MCE_THRESHOLD_KIND"] as? String, "dimm", "ce-error-log = yes journals the DIMM threshold")

        let pages = try client(s, "pages")
        XCTAssertTrue(pages.hasPrefix("Per page corrected memory statistics:\n"), pages)
        XCTAssertTrue(pages.contains("40000000: total 3 seen \"3 in 24h\" offline triggered\n"), pages)
        XCTAssertTrue(pages.contains("40001000: total 1 seen \"1 in 24h\" online\n"), pages)
        XCTAssertTrue(pages.hasSuffix("done\n"), pages)
        let dump = try client(s, "dump all")
        XCTAssertTrue(dump.contains("SOCKET 0 CHANNEL 0 DIMM any\ncorrected memory errors:\n\t4 total\n"), dump)
        let json = try client(s, "json pages")
        let doc = try JSONSerialization.jsonObject(with: Data(json.dropLast("done\n".count).utf8)) as? [String: Any]
        let first = (doc?["pages"] as? [[String: Any]])?.first
        XCTAssertEqual(first?["address"] as? String, "0x40000000", json)
        XCTAssertEqual(first?["state"] as? String, "offline", json)

        let cli = try Command.run(DaemonBinary.path, ["--client", "--json", "--config-file", s.config])
        XCTAssertEqual(cli.status, 0, cli.stderr)
        let both = try JSONSerialization.jsonObject(with: Data(cli.stdout.utf8)) as? [String: Any]
        let dimms = both?["dimms"] as? [[String: Any]] ?? []
        XCTAssertEqual((dimms.first { $0["channel"] as? Int == 0 }?["corrected"] as? [String: Any])?["total"] as? Int, 4, cli.stdout)
        XCTAssertEqual((both?["pages"] as? [[String: Any]])?.count, 2, cli.stdout)

        let metrics = try client(s, "metrics")
        XCTAssertTrue(metrics.contains("mcelog_records_total{severity=\"corrected\",kind=\"memory\",socket=\"0\",bank=\"8\"} 4\n"), metrics)
        XCTAssertTrue(metrics.contains("mcelog_dimm_errors_total{socket=\"0\",channel=\"0\",severity=\"corrected\"} 4\n"), metrics)
        XCTAssertTrue(metrics.hasSuffix("done\n"))

        d.signal(SIGTERM)
        XCTAssertEqual(d.wait(), 0, d.stderr)
        XCTAssertTrue(FileManager.default.fileExists(atPath: s.dir + "/state/state"), "the counts are saved at exit")
        let textfile = try String(contentsOfFile: s.dir + "/mcelog.prom", encoding: .utf8)
        XCTAssertTrue(textfile.contains("mcelog_records_total{severity=\"corrected\",kind=\"memory\",socket=\"0\",bank=\"8\"} 4\n"), textfile)

        // A restart with no new records keeps the counts (and knows the page is offline).
        let empty = try records([], in: s, name: "empty.bin")
        let again = try startDaemon(s, device: empty)
        let pagesAfter = try client(s, "pages")
        XCTAssertTrue(pagesAfter.contains("40000000: total 3 seen \"3 in 24h\" offline triggered\n"), pagesAfter)
        let dumpAfter = try client(s, "dump")
        XCTAssertTrue(dumpAfter.contains("SOCKET 0 CHANNEL 0 DIMM any\ncorrected memory errors:\n\t4 total\n"), dumpAfter)
        again.signal(SIGTERM)
        XCTAssertEqual(again.wait(), 0, again.stderr)
    }

    func testCorruptStateIsAFreshStartWithAWarning() throws {
        if let problem = Journald.ensureRunning() { XCTFail(problem); return }
        let s = try makeSetup { baseConfig($0) }
        try "mcelog-state 1\ngarbage\n".write(toFile: s.dir + "/state/state", atomically: true, encoding: .utf8)
        let d = try startDaemon(s, device: try records([0x5000_0000], in: s))
        let dump = try client(s, "dump")
        XCTAssertTrue(dump.contains("\t1 total\n"), "counting starts afresh: \(dump)")
        d.signal(SIGTERM)
        XCTAssertEqual(d.wait(), 0, d.stderr)
        let log = try DaemonJournald.entries(pid: d.pid, marker: s.dir, count: 1)
        XCTAssertTrue(log.contains { ($0["MESSAGE"] as? String)?.hasPrefix("ignoring the accounting state \(s.dir)/state/state") == true },
                      "the corrupt state is reported: \(log.compactMap { $0["MESSAGE"] as? String })")
    }

    func testAHangingTriggerIsKilledAfterItsTimeoutAndReported() throws {
        if let problem = Journald.ensureRunning() { XCTFail(problem); return }
        let s = try makeSetup { s in
            baseConfig(s) + "[page]\nmemory-ce-threshold = 1 / 24h\nmemory-ce-trigger = hang\nmemory-ce-action = account\n"
        }
        let start = Date()
        let d = try startDaemon(s, device: try records([0x6000_0000], in: s))
        let runs = try entries(d, s, id: "8e38cc945e914afdb67b97e6c2866a1c", count: 1)
        XCTAssertEqual(runs.count, 1, d.stderr)
        let exit = runs.first?["MCE_TRIGGER_EXIT"] as? String ?? ""
        XCTAssertTrue(exit.contains("timed out") || exit.contains("signal"), exit)
        XCTAssertLessThan(Date().timeIntervalSince(start), 8, "killed after the 1 s timeout and the grace period")
        XCTAssertEqual(try client(s, "ping"), "pong\n", "the daemon kept answering meanwhile")
        d.signal(SIGTERM)
        XCTAssertEqual(d.wait(), 0, d.stderr)
    }

    func testBadThresholdOrTriggerStopsTheStartWithFileAndLine() throws {
        let s = try makeSetup { baseConfig($0) + "[dimm]\nce-error-threshold = 10 / 24s\n" }
        let d = try DaemonProcess(["--daemon", "--foreground", "--config-file", s.config, try records([], in: s)], in: self)
        try d.start()
        XCTAssertEqual(d.wait(), 1)
        XCTAssertTrue(d.stderr.contains("config file \(s.config) line 10: trigger config option `[dimm] ce-error-threshold' unparseable"), d.stderr)

        try (baseConfig(s) + "[socket]\nbus-uc-threshold-trigger = missing-script\n").write(toFile: s.config, atomically: true, encoding: .utf8)
        let d2 = try DaemonProcess(["--daemon", "--foreground", "--config-file", s.config, try records([], in: s)], in: self)
        try d2.start()
        XCTAssertEqual(d2.wait(), 1)
        XCTAssertTrue(d2.stderr.contains("line 10: [socket] bus-uc-threshold-trigger: Cannot access bus threshold trigger `missing-script'"), d2.stderr)
    }

    func testReloadAppliesNewThresholdsAndKeepsTheCounts() throws {
        if let problem = Journald.ensureRunning() { XCTFail(problem); return }
        let s = try makeSetup { baseConfig($0) + "[dimm]\nce-error-threshold = 5 / 24h\n" }
        let d = try startDaemon(s, device: try records([0x7000_0000, 0x7000_1000], in: s))
        XCTAssertTrue(try client(s, "dump").contains("\t2 total\n\t2 in 24h\n"))
        try (baseConfig(s) + "[dimm]\nce-error-threshold = 5 / 1d\n").write(toFile: s.config, atomically: true, encoding: .utf8)
        d.signal(SIGHUP)
        var dump = ""
        for _ in 0..<100 {
            dump = try client(s, "dump")
            if dump.contains("in 1d") { break }
            usleep(50_000)
        }
        XCTAssertTrue(dump.contains("\t2 total\n\t2 in 1d\n"), "counts kept under the new threshold: \(dump)")
        d.signal(SIGTERM)
        XCTAssertEqual(d.wait(), 0, d.stderr)
    }

    /// `[cache] cpu-offline = yes`: a yellow cache event (corrected, threshold status 2, with
    /// MCG_CAP.TES_P) takes every CPU sharing that cache offline through its `online` file,
    /// each journaled as its own entry.
    func testYellowCacheEventOfflinesTheCPUsSharingTheCache() throws {
        if let problem = Journald.ensureRunning() { XCTFail(problem); return }
        let s = try makeSetup { baseConfig($0) + "[cache]\ncpu-offline = yes\n" }
        let fm = FileManager.default
        for cpu in [1, 5] {
            let base = s.sys + "/devices/system/cpu/cpu\(cpu)"
            for (index, level, type) in [(0, "1", "Data"), (1, "2", "Unified")] {
                let dir = base + "/cache/index\(index)"
                try fm.createDirectory(atPath: dir, withIntermediateDirectories: true)
                try "\(level)\n".write(toFile: dir + "/level", atomically: true, encoding: .utf8)
                try "\(type)\n".write(toFile: dir + "/type", atomically: true, encoding: .utf8)
                try "00000022\n".write(toFile: dir + "/shared_cpu_map", atomically: true, encoding: .utf8)
            }
            try "1\n".write(toFile: base + "/online", atomically: true, encoding: .utf8)
        }
        var r = MachineCheckRecord()
        r.extcpu = 1; r.bank = 2; r.cpuvendor = 0; r.cpuid = 0x106a5; r.mcgcap = 1 << 11
        r.status = ((0x8800_0000 + (2 << 21)) << 32) | (0x100 + 1 + (1 << 2))   // yellow, L1 data
        r.time = 1_700_000_000; r.finished = 1
        let device = s.dir + "/yellow.bin"
        try Data(r.bytes()).write(to: URL(fileURLWithPath: device))
        let d = try startDaemon(s, device: device)
        let offline = try entries(d, s, id: "9e90394e4d11437aad8c425da55e6c81", count: 2)
        XCTAssertEqual(offline.compactMap { $0["MCE_CPU"] as? String }.sorted(), ["1", "5"], d.stderr)
        XCTAssertTrue(offline.allSatisfy { $0["MCE_OFFLINE_RESULT"] as? String == "offlined" }, "\(offline)")
        for cpu in [1, 5] {
            XCTAssertEqual(try String(contentsOfFile: s.sys + "/devices/system/cpu/cpu\(cpu)/online", encoding: .utf8), "0")
        }
        d.signal(SIGTERM)
        XCTAssertEqual(d.wait(), 0, d.stderr)
    }

    /// EDAC's sysfs labels name the DIMM (journal DIMM field, `dump bios`) where the mapping
    /// is certain: one memory controller per socket, locations of channel and slot.
    func testEDACLabelsNameTheDimmOfARecordAndTheDump() throws {
        if let problem = Journald.ensureRunning() { XCTFail(problem); return }
        let s = try makeSetup { baseConfig($0) }
        let fm = FileManager.default
        for (dimm, location, label) in [(0, "channel 0 slot 0 ", "CPU0_DIMM_A1"), (1, "channel 1 slot 0 ", "CPU0_DIMM_B1")] {
            let dir = s.sys + "/devices/system/edac/mc/mc0/dimm\(dimm)"
            try fm.createDirectory(atPath: dir, withIntermediateDirectories: true)
            try "\(label)\n".write(toFile: dir + "/dimm_label", atomically: true, encoding: .utf8)
            try "\(location)\n".write(toFile: dir + "/dimm_location", atomically: true, encoding: .utf8)
        }
        let topology = s.sys + "/devices/system/cpu/cpu0/topology"
        try fm.createDirectory(atPath: topology, withIntermediateDirectories: true)
        try "0\n".write(toFile: topology + "/physical_package_id", atomically: true, encoding: .utf8)
        // Nehalem: MISC[18:19] channel 1, MISC[16:17] DIMM 0 (MISCV set).
        var r = MachineCheckRecord()
        r.status = 0x9c00_0000_0000_0090; r.misc = 1 << 18; r.addr = 0x8000_0000
        r.bank = 8; r.cpuvendor = 0; r.cpuid = 0x106a5; r.mcgcap = 0x1000c09; r.time = 1_700_000_000; r.finished = 1
        let device = s.dir + "/edac.bin"
        try Data(r.bytes()).write(to: URL(fileURLWithPath: device))
        let d = try startDaemon(s, device: device)
        let records = try entries(d, s, id: "19b8d76f99044599b3477385cb5fb56c", count: 1)
        XCTAssertEqual(records.first?["DIMM"] as? String, "CPU0_DIMM_B1", d.stderr)
        XCTAssertEqual(records.first?["MCE_CHANNEL"] as? String, "1")
        let dump = try client(s, "dump bios")
        XCTAssertTrue(dump.contains("SOCKET 0 CHANNEL 1 DIMM 0\nDMI_NAME \"CPU0_DIMM_B1\"\ncorrected memory errors:\n\t1 total\n"), dump)
        d.signal(SIGTERM)
        XCTAssertEqual(d.wait(), 0, d.stderr)
    }

    /// Where the kernel's own corrected-error collector runs (RAS_CEC: debugfs ras/cec), the
    /// page action only accounts by default, so no page is offlined twice; the start says so.
    func testActiveKernelCollectorTurnsSoftOfflineIntoAccounting() throws {
        if let problem = Journald.ensureRunning() { XCTFail(problem); return }
        let s = try makeSetup { baseConfig($0) + "[page]\nmemory-ce-threshold = 1 / 24h\nmemory-ce-action = soft\n" }
        try FileManager.default.createDirectory(atPath: s.sys + "/kernel/debug/ras/cec", withIntermediateDirectories: true)
        let d = try startDaemon(s, device: try records([0x9000_0000], in: s))
        var pages = ""
        for _ in 0..<100 where !pages.contains("90000000:") { pages = try client(s, "pages"); usleep(50_000) }
        XCTAssertTrue(pages.contains("90000000: total 1 seen \"1 in 24h\" online triggered\n"), pages)
        XCTAssertEqual(try String(contentsOfFile: s.softOffline, encoding: .utf8), "", "nothing offlined by the daemon")
        d.signal(SIGTERM)
        XCTAssertEqual(d.wait(), 0, d.stderr)
        let messages = try DaemonJournald.entries(pid: d.pid, marker: s.dir, count: 1).compactMap { $0["MESSAGE"] as? String }
        XCTAssertTrue(messages.contains { $0.hasPrefix("the kernel's corrected-error collector is active (\(s.sys)/kernel/debug/ras/cec present): memory-ce-action soft becomes account") }, "\(messages)")
    }

    /// `filter-memory-errors = yes`: corrected memory errors are counted but not journaled;
    /// an uncorrected one always is.
    func testFilterMemoryErrorsKeepsCorrectedOnesOutOfTheJournalButCountsThem() throws {
        if let problem = Journald.ensureRunning() { XCTFail(problem); return }
        let s = try makeSetup { "filter-memory-errors = yes\n" + baseConfig($0) }
        let corrected = try records([0xa000_0000, 0xa000_1000], in: s)
        var uc = MachineCheckRecord()
        uc.status = 0xb400_0000_0000_0090; uc.addr = 0xa000_2000   // VAL UC EN ADDRV, memory read
        uc.bank = 8; uc.cpuvendor = 0; uc.cpuid = 0x106a5; uc.mcgcap = 0x1000c09; uc.time = 1_700_000_010; uc.finished = 1
        var bytes = try Data(contentsOf: URL(fileURLWithPath: corrected))
        bytes.append(contentsOf: uc.bytes())
        try bytes.write(to: URL(fileURLWithPath: corrected))
        let d = try startDaemon(s, device: corrected)
        let ucEntries = try entries(d, s, id: "1bd5dc41140e4e6b8756ed568c5f39d2", count: 1)
        XCTAssertEqual(ucEntries.count, 1, d.stderr)
        var dump = ""
        for _ in 0..<100 where !dump.contains("uncorrected") { dump = try client(s, "dump"); usleep(50_000) }
        XCTAssertTrue(dump.contains("SOCKET 0 CHANNEL 0 DIMM any\ncorrected memory errors:\n\t2 total\nuncorrected memory errors:\n\t1 total\n"), dump)
        d.signal(SIGTERM)
        XCTAssertEqual(d.wait(), 0, d.stderr)
        let all = try DaemonJournald.entries(pid: d.pid, marker: s.dir, count: 1)
        XCTAssertEqual(all.filter { $0["MESSAGE_ID"] as? String == "19b8d76f99044599b3477385cb5fb56c" }.count, 0,
                       "corrected memory errors are not journaled")
    }
}
