/// Where a tracked page stands with respect to offlining (upstream's page states, plus the
/// time between asking for an offline and hearing its outcome).
public enum PageState: String, Sendable, Equatable {
    case online
    case offline
    case offlineFailed = "offline-failed"
    /// An offline was requested and its outcome has not been reported yet. Shown as
    /// `online` in the upstream-format dump; suppresses repeated offline requests.
    case offlinePending = "offline-pending"

    /// The word of upstream's `pages` dump.
    public var upstreamName: String { self == .offlinePending ? "online" : rawValue }
}

/// Per-page corrected-error counter (upstream's `mempage`).
public struct PageCounter: Sendable, Equatable {
    public var address: UInt64
    public var total: UInt64
    public var bucket: LeakyBucket
    public var state: PageState
    /// The page threshold fired at least once.
    public var triggered: Bool
    /// Threshold multiplier for offline retries: doubles after each failed offline.
    public var multiplier: UInt64
    // Where the counter lives in the cluster store.
    var cluster: Int
    var slot: Int
}

/// Page counters kept the way upstream bounds them: clusters of 63, at most
/// `max-corr-err-counters`, and when all are in use the least recently used cluster is
/// reused slot by slot (mcelog.md §11.3).
struct PageTable: Sendable, Equatable {
    struct Cluster: Sendable, Equatable {
        var slots: [UInt64?] = Array(repeating: nil, count: ResponseSettings.countersPerCluster)
        /// Next slot to fill (upstream's `mp_used`).
        var used = 0
        // LRU list links (cluster indices, -1 = none).
        var newer = -1
        var older = -1
    }

    private(set) var pages: [UInt64: PageCounter] = [:]
    private(set) var clusters: [Cluster] = []
    /// Most and least recently used cluster.
    private(set) var newest = -1
    private(set) var oldest = -1
    /// The cluster being filled (upstream's `mp_cluster`).
    private(set) var current = -1

    var count: Int { pages.count }
    subscript(address: UInt64) -> PageCounter? {
        get { pages[address] }
        set {
            // Only counters already placed may be updated through here.
            guard let v = newValue, let old = pages[address], old.cluster == v.cluster, old.slot == v.slot else { return }
            pages[address] = v
        }
    }

    /// Clusters from most to least recently used.
    var clustersByRecency: [Int] {
        var order: [Int] = []
        var c = newest
        while c != -1 && order.count < clusters.count { order.append(c); c = clusters[c].older }
        return order
    }

    /// How `counter(for:)` found the counter; `replaced`: another page's counter was reused.
    enum Placement: Equatable { case existing, allocated, replaced }

    /// Finds the counter for `address`, creating one (a free slot while fewer than `limit`
    /// counters exist, else a reused one) with a fresh bucket. Touches its cluster.
    mutating func counter(for address: UInt64, limit: Int, threshold: Threshold?, at time: Int64) -> Placement {
        if let existing = pages[address] {
            touch(existing.cluster)
            return .existing
        }
        let fresh = { (cluster: Int, slot: Int) in
            PageCounter(address: address, total: 0, bucket: LeakyBucket(threshold: threshold, at: time),
                        state: .online, triggered: false, multiplier: 1, cluster: cluster, slot: slot)
        }
        if pages.count < limit || oldest == -1 {
            let c = clusterWithFreeSlot()
            let slot = clusters[c].used
            clusters[c].used += 1
            clusters[c].slots[slot] = address
            pages[address] = fresh(c, slot)
            touch(c)
            return .allocated
        }
        // Reuse: keep filling the cluster being reused, else take the least recently used.
        if current == -1 || clusters[current].used >= ResponseSettings.countersPerCluster {
            current = oldest
            clusters[current].used = 0
        }
        let c = current
        let slot = clusters[c].used
        clusters[c].used += 1
        if let evicted = clusters[c].slots[slot] { pages[evicted] = nil }
        clusters[c].slots[slot] = address
        // Upstream keeps the evicted page's total and state on the reused counter; a
        // replaced counter starts fresh here, since it now describes another page.
        pages[address] = fresh(c, slot)
        touch(c)
        return .replaced
    }

    /// The cluster to allocate from: the current one while its next slot is free, else a
    /// new cluster (after a reload raised the limit the current one may be a reused one).
    private mutating func clusterWithFreeSlot() -> Int {
        if current != -1, clusters[current].used < ResponseSettings.countersPerCluster,
           clusters[current].slots[clusters[current].used] == nil {
            return current
        }
        clusters.append(Cluster())
        let c = clusters.count - 1
        link(c)
        current = c
        return c
    }

    /// Moves cluster `c` to the most recently used end.
    private mutating func touch(_ c: Int) {
        guard c != newest else { return }
        unlink(c)
        link(c)
    }

    private mutating func link(_ c: Int) {
        clusters[c].older = newest
        clusters[c].newer = -1
        if newest != -1 { clusters[newest].newer = c }
        newest = c
        if oldest == -1 { oldest = c }
    }

    private mutating func unlink(_ c: Int) {
        let (n, o) = (clusters[c].newer, clusters[c].older)
        if n != -1 { clusters[n].older = o } else if newest == c { newest = o }
        if o != -1 { clusters[o].newer = n } else if oldest == c { oldest = n }
        clusters[c].newer = -1
        clusters[c].older = -1
    }

    /// Rebuilds a table from saved clusters (most recent first), each with its fill
    /// pointer and its counters; `current` indexes into that list.
    static func restored(clusters saved: [(used: Int, pages: [PageCounter])], current: Int) -> PageTable {
        var t = PageTable()
        for (i, entry) in saved.enumerated() {
            var cluster = Cluster()
            cluster.used = entry.used
            for var p in entry.pages {
                p.cluster = i
                cluster.slots[p.slot] = p.address
                t.pages[p.address] = p
            }
            t.clusters.append(cluster)
        }
        // Link oldest first so the first saved cluster ends up newest.
        for i in stride(from: t.clusters.count - 1, through: 0, by: -1) { t.link(i) }
        t.current = (0..<t.clusters.count).contains(current) ? current : -1
        return t
    }

    /// Applies `body` to every counter (reloads change thresholds).
    mutating func updateAll(_ body: (inout PageCounter) -> Void) {
        for key in Array(pages.keys) {
            if var p = pages[key] { body(&p); pages[key] = p }
        }
    }
}
