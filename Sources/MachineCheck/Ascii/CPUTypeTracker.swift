/// Which decoder the next record uses: forced by `--cpu`, or taken from the records' CPUID
/// and kept for later records without one ("sticky", as upstream, mcelog.md §15.1).
public struct CPUTypeTracker: Sendable {
    public private(set) var current: CPUType
    public let forced: Bool
    private var warnedMismatch = false

    public init(forced: CPUType? = nil, initial: CPUType = .generic) {
        self.current = forced ?? initial
        self.forced = forced != nil
    }

    /// Updates the type from a record; returns warnings to show on stderr.
    public mutating func observe(_ record: MachineCheckRecord) -> [String] {
        guard record.cpuid != 0 else { return [] }
        let selection = CPUTypeSelector.select(vendor: record.cpuvendor, cpuid: record.cpuid)
        var warnings: [String] = []
        if let w = selection.warning { warnings.append(w) }
        if !forced {
            current = selection.type
        } else if selection.type != current && selection.type != .generic && !warnedMismatch {
            warnings.append("Forced cputype \(current.displayName) does not match cpu type \(selection.type.displayName) from mcelog")
            warnedMismatch = true
        }
        return warnings
    }
}
