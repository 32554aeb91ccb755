/// What the response engine decided for one event; the daemon carries it out (journal,
/// trigger runner, sysfs offlining) and reports offline outcomes back.
public enum ResponseAction: Sendable, Equatable {
    case log(ResponseLog)
    case trigger(TriggerRequest)
    /// Write the page address to `{soft,hard}_offline_page`, then call `offlineFinished`.
    case offlinePage(address: UInt64, mode: OfflineMode)
}

public enum OfflineMode: String, Sendable, Equatable {
    case soft, hard
}

/// Lines upstream logs for an event (the `*-log` messages, offlining, warnings), with the
/// syslog priority upstream gives them (Gprintf: warning 4, Lprintf/Eprintf: err 3).
public struct ResponseLog: Sendable, Equatable {
    public enum Kind: String, Sendable, Equatable {
        case dimmThreshold, socketThreshold, pageThreshold
        /// The "pre/post soft trigger run for page" messages.
        case pageSoftTrigger
        case counterReplacement
        case cacheThreshold
        /// "Offlining page X".
        case pageOffline
        /// "Soft offlining of page X failed, trying hard offlining".
        case softOfflineFallback
        /// "Offlining page X failed: error".
        case pageOfflineFailed
        /// "Cannot find sysfs cache for CPU n": AFFECTED_CPUS is `unknown`.
        case cacheTopologyUnknown
        /// Records too short to carry a socket id cannot be accounted per DIMM/socket.
        case accountingUnavailable
    }

    public var kind: Kind
    public var priority: Int
    /// Upstream's lines, without newlines.
    public var lines: [String]
    /// For threshold messages: the bucket as upstream prints it (`3 in 24h`).
    public var threshold: String?
    /// Where: the memdb LOCATION (`SOCKET:0 CHANNEL:1 DIMM:0 []`) or `CPU 1 on socket 0`.
    public var location: String?

    public init(kind: Kind, priority: Int, lines: [String], threshold: String? = nil, location: String? = nil) {
        self.kind = kind
        self.priority = priority
        self.lines = lines
        self.threshold = threshold
        self.location = location
    }

    /// syslog priorities used here.
    public static let error = 3, warning = 4
}

/// The trigger keys of mcelog.conf; each names the trigger's section and key.
public enum TriggerKey: String, Sendable, Equatable, Hashable, CaseIterable {
    case dimmCE = "ce-error-trigger"
    case dimmUC = "uc-error-trigger"
    case socketCE = "mem-ce-error-trigger"
    case socketUC = "mem-uc-error-trigger"
    case bus = "bus-uc-threshold-trigger"
    case iomca = "iomca-threshold-trigger"
    case unknown = "unknown-threshold-trigger"
    case cache = "cache-threshold-trigger"
    case page = "memory-ce-trigger"
    case counterReplacement = "memory-ce-counter-replacement-trigger"
    case preSoftOffline = "memory-pre-sync-soft-ce-trigger"
    case postSoftOffline = "memory-post-sync-soft-ce-trigger"

    public var section: String {
        switch self {
        case .dimmCE, .dimmUC: return "dimm"
        case .socketCE, .socketUC, .bus, .iomca, .unknown: return "socket"
        case .cache: return "cache"
        case .page, .counterReplacement, .preSoftOffline, .postSoftOffline: return "page"
        }
    }

    /// `[section] key`, as messages about the configuration name it.
    public var qualifiedName: String { "[\(section)] \(rawValue)" }
}

/// One trigger run as upstream would start it: `execve(path, [path] + arguments, env)`
/// with exactly this environment, nothing inherited.
public struct TriggerRequest: Sendable, Equatable {
    public var key: TriggerKey
    /// As configured (relative to `[trigger] directory` when not absolute).
    public var path: String
    /// argv after argv[0] (the page address in decimal for the soft-offline triggers).
    public var arguments: [String]
    /// In upstream's order.
    public var environment: [(name: String, value: String)]
    /// Upstream's reporter string (`memdb`, `sockdb_fallback`, `page_pre_soft`, `yellow`...).
    public var reporter: String
    /// The MESSAGE the trigger gets.
    public var message: String

    public init(key: TriggerKey, path: String, arguments: [String] = [],
                environment: [(name: String, value: String)], reporter: String, message: String) {
        self.key = key
        self.path = path
        self.arguments = arguments
        self.environment = environment
        self.reporter = reporter
        self.message = message
    }

    /// `NAME=value` strings for execve.
    public var environmentStrings: [String] { environment.map { "\($0.name)=\($0.value)" } }

    /// The value of one variable, if set.
    public func value(of name: String) -> String? { environment.first { $0.name == name }?.value }

    public static func == (a: TriggerRequest, b: TriggerRequest) -> Bool {
        a.key == b.key && a.path == b.path && a.arguments == b.arguments && a.reporter == b.reporter
            && a.message == b.message && a.environmentStrings == b.environmentStrings
    }
}
