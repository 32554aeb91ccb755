import Foundation
import Glibc
import XCTest
import TestSupport

/// The client socket (issue 4): upstream's protocol, access by SO_PEERCRED, robustness, and
/// socket activation through systemd-socket-activate.
final class DaemonClientTests: XCTestCase {
    struct Setup { let capture: CaptureCopy; let socket: String; let config: String; let daemon: DaemonProcess }

    func startDaemon(extraConfig: String = "") throws -> Setup {
        let capture = try CaptureCopy("debian-6.12", in: self)
        let socket = capture.root + "/client.sock"
        let config = capture.root + "/mcelog.conf"
        try "[server]\nsocket-path = \(socket)\n\(extraConfig)".write(toFile: config, atomically: true, encoding: .utf8)
        let daemon = try DaemonProcess(["--daemon", "--foreground", "--tracefs", capture.root, "--config-file", config,
                                        "--logfile", capture.root + "/mcelog.log"], in: self)
        try daemon.start()
        for _ in 0..<500 where access(socket, F_OK) != 0 { usleep(10_000) }
        XCTAssertEqual(access(socket, F_OK), 0, "socket never appeared: \(daemon.stderr)")
        return Setup(capture: capture, socket: socket, config: config, daemon: daemon)
    }

    /// Sends raw bytes, reads until the server is quiet for `quiet` seconds or closes.
    func exchange(_ path: String, _ bytes: [UInt8], quiet: Double = 0.3) throws -> (reply: String, closed: Bool) {
        try Self.exchange(path, bytes, quiet: quiet)
    }

    struct ConnectError: Error { let errno: Int32 }

    static func exchange(_ path: String, _ bytes: [UInt8], quiet: Double = 0.3) throws -> (reply: String, closed: Bool) {
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var addr = UnixAddress(path).raw
        let rc = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        if rc != 0 { throw ConnectError(errno: errno) }
        _ = bytes.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
        var out: [UInt8] = []
        var buf = [UInt8](repeating: 0, count: 65536)
        while true {
            var p = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            if poll(&p, 1, Int32(quiet * 1000)) <= 0 { return (String(decoding: out, as: UTF8.self), false) }
            let n = buf.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n <= 0 { return (String(decoding: out, as: UTF8.self), true) }
            out += buf[0..<n]
        }
    }

    func testPingAndClientAnswerAndTheDaemonExitsCleanly() throws {
        let s = try startDaemon()
        let ping = try Command.run(DaemonBinary.path, ["--ping", "--config-file", s.config])
        XCTAssertEqual(ping.status, 0, ping.stderr)
        XCTAssertEqual(ping.stdout, "pong\n")
        let client = try Command.run(DaemonBinary.path, ["--client", "--config-file", s.config])
        XCTAssertEqual(client.status, 0, client.stderr)
        s.daemon.signal(SIGTERM)
        XCTAssertEqual(s.daemon.wait(), 0)
        XCTAssertNotEqual(access(s.socket, F_OK), 0, "the daemon removes the socket it bound")
        let none = try Command.run(DaemonBinary.path, ["--ping", "--config-file", s.config])
        XCTAssertEqual(none.status, 1)
        XCTAssertTrue(none.stderr.contains("no mcelog daemon answers at \(s.socket)"), none.stderr)
    }

    func testProtocolMatchesUpstreamWithoutTheWhitespaceHang() throws {
        // No accounting, so the dump and pages are upstream's empty replies.
        let s = try startDaemon(extraConfig: "[dimm]\ndimm-tracking-enabled = no\n[socket]\nsocket-tracking-enabled = no\n")
        let r = try exchange(s.socket, Array("  ping\n\n   \nPING\npingx\ndump bogus all\ndumpster\npages\nping".utf8))
        XCTAssertEqual(r.reply, "pong\nUnknown command\nUnknown command\nUnknown dump parameter\ndone\nUnknown dump parameter\ndone\ndone\n")
        // The daemon still answers others after the whitespace line that hangs upstream.
        XCTAssertEqual(try exchange(s.socket, Array("ping\n".utf8)).reply, "pong\n")
    }

    func testOversizedLinesAndGarbageAreRefusedAndTheDaemonKeepsServing() throws {
        let s = try startDaemon()
        let big = try exchange(s.socket, [UInt8](repeating: 0x41, count: 100_000))
        XCTAssertEqual(big.reply, "error: line too long\n")
        XCTAssertTrue(big.closed)
        var junk = [UInt8](repeating: 0, count: 3000)
        for i in junk.indices { junk[i] = UInt8(truncatingIfNeeded: i &* 131 &+ 7) }
        _ = try exchange(s.socket, junk + [0x0a])
        XCTAssertEqual(try exchange(s.socket, Array("ping\n".utf8)).reply, "pong\n")
    }

    func testManyClientsAtOnceAndASilentOneDoNotBlockEachOther() throws {
        let s = try startDaemon()
        // A silent client holds a connection open without sending.
        let silent = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        var addr = UnixAddress(s.socket).raw
        _ = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(silent, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        defer { close(silent) }
        let group = DispatchGroup()
        final class Box: @unchecked Sendable { var replies: [String] = []; let lock = NSLock() }
        let box = Box()
        let path = s.socket
        for _ in 0..<20 {
            DispatchQueue.global().async(group: group) {
                let reply = (try? DaemonClientTests.exchange(path, Array("ping\n".utf8)).reply) ?? "failed"
                box.lock.lock(); box.replies.append(reply); box.lock.unlock()
            }
        }
        XCTAssertEqual(group.wait(timeout: .now() + 20), .success)
        XCTAssertEqual(box.replies.count, 20)
        XCTAssertTrue(box.replies.allSatisfy { $0 == "pong\n" }, "\(box.replies)")
    }

    func testNobodyIsRefusedAndTheRefusalIsJournaled() throws {
        if let problem = DaemonJournald.ensureRunning() { XCTFail(problem); return }
        let s = try startDaemon()
        chmod(s.capture.root, 0o755)
        chmod(s.socket, 0o777)   // let nobody connect at all, so SO_PEERCRED decides
        let r = try Command.run("/usr/bin/setpriv", ["--reuid=65534", "--regid=65534", "--clear-groups",
                                                      DaemonBinary.path, "--ping", "--config-file", s.config])
        XCTAssertEqual(r.status, 1)
        XCTAssertTrue(r.stderr.contains("permission denied"), r.stderr)
        var found = false
        for _ in 0..<100 where !found {
            let j = try Command.run("/usr/bin/journalctl", ["-o", "cat", "_PID=\(s.daemon.pid)", "MCE_CLIENT_UID=65534"])
            found = j.stdout.contains("rejected client access from pid:") && j.stdout.contains("uid:65534 gid:65534")
            if !found { usleep(100_000) }
        }
        XCTAssertTrue(found, "refusal not journaled")
        XCTAssertEqual(try Command.run(DaemonBinary.path, ["--ping", "--config-file", s.config]).stdout, "pong\n")
    }

    func testSocketActivationHandsTheListeningSocketToTheDaemon() throws {
        let capture = try CaptureCopy("debian-6.1", in: self)
        let socket = capture.root + "/activated.sock"
        let config = capture.root + "/mcelog.conf"
        // The configured path is not the activated one: the daemon must use systemd's socket.
        try "[server]\nsocket-path = \(capture.root)/unused.sock\n".write(toFile: config, atomically: true, encoding: .utf8)
        let daemon = try DaemonProcess(["--daemon", "--foreground", "--tracefs", capture.root, "--config-file", config,
                                        "--logfile", capture.root + "/mcelog.log"],
                                       wrapper: ["/usr/bin/systemd-socket-activate", "-l", socket, "--fdname=client"],
                                       in: self)
        try daemon.start()
        for _ in 0..<500 where access(socket, F_OK) != 0 { usleep(10_000) }
        var reply = ""
        for _ in 0..<50 where reply != "pong\n" {
            reply = (try? exchange(socket, Array("ping\n".utf8)).reply) ?? ""
            if reply != "pong\n" { usleep(100_000) }
        }
        XCTAssertEqual(reply, "pong\n", daemon.stderr)
        XCTAssertNotEqual(access(capture.root + "/unused.sock", F_OK), 0, "no socket of its own when activated")
        daemon.signal(SIGTERM)
        XCTAssertEqual(daemon.wait(), 0)
    }
}
