/// Figures for metrics and the daemon's STATUS line: accounting totals (these survive
/// restarts through the state file) and event counts since start.
public struct ResponseCounters: Sendable, Equatable {
    public struct Totals: Sendable, Equatable {
        public var corrected: UInt64 = 0
        public var uncorrected: UInt64 = 0
        public init(corrected: UInt64 = 0, uncorrected: UInt64 = 0) {
            self.corrected = corrected
            self.uncorrected = uncorrected
        }
    }

    /// Per DIMM (keys with a known channel or DIMM).
    public var dimms: [DimmKey: Totals] = [:]
    /// Per socket id.
    public var sockets: [Int: Totals] = [:]
    public var pagesTracked = 0
    public var pagesOffline = 0
    public var pagesOfflineFailed = 0
    /// Offlines asked for and not yet reported back.
    public var pagesOfflinePending = 0
    public var triggersRequested: [TriggerKey: UInt64] = [:]
    public var counterReplacements: UInt64 = 0
    public var cacheEvents: UInt64 = 0
    public var busEvents: UInt64 = 0
    public var iomcaEvents: UInt64 = 0
    public var unknownEvents: UInt64 = 0

    public init() {}
}

extension ResponseEngine {
    public var counters: ResponseCounters {
        var c = ResponseCounters()
        for (key, r) in dimms {
            let totals = ResponseCounters.Totals(corrected: r.corrected.total, uncorrected: r.uncorrected.total)
            if key.isSocket { c.sockets[key.socket] = totals } else { c.dimms[key] = totals }
        }
        c.pagesTracked = pages.count
        for p in pages.pages.values {
            switch p.state {
            case .offline: c.pagesOffline += 1
            case .offlineFailed: c.pagesOfflineFailed += 1
            case .offlinePending: c.pagesOfflinePending += 1
            case .online: break
            }
        }
        c.triggersRequested = events.triggers
        c.counterReplacements = replacements.total
        c.cacheEvents = events.cache
        c.busEvents = events.bus
        c.iomcaEvents = events.iomca
        c.unknownEvents = events.unknown
        return c
    }
}

extension ResponseEngine {
    /// The SMBIOS/EDAC name attached to a DIMM, when one is known.
    public func dimmName(for key: DimmKey) -> String? { dimms[key]?.name }
}

extension ResponseEngine {
    /// Names a DIMM (an EDAC label) without touching its SMBIOS Bank Locator or counts.
    public mutating func setName(_ name: String, for key: DimmKey, at now: Int64 = 0) {
        var r = dimms[key] ?? newRecord(key, at: now)
        r.name = name
        dimms[key] = r
    }
}
