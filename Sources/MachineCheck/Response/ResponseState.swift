/// Why a saved state was not taken; the line numbers are 1-based lines of the state text.
public enum ResponseStateError: Error, Equatable, CustomStringConvertible {
    case empty
    case unsupportedVersion(line: Int, found: String)
    case malformed(line: Int, reason: String)
    case missingChecksum(line: Int)
    case checksumMismatch(line: Int, expected: String, found: String)

    public var description: String {
        switch self {
        case .empty: return "state is empty"
        case .unsupportedVersion(let line, let found):
            return "line \(line): unsupported state version '\(found)' (expected \(ResponseEngine.stateVersion))"
        case .malformed(let line, let reason): return "line \(line): \(reason)"
        case .missingChecksum(let line): return "line \(line): checksum line missing (state truncated?)"
        case .checksumMismatch(let line, let expected, let found):
            return "line \(line): checksum \(found) does not match the content (\(expected))"
        }
    }
}

/// The accounting state as versioned text, so counts survive restarts (mcelog.md §11 keeps
/// them in memory only). Lines, fields separated by one space:
///
///     mcelog-response-state 1
///     dimm SOCKET CHANNEL DIMM CE-TOTAL CE-COUNT CE-EXCESS CE-STAMP UC-TOTAL UC-COUNT UC-EXCESS UC-STAMP
///     replacement TOTAL COUNT EXCESS STAMP
///     cluster USED                      (most recently used first; numbered from 0)
///     page CLUSTER SLOT ADDRESS-HEX TOTAL COUNT EXCESS STAMP STATE TRIGGERED MULTIPLIER
///     current CLUSTER                   (the cluster being filled, -1: none)
///     checksum FNV-1A-64-HEX            (of every byte before this line)
///
/// Thresholds and DMI names are not state: they come from the configuration and SMBIOS.
extension ResponseEngine {
    public static let stateVersion = 1
    static let stateMagic = "mcelog-response-state"

    public func stateText() -> String {
        var s = "\(ResponseEngine.stateMagic) \(ResponseEngine.stateVersion)\n"
        for key in dimms.keys.sorted() {
            guard let r = dimms[key] else { continue }
            s += "dimm \(key.socket) \(key.channel) \(key.dimm) \(fields(r.corrected)) \(fields(r.uncorrected))\n"
        }
        s += "replacement \(fields(replacements))\n"
        var ordinal: [Int: Int] = [:]
        let order = pages.clustersByRecency
        for (i, c) in order.enumerated() { ordinal[c] = i }
        for (i, c) in order.enumerated() {
            let cluster = pages.clusters[c]
            s += "cluster \(cluster.used)\n"
            for (slot, address) in cluster.slots.enumerated() {
                guard let a = address, let p = pages[a] else { continue }
                // An offline whose outcome never came back is retried from scratch.
                let state = p.state == .offlinePending ? PageState.online : p.state
                s += "page \(i) \(slot) \(Format.hex(a)) \(p.total) \(p.bucket.count) \(p.bucket.excess)"
                    + " \(p.bucket.stamp) \(state.rawValue) \(p.triggered ? 1 : 0) \(p.multiplier)\n"
            }
        }
        s += "current \(ordinal[pages.current] ?? -1)\n"
        return s + "checksum \(ResponseEngine.checksum(s))\n"
    }

    private func fields(_ e: ErrorTally) -> String {
        "\(e.total) \(e.bucket.count) \(e.bucket.excess) \(e.bucket.stamp)"
    }

    /// FNV-1a, 64 bit, as 16 hex digits.
    static func checksum(_ text: String) -> String {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for b in text.utf8 { h = (h ^ UInt64(b)) &* 0x0000_0100_0000_01b3 }
        return Format.hex(h, width: 16)
    }

    /// Replaces all counts, buckets and page states with the saved ones; thresholds stay
    /// those of the current settings and DMI names already attached are kept. On any error
    /// the engine is left unchanged.
    public mutating func restore(stateText: String) throws {
        let parsed = try SavedState(parsing: stateText)
        var restored: [DimmKey: DimmRecord] = [:]
        for (key, ce, uc) in parsed.dimms {
            var r = newRecord(key, at: 0)
            r.corrected = ErrorTally(total: ce.total, bucket: ce.bucket, threshold: ceThreshold(for: key))
            r.uncorrected = ErrorTally(total: uc.total, bucket: uc.bucket, threshold: ucThreshold(for: key))
            restored[key] = r
        }
        for (key, r) in dimms where r.name != nil || r.location != nil {
            var x = restored[key] ?? newRecord(key, at: 0)
            x.name = r.name
            x.location = r.location
            restored[key] = x
        }
        dimms = restored
        replacements = ErrorTally(total: parsed.replacement.total, bucket: parsed.replacement.bucket,
                                  threshold: settings.replacementThreshold)
        var table = PageTable.restored(clusters: parsed.clusters, current: parsed.current)
        let pageThreshold = settings.pageCEThreshold
        table.updateAll { $0.bucket.threshold = pageThreshold }
        pages = table
        pendingOfflines = [:]
    }
}

extension ErrorTally {
    init(total: UInt64, bucket: LeakyBucket, threshold: Threshold?) {
        self.init(threshold: threshold, at: bucket.stamp)
        self.total = total
        self.bucket.count = bucket.count
        self.bucket.excess = bucket.excess
    }
}

/// A parsed, validated state text.
struct SavedState {
    struct Tally { var total: UInt64; var bucket: LeakyBucket }

    var dimms: [(DimmKey, Tally, Tally)] = []
    var replacement = Tally(total: 0, bucket: LeakyBucket(threshold: nil, at: 0))
    var clusters: [(used: Int, pages: [PageCounter])] = []
    var current = -1

    init(parsing text: String) throws {
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        guard let header = lines.first, !header.isEmpty else { throw ResponseStateError.empty }
        let magic = ResponseEngine.stateMagic + " "
        guard header.hasPrefix(magic) else {
            throw ResponseStateError.malformed(line: 1, reason: "not a mcelog response state (no '\(ResponseEngine.stateMagic)' header)")
        }
        let version = String(header.dropFirst(magic.count))
        guard version == String(ResponseEngine.stateVersion) else {
            throw ResponseStateError.unsupportedVersion(line: 1, found: version)
        }
        // The checksum line is the last line; a trailing newline leaves one empty element.
        var last = lines.count - 1
        if last > 0 && lines[last].isEmpty { last -= 1 }
        let checksumLine = lines[last]
        guard last > 0, checksumLine.hasPrefix("checksum ") else {
            throw ResponseStateError.missingChecksum(line: last + 1)
        }
        let body = lines[0..<last].map { $0 + "\n" }.joined()
        let expected = ResponseEngine.checksum(body)
        let found = String(checksumLine.dropFirst("checksum ".count))
        guard found == expected else {
            throw ResponseStateError.checksumMismatch(line: last + 1, expected: expected, found: found)
        }
        var seenKeys = Set<DimmKey>()
        var seenPages = Set<UInt64>()
        var sawReplacement = false, sawCurrent = false
        for n in 1..<last {
            let f = lines[n].split(separator: " ", omittingEmptySubsequences: false).map(String.init)
            let line = FieldReader(fields: f, line: n + 1)
            switch f.first ?? "" {
            case "dimm":
                try line.expectCount(12)
                let key = DimmKey(socket: try line.int(1, "socket"), channel: try line.int(2, "channel"),
                                  dimm: try line.int(3, "dimm"))
                guard key.channel >= -1, key.dimm >= -1 else { throw line.error("channel/dimm below -1") }
                guard seenKeys.insert(key).inserted else { throw line.error("duplicate entry for \(key)") }
                dimms.append((key, try line.tally(at: 4), try line.tally(at: 8)))
            case "replacement":
                try line.expectCount(5)
                guard !sawReplacement else { throw line.error("second replacement line") }
                sawReplacement = true
                replacement = try line.tally(at: 1)
            case "cluster":
                try line.expectCount(2)
                let used = try line.int(1, "used")
                guard (0...ResponseSettings.countersPerCluster).contains(used) else { throw line.error("used \(used) out of range") }
                clusters.append((used, []))
            case "page":
                try line.expectCount(11)
                let cluster = try line.int(1, "cluster"), slot = try line.int(2, "slot")
                guard cluster == clusters.count - 1 else { throw line.error("page outside its cluster block") }
                guard (0..<ResponseSettings.countersPerCluster).contains(slot),
                      !clusters[cluster].pages.contains(where: { $0.slot == slot })
                else { throw line.error("slot \(slot) invalid or used twice") }
                guard let address = UInt64(f[3], radix: 16), address & 0xfff == 0 else {
                    throw line.error("address '\(f[3])' is not a page address")
                }
                guard seenPages.insert(address).inserted else { throw line.error("page \(f[3]) listed twice") }
                let tally = try line.tally(at: 4)
                guard let state = PageState(rawValue: f[8]), state != .offlinePending else {
                    throw line.error("unknown page state '\(f[8])'")
                }
                guard f[9] == "0" || f[9] == "1" else { throw line.error("triggered must be 0 or 1") }
                let multiplier = try line.unsigned(10, "multiplier")
                guard multiplier >= 1 else { throw line.error("multiplier must be at least 1") }
                clusters[cluster].pages.append(PageCounter(
                    address: address, total: tally.total, bucket: tally.bucket, state: state,
                    triggered: f[9] == "1", multiplier: multiplier, cluster: cluster, slot: slot))
            case "current":
                try line.expectCount(2)
                guard !sawCurrent else { throw line.error("second current line") }
                sawCurrent = true
                current = try line.int(1, "current")
                guard current >= -1, current < clusters.count else { throw line.error("current cluster \(current) does not exist") }
            default:
                throw line.error("unknown entry '\(f.first ?? "")'")
            }
        }
        guard sawReplacement else { throw ResponseStateError.malformed(line: last + 1, reason: "replacement line missing") }
        guard sawCurrent else { throw ResponseStateError.malformed(line: last + 1, reason: "current line missing") }
    }
}

/// Typed access to the fields of one state line.
private struct FieldReader {
    let fields: [String]
    let line: Int

    func error(_ reason: String) -> ResponseStateError { .malformed(line: line, reason: reason) }

    func expectCount(_ n: Int) throws {
        guard fields.count == n else { throw error("\(fields[0]) needs \(n - 1) fields, found \(fields.count - 1)") }
    }

    func int(_ i: Int, _ name: String) throws -> Int {
        guard let v = Int(fields[i]) else { throw error("\(name) '\(fields[i])' is not a number") }
        return v
    }

    func unsigned(_ i: Int, _ name: String) throws -> UInt64 {
        guard let v = UInt64(fields[i]) else { throw error("\(name) '\(fields[i])' is not a count") }
        return v
    }

    /// TOTAL COUNT EXCESS STAMP starting at field `i`.
    func tally(at i: Int) throws -> SavedState.Tally {
        let total = try unsigned(i, "total"), count = try unsigned(i + 1, "count")
        let excess = try unsigned(i + 2, "excess")
        guard let stamp = Int64(fields[i + 3]) else { throw error("stamp '\(fields[i + 3])' is not a time") }
        return SavedState.Tally(total: total, bucket: LeakyBucket(threshold: nil, at: stamp, count: count, excess: excess))
    }
}
