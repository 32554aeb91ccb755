import MachineCheck
import MCEIO

/// Text and JSON output of `--summary` and `--errors`.
enum HistoryRender {
    // MARK: - Summary

    /// The summary as aligned text tables; times in the local time zone.
    static func summaryText(_ s: HistorySummary, location: String) -> String {
        guard s.overall.total > 0 || s.totalLost > 0 || !s.events.isEmpty else {
            return "No machine-check records in \(location).\n"
        }
        var out = ""
        let boots = s.boots.count
        out += "Machine-check records in \(location): \(s.overall.total)"
        if s.overall.total > 0 {
            out += ", first \(HistoryTime.local(s.overall.first)), last \(HistoryTime.local(s.overall.last))"
        }
        out += "; \(boots) boot\(boots == 1 ? "" : "s"), \(s.hosts.count) host\(s.hosts.count == 1 ? "" : "s")\n"
        let columns = s.severityColumns
        if !columns.isEmpty {
            out += "By severity: " + columns.map { "\($0) \(s.overall.count($0))" }.joined(separator: ", ") + "\n"
        }
        if s.totalLost > 0 {
            out += "Records lost: \(s.totalLost) ("
            out += s.lost.sorted(by: { $0.key < $1.key }).map { "\($0.key) \($0.value)" }.joined(separator: ", ") + ")\n"
        }
        if !s.events.isEmpty {
            out += "Actions: " + s.events.sorted(by: { $0.key < $1.key }).map { "\($0.key) \($0.value)" }.joined(separator: ", ") + "\n"
        }

        if !s.dimms.isEmpty {
            out += "\nPer DIMM:\n"
            let rows = s.dimms.sorted(by: { $0.key < $1.key }).map { (k, c) -> ([String], SeverityCounts) in
                let place = s.dimmPlaces[k]
                return ([k.host, k.label ?? "(unlabelled)", optional(place?.socket ?? k.socket), optional(place?.channel ?? k.channel)], c)
            }
            out += table(["HOST", "DIMM", "SOCKET", "CHANNEL"], leftAligned: 2, rows: rows, severities: columns)
        }
        if !s.sockets.isEmpty {
            out += "\nPer socket:\n"
            let rows = s.sockets.sorted(by: { $0.key < $1.key }).map { ([$0.key.host, optional($0.key.number)], $0.value) }
            out += table(["HOST", "SOCKET"], leftAligned: 1, rows: rows, severities: columns)
        }
        if !s.banks.isEmpty {
            out += "\nPer bank:\n"
            let rows = s.banks.sorted(by: { $0.key < $1.key }).map { ([$0.key.host, optional($0.key.number)], $0.value) }
            out += table(["HOST", "BANK"], leftAligned: 1, rows: rows, severities: columns)
        }
        return out
    }

    static func optional(_ v: Int?) -> String { v.map { String($0) } ?? "-" }

    /// Header names for severities: short, upper case.
    static func heading(_ severity: String) -> String {
        switch severity {
        case "uncorrected-recoverable": return "RECOVERABLE"
        case "informational": return "INFO"
        default: return severity.uppercased()
        }
    }

    /// Key columns (the first `leftAligned` left-aligned, the rest right-aligned), one
    /// column per severity, TOTAL, FIRST SEEN, LAST SEEN.
    static func table(_ keyHeadings: [String], leftAligned: Int, rows: [([String], SeverityCounts)],
                      severities: [String]) -> String {
        let headings = keyHeadings + severities.map(heading) + ["TOTAL", "FIRST SEEN", "LAST SEEN"]
        let cells: [[String]] = rows.map { keys, c in
            keys + severities.map { String(c.count($0)) } + [String(c.total), HistoryTime.local(c.first), HistoryTime.local(c.last)]
        }
        var widths = headings.map { $0.count }
        for row in cells { for (i, cell) in row.enumerated() { widths[i] = max(widths[i], cell.count) } }
        let timeColumns = headings.count - 2
        func line(_ row: [String]) -> String {
            var parts: [String] = []
            for (i, cell) in row.enumerated() {
                let pad = String(repeating: " ", count: widths[i] - cell.count)
                let left = i < leftAligned || i >= timeColumns
                parts.append(left ? cell + pad : pad + cell)
            }
            var l = parts.joined(separator: "  ")
            while l.hasSuffix(" ") { l.removeLast() }
            return l + "\n"
        }
        return line(headings) + cells.map(line).joined()
    }

    /// The summary as one JSON object.
    static func summaryJSON(_ s: HistorySummary) -> [UInt8] {
        var w = JSONWriter(capacity: 4096)
        w.beginObject()
        w.member("records", s.overall.total)
        times(&w, s.overall)
        w.key("hosts"); w.beginArray(); for h in s.hosts.sorted() { w.string(h) }; w.endArray()
        w.member("boots", s.boots.count)
        w.key("by_severity"); counts(&w, s.overall)
        w.key("records_lost"); w.beginObject()
        w.member("total", s.totalLost)
        w.key("by_source"); w.beginObject()
        for (src, n) in s.lost.sorted(by: { $0.key < $1.key }) { w.member(src, n) }
        w.endObject()
        w.endObject()
        w.key("actions"); w.beginObject()
        for (name, n) in s.events.sorted(by: { $0.key < $1.key }) { w.member(name, n) }
        w.endObject()

        w.key("dimms"); w.beginArray()
        for (k, c) in s.dimms.sorted(by: { $0.key < $1.key }) {
            let place = s.dimmPlaces[k]
            w.beginObject()
            w.member("host", k.host)
            w.member("dimm", k.label)
            w.member("socket", place?.socket ?? k.socket)
            w.member("channel", place?.channel ?? k.channel)
            group(&w, c)
            w.endObject()
        }
        w.endArray()
        w.key("sockets"); w.beginArray()
        for (k, c) in s.sockets.sorted(by: { $0.key < $1.key }) {
            w.beginObject(); w.member("host", k.host); w.member("socket", k.number); group(&w, c); w.endObject()
        }
        w.endArray()
        w.key("banks"); w.beginArray()
        for (k, c) in s.banks.sorted(by: { $0.key < $1.key }) {
            w.beginObject(); w.member("host", k.host); w.member("bank", k.number); group(&w, c); w.endObject()
        }
        w.endArray()
        w.endObject()
        w.newline()
        return w.bytes
    }

    static func group(_ w: inout JSONWriter, _ c: SeverityCounts) {
        w.key("counts"); counts(&w, c)
        w.member("total", c.total)
        times(&w, c)
    }

    static func counts(_ w: inout JSONWriter, _ c: SeverityCounts) {
        w.beginObject()
        for (sev, n) in c.bySeverity.sorted(by: { $0.key < $1.key }) { w.member(sev, n) }
        w.endObject()
    }

    /// RFC 3339 UTC and epoch seconds; null when there was no record.
    static func times(_ w: inout JSONWriter, _ c: SeverityCounts) {
        let any = c.total > 0
        w.member("first_seen", any ? HistoryTime.utc(c.first) : nil)
        w.member("first_seen_epoch", any ? HistoryTime.floorSeconds(c.first) : nil)
        w.member("last_seen", any ? HistoryTime.utc(c.last) : nil)
        w.member("last_seen_epoch", any ? HistoryTime.floorSeconds(c.last) : nil)
    }

    // MARK: - Error list

    static let errorHeading = errorLine(time: "TIME", host: "HOST", cpu: "CPU", bank: "BANK", severity: "SEVERITY",
                                        dimm: "DIMM", address: "ADDRESS", message: "MESSAGE")

    /// One record of `--errors` as a text line (fixed columns, MESSAGE last and whole).
    static func errorText(_ e: HistoryEntry) -> String {
        errorLine(time: HistoryTime.local(e.time), host: e.host ?? "-", cpu: optional(e.cpu), bank: optional(e.bank),
                  severity: e.severity ?? "-", dimm: e.dimm ?? "-", address: e.address ?? "-", message: e.message ?? "")
    }

    static func errorLine(time: String, host: String, cpu: String, bank: String, severity: String,
                          dimm: String, address: String, message: String) -> String {
        func left(_ s: String, _ w: Int) -> String { s.count >= w ? s : s + String(repeating: " ", count: w - s.count) }
        func right(_ s: String, _ w: Int) -> String { s.count >= w ? s : String(repeating: " ", count: w - s.count) + s }
        let l = [left(time, 19), left(host, 12), right(cpu, 4), right(bank, 4), left(severity, 23),
                 left(dimm, 14), left(address, 14), message].joined(separator: " ")
        var t = l
        while t.hasSuffix(" ") { t.removeLast() }
        return t + "\n"
    }

    /// One record of `--errors --json`: one object per line, every key always present.
    static func errorJSON(_ e: HistoryEntry) -> [UInt8] {
        var w = JSONWriter(capacity: 512)
        w.beginObject()
        w.member("time", HistoryTime.utc(e.time))
        w.member("time_epoch", HistoryTime.floorSeconds(e.time))
        w.member("host", e.host)
        w.member("boot_id", e.bootID)
        w.member("cpu", e.cpu)
        w.member("socket", e.socket)
        w.member("bank", e.bank)
        w.member("severity", e.severity)
        w.member("kind", e.kind)
        w.member("dimm", e.dimm)
        w.member("channel", e.channel)
        w.member("address", e.address)
        w.member("message", e.message)
        w.member("message_id", e.messageClass.hex)
        w.endObject()
        w.newline()
        return w.bytes
    }
}
