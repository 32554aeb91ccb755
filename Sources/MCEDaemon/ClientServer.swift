import Glibc
import CLinux

/// What the client protocol answers with: the daemon's accounting (filled in by the error
/// response; empty until then, which upstream answers with a bare `done`).
public protocol ClientReports: AnyObject {
    func memoryDump(all: Bool, bios: Bool) -> String
    func pageDump() -> String
    /// Machine-readable forms for tools (ours; upstream has none): one JSON document each.
    func memoryDumpJSON() -> String
    func pageDumpJSON() -> String
    /// Prometheus/OpenMetrics text exposition of the daemon's counters.
    func metrics() -> String
}

/// Upstream's client socket protocol (mcelog.md §8) on a unix stream socket, checked per
/// connection with SO_PEERCRED, without upstream's bugs: leading whitespace is skipped (it
/// looped forever there), every connection has a line limit, an output limit and an idle
/// timeout, and `ping` is answered by a server that the client may hang up on.
public final class ClientServer {
    public struct Access: Sendable {
        public var uid: uid_t?
        public var gid: gid_t?
        public init(uid: uid_t? = 0, gid: gid_t? = nil) { self.uid = uid; self.gid = gid }
        func allows(uid u: uid_t, gid g: gid_t) -> Bool {
            u == 0 || u == uid || (gid != nil && g == gid)
        }
    }

    final class Connection {
        let fd: Int32
        var input: [UInt8] = []
        var output: [UInt8] = []
        var lastActivity: UInt64
        var closeAfterWrite = false
        init(fd: Int32, now: UInt64) { self.fd = fd; lastActivity = now }
    }

    public let listenFD: Int32
    public var access: Access
    public var reports: ClientReports?
    /// Journal a refused peer (pid, uid, gid) or a protocol problem.
    public var onRefused: (pid_t, uid_t, gid_t) -> Void = { _, _, _ in }
    var connections: [Int32: Connection] = [:]

    public static let maxLine = 4096
    public static let maxConnections = 64
    public static let idleTimeoutMicroseconds: UInt64 = 10_000_000
    static let maxPendingOutput = 1 << 20

    public init(listenFD: Int32, access: Access = Access()) {
        self.listenFD = listenFD
        self.access = access
        _ = fcntl(listenFD, F_SETFL, fcntl(listenFD, F_GETFL) | O_NONBLOCK)
    }

    /// Binds `path` itself (no socket activation), refusing when a daemon already answers.
    public static func bind(path: String, backlog: Int32 = 10) throws -> Int32 {
        guard path.utf8.count < 107 else { throw DaemonError.configuration("Client socket path `\(path)' too long") }
        if Glibc.access(path, F_OK) == 0 {
            if (try? ClientServer.request(path: path, "ping\n", until: { $0.hasSuffix("pong\n") }, timeoutMs: 2000))?.hasSuffix("pong\n") == true {
                throw DaemonError.configuration("mcelog server already running on \(path)")
            }
            unlink(path)
        }
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw DaemonError.system("socket", errno) }
        var addr = ClientServer.address(path)
        let old = umask(0o077)   // root-only unless configured otherwise
        let rc = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        umask(old)
        guard rc == 0, listen(fd, backlog) == 0 else {
            let e = errno
            close(fd)
            throw DaemonError.system("bind/listen \(path)", e)
        }
        return fd
    }

    static func address(_ path: String) -> sockaddr_un {
        var addr = sockaddr_un()
        addr.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &addr.sun_path) { raw in
            for (i, b) in path.utf8.prefix(raw.count - 1).enumerated() { raw[i] = b }
        }
        return addr
    }

    /// Descriptors to poll and their events.
    public var pollRequests: [pollfd] {
        var fds = [pollfd(fd: listenFD, events: Int16(POLLIN), revents: 0)]
        for c in connections.values {
            fds.append(pollfd(fd: c.fd, events: Int16(c.output.isEmpty ? POLLIN : POLLIN | POLLOUT), revents: 0))
        }
        return fds
    }

    /// Milliseconds until the next idle connection times out, or nil without connections
    /// (so an idle daemon without clients never wakes up).
    public func timeoutMilliseconds(now: UInt64) -> Int32? {
        guard let oldest = connections.values.map(\.lastActivity).min() else { return nil }
        let due = oldest + ClientServer.idleTimeoutMicroseconds
        return due > now ? Int32(min((due - now) / 1000 + 1, 60_000)) : 0
    }

    /// Handles whatever poll reported for our descriptors.
    public func handle(_ ready: [pollfd], now: UInt64) {
        for p in ready where p.revents != 0 {
            if p.fd == listenFD { acceptAll(now: now); continue }
            guard let c = connections[p.fd] else { continue }
            if p.revents & Int16(POLLIN) != 0 { readFrom(c, now: now) }
            if connections[p.fd] != nil && (p.revents & Int16(POLLOUT) != 0 || !c.output.isEmpty) { flush(c) }
            if connections[p.fd] != nil && p.revents & Int16(POLLHUP | POLLERR | POLLNVAL) != 0 && p.revents & Int16(POLLIN) == 0 {
                drop(c)
            }
        }
        for c in connections.values where now >= c.lastActivity + ClientServer.idleTimeoutMicroseconds { drop(c) }
    }

    func acceptAll(now: UInt64) {
        while true {
            let fd = accept(listenFD, nil, nil)
            if fd < 0 { return }
            _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
            _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
            var cred = clinux_ucred()
            var len = socklen_t(MemoryLayout<clinux_ucred>.size)
            guard getsockopt(fd, SOL_SOCKET, clinux_so_peercred, &cred, &len) == 0 else { close(fd); continue }
            guard access.allows(uid: cred.uid, gid: cred.gid) else {
                onRefused(cred.pid, cred.uid, cred.gid)
                // Consume what the client already sent: closing with unread data would reset
                // the connection and the client would never see why.
                var sink = [UInt8](repeating: 0, count: 4096)
                _ = sink.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, Int32(MSG_DONTWAIT)) }
                _ = "permission denied\n".withCString { send(fd, $0, 18, Int32(MSG_NOSIGNAL)) }
                close(fd)
                continue
            }
            guard connections.count < ClientServer.maxConnections else {
                _ = "error: too many clients\n".withCString { write(fd, $0, 24) }
                close(fd)
                continue
            }
            connections[fd] = Connection(fd: fd, now: now)
        }
    }

    func readFrom(_ c: Connection, now: UInt64) {
        var buf = [UInt8](repeating: 0, count: 4096)
        while true {
            let n = buf.withUnsafeMutableBytes { read(c.fd, $0.baseAddress, $0.count) }
            if n == 0 { drop(c); return }
            if n < 0 { if errno == EAGAIN || errno == EINTR { break }; drop(c); return }
            c.lastActivity = now
            c.input.append(contentsOf: buf[0..<n])
            while let nl = c.input.firstIndex(of: 0x0a) {
                let line = Array(c.input[..<nl])
                c.input.removeSubrange(...nl)
                answer(line, to: c)
            }
            if c.input.count > ClientServer.maxLine {
                c.output += Array("error: line too long\n".utf8)
                c.closeAfterWrite = true
                c.input.removeAll()
                return
            }
            if c.output.count > ClientServer.maxPendingOutput { drop(c); return }
        }
    }

    /// One command line. A command ends at its newline: unlike upstream, text without one is
    /// kept until the newline comes (commands may cross reads).
    func answer(_ raw: [UInt8], to c: Connection) {
        var line = Substring(String(decoding: raw, as: UTF8.self))
        while let f = line.first, f == " " || f == "\t" || f == "\r" { line = line.dropFirst() }
        while let l = line.last, l == " " || l == "\t" || l == "\r" { line = line.dropLast() }
        if line.isEmpty { return }
        var reply = ""
        if line.hasPrefix("dump") {
            var all = false, bios = false
            for word in line.split(separator: " ").dropFirst() {
                switch word {
                case "all": all = true
                case "bios": bios = true
                default: reply += "Unknown dump parameter\n"
                }
            }
            if line.split(separator: " ").first != "dump" { reply += "Unknown dump parameter\n" }
            reply += reports?.memoryDump(all: all, bios: bios) ?? ""
            reply += "done\n"
        } else if line == "json dump" || line == "json pages" || line == "metrics" {
            // Ours: checked before upstream's prefix rules so none of its replies change.
            switch line {
            case "json dump": reply = reports?.memoryDumpJSON() ?? "{}\n"
            case "json pages": reply = reports?.pageDumpJSON() ?? "{}\n"
            default: reply = reports?.metrics() ?? ""
            }
            if !reply.hasSuffix("\n") { reply += "\n" }
            reply += "done\n"
        } else if line.hasPrefix("pages") {
            reply = (reports?.pageDump() ?? "") + "done\n"
        } else if line == "ping" {
            reply = "pong\n"
        } else {
            reply = "Unknown command\n"
        }
        c.output += Array(reply.utf8)
    }

    func flush(_ c: Connection) {
        while !c.output.isEmpty {
            let n = c.output.withUnsafeBytes { send(c.fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if n < 0 { if errno == EAGAIN || errno == EINTR { return }; drop(c); return }
            c.output.removeSubrange(0..<n)
        }
        if c.closeAfterWrite { drop(c) }
    }

    func drop(_ c: Connection) {
        close(c.fd)
        connections[c.fd] = nil
    }

    public func closeAll() {
        for c in connections.values { drop(c) }
    }

    // MARK: client side

    /// Sends `command` and reads until `until` says the reply is complete, EOF or timeout.
    public static func request(path: String, _ command: String, until done: (String) -> Bool,
                               timeoutMs: Int32 = 5000) throws -> String {
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw DaemonError.system("client socket", errno) }
        defer { close(fd) }
        var addr = address(path)
        let rc = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard rc == 0 else { throw DaemonError.system("client connect to \(path)", errno) }
        let bytes = Array(command.utf8)
        // A refused client may find the connection closed before it writes: read the
        // daemon's reason anyway.
        let written = bytes.withUnsafeBytes({ send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) })
        let writeErrno = errno
        var reply: [UInt8] = []
        var buf = [UInt8](repeating: 0, count: 4096)
        while !done(String(decoding: reply, as: UTF8.self)) {
            var p = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            let r = poll(&p, 1, timeoutMs)
            if r == 0 { throw DaemonError.system("client read (no answer within \(timeoutMs) ms)", ETIMEDOUT) }
            if r < 0 { if errno == EINTR { continue }; throw DaemonError.system("client read", errno) }
            let n = buf.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n < 0 { throw DaemonError.system("client read", errno) }
            if n == 0 { break }
            reply += buf[0..<n]
        }
        let text = String(decoding: reply, as: UTF8.self)
        if text.hasPrefix("permission denied") {
            throw DaemonError.configuration("permission denied by the daemon (uid \(getuid()) is not root, client-user or client-group)")
        }
        if written != bytes.count && text.isEmpty { throw DaemonError.system("client command write", writeErrno) }
        return text
    }
}
