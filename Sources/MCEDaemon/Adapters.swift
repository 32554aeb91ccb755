import MachineCheck
import MCEIO

/// The journal as the daemon's structured sink.
public struct JournalSink: StructuredSink {
    public let writer: JournalWriter
    public init(socketPath: String = JournalWriter.defaultSocketPath) { writer = JournalWriter(socketPath: socketPath) }

    /// False when journald's socket is absent (one stat, in `JournalWriter.send`) or the send failed.
    public func send(_ item: Outgoing) -> Bool {
        writer.send(JournalSink.entry(for: item)) == .sent
    }

    public static func entry(for item: Outgoing) -> JournalEntry {
        switch item {
        case .record(let d):
            return JournalEntry.machineCheck(d.record, facts: d.facts, decoded: d.text, dimmName: d.dimmName)
        case .lost(let n, let source, _):
            return JournalEntry.recordsLost(count: UInt64(max(n, 0)), source: source)
        case .notice(let priority, let message, let id, let fields):
            if let id, let e = try? JournalEntry.event(id, priority: priority, message: message, fields: fields) { return e }
            var e = JournalEntry()
            try? e.append("MESSAGE", message)
            try? e.append("PRIORITY", String(priority))
            try? e.append("SYSLOG_IDENTIFIER", JournalEntry.syslogIdentifier)
            for f in fields { try? e.append(f.name, f.value) }
            return e
        }
    }
}
