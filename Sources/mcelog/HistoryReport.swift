import MCEIO

/// What `--summary` and `--errors` need from one journal entry mcelog wrote: the fields of
/// JournalEntry.machineCheck / recordsLost / event, parsed once.
struct HistoryEntry: Equatable {
    /// Which of our MESSAGE_IDs the entry carries.
    var messageClass: JournalMessageID
    /// When the error happened, microseconds since the epoch: the kernel's time (MCE_TIME)
    /// when the record has one, else when journald received the entry.
    var time: Int64
    var host: String?
    var bootID: String?
    var severity: String?
    var kind: String?
    var cpu: Int?
    var socket: Int?
    var bank: Int?
    var channel: Int?
    var dimm: String?
    var address: String?
    var message: String?
    var lostCount: UInt64?
    var source: String?

    /// The classes that are machine-check records (as opposed to losses and actions).
    static let recordClasses: [JournalMessageID] = [
        .correctedMemoryError, .uncorrectedMemoryError, .otherCPUError, .thermalEvent,
    ]
    /// Everything `--summary` reads: records, losses, and the daemon's actions (trigger
    /// runs, page and CPU offlines, thresholds, reload failures), each counted by class.
    static var summaryClasses: [JournalMessageID] { JournalMessageID.all }

    var isRecord: Bool { HistoryEntry.recordClasses.contains(messageClass) }
    var isMemoryRecord: Bool { messageClass == .correctedMemoryError || messageClass == .uncorrectedMemoryError }

    /// The fields read, by their journal names; everything else in an entry is skipped
    /// without being copied.
    enum Field: CaseIterable {
        case messageID, hostname, bootID, severity, kind, cpu, socket, bank, channel, dimm, mceDimm,
             address, time, message, lostCount, source

        var name: String {
            switch self {
            case .messageID: return "MESSAGE_ID"
            case .hostname: return "_HOSTNAME"
            case .bootID: return "_BOOT_ID"
            case .severity: return "MCE_SEVERITY"
            case .kind: return "MCE_KIND"
            case .cpu: return "MCE_CPU"
            case .socket: return "MCE_SOCKET"
            case .bank: return "MCE_BANK"
            case .channel: return "MCE_CHANNEL"
            case .dimm: return "DIMM"
            case .mceDimm: return "MCE_DIMM"
            case .address: return "MCE_ADDR"
            case .time: return "MCE_TIME"
            case .message: return "MESSAGE"
            case .lostCount: return "MCE_LOST_COUNT"
            case .source: return "MCE_SOURCE"
            }
        }
    }

    /// `NAME=` of each field, as bytes for comparing against the journal's items.
    static let prefixes: [(bytes: [UInt8], field: Field)] = Field.allCases.map { (Array(($0.name + "=").utf8), $0) }

    /// Collects the fields of one entry from its items (`NAME=value` each). The values are
    /// copied into one reused buffer: no allocation per field or per entry.
    struct Builder {
        var wantMessage: Bool
        private var storage: [UInt8] = []
        private var ranges: [Range<Int>?] = Array(repeating: nil, count: Field.allCases.count)

        init(wantMessage: Bool) {
            self.wantMessage = wantMessage
            storage.reserveCapacity(1024)
        }

        mutating func reset() {
            storage.removeAll(keepingCapacity: true)
            for i in ranges.indices { ranges[i] = nil }
        }

        mutating func take(_ item: UnsafeRawBufferPointer) {
            guard item.count > 1 else { return }
            // Every field we read starts with one of these; most of journald's own
            // (_PID, _COMM, _SYSTEMD_*, ...) are dismissed after one comparison.
            let first = item[0]
            guard first == UInt8(ascii: "M") || first == UInt8(ascii: "_") || first == UInt8(ascii: "D") else { return }
            for (index, p) in HistoryEntry.prefixes.enumerated() where item.count >= p.bytes.count && item[1] == p.bytes[1] {
                var same = true
                for i in 2..<p.bytes.count where item[i] != p.bytes[i] { same = false; break }
                guard same else { continue }
                if p.field == .message && !wantMessage { return }
                let start = storage.count
                storage.append(contentsOf: item[p.bytes.count...])
                ranges[index] = start..<storage.count
                return
            }
        }

        private func bytes(_ f: Field) -> ArraySlice<UInt8>? {
            guard let i = Field.allCases.firstIndex(of: f), let r = ranges[i] else { return nil }
            return storage[r]
        }

        /// The entry, nil when it is not one of ours (no or an unknown MESSAGE_ID).
        func build(receivedMicroseconds: UInt64) -> HistoryEntry? {
            guard let id = bytes(.messageID).map({ String(decoding: $0, as: UTF8.self) }),
                  let cls = JournalMessageID.all.first(where: { $0.hex == id }) else { return nil }
            let received = Int64(clamping: receivedMicroseconds)
            var time = received
            if let secs = number(.time), secs > 0, let us = checked(Int64(clamping: secs).multipliedReportingOverflow(by: 1_000_000)) {
                time = us
            }
            return HistoryEntry(
                messageClass: cls, time: time, host: text(.hostname), bootID: text(.bootID),
                severity: text(.severity), kind: text(.kind),
                cpu: small(.cpu), socket: small(.socket), bank: small(.bank), channel: small(.channel),
                dimm: text(.dimm) ?? text(.mceDimm), address: text(.address), message: text(.message),
                lostCount: number(.lostCount), source: text(.source))
        }

        func text(_ f: Field) -> String? {
            guard let v = bytes(f), !v.isEmpty else { return nil }
            return String(decoding: v, as: UTF8.self)
        }

        /// Unsigned decimal; nil when absent or not a number that fits.
        func number(_ f: Field) -> UInt64? {
            guard let v = bytes(f), !v.isEmpty, v.count <= 20 else { return nil }
            var n: UInt64 = 0
            for c in v {
                guard c >= 0x30 && c <= 0x39 else { return nil }
                let (m, o1) = n.multipliedReportingOverflow(by: 10)
                let (s, o2) = m.addingReportingOverflow(UInt64(c - 0x30))
                if o1 || o2 { return nil }
                n = s
            }
            return n
        }

        func small(_ f: Field) -> Int? {
            guard let n = number(f), n <= UInt64(Int32.max) else { return nil }
            return Int(n)
        }
    }
}

/// Counts of records by severity with the time of the first and last.
struct SeverityCounts: Equatable {
    var bySeverity: [String: UInt64] = [:]
    var total: UInt64 = 0
    var first: Int64 = .max
    var last: Int64 = .min

    mutating func add(severity: String, time: Int64) {
        bySeverity[severity, default: 0] &+= 1
        total &+= 1
        first = min(first, time)
        last = max(last, time)
    }

    func count(_ severity: String) -> UInt64 { bySeverity[severity] ?? 0 }
}

/// `mcelog --summary`: per DIMM, socket and bank, per host (a directory of collected
/// journals holds many machines; their DIMM names repeat).
struct HistorySummary {
    struct DIMMKey: Hashable, Comparable {
        var host: String
        /// The DIMM label; nil for a memory error without one, which is then known by its
        /// socket and channel only.
        var label: String?
        var socket: Int? = nil
        var channel: Int? = nil

        static func < (a: DIMMKey, b: DIMMKey) -> Bool {
            (a.host, a.label ?? "", a.socket ?? -1, a.channel ?? -1) < (b.host, b.label ?? "", b.socket ?? -1, b.channel ?? -1)
        }
    }

    struct PlaceKey: Hashable, Comparable {
        var host: String
        var number: Int?
        static func < (a: PlaceKey, b: PlaceKey) -> Bool { (a.host, a.number ?? -1) < (b.host, b.number ?? -1) }
    }

    /// Where a labelled DIMM sits (socket, channel) as its first record said.
    struct DIMMPlace: Equatable { var socket: Int?; var channel: Int? }

    var overall = SeverityCounts()
    var dimms: [DIMMKey: SeverityCounts] = [:]
    var dimmPlaces: [DIMMKey: DIMMPlace] = [:]
    var sockets: [PlaceKey: SeverityCounts] = [:]
    var banks: [PlaceKey: SeverityCounts] = [:]
    var hosts: Set<String> = []
    var boots: Set<String> = []
    /// MCE_LOST_COUNT summed by MCE_SOURCE.
    var lost: [String: UInt64] = [:]
    /// Daemon actions (trigger runs, page and CPU offlines, thresholds exceeded, ...) by class name.
    var events: [String: UInt64] = [:]

    static let unknownHost = "-"
    static let unknownSeverity = "unknown"

    mutating func add(_ e: HistoryEntry) {
        let host = e.host ?? HistorySummary.unknownHost
        hosts.insert(host)
        if let b = e.bootID { boots.insert(b) }
        guard e.isRecord else {
            if e.messageClass == .recordsLost {
                lost[e.source ?? "unknown", default: 0] &+= e.lostCount ?? 0
            } else {
                events[e.messageClass.name, default: 0] &+= 1
            }
            return
        }
        let severity = e.severity ?? HistorySummary.unknownSeverity
        overall.add(severity: severity, time: e.time)
        sockets[PlaceKey(host: host, number: e.socket), default: SeverityCounts()].add(severity: severity, time: e.time)
        banks[PlaceKey(host: host, number: e.bank), default: SeverityCounts()].add(severity: severity, time: e.time)
        let dimmKey: DIMMKey?
        if let label = e.dimm {
            dimmKey = DIMMKey(host: host, label: label, socket: nil, channel: nil)
        } else if e.isMemoryRecord, e.channel != nil {
            dimmKey = DIMMKey(host: host, label: nil, socket: e.socket, channel: e.channel)
        } else {
            dimmKey = nil
        }
        if let k = dimmKey {
            dimms[k, default: SeverityCounts()].add(severity: severity, time: e.time)
            if dimmPlaces[k] == nil { dimmPlaces[k] = DIMMPlace(socket: e.socket, channel: e.channel) }
        }
    }

    /// Severities present, most benign first; names we do not know (a newer writer) last.
    var severityColumns: [String] {
        let known = ["corrected", "uncorrected-recoverable", "uncorrected", "fatal", "informational"]
        let present = Set(overall.bySeverity.keys)
        return known.filter(present.contains) + present.subtracting(known).sorted()
    }

    var totalLost: UInt64 { lost.values.reduce(0, &+) }
}
