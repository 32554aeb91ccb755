import Glibc
import MCEIO
import MCEResponse

/// What the daemon has counted since it started: the input of the metrics exposition.
/// Plain values, filled by the daemon from its counters; every count only grows while the
/// daemon runs (they are Prometheus counters), and starts at zero on restart, which
/// Prometheus' rate() and increase() handle as a counter reset.
///
/// Series exist only for keys present here: a producer that wants `increase()` to see the
/// first error of a kind puts that key in with a zero count beforehand.
public struct MetricsSnapshot: Sendable, Equatable {
    /// One class of decoded records.
    public struct RecordKey: Sendable, Hashable, Comparable {
        /// DecodeFacts' severity name: corrected, uncorrected, uncorrected-recoverable, fatal,
        /// informational (the values of the journal's MCE_SEVERITY).
        public var severity: String
        /// ErrorKind's raw value (MCE_KIND): memory, cache, tlb, bus, ...
        public var kind: String
        /// The record's socket; nil when the kernel's record is too short to carry one.
        public var socket: Int?
        public var bank: Int

        public init(severity: String, kind: String, socket: Int?, bank: Int) {
            self.severity = severity; self.kind = kind; self.socket = socket; self.bank = bank
        }

        public static func < (a: RecordKey, b: RecordKey) -> Bool {
            (a.severity, a.kind, a.socket ?? -1, a.bank) < (b.severity, b.kind, b.socket ?? -1, b.bank)
        }
    }

    /// One DIMM as the memory accounting knows it: upstream's (socket, channel, dimm) key,
    /// -1 parts unknown, plus the SMBIOS/EDAC name when known.
    public struct DIMMKey: Sendable, Hashable, Comparable {
        public var socket: Int?
        public var channel: Int?
        public var slot: Int?
        public var name: String?

        public init(socket: Int?, channel: Int?, slot: Int?, name: String? = nil) {
            self.socket = socket; self.channel = channel; self.slot = slot; self.name = name
        }

        public static func < (a: DIMMKey, b: DIMMKey) -> Bool {
            (a.socket ?? -1, a.channel ?? -1, a.slot ?? -1, a.name ?? "")
                < (b.socket ?? -1, b.channel ?? -1, b.slot ?? -1, b.name ?? "")
        }
    }

    public struct DIMMCounts: Sendable, Equatable {
        public var corrected: UInt64
        public var uncorrected: UInt64
        public init(corrected: UInt64 = 0, uncorrected: UInt64 = 0) {
            self.corrected = corrected; self.uncorrected = uncorrected
        }
    }

    public struct TriggerCounts: Sendable, Equatable {
        /// Started.
        public var runs: UInt64
        /// Exited non-zero, died of a signal, or could not be started.
        public var failed: UInt64
        /// Killed after `[trigger] timeout`.
        public var timedOut: UInt64
        public init(runs: UInt64 = 0, failed: UInt64 = 0, timedOut: UInt64 = 0) {
            self.runs = runs; self.failed = failed; self.timedOut = timedOut
        }
    }

    public struct PageOfflineCounts: Sendable, Equatable {
        public var offlined: UInt64
        public var failed: UInt64
        public init(offlined: UInt64 = 0, failed: UInt64 = 0) { self.offlined = offlined; self.failed = failed }
    }

    /// When the daemon started, seconds since the epoch.
    public var startTime: Int64
    /// The program's version and the record source in use (tracefs, /dev/mcelog), for
    /// the `mcelog_info` series; nil leaves it out.
    public var version: String?
    public var source: String?
    public var records: [RecordKey: UInt64]
    public var dimms: [DIMMKey: DIMMCounts]
    /// Records lost before decoding, by where: the source's name ("tracepoint mce:mce_record
    /// (instance path)", "/dev/mcelog"), or "output queue" for the daemon's own queue.
    public var recordsLost: [String: UInt64]
    /// By trigger (the config key or script name the daemon uses in its journal entries).
    public var triggers: [String: TriggerCounts]
    /// By offline mode: "soft", "hard".
    public var pageOfflines: [String: PageOfflineCounts]
    /// Times the journal send queue was full.
    public var queueOverflows: UInt64

    public init(startTime: Int64, version: String? = nil, source: String? = nil,
                records: [RecordKey: UInt64] = [:], dimms: [DIMMKey: DIMMCounts] = [:],
                recordsLost: [String: UInt64] = [:], triggers: [String: TriggerCounts] = [:],
                pageOfflines: [String: PageOfflineCounts] = [:], queueOverflows: UInt64 = 0) {
        self.startTime = startTime; self.version = version; self.source = source
        self.records = records; self.dimms = dimms; self.recordsLost = recordsLost
        self.triggers = triggers; self.pageOfflines = pageOfflines; self.queueOverflows = queueOverflows
    }
}

/// The two text expositions Prometheus scrapes.
public enum MetricsFormat: Sendable {
    /// Prometheus text format 0.0.4: what node_exporter's textfile collector reads
    /// (`Content-Type: text/plain; version=0.0.4`). Counter TYPE lines name the `_total` series.
    case prometheus
    /// OpenMetrics 1.0 (`application/openmetrics-text; version=1.0.0`): counter families
    /// are named without `_total`, `# UNIT` lines, `# EOF` at the end.
    case openMetrics
}

/// Renders a snapshot as metrics text. Pure: the same snapshot gives the same bytes
/// (families in a fixed order, series sorted by label values).
public enum MetricsRenderer {
    public static func render(_ s: MetricsSnapshot, format: MetricsFormat) -> String {
        var out = Exposition(format: format)

        if let version = s.version {
            var labels = [("version", version)]
            if let src = s.source { labels.append(("source", src)) }
            out.info("mcelog", help: "The mcelog daemon's version and record source.", labels: labels)
        }
        out.family("mcelog_start_time_seconds", type: .gauge, unit: "seconds",
                   help: "When the mcelog daemon started, in seconds since the epoch.")
        out.sample("mcelog_start_time_seconds", [], value: String(s.startTime))

        out.family("mcelog_records", type: .counter,
                   help: "Machine-check records decoded, by severity, error kind, socket and bank.")
        for (k, n) in s.records.sorted(by: { $0.key < $1.key }) {
            var labels = [("severity", k.severity), ("kind", k.kind)]
            if let sock = k.socket { labels.append(("socket", String(sock))) }
            labels.append(("bank", String(k.bank)))
            out.sample("mcelog_records_total", labels, value: String(n))
        }

        out.family("mcelog_dimm_errors", type: .counter,
                   help: "Memory errors accounted to a DIMM, by severity (corrected or uncorrected).")
        for (k, c) in s.dimms.sorted(by: { $0.key < $1.key }) {
            var labels: [(String, String)] = []
            if let n = k.name, !n.isEmpty { labels.append(("dimm", n)) }
            if let v = k.socket { labels.append(("socket", String(v))) }
            if let v = k.channel { labels.append(("channel", String(v))) }
            if let v = k.slot { labels.append(("slot", String(v))) }
            out.sample("mcelog_dimm_errors_total", labels + [("severity", "corrected")], value: String(c.corrected))
            out.sample("mcelog_dimm_errors_total", labels + [("severity", "uncorrected")], value: String(c.uncorrected))
        }

        out.family("mcelog_records_lost", type: .counter,
                   help: "Machine-check records lost before decoding, by where they were lost.")
        for (src, n) in s.recordsLost.sorted(by: { $0.key < $1.key }) {
            out.sample("mcelog_records_lost_total", [("source", src)], value: String(n))
        }

        let triggers = s.triggers.sorted(by: { $0.key < $1.key })
        out.family("mcelog_trigger_runs", type: .counter, help: "Trigger programs started.")
        for (t, c) in triggers { out.sample("mcelog_trigger_runs_total", [("trigger", t)], value: String(c.runs)) }
        out.family("mcelog_trigger_failures", type: .counter,
                   help: "Trigger programs that exited non-zero, died of a signal or could not start.")
        for (t, c) in triggers { out.sample("mcelog_trigger_failures_total", [("trigger", t)], value: String(c.failed)) }
        out.family("mcelog_trigger_timeouts", type: .counter, help: "Trigger programs killed after their timeout.")
        for (t, c) in triggers { out.sample("mcelog_trigger_timeouts_total", [("trigger", t)], value: String(c.timedOut)) }

        let pages = s.pageOfflines.sorted(by: { $0.key < $1.key })
        out.family("mcelog_pages_offlined", type: .counter, help: "Memory pages taken offline, by mode (soft or hard).")
        for (m, c) in pages { out.sample("mcelog_pages_offlined_total", [("mode", m)], value: String(c.offlined)) }
        out.family("mcelog_page_offline_failures", type: .counter,
                   help: "Memory pages the kernel refused to take offline, by mode.")
        for (m, c) in pages { out.sample("mcelog_page_offline_failures_total", [("mode", m)], value: String(c.failed)) }

        out.family("mcelog_queue_overflows", type: .counter,
                   help: "Records dropped because the journal send queue was full.")
        out.sample("mcelog_queue_overflows_total", [], value: String(s.queueOverflows))

        if format == .openMetrics { out.text += "# EOF\n" }
        return out.text
    }

    /// A label value with `\`, `"` and newline escaped (both formats' rule).
    public static func escapeLabelValue(_ v: String) -> String {
        var r = ""
        r.reserveCapacity(v.utf8.count)
        for c in v.unicodeScalars {
            switch c {
            case "\\": r += "\\\\"
            case "\"": r += "\\\""
            case "\n": r += "\\n"
            default: r.unicodeScalars.append(c)
            }
        }
        return r
    }

    /// The text under construction, with the per-format spelling of metadata lines.
    struct Exposition {
        enum MetricType: String { case counter, gauge, info }
        let format: MetricsFormat
        var text = ""

        init(format: MetricsFormat) {
            self.format = format
            text.reserveCapacity(4096)
        }

        /// HELP/TYPE (and UNIT) lines. `name` is the family name: for counters without
        /// `_total`, which the Prometheus format adds back to name the series.
        mutating func family(_ name: String, type: MetricType, unit: String? = nil, help: String) {
            let metadataName = format == .prometheus && type == .counter ? name + "_total" : name
            text += "# HELP \(metadataName) \(escapeHelp(help))\n"
            text += "# TYPE \(metadataName) \(type.rawValue)\n"
            if let u = unit, format == .openMetrics { text += "# UNIT \(metadataName) \(u)\n" }
        }

        /// OpenMetrics' info type; a gauge of value 1 named `<name>_info` in Prometheus text.
        mutating func info(_ name: String, help: String, labels: [(String, String)]) {
            switch format {
            case .openMetrics:
                family(name, type: .info, help: help)
            case .prometheus:
                family(name + "_info", type: .gauge, help: help)
            }
            sample(name + "_info", labels, value: "1")
        }

        mutating func sample(_ series: String, _ labels: [(String, String)], value: String) {
            text += series
            if !labels.isEmpty {
                text += "{"
                for (i, (k, v)) in labels.enumerated() {
                    if i > 0 { text += "," }
                    text += k + "=\"" + MetricsRenderer.escapeLabelValue(v) + "\""
                }
                text += "}"
            }
            text += " " + value + "\n"
        }

        /// Prometheus text escapes `\` and newline in HELP; OpenMetrics also `"`.
        func escapeHelp(_ h: String) -> String {
            var r = ""
            for c in h.unicodeScalars {
                switch c {
                case "\\": r += "\\\\"
                case "\n": r += "\\n"
                case "\"" where format == .openMetrics: r += "\\\""
                default: r.unicodeScalars.append(c)
                }
            }
            return r
        }
    }
}

extension MetricsSnapshot {
    /// Writes the Prometheus-format text to `path` for node_exporter's textfile collector
    /// (`--collector.textfile.directory`; it reads `*.prom`). See `MetricsTextfile.write`.
    public func writeTextfile(path: String) throws(SystemError) {
        try MetricsTextfile.write(MetricsRenderer.render(self, format: .prometheus), to: path)
    }
}

/// Atomic replacement of a metrics file: the collector reads either the old or the new
/// file, never a half-written one. The same crash-safe write as the accounting state
/// (StateFile), world-readable, under a hidden temporary name without the `.prom` suffix
/// collectors look for.
public enum MetricsTextfile {
    public static func write(_ text: String, to path: String) throws(SystemError) {
        let (directory, name) = split(path)
        do {
            try StateFile(directory: directory, name: name, mode: 0o644).write(text)
        } catch {
            switch error {
            case .writeFailed(let step, let failed, let code):
                throw SystemError("Cannot \(step)", path: failed, errno: code)
            default:
                throw SystemError("Cannot write", path: path, errno: EFBIG)
            }
        }
    }

    /// `dir/.name.tmp`, StateFile's temporary name.
    static func temporaryPath(for path: String) -> String {
        let (directory, name) = split(path)
        return StateFile(directory: directory, name: name).temporaryPath
    }

    static func split(_ path: String) -> (directory: String, name: String) {
        let bytes = Array(path.utf8)
        guard let slash = bytes.lastIndex(of: UInt8(ascii: "/")) else { return ("", path) }
        let directory = slash == 0 ? "/" : String(decoding: bytes[..<slash], as: UTF8.self)
        return (directory, String(decoding: bytes[(slash + 1)...], as: UTF8.self))
    }
}
