import MachineCheck
/// `--json` output of records: the journal entry itself as one JSON object, so a tool that
/// reads `mcelog --ascii --json` reads the same names and values as one that reads
/// `journalctl -t mcelog -o json`.
extension JSONWriter {
    /// Writes `entry` as an object, fields in the entry's order. Values follow
    /// `journalctl -o json`: a string when the value is valid UTF-8 made of printable
    /// characters, newlines and tabs (MCE_DECODED is multi-line text), otherwise an array of
    /// byte values.
    public mutating func journalEntry(_ entry: JournalEntry) {
        beginObject()
        for (name, value) in entry.fields {
            key(name)
            if JSONWriter.isJournalText(value) {
                string(utf8: value)
            } else {
                beginArray()
                for b in value { integer(b) }
                endArray()
            }
        }
        endObject()
    }

    /// journalctl's test for writing a value as a JSON string: valid UTF-8 and no control
    /// characters other than tab and newline (C0, DEL and the C1 range U+0080...U+009F).
    public static func isJournalText(_ value: [UInt8]) -> Bool {
        guard isValidUTF8(value) else { return false }
        var i = 0
        while i < value.count {
            let b = value[i]
            if b < 0x20 && b != 0x09 && b != 0x0a { return false }
            if b == 0x7f { return false }
            // U+0080...U+009F are encoded as C2 80 ... C2 9F.
            if b == 0xc2, i + 1 < value.count, value[i + 1] <= 0x9f { return false }
            i += 1
        }
        return true
    }

    /// One entry as one line of JSON Lines output.
    public static func jsonLine(_ entry: JournalEntry) -> [UInt8] {
        var w = JSONWriter(capacity: 2048)
        w.journalEntry(entry)
        w.newline()
        return w.bytes
    }
}
