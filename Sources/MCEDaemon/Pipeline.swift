import MachineCheck
import MCEIO

/// A record decoded on the reader's side, ready for a sink.
public struct DecodedRecord: Sendable {
    public var record: MachineCheckRecord
    public var facts: DecodeFacts
    /// Upstream's text for the record (what `mcelog` prints in device mode, without MCE n).
    public var text: TextBuffer
    /// DIMM name where known (EDAC label, then SMBIOS).
    public var dimmName: String?
}

/// What the sender thread handles, in order.
public enum Outgoing: Sendable {
    case record(DecodedRecord)
    /// Records lost before we saw them (kernel overflow, missed tracepoint events).
    case lost(count: Int, source: String, detail: String)
    /// A daemon notice for the journal (reload failure, read problems...), with the
    /// MESSAGE_ID of its class where it has one.
    case notice(priority: Int, message: String, id: JournalMessageID?, fields: [(name: String, value: String)])
}

/// Decodes records in arrival order with the CPU type they name (sticky), the forced type,
/// or the host's.
public struct RecordPipeline: Sendable {
    public var tracker: CPUTypeTracker
    public var formatter: RecordFormatter
    /// Drop what upstream's device mode drops as known noise (`--filter`, the default;
    /// `--no-filter` keeps it): K8 GART errors.
    public var filter: Bool
    var labels: [(page: UInt64, label: String)] = []

    public init(forced: CPUType?, hostType: CPUType, formatter: RecordFormatter, filter: Bool = true) {
        tracker = CPUTypeTracker(forced: forced, initial: hostType)
        self.formatter = formatter
        self.filter = filter
    }

    /// Returns the decoded record, or nil for filtered noise, plus warnings about CPU
    /// identification.
    public mutating func decode(_ record: MachineCheckRecord) -> (DecodedRecord?, [String]) {
        let warnings = tracker.observe(record)
        if filter && DeviceFilter.isBogus(record, cpuType: tracker.current) { return (nil, warnings) }
        var text = TextBuffer(capacity: 768)
        text.line(RecordFormatter.disclaimer)
        let facts = formatter.format(record, cpuType: tracker.current, into: &text)
        return (DecodedRecord(record: record, facts: facts, text: text, dimmName: label(for: facts)), warnings)
    }
}

extension RecordPipeline {
    /// EDAC labels seen on `ras:mc_event`, by 4 KiB page, most recent last (bounded).
    mutating func rememberLabel(_ label: String, address: UInt64) {
        labels.removeAll { $0.page == address & ~0xfff }
        labels.append((address & ~0xfff, label))
        if labels.count > 256 { labels.removeFirst(labels.count - 256) }
    }

    func label(for facts: DecodeFacts) -> String? {
        guard let page = facts.page else { return nil }
        return labels.last(where: { $0.page == page })?.label
    }
}
