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

    /// Runs a program to completion. Input comes from a file and output goes into files:
    /// pipes read one after the other deadlock once the other one fills.
    public static func run(_ path: String, _ args: [String], environment: [String: String]? = nil,
                           stdin: Data? = nil) throws -> Result {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: path)
        p.arguments = args
        if let env = environment { p.environment = env }
        let base = NSTemporaryDirectory() + "mcelog-subprocess-\(getpid())-\(UUID().uuidString)"
        let (inPath, outPath, errPath) = (base + ".in", base + ".out", base + ".err")
        defer { for f in [inPath, outPath, errPath] { try? FileManager.default.removeItem(atPath: f) } }
        try (stdin ?? Data()).write(to: URL(fileURLWithPath: inPath))
        for f in [outPath, errPath] { _ = FileManager.default.createFile(atPath: f, contents: nil) }
        p.standardInput = try FileHandle(forReadingFrom: URL(fileURLWithPath: inPath))
        p.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: outPath))
        p.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: errPath))
        try p.run()
        p.waitUntilExit()
        return Result(status: p.terminationStatus,
                      stdout: String(decoding: try Data(contentsOf: URL(fileURLWithPath: outPath)), as: UTF8.self),
                      stderr: String(decoding: try Data(contentsOf: URL(fileURLWithPath: errPath)), as: UTF8.self))
    }
}

/// journald's export format (what systemd-journal-remote reads): `NAME=value` lines, or for
/// values with a newline the binary form (name, newline, 64-bit little-endian length, value,
/// newline); a blank line ends an entry.
public enum JournalExport {
    public static let remote = "/lib/systemd/systemd-journal-remote"

    public struct WriteError: Error, CustomStringConvertible {
        public let description: String
    }

    /// Entries (each a list of fields, trusted and user ones alike) in export format.
    public static func encode(_ entries: [[(name: String, value: [UInt8])]]) -> Data {
        var d = Data()
        for entry in entries {
            for f in entry { field(f.name, f.value, into: &d) }
            d.append(0x0a)
        }
        return d
    }

    /// Writes `entries` into the journal file `output` with systemd-journal-remote (CI
    /// installs it), as a collector of a fleet's journals would hold them.
    public static func write(_ entries: [[(name: String, value: [UInt8])]], to output: String) throws {
        guard FileManager.default.isExecutableFile(atPath: remote) else {
            throw WriteError(description: "\(remote) is missing: apt-get install systemd-journal-remote")
        }
        let input = output + ".export"
        try encode(entries).write(to: URL(fileURLWithPath: input))
        defer { try? FileManager.default.removeItem(atPath: input) }
        let r = try Subprocess.run(remote, ["--output=" + output, input])
        guard r.status == 0 else { throw WriteError(description: "systemd-journal-remote failed (\(r.status)): \(r.stderr)") }
    }

    public static func field(_ name: String, _ value: [UInt8], into d: inout Data) {
        if value.contains(0x0a) {
            d.append(contentsOf: Array(name.utf8) + [0x0a])
            var n = UInt64(value.count).littleEndian
            withUnsafeBytes(of: &n) { d.append(contentsOf: $0) }
            d.append(contentsOf: value + [0x0a])
        } else {
            d.append(contentsOf: Array(name.utf8) + [UInt8(ascii: "=")] + value + [0x0a])
        }
    }
}
