import CSystemd
import Glibc

/// Reads journal entries through sd-journal: the local system journal (every boot it still
/// holds, persistent and runtime) or the files of one directory (a fleet's journals
/// collected by systemd-journal-remote, a copied /var/log/journal/<machine-id>).
///
/// One reader belongs to one thread: sd-journal objects must not be shared.
/// Field data handed to `forEachField` points into sd-journal's mmapped files and is valid
/// only during the call; copy what must outlive it.
public final class JournalReader {
    /// Where the entries come from.
    public enum Location: Sendable, Equatable, CustomStringConvertible {
        /// This machine's system journal (`sd_journal_open(LOCAL_ONLY | SYSTEM)`): the files
        /// journald writes, all boots. User journals are left out: mcelog writes as a
        /// system service.
        case localSystem
        /// Every journal file in a directory (`sd_journal_open_directory`), and the
        /// per-machine subdirectories journald and journal-remote create under it.
        case directory(String)

        public var description: String {
            switch self {
            case .localSystem: return "the system journal"
            case .directory(let d): return "journal directory `\(d)'"
            }
        }
    }

    private let journal: OpaquePointer
    public let location: Location

    public init(_ location: Location) throws(JournalReadError) {
        var j: OpaquePointer? = nil
        let rc: Int32
        switch location {
        case .localSystem:
            rc = sd_journal_open(&j, Int32(SD_JOURNAL_LOCAL_ONLY | SD_JOURNAL_SYSTEM))
        case .directory(let path):
            // sd_journal_open_directory succeeds on a missing directory and then reads
            // nothing; an operator who typed a wrong path should hear so.
            var st = stat()
            guard stat(path, &st) == 0 else { throw JournalReadError(operation: "open", location: location, errno: errno) }
            guard st.st_mode & S_IFMT == S_IFDIR else { throw JournalReadError(operation: "open", location: location, errno: ENOTDIR) }
            rc = sd_journal_open_directory(&j, path, 0)
        }
        guard rc >= 0, let opened = j else { throw JournalReadError(operation: "open", location: location, errno: -rc) }
        journal = opened
        self.location = location
    }

    deinit { sd_journal_close(journal) }

    /// Whether any journal file could be opened at all (none: wrong directory, or no
    /// permission to read the system journal: not root, not in group adm/systemd-journal).
    /// (The has_persistent/runtime_files calls only know journald's own directories.)
    public var hasFiles: Bool {
        var bytes: UInt64 = 0
        return sd_journal_get_usage(journal, &bytes) >= 0 && bytes > 0
    }

    /// Restricts iteration to entries with `field=value`. Matches on the same field OR,
    /// matches on different fields AND (journalctl's rules).
    public func addMatch(_ field: String, _ value: String) throws(JournalReadError) {
        let item = field + "=" + value
        let rc = item.utf8CString.withUnsafeBufferPointer { buf -> Int32 in
            sd_journal_add_match(journal, buf.baseAddress, buf.count - 1)
        }
        if rc < 0 { throw JournalReadError(operation: "add match \(item) to", location: location, errno: -rc) }
    }

    /// Fields longer than `bytes` may be returned truncated to their first `bytes`: the
    /// reader then skips decompressing long fields it does not need in full (MCE_DECODED).
    /// 0 means no limit.
    public func setDataThreshold(_ bytes: Int) {
        _ = sd_journal_set_data_threshold(journal, max(0, bytes))
    }

    /// Positions before the first entry received at or after `microseconds` (wall clock).
    public func seek(realtimeMicroseconds microseconds: UInt64) throws(JournalReadError) {
        let rc = sd_journal_seek_realtime_usec(journal, microseconds)
        if rc < 0 { throw JournalReadError(operation: "seek in", location: location, errno: -rc) }
    }

    public func seekHead() throws(JournalReadError) {
        let rc = sd_journal_seek_head(journal)
        if rc < 0 { throw JournalReadError(operation: "seek in", location: location, errno: -rc) }
    }

    /// Advances to the next matching entry; false at the end.
    public func next() throws(JournalReadError) -> Bool {
        let rc = sd_journal_next(journal)
        if rc < 0 { throw JournalReadError(operation: "read", location: location, errno: -rc) }
        return rc > 0
    }

    /// The current entry's reception time (journald's clock), microseconds since the epoch.
    public func realtimeMicroseconds() throws(JournalReadError) -> UInt64 {
        var t: UInt64 = 0
        let rc = sd_journal_get_realtime_usec(journal, &t)
        if rc < 0 { throw JournalReadError(operation: "read the timestamp from", location: location, errno: -rc) }
        return t
    }

    /// Calls `body` with each `NAME=value` item of the current entry, once, in the entry's
    /// order. One pass over the entry's items: cheaper than one `sd_journal_get_data` per
    /// wanted field, which scans the items again each time. Items sd-journal cannot read
    /// (a compression it lacks, a corrupt object) are skipped, as journalctl does.
    public func forEachField(_ body: (UnsafeRawBufferPointer) -> Void) {
        sd_journal_restart_data(journal)
        var data: UnsafeRawPointer? = nil
        var length = 0
        while sd_journal_enumerate_available_data(journal, &data, &length) > 0 {
            guard let d = data else { continue }
            body(UnsafeRawBufferPointer(start: d, count: length))
        }
    }

    /// The value of one field of the current entry, nil when it has none.
    public func value(of field: String) -> [UInt8]? {
        var data: UnsafeRawPointer? = nil
        var length = 0
        guard sd_journal_get_data(journal, field, &data, &length) >= 0, let d = data else { return nil }
        let item = UnsafeRawBufferPointer(start: d, count: length)
        let nameLength = field.utf8.count + 1
        guard item.count >= nameLength else { return nil }
        return Array(item[nameLength...])
    }
}

/// A failed sd-journal call, naming what was being read.
public struct JournalReadError: Error, CustomStringConvertible, Sendable, Equatable {
    public let operation: String
    public let location: JournalReader.Location
    public let errno: Int32

    public var description: String {
        "cannot \(operation) \(location): \(String(cString: strerror(errno)))"
    }
}
