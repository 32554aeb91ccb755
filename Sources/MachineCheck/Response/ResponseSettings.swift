/// What `[page] memory-ce-action` asks for when a page's threshold fires.
public enum PageAction: String, Sendable, Equatable, CaseIterable {
    /// No page tracking at all.
    case off
    /// Count and run the page trigger, never offline.
    case account
    case soft
    case hard
    /// Soft offline; when that fails, hard offline.
    case softThenHard = "soft-then-hard"

    public var offlines: Bool { self == .soft || self == .hard || self == .softThenHard }
}

/// The error-response part of mcelog.conf (mcelog.md §4.3), with upstream's code defaults
/// (what applies when the key is absent), not the values its shipped file sets.
///
/// Thresholds: nil = not enabled. Triggers: the name as configured (relative names are
/// resolved against `triggerDirectory` by whoever runs them).
public struct ResponseSettings: Sendable, Equatable {
    // [global]
    /// `filter-memory-errors`: memory errors are accounted but not printed.
    public var filterMemoryErrors = false
    /// `max-corr-err-counters`: page counters (rounded up to clusters of 63).
    public var maxCorrErrCounters = 4158

    /// Host fact upstream keeps as `memory_error_support` (see `MemoryErrorSupport`); nil:
    /// resolved per record from its CPU identity and decoder type.
    public var memoryErrorSupport: Bool? = nil

    // [dimm]
    /// nil: upstream's default, `memory_error_support`.
    public var dimmTrackingEnabled: Bool? = nil
    public var dmiPrepopulate = true
    public var dimmCEThreshold: Threshold? = nil
    public var dimmCETrigger: String? = nil
    public var dimmCELog = false
    public var dimmUCThreshold: Threshold? = nil
    public var dimmUCTrigger: String? = nil
    public var dimmUCLog = false

    // [socket]
    public var socketTrackingEnabled: Bool? = nil
    public var socketCEThreshold: Threshold? = nil
    public var socketCETrigger: String? = nil
    public var socketCELog = false
    public var socketUCThreshold: Threshold? = nil
    public var socketUCTrigger: String? = nil
    public var socketUCLog = false
    /// `bus-uc-threshold-trigger`: run on every bus/interconnect error.
    public var busTrigger: String? = nil
    /// `iomca-threshold-trigger`: every IO MCA error.
    public var iomcaTrigger: String? = nil
    /// `unknown-threshold-trigger`: every unclassified error and thermal event.
    public var unknownTrigger: String? = nil

    // [cache]
    public var cacheTrigger: String? = nil
    public var cacheLog = true

    // [page]
    public var pageCEThreshold: Threshold? = nil
    public var pageCETrigger: String? = nil
    public var pageCELog = false
    public var pageAction: PageAction = .off
    /// `memory-ce-offline-retry`: re-offline failed pages, doubling the threshold each time.
    public var offlineRetry = false
    public var replacementThreshold: Threshold? = nil
    public var replacementTrigger: String? = nil
    public var replacementLog = false
    public var preSoftTrigger: String? = nil
    public var postSoftTrigger: String? = nil

    // [trigger]
    /// At most this many triggers run at once; 0 or less: unlimited.
    public var childrenMax = 4
    public var triggerDirectory: String? = nil
    /// Ours: seconds before a hanging trigger is killed.
    public var triggerTimeout = 30
    /// `PATH` handed to memdb-style triggers (upstream passes its own PATH or this default).
    public var pathVariable = "/sbin:/usr/sbin:/bin:/usr/bin"

    public init() {}

    /// Page counters come in clusters of this many (one 4 KiB allocation upstream).
    public static let countersPerCluster = 63

    /// `max-corr-err-counters` rounded up to whole clusters, and upstream's message when
    /// that changed the value. Zero or negative values become one cluster (upstream would
    /// crash on its first page).
    public static func roundedCounterLimit(_ requested: Int) -> (limit: Int, message: String?) {
        let n = countersPerCluster
        let limit: Int
        if requested <= 0 {
            limit = n
        } else {
            let clusters = requested / n + (requested % n == 0 ? 0 : 1)
            limit = clusters.multipliedReportingOverflow(by: n).overflow ? (Int.max / n) * n : clusters * n
        }
        guard limit != requested else { return (limit, nil) }
        return (limit, "Round up max-corr-err-counters from \(requested) to \(limit)")
    }

    /// DIMM and socket accounting for a record: each setting, else the host fact, else the
    /// record's CPU. Both default to the same fact, so it is resolved at most once.
    public func memoryTracking(for record: MachineCheckRecord, cpuType: CPUType) -> (dimm: Bool, socket: Bool) {
        if let dimm = dimmTrackingEnabled, let socket = socketTrackingEnabled { return (dimm, socket) }
        let host = memoryErrorSupport ?? MemoryErrorSupport.resolve(record: record, cpuType: cpuType)
        return (dimmTrackingEnabled ?? host, socketTrackingEnabled ?? host)
    }

    public func dimmTracking(for record: MachineCheckRecord, cpuType: CPUType) -> Bool {
        memoryTracking(for: record, cpuType: cpuType).dimm
    }

    public func socketTracking(for record: MachineCheckRecord, cpuType: CPUType) -> Bool {
        memoryTracking(for: record, cpuType: cpuType).socket
    }
}

/// Upstream's `memory_error_support`: whether the CPU has an integrated memory controller
/// whose errors name a socket/channel/DIMM. It is the default of `dimm-tracking-enabled`
/// and `socket-tracking-enabled`.
public enum MemoryErrorSupport {
    /// Types `--cpu` can force that have no iMC (upstream's `intel_cpu_init` list).
    static let withoutIMC: Set<CPUType> = [.atom, .core2, .dunnington, .generic, .k8, .p4, .p6old, .tulsa, .amdSMCA]

    /// The host's answer: a forced CPU type (`--cpu`, `cpu =`) with an iMC, or an Intel
    /// family 6 model from Nehalem (0x1a) on, except the first Atom (0x1c).
    public static func resolve(forcedCPUType: CPUType?, identity: CPUIdentity?) -> Bool {
        if let forced = forcedCPUType, !withoutIMC.contains(forced) { return true }
        guard let id = identity, id.vendor == CPUIdentity.intel, id.family == 6 else { return false }
        return id.model >= 0x1a && id.model != 0x1c
    }

    /// The same question answered from one record: its CPUID (when it carries one) and the
    /// type it was decoded with.
    public static func resolve(record: MachineCheckRecord, cpuType: CPUType) -> Bool {
        let identity = record.carries(fieldAt: RecordOffset.cpuid) && record.cpuid != 0
            ? CPUIdentity(vendor: record.cpuvendor, cpuid: record.cpuid) : nil
        return resolve(forcedCPUType: cpuType, identity: identity)
    }
}
