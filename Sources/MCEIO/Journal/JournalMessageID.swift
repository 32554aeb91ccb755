/// The constant MESSAGE_ID of each class of event mcelog writes to the journal.
///
/// One id per event *type*, never per instance (systemd.md §7.1): `journalctl MESSAGE_ID=…`
/// selects a class and `journalctl -x` shows its entry in conf/mcelog.catalog. Generated
/// once with `journalctl --new-id128`; never change one, consumers match on them.
public struct JournalMessageID: Sendable, Hashable, CustomStringConvertible {
    /// 32 lower-case hex digits, no dashes: the form journald stores and matches.
    public let hex: String
    /// Short name for logs and tests.
    public let name: String

    init(_ hex: String, _ name: String) {
        self.hex = hex
        self.name = name
    }

    public var description: String { hex }

    // Machine-check records (issue 3).
    /// A corrected error in memory (MCACOD memory controller / memory-as-cache).
    public static let correctedMemoryError = JournalMessageID("19b8d76f99044599b3477385cb5fb56c", "corrected-memory-error")
    /// An uncorrected, recoverable or fatal error in memory.
    public static let uncorrectedMemoryError = JournalMessageID("1bd5dc41140e4e6b8756ed568c5f39d2", "uncorrected-memory-error")
    /// Any other machine check: cache, TLB, bus, interconnect, I/O, internal, unclassified.
    public static let otherCPUError = JournalMessageID("273a0560b9bb4340895e817fb17ba780", "other-cpu-error")
    /// A thermal throttling notice (pseudo-bank 128).
    public static let thermalEvent = JournalMessageID("53cbb76f5bbd4e3cb7eb34ecb22530fe", "thermal-event")
    /// The kernel (tracefs missed events, /dev/mcelog overflow) or the daemon's own send
    /// queue dropped records. Fields: MCE_LOST_COUNT, MCE_SOURCE, MCE_CPU (when per CPU).
    public static let recordsLost = JournalMessageID("aaf51df5623b46a3914774302b2d6096", "records-lost")

    // Classes other issues add; the ids are fixed here so the catalog covers them.
    // The fields their catalog entries substitute are listed; emit those.
    /// A configured trigger ran. Fields: MCE_TRIGGER (path), MCE_TRIGGER_EXIT (exit
    /// status or signal text), MCE_THRESHOLD, MCE_CPU/MCE_BANK/DIMM when they apply.
    public static let triggerRun = JournalMessageID("8e38cc945e914afdb67b97e6c2866a1c", "trigger-run")
    /// A memory page was taken offline (or offlining failed). Fields: MCE_PAGE,
    /// MCE_OFFLINE_MODE (soft/hard), MCE_OFFLINE_RESULT (done/failed: reason), DIMM.
    public static let pageOffline = JournalMessageID("fd1c1bed96d3405e855f06da768b8cfe", "page-offline")
    /// A CPU was taken offline after cache errors (or offlining failed). Fields: MCE_CPU,
    /// MCE_SOCKET, MCE_OFFLINE_RESULT.
    public static let cpuOffline = JournalMessageID("9e90394e4d11437aad8c425da55e6c81", "cpu-offline")
    /// An error count exceeded its configured threshold (DIMM, socket, page, counter
    /// replacement, cache): upstream's `*-log` message. Fields: MCE_THRESHOLD ("N in 24h"),
    /// MCE_THRESHOLD_KIND, MCE_LOCATION, DIMM when known.
    public static let thresholdExceeded = JournalMessageID("adfb120cc3f64c229a0f88977f84a2bd", "threshold-exceeded")
    /// SIGHUP re-read a configuration that was rejected; the old one stays. Fields:
    /// MCE_CONFIG (path), MCE_CONFIG_ERROR (why).
    public static let configReloadFailed = JournalMessageID("de4fb400e7a84b9e9b8ea3dc2a395397", "config-reload-failed")

    /// Every id, for the catalog test and for listing.
    public static let all: [JournalMessageID] = [
        correctedMemoryError, uncorrectedMemoryError, otherCPUError, thermalEvent, recordsLost,
        triggerRun, pageOffline, cpuOffline, configReloadFailed, thresholdExceeded,
    ]
}
