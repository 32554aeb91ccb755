import Foundation
import Glibc
import TestSupport
import XCTest
@testable import MCEResponse

/// conf/triggers/*: run each script the way the daemon does (TriggerRunner, environment
/// replaced, in the trigger directory) with a fake `logger` first on PATH that records its
/// arguments, one call per line, fields separated by "|".
final class TriggerScriptTests: XCTestCase {
    static let scripts = repositoryRoot + "/conf/triggers"
    static let names = [
        "dimm-error-trigger", "socket-memory-error-trigger", "page-error-trigger",
        "page-error-pre-sync-soft-trigger", "page-error-post-sync-soft-trigger",
        "page-error-counter-replacement-trigger", "cache-error-trigger", "bus-error-trigger",
        "iomca-error-trigger", "unknown-error-trigger",
    ]

    /// The trigger directory (where .local hooks live) with bin/logger inside.
    private func setUpDirectory() -> TemporaryDirectory {
        let dir = TemporaryDirectory("triggers")
        dir.write("bin/logger", """
            #!/bin/sh
            for a in "$@"; do printf '%s|' "$a"; done >> "\(dir.path)/logged"
            echo >> "\(dir.path)/logged"

            """, mode: 0o755)
        return dir
    }

    private func run(_ name: String, in dir: TemporaryDirectory, arguments: [String] = [],
                     environment: [(name: String, value: String)]) -> (status: TriggerCompletion.Status?, logged: [String]) {
        let runner = TriggerRunner(directory: dir.path, childrenMax: 1, timeout: 20)
        let env = [(name: "PATH", value: dir.sub("bin") + ":/usr/bin:/bin")] + environment
        let done = runner.runToCompletion(TriggerLaunch(key: name, path: Self.scripts + "/" + name,
                                                        arguments: arguments, environment: env))
        let logged = (dir.read("logged") ?? "").split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        return (done?.status, logged.last == "" ? Array(logged.dropLast()) : logged)
    }

    private static let dimmEnvironment: [(name: String, value: String)] = [
        ("THRESHOLD", "3 in 24h"), ("TOTALCOUNT", "3"), ("LOCATION", "SOCKET:0 CHANNEL:1 DIMM:0 [DIMM_A1]"),
        ("DMI_LOCATION", "NODE 0 CHANNEL 1 DIMM 0"), ("DMI_NAME", "DIMM_A1"), ("DIMM", "0"), ("CHANNEL", "1"),
        ("SOCKETID", "0"), ("CECOUNT", "3"), ("UCCOUNT", "0"), ("LASTEVENT", "1700000003"), ("AGETIME", "86400"),
        ("MESSAGE", "corrected DIMM memory error count exceeded threshold: 3 in 24h"), ("THRESHOLD_COUNT", "0"),
    ]

    func testEveryScriptIsShippedExecutable() {
        for name in Self.names {
            XCTAssertEqual(access(Self.scripts + "/" + name, R_OK | X_OK), 0, name)
        }
        let present = (try? FileManager.default.contentsOfDirectory(atPath: Self.scripts)) ?? []
        XCTAssertEqual(Set(present), Set(Self.names))
    }

    func testScriptsAreShellcheckClean() throws {
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/shellcheck") else {
            throw XCTSkip("shellcheck not installed")
        }
        let result = try Subprocess.run("/usr/bin/shellcheck", ["-s", "sh"] + Self.names.map { Self.scripts + "/" + $0 })
        XCTAssertEqual(result.status, 0, result.stdout + result.stderr)
    }

    func testMemoryTriggersLogTheMessageAndLocation() {
        for name in ["dimm-error-trigger", "socket-memory-error-trigger", "page-error-trigger"] {
            let dir = setUpDirectory()
            let (status, logged) = run(name, in: dir, environment: Self.dimmEnvironment)
            XCTAssertEqual(status, .exited(0), name)
            XCTAssertEqual(logged, [
                "-s|-p|daemon.err|-t|mcelog|corrected DIMM memory error count exceeded threshold: 3 in 24h|",
                "-s|-p|daemon.err|-t|mcelog|Location: SOCKET:0 CHANNEL:1 DIMM:0 [DIMM_A1]|",
            ], name)
        }
    }

    func testTheLocalHookIsSourcedOnlyWhenExecutable() {
        let dir = setUpDirectory()
        dir.write("dimm-error-trigger.local", "logger -t local \"local saw $TOTALCOUNT on $DMI_NAME\"\n", mode: 0o755)
        let (status, logged) = run("dimm-error-trigger", in: dir, environment: Self.dimmEnvironment)
        XCTAssertEqual(status, .exited(0))
        XCTAssertEqual(logged.last, "-t|local|local saw 3 on DIMM_A1|")
        XCTAssertEqual(logged.count, 3)

        let quiet = setUpDirectory()
        quiet.write("bus-error-trigger.local", "logger -t local sourced\n", mode: 0o644)
        let (_, quietLogged) = run("bus-error-trigger", in: quiet, environment: [("MESSAGE", "m"), ("LOCATION", "l")])
        XCTAssertEqual(quietLogged, ["-s|-p|daemon.err|-t|mcelog|m|", "-s|-p|daemon.err|-t|mcelog|Location: l|"])
    }

    func testRecordDataIsNeverExecuted() {
        let dir = setUpDirectory()
        let evil = "$(touch \(dir.path)/pwned) `touch \(dir.path)/pwned2`; touch \(dir.path)/pwned3 *"
        let (status, logged) = run("unknown-error-trigger", in: dir,
                                   environment: [("MESSAGE", evil), ("LOCATION", "CPU 3 on socket 0")])
        XCTAssertEqual(status, .exited(0))
        XCTAssertEqual(logged.first, "-s|-p|daemon.err|-t|mcelog|\(evil)|")
        for f in ["pwned", "pwned2", "pwned3"] {
            XCTAssertFalse(FileManager.default.fileExists(atPath: dir.sub(f)), f)
        }
    }

    func testBusIOMCAAndUnknownTriggersLogTheirMessage() {
        let cases: [(String, [(name: String, value: String)], String, String)] = [
            ("bus-error-trigger",
             [("LOCATION", "CPU 2 on socket 0"), ("SOCKETID", "0"), ("MESSAGE", "CPU 2 on socket 0 received Bus and Interconnect Errors in Other-transaction"),
              ("CPU", "2"), ("LEVEL", "Level-3"), ("PARTICIPATION", "Local-CPU-originated-request"), ("REQUEST", "Generic"),
              ("ORIGIN", "Other-transaction"), ("TIMEOUT", "Request-did-not-timeout")],
             "CPU 2 on socket 0 received Bus and Interconnect Errors in Other-transaction", "CPU 2 on socket 0"),
            ("iomca-error-trigger",
             [("LOCATION", "CPU 2 on socket 1"), ("SOCKETID", "1"), ("MESSAGE", "CPU 2 on socket 1 received IO MCA Errors from 1:3a:01.7"),
              ("CPU", "2"), ("SEG", "1"), ("BUS", "3a"), ("DEVICE", "01"), ("FUNCTION", "7")],
             "CPU 2 on socket 1 received IO MCA Errors from 1:3a:01.7", "CPU 2 on socket 1"),
            ("unknown-error-trigger",
             [("LOCATION", "CPU 3"), ("MESSAGE", "CPU 3 received unknown error"), ("CPU", "3"),
              ("STATUS", "9c0000000000040b"), ("MISC", "abcdef"), ("ADDR", "abcd"), ("MCGSTATUS", "0"), ("MCGCAP", "1000c09")],
             "CPU 3 received unknown error", "CPU 3"),
        ]
        for (name, env, message, location) in cases {
            let dir = setUpDirectory()
            let (status, logged) = run(name, in: dir, environment: env)
            XCTAssertEqual(status, .exited(0), name)
            XCTAssertEqual(logged, ["-s|-p|daemon.err|-t|mcelog|\(message)|", "-s|-p|daemon.err|-t|mcelog|Location: \(location)|"], name)
        }
    }

    func testCounterReplacementTriggerLogsEveryField() {
        let dir = setUpDirectory()
        let (status, logged) = run("page-error-counter-replacement-trigger", in: dir, environment: [
            ("THRESHOLD", "2 in 24h"), ("TOTALCOUNT", "2"), ("LASTEVENT", "1700000100"), ("AGETIME", "86400"),
            ("MESSAGE", "Replacements of page correctable error counter exceed threshold 2 in 24h: 2 in 24h"),
            ("THRESHOLD_COUNT", "0"),
        ])
        XCTAssertEqual(status, .exited(0))
        XCTAssertEqual(logged, [
            "-s|-p|daemon.err|-t|mcelog|Replacements of page correctable error counter exceed threshold 2 in 24h: 2 in 24h|",
            "-s|-p|daemon.err|-t|mcelog|THRESHOLD: 2 in 24h|",
            "-s|-p|daemon.err|-t|mcelog|TOTALCOUNT: 2|",
            "-s|-p|daemon.err|-t|mcelog|LASTEVENT: 1700000100|",
            "-s|-p|daemon.err|-t|mcelog|THRESHOLD_COUNT: 0|",
            "-s|-p|daemon.err|-t|mcelog|AGETIME: 86400|",
        ])
    }

    func testSoftOfflineTriggersRunTheirHooksWithThePageAddress() {
        for (name, phase) in [("page-error-pre-sync-soft-trigger", "pre"), ("page-error-post-sync-soft-trigger", "post")] {
            let dir = setUpDirectory()
            dir.write("\(name).local", "logger -t local \"\(phase) local $1\"\n", mode: 0o755)
            dir.write("\(name).extern/20-second", "logger -t extern \"second $1 $TOTALCOUNT\"\n", mode: 0o755)
            dir.write("\(name).extern/10-first", "logger -t extern \"first $1\"\n", mode: 0o755)
            dir.write("\(name).extern/15-disabled", "logger -t extern disabled\n", mode: 0o644)
            var env = Self.dimmEnvironment
            env.removeAll { $0.name == "MESSAGE" }
            env.append(("MESSAGE", "\(phase) soft trigger run for page 19087360"))
            let (status, logged) = run(name, in: dir, arguments: ["19087360"], environment: env)
            XCTAssertEqual(status, .exited(0), name)
            XCTAssertEqual(logged, [
                "-s|-p|daemon.err|-t|mcelog|\(phase) soft trigger run for page 19087360|",
                "-s|-p|daemon.err|-t|mcelog|Location: SOCKET:0 CHANNEL:1 DIMM:0 [DIMM_A1]|",
                "-t|local|\(phase) local 19087360|",
                "-t|extern|first 19087360|",
                "-t|extern|second 19087360 3|",
            ], name)
        }
    }

    func testThePreTriggerStillHonoursUpstreamsMisnamedLocalHook() {
        let dir = setUpDirectory()
        dir.write("page-error-pre-soft-trigger.local", "logger -t legacy \"legacy $1\"\n", mode: 0o755)
        let (_, logged) = run("page-error-pre-sync-soft-trigger", in: dir, arguments: ["4096"], environment: Self.dimmEnvironment)
        XCTAssertEqual(logged.last, "-t|legacy|legacy 4096|")

        // With both present, only the correctly named one runs.
        dir.write("page-error-pre-sync-soft-trigger.local", "logger -t local \"local $1\"\n", mode: 0o755)
        try? FileManager.default.removeItem(atPath: dir.sub("logged"))
        let (_, both) = run("page-error-pre-sync-soft-trigger", in: dir, arguments: ["4096"], environment: Self.dimmEnvironment)
        XCTAssertEqual(Array(both.dropFirst(2)), ["-t|local|local 4096|"])
    }

    // MARK: - cache-error-trigger

    private func cpuTree(_ dir: TemporaryDirectory) -> String {
        dir.mkdir("sys/devices/system/cpu/cpu0")          // boot CPU: no online file
        dir.write("sys/devices/system/cpu/cpu1/online", "1\n")
        dir.write("sys/devices/system/cpu/cpu3/online", "1\n")
        dir.mkdir("sys/devices/system/cpu/cpu2")          // not hot-pluggable either
        return dir.sub("sys")
    }

    private func cacheEnvironment(_ sysfs: String, affected: String?) -> [(name: String, value: String)] {
        var env: [(name: String, value: String)] = [
            ("SOCKETID", "0"), ("MESSAGE", "CPU 1 on socket 0 has large number of corrected cache errors in Level-2 Unified"),
            ("CPU", "1"), ("LEVEL", "2"), ("TYPE", "Unified"), ("MCELOG_SYSFS_ROOT", sysfs),
        ]
        if let affected { env.append(("AFFECTED_CPUS", affected)) }
        return env
    }

    func testCacheTriggerOfflinesTheAffectedCPUs() {
        let dir = setUpDirectory()
        let sysfs = cpuTree(dir)
        let (status, logged) = run("cache-error-trigger", in: dir, environment: cacheEnvironment(sysfs, affected: "1 3"))
        XCTAssertEqual(status, .exited(0))
        XCTAssertEqual(logged, [
            "-s|-p|daemon.crit|-t|mcelog|Offlining CPU 1 due to cache error threshold|",
            "-s|-p|daemon.crit|-t|mcelog|Offlining CPU 3 due to cache error threshold|",
        ])
        XCTAssertEqual(dir.read("sys/devices/system/cpu/cpu1/online"), "0\n")
        XCTAssertEqual(dir.read("sys/devices/system/cpu/cpu3/online"), "0\n")
    }

    func testCacheTriggerReportsCPUsItCannotOffline() {
        let dir = setUpDirectory()
        let sysfs = cpuTree(dir)
        dir.write("cache-error-trigger.local", "logger -t local \"status $status\"\n", mode: 0o755)
        let (status, logged) = run("cache-error-trigger", in: dir, environment: cacheEnvironment(sysfs, affected: "0 1 2 x*"))
        XCTAssertEqual(status, .exited(1))
        XCTAssertEqual(logged, [
            "-s|-p|daemon.warn|-t|mcelog|Not offlining CPU 0|",
            "-s|-p|daemon.crit|-t|mcelog|Offlining CPU 1 due to cache error threshold|",
            "-s|-p|daemon.crit|-t|mcelog|Offlining CPU 2 due to cache error threshold|",
            "-s|-p|daemon.warn|-t|mcelog|Offlining CPU 2 failed|",
            "-s|-p|daemon.warn|-t|mcelog|Not offlining CPU `x*': not a CPU number|",
            "-t|local|status 1|",
        ])
        XCTAssertEqual(dir.read("sys/devices/system/cpu/cpu1/online"), "0\n")
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir.sub("sys/devices/system/cpu/cpu2/online")),
                       "no online file conjured up")
    }

    func testCacheTriggerWithUnknownAffectedCPUs() {
        for affected in ["unknown", nil] {
            let dir = setUpDirectory()
            let sysfs = cpuTree(dir)
            let (status, logged) = run("cache-error-trigger", in: dir, environment: cacheEnvironment(sysfs, affected: affected))
            XCTAssertEqual(status, .exited(1))
            XCTAssertEqual(logged, ["-s|-p|daemon.warn|-t|mcelog|CPUs sharing the cache of CPU 1 are unknown, none taken offline|"])
            XCTAssertEqual(dir.read("sys/devices/system/cpu/cpu1/online"), "1\n")
        }
    }
}
