import Foundation
import Glibc

/// What the test targets share (test targets cannot import each other): a real journald and
/// running helper programs.

/// A real systemd-journald: the running one, or one started here as CI's .ci/run does
/// (never systemd itself: systemd.md §8). Left running for later tests.
public enum Journald {
    public static let socket = "/run/systemd/journal/socket"
    public static let binary = "/lib/systemd/systemd-journald"

    /// nil when journald is up, else why it could not be started.
    public static func ensureRunning() -> String? {
        if isListening() { return nil }
        guard FileManager.default.isExecutableFile(atPath: binary) else {
            return "no journald socket at \(socket) and no \(binary) to start"
        }
        do {
            try FileManager.default.createDirectory(atPath: "/run/systemd/journal", withIntermediateDirectories: true)
            let p = Process()
            p.executableURL = URL(fileURLWithPath: binary)
            let log = NSTemporaryDirectory() + "mcelog-test-journald.log"
            _ = FileManager.default.createFile(atPath: log, contents: nil)
            let h = try FileHandle(forWritingTo: URL(fileURLWithPath: log))
            p.standardOutput = h
            p.standardError = h
            try p.run()
            for _ in 0..<100 {
                if isListening() { return nil }
                if !p.isRunning {
                    let text = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
                    return "\(binary) exited with status \(p.terminationStatus): \(text)"
                }
                usleep(50_000)
            }
            return "\(binary) started but \(socket) did not appear within 5 s"
        } catch {
            return "cannot start \(binary): \(error)"
        }
    }

    /// Whether something receives on the socket: a journald that died leaves a stale socket
    /// file behind, which connect() refuses.
    public static func isListening() -> Bool {
        var st = stat()
        guard stat(socket, &st) == 0, st.st_mode & S_IFMT == S_IFSOCK else { return false }
        let fd = Glibc.socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var addr = UnixAddress(socket)
        return addr.withSockaddr { connect(fd, $0, $1) } == 0
    }
}

/// A filled-in `sockaddr_un`.
public struct UnixAddress {
    public var raw = sockaddr_un()
    public init(_ path: String) {
        raw.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &raw.sun_path) { p in
            for (i, b) in path.utf8.enumerated() where i < p.count - 1 { p[i] = b }
        }
    }
    public mutating func withSockaddr<T>(_ body: (UnsafePointer<sockaddr>, socklen_t) -> T) -> T {
        withUnsafePointer(to: &raw) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { body($0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
    }
}

/// Runs a helper program to its end, output captured.
public enum Subprocess {
    public struct Result { public var status: Int32; public var stdout: String; public var stderr: String }

    public static func run(_ path: String, _ args: [String], environment: [String: String]? = nil) throws -> Result {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: path)
        p.arguments = args
        if let env = environment { p.environment = env }
        let out = Pipe(), err = Pipe()
        p.standardOutput = out
        p.standardError = err
        try p.run()
        // Read before waiting: a full pipe would block the child.
        let o = out.fileHandleForReading.readDataToEndOfFile()
        let e = err.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return Result(status: p.terminationStatus, stdout: String(decoding: o, as: UTF8.self),
                      stderr: String(decoding: e, as: UTF8.self))
    }
}
