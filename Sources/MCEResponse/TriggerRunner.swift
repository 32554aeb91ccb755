import CLinux
import Glibc

/// One trigger run to start (mcelog.md §9.1). The record's data reaches the program only
/// through `environment`: no shell, no command line built from it.
public struct TriggerLaunch: Sendable {
    /// Which trigger this is (config key or reporter); echoed in the completion.
    public var key: String
    /// Executable; a relative path is resolved in the trigger directory, as upstream's
    /// chdir-then-execve does.
    public var path: String
    /// argv[1...]; argv[0] is `path`.
    public var arguments: [String]
    /// The complete environment: exactly these pairs, nothing inherited.
    public var environment: [(name: String, value: String)]
    /// Where the trigger's stdout and stderr go; nil = /dev/null.
    public var output: Int32?

    public init(key: String, path: String, arguments: [String] = [],
                environment: [(name: String, value: String)], output: Int32? = nil) {
        self.key = key
        self.path = path
        self.arguments = arguments
        self.environment = environment
        self.output = output
    }
}

public enum TriggerStart: Equatable, Sendable {
    case started(pid: Int32)
    /// Not started because `children-max` triggers are running.
    case refused(reason: String)
    /// The kernel refused the spawn (exec, chdir, fork); `reason` is the errno text.
    case failed(errno: Int32, reason: String)
}

public struct TriggerCompletion: Equatable, Sendable {
    public enum Status: Equatable, Sendable {
        case exited(Int32)
        case signaled(Int32)
        /// Reaped by someone else (SIGCHLD set to SIG_IGN, a stray waitpid(-1)): status unknown.
        case vanished
    }
    public var key: String
    public var path: String
    public var pid: Int32
    public var status: Status
    /// The timeout expired: it was sent SIGTERM (and SIGKILL 2 s later if still alive).
    public var timedOut: Bool
    public var durationMicroseconds: UInt64

    public var succeeded: Bool { status == .exited(0) && !timedOut }

    /// Upstream's wording ("Trigger `X' exited with status N", "... died with signal NAME"),
    /// plus the timeout.
    public var message: String {
        let name = "Trigger `\(path)'"
        let what: String
        switch status {
        case .exited(let code): what = "\(name) exited with status \(code)"
        case .signaled(let sig): what = "\(name) died with signal \(signalName(sig))"
        case .vanished: what = "\(name) was reaped elsewhere, exit status unknown"
        }
        guard timedOut else { return what }
        return "\(what) after timing out (\(durationMicroseconds / 1_000_000) s)"
    }
}

func signalName(_ sig: Int32) -> String {
    guard let text = strsignal(sig) else { return "signal \(sig)" }
    return String(cString: text)
}

/// Runs triggers as child processes without ever waiting for one (issue 5: "the daemon never
/// waits for a trigger"). The daemon polls `pollDescriptors` (pidfds, readable when a child
/// exits) and wakes up at `nextDeadline(now:)`; either way it then calls `collect(now:)`,
/// which reaps finished children and enforces the timeout. Times are monotonic microseconds
/// (`TriggerRunner.monotonicMicroseconds()`), passed in so tests control them.
public final class TriggerRunner {
    public static let refusalText = "Too many trigger children running already"
    /// Between SIGTERM and SIGKILL.
    public static let killGraceMicroseconds: UInt64 = 2_000_000
    /// How often a child without a pidfd (kernel < 5.3) is polled.
    public static let pollIntervalMicroseconds: UInt64 = 100_000

    public let directory: String?
    public let childrenMax: Int
    public let timeoutSeconds: Int

    private struct Child {
        var launch: TriggerLaunch
        var pid: pid_t
        var pidfd: Int32?
        var startedAt: UInt64
        var timedOut = false
        var terminatedAt: UInt64? = nil
        var killed = false
    }
    private var children: [Child] = []

    /// `childrenMax` <= 0: unlimited (upstream). `timeout` <= 0: no timeout.
    public init(directory: String?, childrenMax: Int, timeout: Int) {
        self.directory = directory
        self.childrenMax = childrenMax
        self.timeoutSeconds = timeout
    }

    deinit {
        for child in children { if let fd = child.pidfd { close(fd) } }
    }

    /// Children started and not yet collected.
    public var runningCount: Int { children.count }

    /// pidfds of the running children: each becomes readable (POLLIN) when its child exits.
    public var pollDescriptors: [Int32] { children.compactMap(\.pidfd) }

    public func start(_ launch: TriggerLaunch, now: UInt64) -> TriggerStart {
        if childrenMax > 0 && children.count >= childrenMax {
            return .refused(reason: Self.refusalText)
        }
        if let problem = Self.environmentProblem(launch) {
            return .failed(errno: EINVAL, reason: problem)
        }
        switch spawn(launch) {
        case .failure(let code):
            return .failed(errno: code, reason: errnoText(code))
        case .success(let pid):
            let fd = clinux_pidfd_open(pid, 0)   // O_CLOEXEC is implied
            children.append(Child(launch: launch, pid: pid, pidfd: fd >= 0 ? fd : nil, startedAt: now))
            return .started(pid: pid)
        }
    }

    /// When `collect(now:)` must run next even if no pidfd became readable: a timeout, the
    /// SIGKILL after the grace period, or the poll of a child that has no pidfd.
    public func nextDeadline(now: UInt64) -> UInt64? {
        var next: UInt64? = nil
        func consider(_ t: UInt64) { next = min(next ?? t, t) }
        for child in children {
            if child.pidfd == nil { consider(now &+ Self.pollIntervalMicroseconds) }
            if let term = child.terminatedAt {
                if !child.killed { consider(term &+ Self.killGraceMicroseconds) }
            } else if let deadline = timeoutDeadline(child) {
                consider(deadline)
            }
        }
        return next
    }

    /// Reaps every finished child (never blocks) and signals children past their deadline.
    public func collect(now: UInt64) -> [TriggerCompletion] {
        var done: [TriggerCompletion] = []
        var remaining: [Child] = []
        for var child in children {
            var status: Int32 = 0
            let r = waitpid(child.pid, &status, WNOHANG)
            if r == child.pid || (r < 0 && errno == ECHILD) {
                let outcome: TriggerCompletion.Status
                if r < 0 {
                    outcome = .vanished
                } else if status & 0x7f == 0 {
                    outcome = .exited((status >> 8) & 0xff)    // WIFEXITED / WEXITSTATUS
                } else {
                    outcome = .signaled(status & 0x7f)          // WTERMSIG
                }
                if let fd = child.pidfd { close(fd) }
                // Whatever the timed-out trigger left behind in its process group goes too.
                if child.timedOut { _ = kill(-child.pid, SIGKILL) }
                done.append(TriggerCompletion(
                    key: child.launch.key, path: child.launch.path, pid: child.pid, status: outcome,
                    timedOut: child.timedOut,
                    durationMicroseconds: now >= child.startedAt ? now - child.startedAt : 0))
                continue
            }
            if let term = child.terminatedAt {
                if !child.killed && now >= term &+ Self.killGraceMicroseconds {
                    signalGroup(child.pid, SIGKILL)
                    child.killed = true
                }
            } else if let deadline = timeoutDeadline(child), now >= deadline {
                signalGroup(child.pid, SIGTERM)
                child.timedOut = true
                child.terminatedAt = now
            }
            remaining.append(child)
        }
        children = remaining
        return done
    }

    public static func monotonicMicroseconds() -> UInt64 {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return UInt64(ts.tv_sec) &* 1_000_000 &+ UInt64(ts.tv_nsec / 1000)
    }

    // MARK: - private

    private func timeoutDeadline(_ child: Child) -> UInt64? {
        guard timeoutSeconds > 0 else { return nil }
        let (span, overflow) = UInt64(timeoutSeconds).multipliedReportingOverflow(by: 1_000_000)
        return overflow ? nil : child.startedAt &+ span
    }

    /// The trigger leads its own process group, so a shell script's children are signalled too.
    private func signalGroup(_ pid: pid_t, _ sig: Int32) {
        if kill(-pid, sig) != 0 { _ = kill(pid, sig) }
    }

    /// Why the environment cannot be passed as given (C strings end at NUL; `=` ends a name).
    static func environmentProblem(_ launch: TriggerLaunch) -> String? {
        for (name, value) in launch.environment {
            if name.isEmpty || name.utf8.contains(UInt8(ascii: "=")) || name.utf8.contains(0) {
                return "invalid environment variable name `\(name)'"
            }
            if value.utf8.contains(0) { return "environment variable \(name) contains a NUL byte" }
        }
        if launch.path.isEmpty || launch.path.utf8.contains(0) { return "invalid trigger path" }
        if launch.arguments.contains(where: { $0.utf8.contains(0) }) { return "trigger argument contains a NUL byte" }
        return nil
    }

    private enum SpawnResult { case success(pid_t), failure(Int32) }

    private func spawn(_ launch: TriggerLaunch) -> SpawnResult {
        var actions = posix_spawn_file_actions_t()
        var attributes = posix_spawnattr_t()
        guard posix_spawn_file_actions_init(&actions) == 0 else { return .failure(ENOMEM) }
        defer { posix_spawn_file_actions_destroy(&actions) }
        guard posix_spawnattr_init(&attributes) == 0 else { return .failure(ENOMEM) }
        defer { posix_spawnattr_destroy(&attributes) }

        // stdout/stderr first (the daemon's fd may be any number), then stdin, then the
        // directory, then nothing else of the daemon's: its sockets, /dev/mcelog, journal fds.
        var rc: Int32 = 0
        if let out = launch.output {
            rc = posix_spawn_file_actions_adddup2(&actions, out, 1)
            if rc == 0 { rc = posix_spawn_file_actions_adddup2(&actions, out, 2) }
        } else {
            rc = posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
            if rc == 0 { rc = posix_spawn_file_actions_adddup2(&actions, 1, 2) }
        }
        if rc == 0 { rc = posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0) }
        if rc == 0, let dir = directory { rc = posix_spawn_file_actions_addchdir_np(&actions, dir) }
        if rc == 0 { rc = posix_spawn_file_actions_addclosefrom_np(&actions, 3) }
        guard rc == 0 else { return .failure(rc) }

        // The daemon blocks signals for its signalfd and may ignore SIGPIPE; a trigger must
        // start with neither, or the timeout's SIGTERM would be blocked.
        var emptyMask = sigset_t()
        sigemptyset(&emptyMask)
        var allSignals = sigset_t()
        sigfillset(&allSignals)
        rc = posix_spawnattr_setsigmask(&attributes, &emptyMask)
        if rc == 0 { rc = posix_spawnattr_setsigdefault(&attributes, &allSignals) }
        if rc == 0 { rc = posix_spawnattr_setpgroup(&attributes, 0) }
        if rc == 0 {
            rc = posix_spawnattr_setflags(&attributes,
                Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETPGROUP))
        }
        guard rc == 0 else { return .failure(rc) }

        let argv = [launch.path] + launch.arguments
        let envp = launch.environment.map { "\($0.name)=\($0.value)" }
        var pid: pid_t = 0
        rc = withCStrings(argv) { cArgv in
            withCStrings(envp) { cEnvp in
                posix_spawn(&pid, launch.path, &actions, &attributes, cArgv, cEnvp)
            }
        }
        return rc == 0 ? .success(pid) : .failure(rc)
    }
}

/// A NULL-terminated C string array for the duration of `body`.
private func withCStrings<R>(_ strings: [String],
                             _ body: (UnsafePointer<UnsafeMutablePointer<CChar>?>) -> R) -> R {
    var pointers: [UnsafeMutablePointer<CChar>?] = strings.map { strdup($0) }
    pointers.append(nil)
    defer { for p in pointers { free(p) } }
    return pointers.withUnsafeBufferPointer { body($0.baseAddress!) }
}
