import Glibc
import MCEIO

/// mcelog.conf: upstream's syntax (mcelog.md §4.1) with a stricter reading: unknown keys and
/// bad values are errors naming the file and line, so a typo never silently disables an action.
public struct ConfigFile: Sendable, Equatable {
    public struct Entry: Sendable, Equatable {
        public var section: String
        public var key: String
        public var value: String
        public var line: Int
    }

    public let path: String
    public private(set) var entries: [Entry] = []

    public static let defaultPath = "/etc/mcelog/mcelog.conf"

    public struct ParseError: Error, CustomStringConvertible, Equatable {
        public let path: String
        public let line: Int
        public let message: String
        public var description: String { "config file \(path) line \(line): \(message)" }
        public init(path: String, line: Int, message: String) {
            self.path = path; self.line = line; self.message = message
        }
    }

    /// Every key upstream knows, by section, plus ours (`[source]`, `[journal]`).
    public static let knownKeys: [String: Set<String>] = [
        "global": ["logfile", "k8", "p4", "generic", "core2", "intel-cpu", "ignorenodev", "filter",
                   "no-filter", "dmi", "no-dmi", "dmi-verbose", "syslog", "cpumhz", "syslog-error",
                   "dump-raw-ascii", "raw", "no-syslog", "daemon", "ascii", "file", "version",
                   "config-file", "cpu", "foreground", "client", "num-errors", "pidfile",
                   "debug-numerrors", "no-imc-log", "max-corr-err-counters", "help",
                   "is-cpu-supported", "filter-memory-errors", "run-credentials-user",
                   "run-credentials-group", "state-directory", "sysfs-root"],
        "server": ["socket-path", "client-user", "client-group", "initial-ping-timeout", "listen-backlog"],
        "dimm": ["dimm-tracking-enabled", "dmi-prepopulate", "ce-error-threshold", "ce-error-trigger",
                 "ce-error-log", "uc-error-threshold", "uc-error-trigger", "uc-error-log"],
        "socket": ["socket-tracking-enabled", "mem-ce-error-threshold", "mem-ce-error-trigger",
                   "mem-ce-error-log", "mem-uc-error-threshold", "mem-uc-error-trigger", "mem-uc-error-log",
                   "bus-uc-threshold-trigger", "iomca-threshold-trigger", "unknown-threshold-trigger"],
        "cache": ["cache-threshold-trigger", "cache-threshold-log", "cpu-offline"],
        "page": ["memory-ce-threshold", "memory-ce-trigger", "memory-ce-log", "memory-ce-action",
                 "memory-ce-offline-retry", "memory-ce-counter-replacement-threshold",
                 "memory-ce-counter-replacement-trigger", "memory-ce-counter-replacement-log",
                 "memory-pre-sync-soft-ce-trigger", "memory-post-sync-soft-ce-trigger",
                 "memory-ce-action-with-cec"],
        "trigger": ["children-max", "directory", "timeout"],
        "source": ["type", "tracefs", "device", "record-length"],
        "journal": ["queue-length", "socket"],
        "metrics": ["textfile"],
    ]

    public init(path: String, text: String) throws {
        self.path = path
        var section = "global"
        var lineNumber = 0
        for rawLine in text.split(separator: "\n", omittingEmptySubsequences: false) {
            lineNumber += 1
            var line = Substring(rawLine)
            if let hash = line.firstIndex(of: "#") { line = line[..<hash] }
            line = line.trimmingCharacters()
            if line.isEmpty { continue }
            if line.first == "[" {
                guard let close = line.firstIndex(of: "]") else {
                    throw ParseError(path: path, line: lineNumber, message: "Header without ending ]")
                }
                guard line[line.index(after: close)...].trimmingCharacters().isEmpty else {
                    throw ParseError(path: path, line: lineNumber, message: "left over characters at end of line")
                }
                section = String(line[line.index(after: line.startIndex)..<close].trimmingCharacters())
                guard ConfigFile.knownKeys[section] != nil else {
                    throw ParseError(path: path, line: lineNumber, message: "unknown section [\(section)]")
                }
                continue
            }
            guard let eq = line.firstIndex(of: "=") else {
                throw ParseError(path: path, line: lineNumber, message: "config file line not field nor header")
            }
            let key = String(line[..<eq].trimmingCharacters())
            let value = String(line[line.index(after: eq)...].trimmingCharacters())
            // Global keys may also be any section's key: lookups fall back to [global].
            let known = ConfigFile.knownKeys[section]?.contains(key) == true
                || (section == "global" && ConfigFile.knownKeys.values.contains { $0.contains(key) })
            guard known else {
                throw ParseError(path: path, line: lineNumber, message: "unknown key `\(key)' in [\(section)]")
            }
            entries.append(Entry(section: section, key: key, value: value, line: lineNumber))
        }
    }

    /// Reads the file; a missing default file is an empty configuration (upstream's rule).
    public static func load(path: String?) throws -> ConfigFile {
        let p = path ?? defaultPath
        guard access(p, F_OK) == 0 else {
            if path == nil { return try ConfigFile(path: p, text: "") }
            throw ParseError(path: p, line: 0, message: "Cannot open config file: \(String(cString: strerror(errno)))")
        }
        do {
            return try ConfigFile(path: p, text: try readWholeFile(p, limit: 1 << 20))
        } catch let e as ParseError {
            throw e
        } catch {
            throw ParseError(path: p, line: 0, message: "Cannot read config file: \(error)")
        }
    }

    /// First value for `key` in `section`, else in `[global]` (upstream's fallback).
    public func string(_ section: String, _ key: String) -> String? {
        entry(section, key)?.value
    }

    public func entry(_ section: String, _ key: String) -> Entry? {
        entries.first(where: { $0.section == section && $0.key == key })
            ?? entries.first(where: { $0.section == "global" && $0.key == key })
    }

    /// Booleans: yes/true/1/on and no/false/0/off, case-insensitive.
    public func bool(_ section: String, _ key: String) throws -> Bool? {
        guard let e = entry(section, key) else { return nil }
        switch e.value.lowercased() {
        case "yes", "true", "1", "on": return true
        case "no", "false", "0", "off": return false
        default:
            throw ParseError(path: path, line: e.line, message: "choice config option `\(e.value)' unparseable")
        }
    }

    public func integer(_ section: String, _ key: String, range: ClosedRange<Int>) throws -> Int? {
        guard let e = entry(section, key) else { return nil }
        guard let v = Int(e.value), range.contains(v) else {
            throw ParseError(path: path, line: e.line,
                             message: "`\(key)' must be a number from \(range.lowerBound) to \(range.upperBound), got `\(e.value)'")
        }
        return v
    }

    /// One of the allowed words.
    public func choice(_ section: String, _ key: String, _ allowed: [String]) throws -> String? {
        guard let e = entry(section, key) else { return nil }
        guard allowed.contains(e.value) else {
            throw ParseError(path: path, line: e.line,
                             message: "`\(key)' must be one of \(allowed.joined(separator: ", ")), got `\(e.value)'")
        }
        return e.value
    }
}
