/// The client's `dump` and `pages` replies (mcelog.md §8.3), byte for byte as upstream
/// writes them (without the trailing `done`), and JSON forms of the same data.
extension ResponseEngine {
    /// `dump [all] [bios]`. Buckets are aged to `now` first, as upstream does, which is why
    /// this mutates. Socket records are aged and shown with the socket thresholds (upstream
    /// uses the DIMM ones, quirk 18 of mcelog.md §24).
    public mutating func dumpText(all: Bool, bios: Bool, now: Int64) -> String {
        ageAll(now: now)
        var t = TextBuffer(capacity: 256)
        for (i, key) in dimms.keys.sorted().enumerated() {
            guard let r = dimms[key] else { continue }
            // Upstream separates entries even when the entry itself prints nothing.
            if i > 0 { t.newline() } else { t.line("Memory errors") }
            guard r.corrected.total > 0 || r.uncorrected.total > 0 || all else { continue }
            t.write("SOCKET "); t.decimal(UInt32(truncatingIfNeeded: key.socket))
            t.write(key.channel == -1 ? " CHANNEL any" : " CHANNEL \(key.channel)")
            t.write(key.dimm == -1 ? " DIMM any" : " DIMM \(key.dimm)")
            t.newline()
            if bios { biosLine(r, into: &t) }
            errorLines("corrected memory errors", r.corrected, all: all, into: &t)
            errorLines("uncorrected memory errors", r.uncorrected, all: all, into: &t)
        }
        return t.string
    }

    private func biosLine(_ r: DimmRecord, into t: inout TextBuffer) {
        var parts: [String] = []
        if let n = r.name { parts.append("DMI_NAME \"\(n)\"") }
        if let l = r.location { parts.append("DMI_LOCATION \"\(l)\"") }
        if !parts.isEmpty { t.line(parts.joined(separator: " ")) }
    }

    private func errorLines(_ title: String, _ e: ErrorTally, all: Bool, into t: inout TextBuffer) {
        if e.total > 0 || e.bucket.count > 0 || all { t.line(title + ":") }
        if e.total > 0 || all { t.write("\t"); t.decimal(e.total); t.line(" total") }
        if e.bucket.threshold != nil && (e.bucket.count > 0 || all) { t.line("\t" + e.bucket.description) }
    }

    mutating func ageAll(now: Int64) {
        for key in Array(dimms.keys) {
            guard var r = dimms[key] else { continue }
            r.corrected.bucket.age(at: now)
            r.uncorrected.bucket.age(at: now)
            dimms[key] = r
        }
    }

    /// `pages`: one entry per tracked page in address order, or nothing. Page buckets are
    /// not aged for this (as upstream).
    public func pagesText() -> String {
        var t = TextBuffer(capacity: 128)
        for (i, address) in pages.pages.keys.sorted().enumerated() {
            guard let p = pages[address] else { continue }
            if i == 0 { t.line("Per page corrected memory statistics:") }
            t.hex(address); t.write(": total "); t.decimal(p.total)
            t.write(" seen \""); t.write(p.bucket.description); t.write("\" ")
            t.write(p.state.upstreamName)
            if p.triggered { t.write(" triggered") }
            t.newline()
            t.newline()
        }
        return t.string
    }

    /// Every DIMM and socket record, aged to `now`:
    /// `{"dimms":[{"socket":0,"channel":1,"dimm":0,"name":null,"location":null,
    ///   "corrected":{"total":3,"recent":"3 in 24h"},"uncorrected":{...}}]}`;
    /// channel and dimm are null when unknown (socket records have both null).
    public mutating func dumpJSON(now: Int64) -> String {
        ageAll(now: now)
        var j = JSONWriter()
        j.beginObject(); j.key("dimms"); j.beginArray()
        for key in dimms.keys.sorted() {
            guard let r = dimms[key] else { continue }
            j.beginObject()
            j.member("socket", key.socket)
            j.member("channel", key.channel == -1 ? nil : key.channel)
            j.member("dimm", key.dimm == -1 ? nil : key.dimm)
            j.member("name", r.name)
            j.member("location", r.location)
            j.key("corrected"); tallyJSON(r.corrected, into: &j)
            j.key("uncorrected"); tallyJSON(r.uncorrected, into: &j)
            j.endObject()
        }
        j.endArray(); j.endObject()
        return j.string
    }

    private func tallyJSON(_ e: ErrorTally, into j: inout JSONWriter) {
        j.beginObject()
        j.member("total", e.total)
        j.member("recent", e.bucket.description)
        j.endObject()
    }

    /// `{"pages":[{"address":"0x40003000","total":1,"recent":"1 in 24h","state":"online",
    /// "triggered":false}]}` in address order; state includes `offline-pending`.
    public func pagesJSON() -> String {
        var j = JSONWriter()
        j.beginObject(); j.key("pages"); j.beginArray()
        for address in pages.pages.keys.sorted() {
            guard let p = pages[address] else { continue }
            j.beginObject()
            j.member("address", "0x" + Format.hex(address))
            j.member("total", p.total)
            j.member("recent", p.bucket.description)
            j.member("state", p.state.rawValue)
            j.key("triggered"); j.bool(p.triggered)
            j.endObject()
        }
        j.endArray(); j.endObject()
        return j.string
    }
}
