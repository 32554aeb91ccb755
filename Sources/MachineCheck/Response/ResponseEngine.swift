/// Which CPUs share a cache (sysfs `cpuN/cache/indexI`), for the cache trigger's
/// AFFECTED_CPUS. `typeCode` is MCACOD TT (0 instruction, 1 data, 2 unified/generic, -1 a
/// generic hierarchy error); a unified cache of the level matches any type. nil: not known.
public protocol CacheTopologyProvider {
    func cpusSharingCache(cpu: Int, level: Int, typeCode: Int) -> [Int]?
}

/// The decisions of upstream's daemon-mode error response (mcelog.md §9-13), without I/O:
/// DIMM, socket and page accounting with leaky buckets, page offline state, cache, bus,
/// IO-MCA and unknown-error triggers. Every input comes in as an argument (time included),
/// every effect goes out as a `ResponseAction`.
public struct ResponseEngine: Sendable {
    public private(set) var settings: ResponseSettings
    /// Messages about the settings (upstream's "Round up max-corr-err-counters ...").
    public private(set) var configurationWarnings: [String] = []
    /// `max-corr-err-counters` after rounding.
    public private(set) var counterLimit: Int

    var dimms: [DimmKey: DimmRecord] = [:]
    var pages = PageTable()
    /// Page counter replacements (upstream's `mp_replacement`).
    var replacements: ErrorTally
    var pendingOfflines: [UInt64: PendingOffline] = [:]
    var events = EventCounts()
    var warnedMissingSocket = false

    /// An offline asked for and not yet reported back.
    struct PendingOffline: Sendable, Equatable {
        var key: DimmKey
        var time: Int64
        /// The action that asked (decides the hard fallback and the post-soft trigger).
        var action: PageAction
        /// The page counter as it was, for the post trigger if the counter is reused meanwhile.
        var snapshot: PageCounter
    }

    struct EventCounts: Sendable, Equatable {
        var cache: UInt64 = 0
        var bus: UInt64 = 0
        var iomca: UInt64 = 0
        var unknown: UInt64 = 0
        var triggers: [TriggerKey: UInt64] = [:]
    }

    public init(settings: ResponseSettings = ResponseSettings()) {
        self.settings = settings
        let rounded = ResponseSettings.roundedCounterLimit(settings.maxCorrErrCounters)
        counterLimit = rounded.limit
        configurationWarnings = rounded.message.map { [$0] } ?? []
        // Stamped at 0: the first replacement ages the (empty) bucket to its own time.
        replacements = ErrorTally(threshold: settings.replacementThreshold, at: 0)
    }

    /// Takes new settings (reload) and keeps every count, bucket and page state; buckets
    /// continue under the new thresholds.
    public mutating func apply(settings new: ResponseSettings) {
        settings = new
        let rounded = ResponseSettings.roundedCounterLimit(new.maxCorrErrCounters)
        counterLimit = rounded.limit
        configurationWarnings = rounded.message.map { [$0] } ?? []
        for key in Array(dimms.keys) {
            guard var r = dimms[key] else { continue }
            r.corrected.bucket.threshold = ceThreshold(for: key)
            r.uncorrected.bucket.threshold = ucThreshold(for: key)
            dimms[key] = r
        }
        pages.updateAll { $0.bucket.threshold = new.pageCEThreshold }
        replacements.bucket.threshold = new.replacementThreshold
    }

    /// Accounts one decoded record and returns what to do about it, in upstream's order:
    /// memory accounting (upstream does it before printing), then the cache, bus, IO-MCA
    /// and unknown-error triggers of the decode. `now` stands in for a record without time
    /// and stamps new buckets.
    public mutating func handle(_ record: MachineCheckRecord, facts: DecodeFacts, now: Int64,
                                topology: (any CacheTopologyProvider)?) -> [ResponseAction] {
        var out: [ResponseAction] = []
        let time = record.time != 0 ? Int64(clamping: record.time) : now
        // Upstream accounts memory errors for CPU_INTEL and later types only.
        if facts.isMemoryError && facts.cpuType.accountsMemoryErrors {
            memoryError(record, facts: facts, time: time, now: now, into: &out)
        }
        if let cache = facts.cacheThreshold { cacheEvent(cache, topology: topology, into: &out) }
        if let bus = facts.bus { busEvent(bus, into: &out) }
        if let port = facts.ioRootPort { iomcaEvent(port, record: record, into: &out) }
        if facts.isUnknownEvent { unknownEvent(record, into: &out) }
        return out
    }

    /// Attaches Device/Bank Locator names to DIMMs before errors arrive (`dmi-prepopulate`);
    /// returns upstream's warning when an entry was a duplicate.
    public mutating func prepopulate(_ descriptors: [DimmDescriptor], at now: Int64 = 0) -> [String] {
        guard prepopulating else { return [] }
        var missed = 0
        for d in descriptors {
            let key = d.key
            var r = dimms[key] ?? newRecord(key, at: now)
            // A second device for the same slot: upstream takes it as a parse error.
            if r.name != nil || r.location != nil { missed += 1; continue }
            r.name = d.name
            r.location = d.location
            dimms[key] = r
        }
        return missed > 0 ? [ResponseEngine.prefillWarning] : []
    }

    /// The same from SMBIOS locator strings; unparseable Bank Locators count as misses.
    public mutating func prepopulate(locators: [(deviceLocator: String?, bankLocator: String?)],
                                     at now: Int64 = 0) -> [String] {
        let parsed = locators.compactMap { DimmDescriptor(deviceLocator: $0.deviceLocator, bankLocator: $0.bankLocator) }
        let warnings = prepopulate(parsed, at: now)
        if prepopulating && warnings.isEmpty && parsed.count != locators.count { return [ResponseEngine.prefillWarning] }
        return warnings
    }

    /// `dmi-prepopulate` applies only with DIMM tracking (unresolved host support counts as on).
    var prepopulating: Bool {
        settings.dmiPrepopulate && (settings.dimmTrackingEnabled ?? settings.memoryErrorSupport ?? true)
    }

    static let prefillWarning = "failed to prefill DIMM database from DMI data"

    // MARK: - Shared helpers

    func ceThreshold(for key: DimmKey) -> Threshold? {
        key.isSocket ? settings.socketCEThreshold : settings.dimmCEThreshold
    }

    func ucThreshold(for key: DimmKey) -> Threshold? {
        key.isSocket ? settings.socketUCThreshold : settings.dimmUCThreshold
    }

    func newRecord(_ key: DimmKey, at time: Int64) -> DimmRecord {
        DimmRecord(ce: ceThreshold(for: key), uc: ucThreshold(for: key), at: time)
    }

    /// Upstream's `get_memdimm(..., insert = 1)`.
    mutating func dimmRecord(_ key: DimmKey, at time: Int64) -> DimmRecord {
        if let r = dimms[key] { return r }
        let r = newRecord(key, at: time)
        dimms[key] = r
        return r
    }

    mutating func request(_ trigger: TriggerRequest, into out: inout [ResponseAction]) {
        events.triggers[trigger.key, default: 0] += 1
        out.append(.trigger(trigger))
    }

    /// `CPU 2 on socket 0`, or `CPU 2` when the socket is unknown.
    static func cpuLocation(cpu: Int, socket: Int) -> String {
        socket >= 0 ? "CPU \(cpu) on socket \(socket)" : "CPU \(cpu)"
    }

    /// The record's CPU and socket as upstream's `int`s (socket -1 when not carried).
    static func cpuAndSocket(_ record: MachineCheckRecord) -> (cpu: Int, socket: Int) {
        let socket = record.carries(fieldAt: RecordOffset.socketid) ? Int(Int32(bitPattern: record.socketid)) : -1
        return (Int(Int32(bitPattern: record.cpuNumber)), socket)
    }
}
