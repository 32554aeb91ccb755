/// `mcelog --ascii`: text in, upstream's decoded text out, streaming line by line.
public struct AsciiTranscoder: Sendable {
    public var formatter: RecordFormatter
    public var tracker: CPUTypeTracker
    public var parser = AsciiRecordParser()
    /// `--raw`: key/value dump instead of the decode, input text not echoed.
    public var raw = false

    public init(formatter: RecordFormatter = RecordFormatter(), tracker: CPUTypeTracker = CPUTypeTracker()) {
        self.formatter = formatter
        self.tracker = tracker
    }

    /// One line of input; decoded text goes to `out`, diagnostics to `diagnose`.
    public mutating func feed(line: ArraySlice<UInt8>, out: inout TextBuffer,
                              onRecord: (DecodeFacts, MachineCheckRecord) -> Void = { _, _ in },
                              diagnose: (String) -> Void) {
        let result = parser.feed(line: line)
        if let r = result.record { handle(r, out: &out, onRecord: onRecord, diagnose: diagnose) }
        if let t = result.text, !raw { out.write(bytes: t) }
    }

    public mutating func finish(out: inout TextBuffer,
                                onRecord: (DecodeFacts, MachineCheckRecord) -> Void = { _, _ in },
                                diagnose: (String) -> Void) {
        if let r = parser.finish() { handle(r, out: &out, onRecord: onRecord, diagnose: diagnose) }
    }

    mutating func handle(_ parsed: AsciiRecordParser.ParsedRecord, out: inout TextBuffer,
                         onRecord: (DecodeFacts, MachineCheckRecord) -> Void, diagnose: (String) -> Void) {
        for p in parsed.problems { diagnose(p) }
        for w in tracker.observe(parsed.record) { diagnose(w) }
        if raw {
            RawFormatter.format(parsed.record, into: &out)
            return
        }
        if !parsed.disclaimerSeen { out.line(RecordFormatter.disclaimer) }
        let facts = formatter.format(parsed.record, cpuType: tracker.current, into: &out)
        if let symbol = parsed.symbol { out.write("RIP: "); out.line(symbol) }
        if parsed.incomplete { out.line("(Fields were incomplete)") }
        onRecord(facts, parsed.record)
    }
}


/// `--raw` output (upstream's `dump_mce_raw_ascii`, mcelog.md §18.5): one item per line with
/// C's `%#x` conventions (`0` for zero, `0x` prefix otherwise).
public enum RawFormatter {
    public static func format(_ r: MachineCheckRecord, into out: inout TextBuffer) {
        func altHex<T: BinaryInteger>(_ v: T) { if v != 0 { out.write("0x"); out.hex(v) } else { out.write("0") } }
        if r.finished == 0 { out.line("not finished?") }
        out.write("CPU "); out.decimal(r.cpuNumber); out.newline()
        out.write("BANK "); out.decimal(r.bank); out.newline()
        out.write("TSC "); altHex(r.tsc); out.newline()
        out.write("RIP ")
        if r.cs != 0 { out.write("0x"); out.hex(r.cs) } else { out.write("00") }
        out.write(":"); altHex(r.ip); out.newline()
        out.write("MISC "); altHex(r.misc); out.newline()
        out.write("ADDR "); altHex(r.addr); out.newline()
        out.write("STATUS "); altHex(r.status); out.newline()
        out.write("MCGSTATUS "); altHex(r.mcgstatus); out.newline()
        if r.carries(fieldAt: RecordOffset.cpuid) {
            out.write("PROCESSOR "); out.decimal(r.cpuvendor); out.write(":"); altHex(r.cpuid); out.newline()
        }
        if r.carries(fieldAt: RecordOffset.time) { out.write("TIME "); out.decimal(r.time); out.newline() }
        if r.carries(fieldAt: RecordOffset.socketid) { out.write("SOCKETID "); out.decimal(r.socketid); out.newline() }
        if r.carries(fieldAt: RecordOffset.apicid) { out.write("APICID "); out.decimal(r.apicid); out.newline() }
        if r.carries(fieldAt: RecordOffset.mcgcap) { out.write("MCGCAP "); altHex(r.mcgcap); out.newline() }
        out.newline()
    }
}
