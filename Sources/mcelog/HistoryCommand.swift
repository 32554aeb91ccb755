import Glibc
import MCEIO

/// `mcelog --summary` and `mcelog --errors`: the machine checks mcelog wrote to the journal,
/// over every boot the journal still holds, read through sd-journal.
enum HistoryCommand {
    enum Mode { case summary, errors }

    /// What to read.
    struct Query {
        var location: JournalReader.Location = .localSystem
        /// Event-time bounds, microseconds since the epoch, inclusive.
        var since: Int64? = nil
        var until: Int64? = nil
    }

    static func query(_ o: CommandLineOptions) -> Query {
        var q = Query()
        if let d = o.journalDirectory { q.location = .directory(d) }
        let now = HistoryTime.now()
        do {
            if let s = o.since { q.since = try HistoryTime.parse(s, nowMicroseconds: now) }
            if let u = o.until { q.until = try HistoryTime.parse(u, nowMicroseconds: now) }
        } catch {
            fail("--since/--until: \(error.message)")
        }
        if let s = q.since, let u = q.until, s > u { fail("--since is later than --until: nothing can match") }
        return q
    }

    static func run(_ o: CommandLineOptions, mode: Mode) -> Int32 {
        let q = query(o)
        var out = StandardOutput()
        do {
            switch mode {
            case .summary:
                var summary = HistorySummary()
                let reader = try read(q, classes: HistoryEntry.summaryClasses, wantMessage: false) { summary.add($0) }
                warnIfUnreadable(reader)
                if o.json {
                    out.buffer.write(bytes: HistoryRender.summaryJSON(summary)[...])
                } else {
                    out.buffer.write(HistoryRender.summaryText(summary, location: reader.location.description))
                }
            case .errors:
                if !o.json { out.buffer.write(HistoryRender.errorHeading) }
                let reader = try read(q, classes: HistoryEntry.recordClasses, wantMessage: true) { e in
                    if o.json {
                        out.buffer.write(bytes: HistoryRender.errorJSON(e)[...])
                    } else {
                        out.buffer.write(HistoryRender.errorText(e))
                    }
                    out.flushIfLarge()
                }
                warnIfUnreadable(reader)
            }
        } catch {
            out.flush()
            fail("\(error)")
        }
        out.flush()
        return 0
    }

    /// journalctl's hint: without permission the system journal reads as empty.
    static func warnIfUnreadable(_ reader: JournalReader) {
        guard !reader.hasFiles else { return }
        if case .localSystem = reader.location, geteuid() != 0 {
            Diagnostics.error("no journal files could be read: run as root or as a member of the groups adm or systemd-journal")
        } else {
            Diagnostics.error("no journal files in \(reader.location)")
        }
    }

    /// Reads every entry of `classes` in `q`'s time range, oldest first, and hands each to
    /// `body`. Returns the reader so the caller can ask whether files were found.
    @discardableResult
    static func read(_ q: Query, classes: [JournalMessageID], wantMessage: Bool,
                     _ body: (HistoryEntry) -> Void) throws(JournalReadError) -> JournalReader {
        let reader = try JournalReader(q.location)
        // Same field, several values: OR. Only our MESSAGE_IDs' entries are visited; the
        // journal's per-field index finds them without reading anything else.
        for c in classes { try reader.addMatch("MESSAGE_ID", c.hex) }
        // The fields read are short; a long compressed one (MCE_DECODED) needs only its
        // first bytes decompressed to be recognised and skipped. MESSAGE is one line.
        reader.setDataThreshold(wantMessage ? 4096 : 256)
        if let s = q.since {
            // Reception is never before the event, so entries received before `since`
            // cannot qualify: start there instead of at the oldest file.
            try reader.seek(realtimeMicroseconds: UInt64(clamping: s))
        } else {
            try reader.seekHead()
        }
        var builder = HistoryEntry.Builder(wantMessage: wantMessage)
        while try reader.next() {
            builder.reset()
            reader.forEachField { builder.take($0) }
            guard let e = builder.build(receivedMicroseconds: (try? reader.realtimeMicroseconds()) ?? 0) else { continue }
            if let s = q.since, e.time < s { continue }
            if let u = q.until, e.time > u { continue }
            body(e)
        }
        return reader
    }
}
