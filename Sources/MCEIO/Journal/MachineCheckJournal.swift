import MachineCheck

/// Builders for the entries mcelog writes: one per machine-check record, one per loss of
/// records, and a generic one for the event classes other parts of the daemon add.
/// Pure: no I/O, deterministic for the same input.
extension JournalEntry {
    /// The identifier every mcelog entry carries (`journalctl -t mcelog`).
    public static let syslogIdentifier = "mcelog"

    /// The entry for one decoded record (issue 3 item 2).
    ///
    /// - Parameters:
    ///   - record: the record as the kernel sent it; `length` decides which of the later
    ///     fields (socket, APIC id, MCG_CAP, SYND, IPID, PPIN, microcode) exist at all.
    ///   - facts: what the decoder learned (severity, kind, channel, address).
    ///   - decoded: the decode text (RecordFormatter output), stored as MCE_DECODED with
    ///     trailing newlines removed.
    ///   - dimmName: the DIMM the error belongs to when the caller knows it (EDAC label
    ///     first, else the SMBIOS locator); gives DIMM and MCE_DIMM.
    public static func machineCheck<Text: BidirectionalCollection>(
        _ record: MachineCheckRecord, facts: DecodeFacts, decoded: Text, dimmName: String? = nil
    ) -> JournalEntry where Text.Element == UInt8 {
        var e = JournalEntry()
        let dimm = dimmName.flatMap { $0.isEmpty ? nil : $0 }
        e.add("MESSAGE", bytes: summary(record, facts: facts, dimmName: dimm).bytes)
        e.add("MESSAGE_ID", messageID(for: facts).hex)
        e.addDecimal("PRIORITY", UInt64(facts.severity.priority))
        e.add("SYSLOG_IDENTIFIER", syslogIdentifier)
        e.add("MCE_SEVERITY", facts.severity.name)
        e.add("MCE_KIND", facts.kind.rawValue)

        e.addDecimal("MCE_CPU", UInt64(record.cpuNumber))
        e.addDecimal("MCE_BANK", UInt64(record.bank))
        if record.carries(fieldAt: RecordOffset.socketid) { e.addDecimal("MCE_SOCKET", UInt64(record.socketid)) }
        if record.carries(fieldAt: RecordOffset.apicid) { e.addDecimal("MCE_APICID", UInt64(record.apicid)) }
        if record.carries(fieldAt: RecordOffset.cs) { e.addDecimal("MCE_CS", UInt64(record.cs)) }

        e.addHex("MCE_STATUS", record.status)
        // As upstream: the registers are only meaningful when their valid bits say so.
        if record.status & MCiStatus.addrv != 0 { e.addHex("MCE_ADDR", record.addr) }
        if record.status & MCiStatus.miscv != 0 { e.addHex("MCE_MISC", record.misc) }
        e.addHex("MCE_MCGSTATUS", record.mcgstatus)
        if record.carries(fieldAt: RecordOffset.mcgcap) { e.addHex("MCE_MCGCAP", record.mcgcap) }
        e.addHex("MCE_IP", record.ip)
        e.addHex("MCE_TSC", record.tsc)
        if record.carries(fieldAt: RecordOffset.synd) { e.addHex("MCE_SYND", record.synd) }
        if record.carries(fieldAt: RecordOffset.ipid) { e.addHex("MCE_IPID", record.ipid) }
        if record.carries(fieldAt: RecordOffset.ppin) { e.addHex("MCE_PPIN", record.ppin) }
        if record.carries(fieldAt: RecordOffset.microcode) { e.addHex("MCE_MICROCODE", UInt64(record.microcode)) }
        if record.carries(fieldAt: RecordOffset.cpuid) { e.addHex("MCE_CPUID", UInt64(record.cpuid)) }
        // Zero means the kernel gave no time; journald's own timestamp is the reception time.
        if record.time != 0 { e.addDecimal("MCE_TIME", record.time) }
        // Unlike the decoded text, the field names vendors newer than upstream's table.
        e.add("MCE_CPUVENDOR", CPUIdentity.kernelVendorName(record.cpuvendor) ?? "vendor " + Format.decimal(record.cpuvendor))

        if let d = dimm {
            e.add("DIMM", d)
            // DIMM is a global name other programs may use too; MCE_DIMM is unambiguously ours.
            e.add("MCE_DIMM", d)
        }
        if let ch = facts.channel, ch >= 0 { e.addDecimal("MCE_CHANNEL", UInt64(ch)) }
        if let page = facts.page { e.addHex("MCE_PAGE", page) }

        var end = decoded.endIndex
        while end != decoded.startIndex, decoded[decoded.index(before: end)] == 0x0a {
            end = decoded.index(before: end)
        }
        e.add("MCE_DECODED", bytes: decoded[decoded.startIndex..<end])
        return e
    }

    /// Convenience for `RecordFormatter.Output.text`.
    public static func machineCheck(_ record: MachineCheckRecord, facts: DecodeFacts,
                                    decoded: TextBuffer, dimmName: String? = nil) -> JournalEntry {
        machineCheck(record, facts: facts, decoded: decoded.bytes, dimmName: dimmName)
    }

    public static func machineCheck(_ record: MachineCheckRecord, facts: DecodeFacts,
                                    decoded: String, dimmName: String? = nil) -> JournalEntry {
        machineCheck(record, facts: facts, decoded: decoded.utf8, dimmName: dimmName)
    }

    /// Records that never reached us: tracefs' missed-events flag, /dev/mcelog's overflow
    /// flag, or the daemon's own full send queue. `source` names which (e.g. "tracefs",
    /// "/dev/mcelog", "send queue"); `cpu` is set when the loss is per CPU buffer.
    public static func recordsLost(count: UInt64, source: String, cpu: UInt32? = nil) -> JournalEntry {
        var e = JournalEntry()
        var m = TextBuffer(capacity: 96)
        // 0: the source knows only that records were lost (MCE_OVERFLOW, a ring-buffer page
        // without a missed-events count), never how many.
        if count == 0 {
            m.write("Lost machine check records, count unknown (")
        } else {
            m.write("Lost "); m.decimal(count)
            m.write(count == 1 ? " machine check record (" : " machine check records (")
        }
        m.write(oneLine(source))
        if let c = cpu { m.write(", CPU "); m.decimal(c) }
        m.write(")")
        e.add("MESSAGE", bytes: m.bytes)
        e.add("MESSAGE_ID", JournalMessageID.recordsLost.hex)
        // err: lost records may have been uncorrected errors nobody will ever see.
        e.addDecimal("PRIORITY", 3)
        e.add("SYSLOG_IDENTIFIER", syslogIdentifier)
        if count == 0 { e.add("MCE_LOST_COUNT", "unknown") } else { e.addDecimal("MCE_LOST_COUNT", count) }
        e.add("MCE_SOURCE", source)
        if let c = cpu { e.addDecimal("MCE_CPU", UInt64(c)) }
        return e
    }

    /// Any other event class (trigger run, page/CPU offline, reload failure, ...): the four
    /// standard fields, then `fields` in order. Rejects invalid or repeated names (including
    /// the standard four) and priorities outside syslog's 0...7.
    public static func event(_ id: JournalMessageID, priority: Int, message: String,
                             fields: [(name: String, value: String)] = []) throws(JournalEntryError) -> JournalEntry {
        guard (0...7).contains(priority) else { throw .invalidPriority(priority) }
        var e = JournalEntry()
        e.add("MESSAGE", message)
        e.add("MESSAGE_ID", id.hex)
        e.addDecimal("PRIORITY", UInt64(priority))
        e.add("SYSLOG_IDENTIFIER", syslogIdentifier)
        for f in fields { try e.append(f.name, f.value) }
        return e
    }

    /// The event class of a decoded record.
    public static func messageID(for facts: DecodeFacts) -> JournalMessageID {
        if facts.kind == .thermal { return .thermalEvent }
        if facts.kind == .memory || facts.isMemoryError {
            return facts.severity == .corrected ? .correctedMemoryError : .uncorrectedMemoryError
        }
        return .otherCPUError
    }

    /// MESSAGE: one line an operator can read at a glance, e.g.
    /// `Corrected memory error: CPU 0 bank 1 addr 0x1234000 DIMM CPU0_DIMM_A1`.
    static func summary(_ r: MachineCheckRecord, facts: DecodeFacts, dimmName: String?) -> TextBuffer {
        var m = TextBuffer(capacity: 128)
        m.write(severityTitle(facts.severity)); m.write(" ")
        m.write(kindPhrase(facts.kind)); m.write(": CPU "); m.decimal(r.cpuNumber)
        m.write(" bank "); m.decimal(r.bank)
        if let a = facts.address { m.write(" addr 0x"); m.hex(a) }
        if let d = dimmName { m.write(" DIMM "); m.write(oneLine(d)) }
        return m
    }

    static func severityTitle(_ s: Severity) -> String {
        switch s {
        case .corrected: return "Corrected"
        case .uncorrected: return "Uncorrected"
        case .recoverable(.optional): return "Uncorrected recoverable (action optional)"
        case .recoverable(.required): return "Uncorrected recoverable (action required)"
        case .fatal: return "Fatal"
        case .informational: return "Informational"
        }
    }

    static func kindPhrase(_ k: ErrorKind) -> String {
        switch k {
        case .memory: return "memory error"
        case .cache: return "cache error"
        case .tlb: return "TLB error"
        case .bus: return "bus error"
        case .interconnect: return "interconnect error"
        case .io: return "I/O error"
        case .internal: return "internal error"
        case .thermal: return "thermal event"
        case .microcode: return "microcode error"
        case .unknown: return "machine check"
        }
    }

    /// Control characters (a newline in a DIMM label) would break MESSAGE's one line.
    static func oneLine(_ s: String) -> String {
        guard s.utf8.contains(where: { $0 < 0x20 || $0 == 0x7f }) else { return s }
        return String(decoding: s.utf8.map { $0 < 0x20 || $0 == 0x7f ? UInt8(ascii: " ") : $0 }, as: UTF8.self)
    }

    // Numbers are formatted straight into the entry's buffer: no String per field.

    /// `0x` + lower-case hex, no padding.
    mutating func addHex(_ name: String, _ v: UInt64) {
        add(name) { out in
            out.append(UInt8(ascii: "0")); out.append(UInt8(ascii: "x"))
            Format.appendHex(v, to: &out)
        }
    }

    /// Unsigned decimal.
    mutating func addDecimal(_ name: String, _ v: UInt64) {
        add(name) { out in Format.appendDecimal(v, to: &out) }
    }
}
