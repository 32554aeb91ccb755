/// Upstream's leaky bucket (mcelog.md §10): counts events, leaks `capacity` per `ageTime`
/// seconds, and fires when the count reaches the capacity, then starts over.
///
/// Time is the caller's: the record's wall time when accounting, "now" when dumping. The
/// bucket carries its threshold so a reload can swap it while keeping the counts.
public struct LeakyBucket: Sendable, Equatable {
    /// nil: not enabled, never fires.
    public var threshold: Threshold?
    /// Events in the current window.
    public var count: UInt64
    /// Events that made the bucket fire in the current window (upstream's `excess`).
    public var excess: UInt64
    /// Time of the last aging step (upstream initialises it to the creation time).
    public var stamp: Int64

    public init(threshold: Threshold?, at time: Int64, count: UInt64 = 0, excess: UInt64 = 0) {
        self.threshold = threshold
        self.stamp = time
        self.count = count
        self.excess = excess
    }

    /// Leaks what the time since the last aging step allows: once at least one window has
    /// passed, `elapsed / ageTime * capacity * multiplier` events (truncated) leave and the
    /// excess is forgotten. Earlier times (clock steps, old records) leave the bucket as is.
    public mutating func age(at time: Int64, multiplier: UInt64 = 1) {
        guard let t = threshold else { return }
        let (elapsed, overflow) = time.subtractingReportingOverflow(stamp)
        guard overflow || elapsed >= t.ageTime else { return }
        let windows = overflow ? Double.infinity : Double(elapsed) / Double(t.ageTime)
        let leaked = windows * Double(t.capacity) * Double(Swift.max(multiplier, 1))
        count = leaked >= Double(count) ? 0 : count - Swift.min(count, UInt64(leaked))
        stamp = time
        excess = 0
    }

    /// Accounts `inc` events at `time`; true when the bucket fired. `multiplier` scales the
    /// capacity (page offline retries double it); values below 1 count as 1.
    public mutating func account(_ inc: UInt64, at time: Int64, multiplier: UInt64 = 1) -> Bool {
        guard let t = threshold else { return false }
        age(at: time, multiplier: multiplier)
        count = count.addingSaturating(inc)
        let limit = t.capacity.multipliedSaturating(by: Swift.max(multiplier, 1))
        guard count >= limit else { return false }
        excess = excess.addingSaturating(count)
        count = 0
        return true
    }

    /// `bucket_output`: `3 in 24h`, `5 in 3600`, or `not enabled`.
    public var description: String {
        guard let t = threshold else { return "not enabled" }
        return "\(count.addingSaturating(excess)) in \(t.ageTimeInUnits)\(t.unit.suffix)"
    }
}

extension UInt64 {
    @inline(__always) func addingSaturating(_ other: UInt64) -> UInt64 {
        let (v, o) = addingReportingOverflow(other)
        return o ? .max : v
    }
    @inline(__always) func multipliedSaturating(by other: UInt64) -> UInt64 {
        let (v, o) = multipliedReportingOverflow(by: other)
        return o ? .max : v
    }
}
