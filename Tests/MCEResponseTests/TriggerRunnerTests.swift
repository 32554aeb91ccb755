import Foundation
import Glibc
import XCTest
@testable import MCEResponse

final class TriggerRunnerTests: XCTestCase {
    /// A file the trigger's stdout/stderr go to, opened for the test.
    private func outputFile(_ dir: TemporaryDirectory, _ name: String = "output") -> (fd: Int32, path: String) {
        let path = dir.sub(name)
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        XCTAssertGreaterThanOrEqual(fd, 0)
        return (fd, path)
    }

    func testEnvironmentIsExactlyTheGivenPairsAndReachesTheProgramVerbatim() throws {
        let dir = TemporaryDirectory()
        let out = outputFile(dir)
        defer { close(out.fd) }
        // Shell metacharacters in record-derived values must arrive as data: no shell runs.
        let tricky = "a'b\"c $(touch \(dir.path)/pwned) ; `touch \(dir.path)/pwned2` | x\nsecond line"
        let runner = TriggerRunner(directory: dir.path, childrenMax: 4, timeout: 10)
        let done = runner.runToCompletion(TriggerLaunch(
            key: "dimm ce-error-trigger", path: "/usr/bin/env",
            environment: [("MESSAGE", "corrected DIMM memory error count exceeded threshold: 3 in 24h"),
                          ("LOCATION", "SOCKET:0 CHANNEL:1 DIMM:0 []"),
                          ("THRESHOLD_COUNT", "0"),
                          ("TRICKY", tricky)],
            output: out.fd))
        XCTAssertEqual(done?.status, .exited(0))
        XCTAssertEqual(done?.timedOut, false)
        XCTAssertEqual(done?.succeeded, true)
        XCTAssertEqual(done?.key, "dimm ce-error-trigger")
        let printed = try String(contentsOfFile: out.path, encoding: .utf8)
        XCTAssertEqual(printed, """
            MESSAGE=corrected DIMM memory error count exceeded threshold: 3 in 24h
            LOCATION=SOCKET:0 CHANNEL:1 DIMM:0 []
            THRESHOLD_COUNT=0
            TRICKY=\(tricky)

            """)
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir.sub("pwned")))
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir.sub("pwned2")))
    }

    func testArgvDirectoryStdinAndStderrOfAShellTrigger() throws {
        let dir = TemporaryDirectory()
        let triggers = dir.sub("triggers")
        dir.write("triggers/dump-args", """
            #!/bin/sh
            printf 'argv0=%s\\n' "$0"
            for a in "$@"; do printf 'arg=%s\\n' "$a"; done
            printf 'cwd=%s\\n' "$(/bin/pwd)"
            if read -r line; then printf 'stdin=%s\\n' "$line"; else printf 'stdin=EOF\\n'; fi
            echo to-stderr >&2
            exit 3

            """, mode: 0o755)
        let out = outputFile(dir)
        defer { close(out.fd) }
        let runner = TriggerRunner(directory: triggers, childrenMax: 0, timeout: 10)
        // Relative path: resolved in the trigger directory, like upstream's chdir + execve.
        let done = runner.runToCompletion(TriggerLaunch(
            key: "page memory-pre-sync-soft-ce-trigger", path: "./dump-args",
            arguments: ["19087360", "two words"], environment: [], output: out.fd))
        XCTAssertEqual(done?.status, .exited(3))
        XCTAssertEqual(done?.message, "Trigger `./dump-args' exited with status 3")
        XCTAssertEqual(done?.succeeded, false)
        let printed = try String(contentsOfFile: out.path, encoding: .utf8)
        XCTAssertEqual(printed, """
            argv0=./dump-args
            arg=19087360
            arg=two words
            cwd=\(triggers)
            stdin=EOF
            to-stderr

            """)
    }

    func testOutputGoesToDevNullWhenNoDescriptorIsGiven() throws {
        let dir = TemporaryDirectory()
        dir.write("noisy", "#!/bin/sh\necho out; echo err >&2; printf '%s' \"$(readlink /proc/$$/fd/1) $(readlink /proc/$$/fd/2)\" > \(dir.path)/where\n", mode: 0o755)
        let runner = TriggerRunner(directory: nil, childrenMax: 1, timeout: 5)
        let done = runner.runToCompletion(TriggerLaunch(key: "k", path: dir.sub("noisy"), environment: []))
        XCTAssertEqual(done?.status, .exited(0))
        XCTAssertEqual(dir.read("where"), "/dev/null /dev/null")
    }

    func testTheDaemonsOtherDescriptorsAreNotInherited() throws {
        let dir = TemporaryDirectory()
        // A descriptor without O_CLOEXEC, as a careless library might leave one.
        let leaked = open("/dev/zero", O_RDONLY)
        XCTAssertGreaterThanOrEqual(leaked, 3)
        defer { close(leaked) }
        let out = outputFile(dir)
        defer { close(out.fd) }
        let runner = TriggerRunner(directory: nil, childrenMax: 1, timeout: 5)
        // ls itself opens one directory descriptor (3) for /proc/self/fd.
        let done = runner.runToCompletion(TriggerLaunch(key: "k", path: "/bin/ls", arguments: ["/proc/self/fd"],
                                                        environment: [], output: out.fd))
        XCTAssertEqual(done?.status, .exited(0))
        let fds = try String(contentsOfFile: out.path, encoding: .utf8).split(separator: "\n").compactMap { Int($0) }
        XCTAssertEqual(fds, [0, 1, 2, 3])
    }

    func testAHangingTriggerIsTerminatedAtTheTimeoutEvenWhenTheDaemonBlocksSIGTERM() throws {
        let dir = TemporaryDirectory()
        // The grandchild (sleep) must go too: the trigger leads its own process group.
        dir.write("hang", "#!/bin/sh\n/bin/sleep 30 &\necho $! > \(dir.path)/sleeper\nwait\n", mode: 0o755)
        // The daemon blocks SIGTERM for its signalfd; the trigger must not inherit that mask.
        var block = sigset_t(), old = sigset_t()
        sigemptyset(&block)
        sigaddset(&block, SIGTERM)
        pthread_sigmask(SIG_BLOCK, &block, &old)
        let runner = TriggerRunner(directory: nil, childrenMax: 2, timeout: 1)
        let start = TriggerRunner.monotonicMicroseconds()
        let started = runner.start(TriggerLaunch(key: "cache", path: dir.sub("hang"), environment: []), now: start)
        pthread_sigmask(SIG_SETMASK, &old, nil)
        guard case .started(let pid) = started else { return XCTFail("not started: \(started)") }
        XCTAssertEqual(runner.nextDeadline(now: start), start + 1_000_000)
        let done = runner.waitFor(pid: pid)
        XCTAssertEqual(done?.status, .signaled(SIGTERM))
        XCTAssertEqual(done?.timedOut, true)
        XCTAssertEqual(done?.message, "Trigger `\(dir.sub("hang"))' died with signal Terminated after timing out (1 s)")
        let took = done?.durationMicroseconds ?? 0
        XCTAssertGreaterThanOrEqual(took, 1_000_000)
        XCTAssertLessThan(took, 1_900_000, "SIGTERM at the timeout, not after the SIGKILL grace")
        XCTAssertEqual(runner.runningCount, 0)
        XCTAssertEqual(runner.pollDescriptors, [])
        if let sleeper = dir.read("sleeper").flatMap({ Int32($0.trimmingCharacters(in: .whitespacesAndNewlines)) }) {
            // The signal is delivered at once; the process may take a moment to die on a busy machine.
            var alive = Self.isAlive(sleeper)
            for _ in 0..<300 where alive { usleep(10_000); alive = Self.isAlive(sleeper) }
            XCTAssertFalse(alive, "the trigger's background sleep survived")
        } else {
            XCTFail("no sleeper pid")
        }
    }

    func testATriggerIgnoringSIGTERMIsKilledAfterTheGracePeriod() throws {
        let dir = TemporaryDirectory()
        dir.write("stubborn", "#!/bin/sh\ntrap '' TERM\n/bin/sleep 30\n", mode: 0o755)
        let runner = TriggerRunner(directory: nil, childrenMax: 2, timeout: 1)
        let done = runner.runToCompletion(TriggerLaunch(key: "k", path: dir.sub("stubborn"), environment: []))
        XCTAssertEqual(done?.status, .signaled(SIGKILL))
        XCTAssertEqual(done?.timedOut, true)
        let took = done?.durationMicroseconds ?? 0
        XCTAssertGreaterThanOrEqual(took, 3_000_000, "timeout 1 s + grace 2 s")
        XCTAssertLessThan(took, 4_500_000)
    }

    func testChildrenMaxRefusesUntilAChildIsCollected() throws {
        let runner = TriggerRunner(directory: nil, childrenMax: 2, timeout: 0)
        let now = TriggerRunner.monotonicMicroseconds()
        let sleep = TriggerLaunch(key: "k", path: "/bin/sleep", arguments: ["30"], environment: [])
        guard case .started(let first) = runner.start(sleep, now: now),
              case .started(let second) = runner.start(sleep, now: now) else { return XCTFail("not started") }
        XCTAssertEqual(runner.start(sleep, now: now), .refused(reason: "Too many trigger children running already"))
        XCTAssertEqual(runner.runningCount, 2)
        XCTAssertEqual(runner.pollDescriptors.count, 2)
        XCTAssertNil(runner.nextDeadline(now: now), "no timeout configured, pidfds cover the rest")
        // Collecting never blocks while children run.
        let t0 = TriggerRunner.monotonicMicroseconds()
        XCTAssertEqual(runner.collect(now: t0), [])
        XCTAssertLessThan(TriggerRunner.monotonicMicroseconds() - t0, 100_000)

        kill(first, SIGKILL)
        let done = runner.waitFor(pid: first)
        XCTAssertEqual(done?.status, .signaled(SIGKILL))
        XCTAssertEqual(done?.timedOut, false)
        guard case .started(let third) = runner.start(sleep, now: now) else { return XCTFail("slot not freed") }
        kill(second, SIGKILL)
        kill(third, SIGKILL)
        XCTAssertEqual(runner.waitFor(pids: [second, third]).count, 2)
        XCTAssertEqual(runner.runningCount, 0)
    }

    func testUnlimitedChildrenWhenChildrenMaxIsZeroOrNegative() throws {
        for max in [0, -1] {
            let runner = TriggerRunner(directory: nil, childrenMax: max, timeout: 0)
            var pids: [Int32] = []
            for _ in 0..<6 {
                guard case .started(let pid) = runner.start(TriggerLaunch(key: "k", path: "/bin/true", environment: []), now: 0) else {
                    return XCTFail("refused with children-max \(max)")
                }
                pids.append(pid)
            }
            let done = runner.waitFor(pids: pids)
            XCTAssertEqual(pids.map { done[$0]?.status }, Array(repeating: .exited(0), count: 6))
        }
    }

    func testThePidfdBecomesReadableWhenTheChildExits() throws {
        let runner = TriggerRunner(directory: nil, childrenMax: 1, timeout: 0)
        guard case .started(let pid) = runner.start(TriggerLaunch(key: "k", path: "/bin/sh", arguments: ["-c", "exit 7"], environment: []), now: 0) else {
            return XCTFail("not started")
        }
        guard let fd = runner.pollDescriptors.first else { return XCTFail("no pidfd (kernel < 5.3?)") }
        var p = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        XCTAssertEqual(poll(&p, 1, 5000), 1)
        let done = runner.collect(now: 5)
        XCTAssertEqual(done.map(\.pid), [pid])
        XCTAssertEqual(done.first?.status, .exited(7))
        XCTAssertEqual(done.first?.durationMicroseconds, 5)
        XCTAssertEqual(fcntl(fd, F_GETFD), -1, "pidfd closed after collection")
    }

    func testSpawnFailuresCarryTheErrno() throws {
        let dir = TemporaryDirectory()
        dir.write("not-executable", "#!/bin/sh\nexit 0\n", mode: 0o644)
        let runner = TriggerRunner(directory: dir.path, childrenMax: 1, timeout: 0)
        XCTAssertEqual(runner.start(TriggerLaunch(key: "k", path: "./missing", environment: []), now: 0),
                       .failed(errno: ENOENT, reason: "No such file or directory"))
        XCTAssertEqual(runner.start(TriggerLaunch(key: "k", path: "./not-executable", environment: []), now: 0),
                       .failed(errno: EACCES, reason: "Permission denied"))
        let gone = TriggerRunner(directory: dir.sub("no-such-directory"), childrenMax: 1, timeout: 0)
        XCTAssertEqual(gone.start(TriggerLaunch(key: "k", path: "/bin/true", environment: []), now: 0),
                       .failed(errno: ENOENT, reason: "No such file or directory"))
        XCTAssertEqual(runner.runningCount, 0, "failed spawns hold no slot")
    }

    func testEnvironmentThatCannotBeExpressedIsRejectedBeforeSpawning() {
        let runner = TriggerRunner(directory: nil, childrenMax: 1, timeout: 0)
        XCTAssertEqual(runner.start(TriggerLaunch(key: "k", path: "/bin/true", environment: [("A=B", "x")]), now: 0),
                       .failed(errno: EINVAL, reason: "invalid environment variable name `A=B'"))
        XCTAssertEqual(runner.start(TriggerLaunch(key: "k", path: "/bin/true", environment: [("DMI_NAME", "a\u{0}b")]), now: 0),
                       .failed(errno: EINVAL, reason: "environment variable DMI_NAME contains a NUL byte"))
        XCTAssertEqual(runner.start(TriggerLaunch(key: "k", path: "/bin/true", environment: [("", "x")]), now: 0),
                       .failed(errno: EINVAL, reason: "invalid environment variable name `'"))
        XCTAssertEqual(runner.runningCount, 0)
    }

    func testValidateReproducesUpstreamsStartupCheckAndWording() throws {
        let dir = TemporaryDirectory()
        dir.write("dimm-error-trigger", "#!/bin/sh\n", mode: 0o755)
        dir.write("plain-file", "#!/bin/sh\n", mode: 0o644)
        dir.mkdir("a-directory")
        XCTAssertNoThrow(try TriggerRunner.validate(trigger: "dimm-error-trigger", directory: dir.path))
        XCTAssertNoThrow(try TriggerRunner.validate(trigger: dir.sub("dimm-error-trigger"), directory: "/nonexistent"),
                         "an absolute trigger is not prefixed with the directory")

        func message(_ trigger: String, _ kind: TriggerCheckKind) -> String? {
            do { try TriggerRunner.validate(trigger: trigger, directory: dir.path, kind: kind); return nil }
            catch { return error.description }
        }
        XCTAssertEqual(message("missing", .threshold), "Trigger `missing' not executable: No such file or directory")
        XCTAssertEqual(message("plain-file", .cache), "Cannot access cache threshold trigger `plain-file': Permission denied")
        XCTAssertEqual(message("a-directory", .bus), "Cannot access bus threshold trigger `a-directory': Permission denied")
        XCTAssertEqual(message("missing", .iomca), "Cannot access iomca threshold trigger `missing': No such file or directory")
        XCTAssertEqual(message("missing", .unknown), "Cannot access unknown threshold trigger `missing': No such file or directory")
        XCTAssertEqual(message("missing", .pageSoftPre), "Cannot access page soft pre trigger `missing': No such file or directory")
        XCTAssertEqual(message("missing", .pageSoftPost), "Cannot access page soft post trigger `missing': No such file or directory")
        do {
            try TriggerRunner.validate(trigger: "missing", directory: dir.path)
            XCTFail("no error")
        } catch {
            XCTAssertEqual(error.checkedPath, dir.sub("missing"))
            XCTAssertEqual(error.errno, ENOENT)
        }

        XCTAssertNil(TriggerRunner.directoryProblem(dir.path))
        XCTAssertEqual(TriggerRunner.directoryProblem(dir.sub("nope")),
                       "Cannot access trigger directory `\(dir.sub("nope"))': No such file or directory")
    }

    static func isAlive(_ pid: Int32) -> Bool {
        // A zombie nobody reaps (no init in a container) counts as dead.
        guard kill(pid, 0) == 0 else { return false }
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let close = stat.lastIndex(of: ")") else { return false }
        let state = stat[stat.index(close, offsetBy: 2)]
        return state != "Z"
    }
}
