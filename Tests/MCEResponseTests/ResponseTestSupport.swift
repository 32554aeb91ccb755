import Foundation
import Glibc
import TestSupport
import XCTest
@testable import MCEResponse

/// A directory under /tmp, removed with everything in it when the test ends.
final class TemporaryDirectory {
    let path: String

    init(_ label: String = "mceresponse") {
        var template = Array("/tmp/\(label).XXXXXX".utf8CString)
        let made = template.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!) }
        precondition(made != nil, "mkdtemp failed: errno \(errno)")
        path = String(decoding: template.prefix(while: { $0 != 0 }).map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    deinit {
        // Back to writable first: some tests make directories read-only. Symlinks in the tree
        // (to fixtures, /dev/null) are removed, never followed.
        _ = try? Subprocess.run("/bin/chmod", ["-R", "u+rwx", path])
        _ = try? Subprocess.run("/bin/rm", ["-rf", "--one-file-system", path])
    }

    func sub(_ relative: String) -> String { path + "/" + relative }

    /// Writes `content` at `relative`, creating directories; returns the full path.
    @discardableResult
    func write(_ relative: String, _ content: String, mode: Int = 0o644) -> String {
        let full = sub(relative)
        let dir = (full as NSString).deletingLastPathComponent
        try! FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        _ = FileManager.default.createFile(atPath: full, contents: Data(content.utf8))
        chmod(full, mode_t(mode))
        return full
    }

    func mkdir(_ relative: String) {
        try! FileManager.default.createDirectory(atPath: sub(relative), withIntermediateDirectories: true)
    }

    func read(_ relative: String) -> String? {
        try? String(contentsOfFile: sub(relative), encoding: .utf8)
    }
}

/// The repository root, from this file's path (Tests/MCEResponseTests/<file>).
let repositoryRoot: String = {
    var url = URL(fileURLWithPath: #filePath)
    url.deleteLastPathComponent()
    url.deleteLastPathComponent()
    url.deleteLastPathComponent()
    return url.path
}()

extension TriggerRunner {
    /// Starts `launch` and drives the runner the way the daemon does (poll the pidfds until the
    /// next deadline, then collect) until that child is collected. Fails the test after `limit` s.
    func runToCompletion(_ launch: TriggerLaunch, limit: Double = 20,
                         file: StaticString = #filePath, line: UInt = #line) -> TriggerCompletion? {
        let started = start(launch, now: Self.monotonicMicroseconds())
        guard case .started(let pid) = started else {
            XCTFail("trigger did not start: \(started)", file: file, line: line)
            return nil
        }
        return waitFor(pid: pid, limit: limit, file: file, line: line)
    }

    func waitFor(pid: Int32, limit: Double = 20,
                 file: StaticString = #filePath, line: UInt = #line) -> TriggerCompletion? {
        waitFor(pids: [pid], limit: limit, file: file, line: line)[pid]
    }

    /// Collects until every one of `pids` has completed; completions of other children are
    /// dropped (tests only wait for what they started).
    func waitFor(pids: [Int32], limit: Double = 20,
                 file: StaticString = #filePath, line: UInt = #line) -> [Int32: TriggerCompletion] {
        var done: [Int32: TriggerCompletion] = [:]
        let end = Self.monotonicMicroseconds() + UInt64(limit * 1_000_000)
        while Self.monotonicMicroseconds() < end {
            let now = Self.monotonicMicroseconds()
            for completion in collect(now: now) where pids.contains(completion.pid) {
                done[completion.pid] = completion
            }
            if done.count == Set(pids).count { return done }
            var fds = pollDescriptors.map { pollfd(fd: $0, events: Int16(POLLIN), revents: 0) }
            var wait: Int32 = 200
            if let deadline = nextDeadline(now: now) {
                wait = Int32(min(200, deadline > now ? (deadline - now + 999) / 1000 : 0))
            }
            _ = fds.withUnsafeMutableBufferPointer { poll($0.baseAddress, nfds_t($0.count), wait) }
        }
        XCTFail("triggers \(pids.filter { done[$0] == nil }) not collected within \(limit) s", file: file, line: line)
        return done
    }
}

/// Runs `body` on a thread of its own that has lost CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH and
/// CAP_FOWNER (capabilities are per thread on Linux), so file modes apply as they would to an
/// unprivileged daemon even when the tests run as root. access() checks the permitted set, so
/// the capabilities are dropped from it too: that is why the thread is thrown away afterwards.
func withoutFileCapabilities<T: Sendable>(_ body: @escaping @Sendable () -> T) -> T {
    let box = ResultBox<T>()
    let done = DispatchSemaphore(value: 0)
    let thread = Thread {
        dropFileCapabilities()
        box.value = body()
        done.signal()
    }
    thread.start()
    done.wait()
    return box.value!
}

private final class ResultBox<T>: @unchecked Sendable { var value: T? }

private func dropFileCapabilities() {
    typealias CapFunction = @convention(c) (UnsafeMutableRawPointer, UnsafeMutableRawPointer) -> Int32
    guard let getSym = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "capget"),
          let setSym = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "capset") else { return }
    let capget = unsafeBitCast(getSym, to: CapFunction.self)
    let capset = unsafeBitCast(setSym, to: CapFunction.self)
    // struct __user_cap_header_struct { u32 version; int pid; }, version 3 = 0x20080522;
    // two struct __user_cap_data_struct { u32 effective, permitted, inheritable; }.
    var header: [UInt32] = [0x2008_0522, 0]
    var data = [UInt32](repeating: 0, count: 6)
    let ok = header.withUnsafeMutableBytes { h in data.withUnsafeMutableBytes { d in capget(h.baseAddress!, d.baseAddress!) } }
    guard ok == 0 else { return }
    let mask: UInt32 = ~((1 << 1) | (1 << 2) | (1 << 3))   // DAC_OVERRIDE, DAC_READ_SEARCH, FOWNER
    data[0] &= mask   // effective
    data[1] &= mask   // permitted
    header[1] = 0
    _ = header.withUnsafeMutableBytes { h in data.withUnsafeMutableBytes { d in capset(h.baseAddress!, d.baseAddress!) } }
}
