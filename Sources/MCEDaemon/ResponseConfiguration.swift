import Glibc
import MachineCheck

/// Everything the error response reads from mcelog.conf: upstream's keys (mcelog.md §4.3)
/// with their code defaults, plus ours (where the daemon keeps state, which sysfs it acts
/// on, built-in CPU offlining, the metrics file). Unlike upstream, a key is checked when the
/// file is read, whatever mode runs, so a typo never silently disables an action.
public struct ResponseConfiguration: Sendable, Equatable {
    public var settings = ResponseSettings()
    /// `[global] state-directory` (ours): the counters survive a restart there. Empty:
    /// no state is kept. Default: systemd's StateDirectory= ($STATE_DIRECTORY), else
    /// /var/lib/mcelog where it exists (an install made it), else none.
    public var stateDirectory = ResponseConfiguration.defaultStateDirectory()

    static func defaultStateDirectory() -> String {
        if let p = getenv("STATE_DIRECTORY") {
            // systemd may pass several, colon-separated; ours is the first.
            let first = String(cString: p).split(separator: ":").first.map(String.init) ?? ""
            if !first.isEmpty { return first }
        }
        var st = stat()
        return stat("/var/lib/mcelog", &st) == 0 && (st.st_mode & S_IFMT) == S_IFDIR ? "/var/lib/mcelog" : ""
    }
    /// `[global] sysfs-root` (ours): where page/CPU offlining, cache topology, EDAC and
    /// SMBIOS are read and written; tests lay out their own.
    public var sysfsRoot = "/sys"
    /// `[cache] cpu-offline` (ours): take the CPUs sharing a cache offline on a yellow cache
    /// event, journaled as its own entry. Upstream leaves that to its cache-error-trigger.
    public var cpuOffline = false
    /// `[page] memory-ce-action-with-cec` (ours): what to do when the kernel's own
    /// corrected-error collector (RAS_CEC) is active and offlines pages itself. Default
    /// `account`, so a page is not offlined twice.
    public var actionWithKernelCollector: PageAction = .account
    /// `[metrics] textfile` (ours): node_exporter textfile-collector file, rewritten
    /// atomically when the counts change.
    public var metricsTextfile: String? = nil

    public init() {}

    /// Reads and checks every error-response key of `config`; the first bad one is the
    /// error, naming file and line.
    public init(_ config: ConfigFile) throws {
        func threshold(_ section: String, _ key: String) throws -> Threshold? {
            guard let e = config.entry(section, key) else { return nil }
            guard let t = Threshold.parse(e.value) else {
                throw ConfigFile.ParseError(path: config.path, line: e.line,
                                            message: "trigger config option `[\(section)] \(key)' unparseable: `\(e.value)' (expected e.g. `10 / 24h')")
            }
            return t
        }
        func trigger(_ section: String, _ key: String) -> String? {
            guard let v = config.string(section, key), !v.isEmpty else { return nil }
            return v
        }
        func flag(_ section: String, _ key: String, _ fallback: Bool) throws -> Bool {
            try config.bool(section, key) ?? fallback
        }

        var s = ResponseSettings()
        s.filterMemoryErrors = try flag("global", "filter-memory-errors", false)
        if let n = try config.integer("global", "max-corr-err-counters", range: 1...100_000_000) { s.maxCorrErrCounters = n }

        s.dimmTrackingEnabled = try config.bool("dimm", "dimm-tracking-enabled")
        s.dmiPrepopulate = try flag("dimm", "dmi-prepopulate", true)
        s.dimmCEThreshold = try threshold("dimm", "ce-error-threshold")
        s.dimmCETrigger = trigger("dimm", "ce-error-trigger")
        s.dimmCELog = try flag("dimm", "ce-error-log", false)
        s.dimmUCThreshold = try threshold("dimm", "uc-error-threshold")
        s.dimmUCTrigger = trigger("dimm", "uc-error-trigger")
        s.dimmUCLog = try flag("dimm", "uc-error-log", false)

        s.socketTrackingEnabled = try config.bool("socket", "socket-tracking-enabled")
        s.socketCEThreshold = try threshold("socket", "mem-ce-error-threshold")
        s.socketCETrigger = trigger("socket", "mem-ce-error-trigger")
        s.socketCELog = try flag("socket", "mem-ce-error-log", false)
        s.socketUCThreshold = try threshold("socket", "mem-uc-error-threshold")
        s.socketUCTrigger = trigger("socket", "mem-uc-error-trigger")
        s.socketUCLog = try flag("socket", "mem-uc-error-log", false)
        s.busTrigger = trigger("socket", "bus-uc-threshold-trigger")
        s.iomcaTrigger = trigger("socket", "iomca-threshold-trigger")
        s.unknownTrigger = trigger("socket", "unknown-threshold-trigger")

        s.cacheTrigger = trigger("cache", "cache-threshold-trigger")
        s.cacheLog = try flag("cache", "cache-threshold-log", true)

        s.pageCEThreshold = try threshold("page", "memory-ce-threshold")
        s.pageCETrigger = trigger("page", "memory-ce-trigger")
        s.pageCELog = try flag("page", "memory-ce-log", false)
        let actions = PageAction.allCases.map(\.rawValue)
        if let a = try config.choice("page", "memory-ce-action", actions) { s.pageAction = PageAction(rawValue: a) ?? .off }
        s.offlineRetry = try flag("page", "memory-ce-offline-retry", false)
        s.replacementThreshold = try threshold("page", "memory-ce-counter-replacement-threshold")
        s.replacementTrigger = trigger("page", "memory-ce-counter-replacement-trigger")
        s.replacementLog = try flag("page", "memory-ce-counter-replacement-log", false)
        s.preSoftTrigger = trigger("page", "memory-pre-sync-soft-ce-trigger")
        s.postSoftTrigger = trigger("page", "memory-post-sync-soft-ce-trigger")

        // Upstream: children-max <= 0 means unlimited.
        if let n = try config.integer("trigger", "children-max", range: -1_000_000...1_000_000) { s.childrenMax = n }
        if let d = config.string("trigger", "directory"), !d.isEmpty { s.triggerDirectory = d }
        if let t = try config.integer("trigger", "timeout", range: 1...86_400) { s.triggerTimeout = t }
        if let p = getenv("PATH") { s.pathVariable = String(cString: p) }
        settings = s

        if let d = config.string("global", "state-directory") { stateDirectory = d }
        if let r = config.string("global", "sysfs-root"), !r.isEmpty { sysfsRoot = r }
        cpuOffline = try flag("cache", "cpu-offline", false)
        if let a = try config.choice("page", "memory-ce-action-with-cec", actions) {
            actionWithKernelCollector = PageAction(rawValue: a) ?? .account
        }
        if let m = config.string("metrics", "textfile"), !m.isEmpty { metricsTextfile = m }
    }

    /// Every configured trigger with the key that names it, for the start-up check.
    public var triggers: [(key: TriggerKey, path: String)] {
        let s = settings
        let all: [(TriggerKey, String?)] = [
            (.dimmCE, s.dimmCETrigger), (.dimmUC, s.dimmUCTrigger), (.socketCE, s.socketCETrigger),
            (.socketUC, s.socketUCTrigger), (.bus, s.busTrigger), (.iomca, s.iomcaTrigger),
            (.unknown, s.unknownTrigger), (.cache, s.cacheTrigger), (.page, s.pageCETrigger),
            (.counterReplacement, s.replacementTrigger), (.preSoftOffline, s.preSoftTrigger),
            (.postSoftOffline, s.postSoftTrigger),
        ]
        return all.compactMap { k, p in p.map { (k, $0) } }
    }
}
