import Glibc
import MachineCheck

/// Which start-up check a trigger key gets: upstream words the failure differently per module
/// (config.c for the leaky-bucket triggers, yellow.c, bus.c, unknown.c, page.c).
public enum TriggerCheckKind: Sendable, Equatable {
    /// `[dimm] ce/uc-error-trigger`, `[socket] mem-ce/uc-error-trigger`, `[page] memory-ce-trigger`,
    /// `[page] memory-ce-counter-replacement-trigger`.
    case threshold
    /// `[cache] cache-threshold-trigger`
    case cache
    /// `[socket] bus-uc-threshold-trigger`
    case bus
    /// `[socket] iomca-threshold-trigger`
    case iomca
    /// `[socket] unknown-threshold-trigger`
    case unknown
    /// `[page] memory-pre-sync-soft-ce-trigger`
    case pageSoftPre
    /// `[page] memory-post-sync-soft-ce-trigger`
    case pageSoftPost

    func message(_ trigger: String) -> String {
        switch self {
        case .threshold: return "Trigger `\(trigger)' not executable"
        case .cache: return "Cannot access cache threshold trigger `\(trigger)'"
        case .bus: return "Cannot access bus threshold trigger `\(trigger)'"
        case .iomca: return "Cannot access iomca threshold trigger `\(trigger)'"
        case .unknown: return "Cannot access unknown threshold trigger `\(trigger)'"
        case .pageSoftPre: return "Cannot access page soft pre trigger `\(trigger)'"
        case .pageSoftPost: return "Cannot access page soft post trigger `\(trigger)'"
        }
    }
}

/// A configured trigger that cannot be run: the daemon does not start (upstream exits 1).
public struct TriggerCheckError: Error, Equatable, Sendable, CustomStringConvertible {
    public var trigger: String
    /// The path that was checked (the trigger joined to the directory when it is relative).
    public var checkedPath: String
    public var errno: Int32
    public var kind: TriggerCheckKind

    /// Upstream's text plus the errno text (SYSERRprintf). Upstream's config.c format ends in
    /// "\n" before ": reason", which splits its message over two lines; we keep it on one.
    public var description: String { "\(kind.message(trigger)): \(errnoText(errno))" }
}

extension TriggerRunner {
    /// Upstream's start-up check (trigger_check): `access(R_OK|X_OK)` on the trigger, relative
    /// to the trigger directory when one is configured (upstream prefixes the directory even to
    /// an absolute trigger; we do not: "/etc/mcelog//usr/lib/x" is not what anyone means).
    public static func validate(trigger: String, directory: String?,
                                kind: TriggerCheckKind = .threshold) throws(TriggerCheckError) {
        let path = checkedPath(trigger: trigger, directory: directory)
        if access(path, R_OK | X_OK) != 0 {
            throw TriggerCheckError(trigger: trigger, checkedPath: path, errno: errno, kind: kind)
        }
        // access() as root says X_OK for any file with one x bit, and for directories.
        var st = stat()
        if stat(path, &st) == 0 && (st.st_mode & S_IFMT) != S_IFREG {
            throw TriggerCheckError(trigger: trigger, checkedPath: path, errno: EACCES, kind: kind)
        }
    }

    /// Upstream only warns about the directory and carries on: nil when usable, else
    /// "Cannot access trigger directory `X': reason".
    public static func directoryProblem(_ directory: String) -> String? {
        guard access(directory, R_OK | X_OK) != 0 else { return nil }
        return "Cannot access trigger directory `\(directory)': \(errnoText(errno))"
    }

    static func checkedPath(trigger: String, directory: String?) -> String {
        guard let dir = directory, !trigger.hasPrefix("/") else { return trigger }
        return joinPath(dir, trigger)
    }
}

extension TriggerCheckKind {
    /// The start-up check upstream gives the trigger of each configuration key.
    public init(_ key: TriggerKey) {
        switch key {
        case .cache: self = .cache
        case .bus: self = .bus
        case .iomca: self = .iomca
        case .unknown: self = .unknown
        case .preSoftOffline: self = .pageSoftPre
        case .postSoftOffline: self = .pageSoftPost
        case .dimmCE, .dimmUC, .socketCE, .socketUC, .page, .counterReplacement: self = .threshold
        }
    }
}
