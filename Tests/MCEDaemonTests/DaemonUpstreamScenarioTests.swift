import Foundation
import XCTest
import TestSupport
import MachineCheck
import MCEDaemon

/// Upstream's daemon test scenarios (andikleen/mcelog tests/, mcelog.md §21) end to end, as
/// issue 5 item 7 asks: the real `mcelog --daemon` reads a file of binary records
/// (Tests/Fixtures/upstream-scenarios/<conf>/records.bin) under upstream's conf, adapted only
/// where a file of records and a laid-out sysfs need it, and each scenario's trigger runs are
/// counted twice: the trigger's own run files and the daemon's trigger-run journal entries.
/// Both must equal expected.txt, which also must equal what the response engine decides
/// in-process for the same conf and records.
final class DaemonUpstreamScenarioTests: XCTestCase {
    static let fixtures = DaemonBinary.root.appendingPathComponent("Tests/Fixtures/upstream-scenarios")
    static let triggerRunID = "8e38cc945e914afdb67b97e6c2866a1c"
    static let pageOfflineID = "fd1c1bed96d3405e855f06da768b8cfe"

    // MARK: the scenarios, as upstream names its confs

    func testCache() throws { try check("cache") }
    func testServer() throws {
        let run = try check("server")
        if !run.exitedByItself { XCTAssertTrue(run.answeredPing, "the client socket at the conf's socket-path") }
    }
    func testMemdb1() throws { try check("memdb-1") }
    func testMemdb2() throws { try check("memdb-2") }
    func testSocket1() throws { try check("socket-1") }
    func testSocket2() throws { try check("socket-2") }
    func testSocketMemdb() throws { try check("socket-memdb") }
    func testPageAccount() throws { try check("page-account") }
    func testPageHard() throws { try check("page-hard") }
    func testPageSoft() throws { try check("page-soft") }
    func testPageSoftThenHard() throws { try check("page-soft-then-hard") }
    func testPageOff() throws { try check("page-off") }
    func testPageMemdb() throws { try check("page-memdb") }
    func testPageErrorCounterReplacement() throws { try check("page-error-counter-replacement") }
    func testUnknown() throws { try check("unknown") }

    // MARK: upstream's declared counts and the deviations of mcelog.md §21.4, end to end

    /// Without MCG_CAP.CMCI_P the corrected count in STATUS is not valid, no "fallback"
    /// accounting happens, and upstream's declared counts hold exactly.
    func testSocketConfsGiveUpstreamsDeclaredCountsForRecordsWithoutCMCI() throws {
        for scenario in ["socket-1", "socket-2", "socket-memdb"] {
            let expected = try Expected.load(scenario)
            let run = try runDaemon(scenario, records: "records-without-cmci.bin")
            XCTAssertEqual(run.runFiles.count, expected.declared, "\(scenario): trigger run files")
            XCTAssertEqual(run.triggerEntries.count, expected.declared, "\(scenario): trigger-run journal entries")
            XCTAssertEqual(expected.withoutCMCI, expected.declared, "\(scenario): expected.txt")
        }
    }

    /// page-soft-then-hard where every soft offline fails (EISDIR: soft_offline_page is a
    /// directory, writable as far as access() can tell) and the hard one succeeds: the same
    /// four triggers, each page tried soft then hard.
    func testPageSoftThenHardFallsBackToHardWhenSoftOfflineFails() throws {
        let run = try runDaemon("page-soft-then-hard") { sys in
            let soft = sys + "/devices/system/memory/soft_offline_page"
            try FileManager.default.removeItem(atPath: soft)
            try FileManager.default.createDirectory(atPath: soft, withIntermediateDirectories: false)
        }
        XCTAssertEqual(run.runFiles.count, 4)
        XCTAssertEqual(run.triggerEntries.count, 4)
        let pages = ["0x1234000", "0x20000000", "0x20007000", "0x2000e000"]
        XCTAssertEqual(run.offlines, pages.flatMap { ["soft \($0) failed: Is a directory", "hard \($0) done"] })
        XCTAssertEqual(run.hardOfflinePage, "0x2000e000", "the last page written, whole (O_TRUNC)")
        XCTAssertTrue(run.messages.contains("Soft offlining of page 1234000 failed, trying hard offlining"), "\(run.messages)")
    }

    /// The 6 of mcelog.md §21.4: without the kernel's offline interface the action falls back
    /// to `account`, so the repeated page is never offline and fires again.
    func testPageSoftThenHardWithoutTheOfflineInterfaceAccountsAndRefires() throws {
        let run = try runDaemon("page-soft-then-hard") { sys in
            for file in ["soft_offline_page", "hard_offline_page"] {
                try FileManager.default.removeItem(atPath: sys + "/devices/system/memory/" + file)
            }
        }
        // Upstream's children-max (4) applies: six triggers asked for in one read, four run, two
        // refused; upstream's six `Running trigger` lines are the six trigger-run entries.
        XCTAssertEqual(run.triggerEntries.count, 6)
        XCTAssertEqual(run.runFiles.count, 4)
        XCTAssertEqual(run.triggerEntries.filter { ($0["MCE_TRIGGER_EXIT"] as? String) == "not run: Too many trigger children running already" }.count, 2)
        XCTAssertEqual(run.offlines, [])
        XCTAssertTrue(run.messages.contains { $0.hasPrefix("Kernel does not support page offline interface (sys/devices/system/memory/soft_offline_page is not writable)") },
                      "\(run.messages)")
    }

    /// page-memdb with upstream's children-max (default 4): all seven triggers are asked for
    /// in one read of the file, before any finished one is reaped, so four run and three are
    /// refused. Every one still has its trigger-run entry, as upstream logs `Running trigger`
    /// before its children-max check: seven entries, upstream's declared count.
    func testPageMemdbWithUpstreamsChildrenMaxRefusesTheBurstBeyondFour() throws {
        let run = try runDaemon("page-memdb", editConf: { conf in
            conf.split(separator: "\n", omittingEmptySubsequences: false)
                .filter { !$0.hasPrefix("children-max") }.joined(separator: "\n")
        })
        XCTAssertEqual(run.runFiles.count, 4)
        XCTAssertEqual(run.triggerEntries.count, 7)
        let refused = run.triggerEntries.filter { ($0["MCE_TRIGGER_EXIT"] as? String) == "not run: Too many trigger children running already" }
        XCTAssertEqual(refused.count, 3)
    }

    /// A daemon that stops right after the records (`--num-errors`, as upstream's confs ask
    /// with `num-errors = N`) still journals every trigger run it started, with its exit status.
    func testADaemonStoppedByNumErrorsStillJournalsEveryTriggerRun() throws {
        let run = try runDaemon("page-memdb", arguments: ["--num-errors", "6"])
        XCTAssertTrue(run.exitedByItself, "--num-errors 6 stops the daemon after the six records")
        XCTAssertEqual(run.runFiles.count, 7)
        XCTAssertEqual(run.triggerEntries.count, 7, run.diagnostics)
        for e in run.triggerEntries {
            XCTAssertEqual(e["MCE_TRIGGER_EXIT"] as? String, "Trigger `../trigger' exited with status 0")
        }
    }

    /// Triggers that outlast the grace a stopping daemon gives them are journaled as still
    /// running, and the stop is not held up longer than the grace.
    func testTriggersStillRunningWhenTheDaemonStopsAreJournaledAsSuch() throws {
        let start = Date()
        let run = try runDaemon("unknown", arguments: ["--num-errors", "2"],
                                triggerBody: "/usr/bin/env > \"runs/$$.env\"\nexec /bin/sleep 30\n")
        let elapsed = Date().timeIntervalSince(start)
        // Each trigger leads its own process group: end the sleeps the daemon left behind.
        for env in run.runFiles { if let pid = env["RUN_PID"].flatMap(Int32.init) { kill(-pid, SIGKILL) } }
        XCTAssertTrue(run.exitedByItself)
        XCTAssertEqual(run.runFiles.count, 3)
        let exits = run.triggerEntries.compactMap { $0["MCE_TRIGGER_EXIT"] as? String }
        XCTAssertEqual(exits.count, 3, run.diagnostics)
        for e in exits {
            XCTAssertTrue(e.hasPrefix("still running when mcelog stopped (pid ") && e.hasSuffix("), not waited for"), e)
        }
        XCTAssertGreaterThanOrEqual(elapsed, Double(ErrorResponse.exitGraceMicroseconds) / 1e6)
        XCTAssertLessThan(elapsed, Double(ErrorResponse.exitGraceMicroseconds) / 1e6 + 4)
    }

    // MARK: the check

    @discardableResult
    func check(_ scenario: String) throws -> Run {
        let expected = try Expected.load(scenario)
        let run = try runDaemon(scenario)
        let engine = try engineOutcome(scenario)

        // Upstream's own check: the number of trigger runs against `# trigger: N` (here against
        // expected.txt, which states why a count differs from the declaration).
        XCTAssertEqual(try declaredCount(scenario), expected.declared, "\(scenario): expected.txt repeats the conf's `# trigger: N`")
        XCTAssertEqual(engine.triggers, expected.triggers, "\(scenario): the response engine in-process on the same conf and records")
        XCTAssertEqual(run.runFiles.count, expected.triggers, "\(scenario): trigger run files\n\(run.diagnostics)")
        XCTAssertEqual(run.triggerEntries.count, expected.triggers, "\(scenario): trigger-run journal entries\n\(run.diagnostics)")

        // Every run ran to its end, and each entry names what the engine asked for.
        for e in run.triggerEntries {
            XCTAssertEqual(e["MCE_TRIGGER_EXIT"] as? String, "Trigger `../trigger' exited with status 0", "\(scenario)")
        }
        XCTAssertEqual(Expected.tally(run.triggerEntries.compactMap { $0["MCE_TRIGGER_REPORTER"] as? String }), expected.reporters,
                       "\(scenario): reporters of the trigger-run entries")
        XCTAssertEqual(engine.reporters, expected.reporters, "\(scenario): reporters the engine asked for")
        // The environment each run got: its MESSAGE (and for the cache, the CPUs sharing the
        // cache, from the laid-out sysfs topology).
        XCTAssertEqual(run.runFiles.compactMap { $0["MESSAGE"] }.sorted(), expected.messages, "\(scenario): MESSAGE of each run")
        XCTAssertEqual(engine.messages, expected.messages, "\(scenario): MESSAGE of each run the engine asked for")
        XCTAssertEqual(run.runFiles.compactMap { $0["AFFECTED_CPUS"] }.sorted(), expected.affectedCPUs, "\(scenario): AFFECTED_CPUS")

        // Page offlining: the journal's offline entries in order, and what the laid-out sysfs
        // files hold (each write truncates, so the last page written).
        XCTAssertEqual(run.offlines, expected.offlines, "\(scenario): page offline entries")
        XCTAssertEqual(run.softOfflinePage, expected.softOfflinePage, "\(scenario): soft_offline_page")
        XCTAssertEqual(run.hardOfflinePage, expected.hardOfflinePage, "\(scenario): hard_offline_page")
        return run
    }

    func declaredCount(_ scenario: String) throws -> Int? {
        let conf = try String(contentsOf: Self.fixtures.appendingPathComponent(scenario + "/mcelog.conf"), encoding: .utf8)
        let first = conf.split(separator: "\n").first ?? ""
        return first.hasPrefix("# trigger: ") ? Int(first.dropFirst("# trigger: ".count)) : nil
    }

    // MARK: expected.txt

    /// `key: value` lines; `message:`, `affected-cpus:` and `offline:` repeat, one per item.
    struct Expected {
        var declared: Int?
        var triggers = -1
        var withoutCMCI: Int?
        var reporters: [String: Int] = [:]
        var messages: [String] = []
        var affectedCPUs: [String] = []
        var offlines: [String] = []
        var softOfflinePage = ""
        var hardOfflinePage = ""

        static func load(_ scenario: String) throws -> Expected {
            let text = try String(contentsOf: fixtures.appendingPathComponent(scenario + "/expected.txt"), encoding: .utf8)
            var e = Expected()
            for line in text.split(separator: "\n") where !line.hasPrefix("#") {
                guard let colon = line.firstIndex(of: ":") else { throw CaptureError("\(scenario)/expected.txt: `\(line)'") }
                let key = String(line[..<colon])
                let value = String(line[line.index(after: colon)...].drop(while: { $0 == " " }))
                switch key {
                case "declared": e.declared = Int(value)
                case "triggers": e.triggers = Int(value) ?? -1
                case "without-cmci": e.withoutCMCI = Int(value)
                case "reporters":
                    for pair in value.split(separator: " ") {
                        let p = pair.split(separator: "=")
                        if p.count == 2, let n = Int(p[1]) { e.reporters[String(p[0])] = n }
                    }
                case "message": e.messages.append(value)
                case "affected-cpus": e.affectedCPUs.append(value)
                case "offline": e.offlines.append(value)
                case "soft_offline_page": e.softOfflinePage = value
                case "hard_offline_page": e.hardOfflinePage = value
                case "why": break
                default: throw CaptureError("\(scenario)/expected.txt: unknown key `\(key)'")
                }
            }
            e.messages.sort()
            e.affectedCPUs.sort()
            return e
        }

        static func tally(_ names: [String]) -> [String: Int] {
            names.reduce(into: [:]) { $0[$1, default: 0] += 1 }
        }
    }

    // MARK: the daemon run

    struct Run {
        /// Each trigger run's environment, from its run file.
        var runFiles: [[String: String]]
        var triggerEntries: [[String: Any]]
        /// `<mode> <page> <result>` of each page offline entry, in journal order.
        var offlines: [String]
        /// MESSAGE of every entry of the daemon.
        var messages: [String]
        var answeredPing: Bool
        /// Stopped without SIGTERM (a `num-errors` reached).
        var exitedByItself: Bool
        var softOfflinePage: String
        var hardOfflinePage: String
        var diagnostics: String
    }

    /// A working copy laid out as upstream's tests/ directory: `trigger` next to the scenario
    /// directory (the confs say `../trigger` with `directory = .`), the daemon started in the
    /// scenario directory, its sysfs under `sys`.
    func runDaemon(_ scenario: String, records: String = "records.bin", arguments: [String] = [], triggerBody: String? = nil,
                   layout: (String) throws -> Void = { _ in },
                   editConf: (String) -> String = { $0 }) throws -> Run {
        if let problem = Journald.ensureRunning() { throw CaptureError(problem) }
        let fm = FileManager.default
        let work = NSTemporaryDirectory() + "mcelog-upstream-\(getpid())-\(UUID().uuidString.prefix(8))"
        let dir = work + "/" + scenario
        addTeardownBlock { try? FileManager.default.removeItem(atPath: work) }
        try fm.createDirectory(atPath: dir + "/runs", withIntermediateDirectories: true)
        try fm.copyItem(atPath: Self.fixtures.appendingPathComponent("trigger").path, toPath: work + "/trigger")
        if let body = triggerBody { try ("#!/bin/sh\n" + body).write(toFile: work + "/trigger", atomically: false, encoding: .utf8) }
        chmod(work + "/trigger", 0o755)
        let conf = try String(contentsOf: Self.fixtures.appendingPathComponent(scenario + "/mcelog.conf"), encoding: .utf8)
        try editConf(conf).write(toFile: dir + "/mcelog.conf", atomically: false, encoding: .utf8)
        try Self.layOutSysfs(dir + "/sys")
        try layout(dir + "/sys")

        let recordsPath = Self.fixtures.appendingPathComponent(scenario + "/" + records).path
        let d = try DaemonProcess(["--daemon", "--foreground", "--config-file", dir + "/mcelog.conf",
                                   "--logfile", dir + "/mcelog.log"] + arguments + [recordsPath], in: self)
        d.process.currentDirectoryURL = URL(fileURLWithPath: dir)
        try d.start()

        // Done when the daemon has read the file (it answers a ping only after its first read
        // of the device, which takes the whole file) and has reaped every trigger it started
        // (no children left), or when it exits by itself (a `num-errors` that stops it).
        let socket = dir + "/mcelog-client"
        guard socket.utf8.count < 108 else { throw CaptureError("\(socket): longer than sun_path; set TMPDIR shorter") }
        let deadline = Date().addingTimeInterval(15)
        var answered = false
        while d.process.isRunning && Date() < deadline {
            if !answered { answered = Self.ping(socket) }
            if answered && Self.children(of: d.pid).isEmpty { break }
            usleep(5_000)
        }
        let exitedByItself = !d.process.isRunning
        if !exitedByItself {
            XCTAssertTrue(answered, "\(scenario): the daemon never answered on \(socket)\n\(d.stderr)")
            XCTAssertEqual(Self.children(of: d.pid), [], "\(scenario): triggers still running after 15 s")
            d.signal(SIGTERM)
        }
        XCTAssertEqual(d.wait(), 0, "\(scenario): daemon exit\n\(d.stderr)")
        // Either way every trigger it started has finished and been reaped, or was journaled as
        // still running after the exit grace (ErrorResponse.finish).

        let runFiles = try Self.runFiles(dir + "/runs")
        let entries = try Self.journal(pid: d.pid, marker: work)
        let triggerEntries = entries.filter { $0["MESSAGE_ID"] as? String == Self.triggerRunID }
        let offlines = entries.filter { $0["MESSAGE_ID"] as? String == Self.pageOfflineID }.map {
            "\($0["MCE_OFFLINE_MODE"] as? String ?? "?") \($0["MCE_PAGE"] as? String ?? "?") \($0["MCE_OFFLINE_RESULT"] as? String ?? "?")"
        }
        let messages = entries.compactMap { $0["MESSAGE"] as? String }
        let memory = dir + "/sys/devices/system/memory/"
        return Run(runFiles: runFiles, triggerEntries: triggerEntries, offlines: offlines, messages: messages,
                   answeredPing: answered, exitedByItself: exitedByItself,
                   softOfflinePage: (try? String(contentsOfFile: memory + "soft_offline_page", encoding: .utf8)) ?? "",
                   hardOfflinePage: (try? String(contentsOfFile: memory + "hard_offline_page", encoding: .utf8)) ?? "",
                   diagnostics: "stderr: \(d.stderr)\njournal: \(messages.joined(separator: "\n"))")
    }

    /// The machine's sysfs as far as the scenarios look: empty, writable page offline files
    /// (regular files, so the test reads exactly what was written), and CPU 1's caches: L1
    /// data/instruction and L2 shared with its hyperthread CPU 5, L3 shared by CPUs 0-7.
    static func layOutSysfs(_ sys: String) throws {
        let fm = FileManager.default
        try fm.createDirectory(atPath: sys + "/devices/system/memory", withIntermediateDirectories: true)
        for f in ["soft_offline_page", "hard_offline_page"] {
            fm.createFile(atPath: sys + "/devices/system/memory/" + f, contents: Data())
        }
        let caches = [("1", "Data", "22"), ("1", "Instruction", "22"), ("2", "Unified", "22"), ("3", "Unified", "ff")]
        for (i, (level, type, map)) in caches.enumerated() {
            let index = sys + "/devices/system/cpu/cpu1/cache/index\(i)"
            try fm.createDirectory(atPath: index, withIntermediateDirectories: true)
            try (level + "\n").write(toFile: index + "/level", atomically: false, encoding: .utf8)
            try (type + "\n").write(toFile: index + "/type", atomically: false, encoding: .utf8)
            try (map + "\n").write(toFile: index + "/shared_cpu_map", atomically: false, encoding: .utf8)
        }
    }

    /// `ping` answered with `pong` on the client socket.
    static func ping(_ path: String) -> Bool {
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var addr = UnixAddress(path)
        guard addr.withSockaddr({ connect(fd, $0, $1) }) == 0 else { return false }
        let request = Array("ping\n".utf8)
        guard request.withUnsafeBytes({ send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }) == request.count else { return false }
        var reply: [UInt8] = []
        var buf = [UInt8](repeating: 0, count: 64)
        let deadline = Date().addingTimeInterval(2)
        while Date() < deadline {
            var p = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            guard poll(&p, 1, 100) >= 0 else { return false }
            if p.revents == 0 { continue }
            let n = buf.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n <= 0 { break }
            reply += buf[0..<n]
            if reply.contains(UInt8(ascii: "\n")) { break }
        }
        return String(decoding: reply, as: UTF8.self) == "pong\n"
    }

    /// Processes whose parent is `pid` (from /proc/N/stat; a zombie counts until reaped).
    static func children(of pid: Int32) -> [Int32] {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: "/proc") else { return [] }
        return names.compactMap { name -> Int32? in
            guard let child = Int32(name),
                  let stat = try? String(contentsOfFile: "/proc/\(name)/stat", encoding: .utf8),
                  let close = stat.lastIndex(of: ")") else { return nil }
            // "pid (comm) state ppid ...": comm may hold anything, so split after its ")".
            let fields = stat[stat.index(after: close)...].split(separator: " ")
            return fields.count > 1 && Int32(fields[1]) == pid ? child : nil
        }
    }

    static func runFiles(_ dir: String) throws -> [[String: String]] {
        try FileManager.default.contentsOfDirectory(atPath: dir).filter { $0.hasSuffix(".env") }.map { name in
            let text = try String(contentsOfFile: dir + "/" + name, encoding: .utf8)
            var env: [String: String] = ["RUN_PID": String(name.dropLast(".env".count))]
            for line in text.split(separator: "\n") {
                let p = line.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
                if p.count == 2 { env[String(p[0])] = String(p[1]) }
            }
            return env
        }
    }

    /// The exited daemon's journal entries: it sent them all before exiting, so one
    /// `journalctl --sync` makes them readable.
    static func journal(pid: Int32, marker: String) throws -> [[String: Any]] {
        _ = try? Command.run("/usr/bin/journalctl", ["--sync"])
        let r = try Command.run("/usr/bin/journalctl", ["-o", "json", "--all", "--no-pager", "--since=-5min", "_PID=\(pid)"])
        return r.stdout.split(separator: "\n").compactMap {
            try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
        }.filter { e in
            guard let cmdline = e["_CMDLINE"] as? String else { return true }
            return cmdline.contains(marker)
        }
    }

    // MARK: the engine in-process, on the same conf and records

    struct EngineOutcome {
        var triggers: Int
        var reporters: [String: Int]
        var messages: [String]
    }

    /// What ResponseEngine asks for, given the scenario's conf read as the daemon reads it and
    /// its records decoded with the conf's CPU type; every page offline succeeds (the laid-out
    /// files are writable) and CPU 1's caches are shared as `layOutSysfs` lays them out.
    func engineOutcome(_ scenario: String) throws -> EngineOutcome {
        let confPath = Self.fixtures.appendingPathComponent(scenario + "/mcelog.conf").path
        let config = try ConfigFile.load(path: confPath)
        let response = try ResponseConfiguration(config)
        let cpuType = try XCTUnwrap(config.string("global", "cpu").flatMap(CPUNames.lookup), "\(scenario): cpu = nehalem")
        let bytes = [UInt8](try Data(contentsOf: Self.fixtures.appendingPathComponent(scenario + "/records.bin")))
        var engine = ResponseEngine(settings: response.settings)
        let formatter = RecordFormatter()
        var requests: [TriggerRequest] = []
        for start in stride(from: 0, to: bytes.count, by: 128) {
            let record = try bytes.withUnsafeBytes {
                try MachineCheckRecord(raw: UnsafeRawBufferPointer(rebasing: $0[start..<min(start + 128, bytes.count)]))
            }
            let now = Int64(record.time)
            var queue = engine.handle(record, facts: formatter.format(record, cpuType: cpuType).facts, now: now,
                                      topology: LaidOutCaches())
            while !queue.isEmpty {
                switch queue.removeFirst() {
                case .trigger(let t): requests.append(t)
                case .offlinePage(let address, let mode):
                    queue += engine.offlineFinished(address: address, mode: mode, succeeded: true, error: nil, now: now)
                case .log: break
                }
            }
        }
        return EngineOutcome(triggers: requests.count, reporters: Expected.tally(requests.map(\.reporter)),
                             messages: requests.map(\.message).sorted())
    }

    struct LaidOutCaches: CacheTopologyProvider {
        func cpusSharingCache(cpu: Int, level: Int, typeCode: Int) -> [Int]? {
            guard cpu == 1 else { return nil }
            switch level {
            case 1, 2: return [1, 5]
            case 3: return Array(0...7)
            default: return nil
            }
        }
    }
}
