import Glibc

public enum PageOfflineMode: String, Sendable, CaseIterable {
    case soft
    case hard

    var fileName: String { self == .soft ? "soft_offline_page" : "hard_offline_page" }
}

public enum PageOfflineResult: Equatable, Sendable {
    case offlined
    /// The kernel (or the open) refused: EBUSY, EIO ("unhandlable page"), ENXIO (not RAM),
    /// EOPNOTSUPP (soft offline disabled by vm.enable_soft_offline), EPERM, ENOENT ...
    case failed(errno: Int32, reason: String)
}

/// Page offlining through /sys/devices/system/memory/{soft,hard}_offline_page
/// (kernel-interfaces.md §5.1, mcelog.md §11.3). The sysfs root is configurable for tests.
public struct PageOffliner: Sendable {
    public let sysfsRoot: String

    public init(sysfsRoot: String = "/sys") {
        self.sysfsRoot = sysfsRoot
    }

    public func path(for mode: PageOfflineMode) -> String {
        joinPath(sysfsRoot, "devices/system/memory/" + mode.fileName)
    }

    /// Upstream's start-up check: the file for the chosen action is writable (access W_OK);
    /// when it is not, upstream logs "Kernel does not support page offline interface" and
    /// falls back to `account`.
    public func isSupported(_ mode: PageOfflineMode) -> Bool {
        access(path(for: mode), W_OK) == 0
    }

    public static let unsupportedText = "Kernel does not support page offline interface"

    /// Writes the address as C's `%#llx` ("0x1234000"; "0" for zero) in one write(); the
    /// kernel parses it with base auto-detection and offlines the page holding it.
    public func offline(physicalAddress: UInt64, mode: PageOfflineMode) -> PageOfflineResult {
        if let code = SysfsIO.writeOnce(path(for: mode), Self.addressText(physicalAddress)) {
            return .failed(errno: code, reason: errnoText(code))
        }
        return .offlined
    }

    /// `%#llx`: the `#` flag adds "0x" only to a non-zero value.
    public static func addressText(_ address: UInt64) -> String {
        address == 0 ? "0" : "0x" + String(address, radix: 16)
    }
}

/// Whether the kernel's own corrected-error collector (CONFIG_RAS_CEC, drivers/ras/cec.c) is
/// active (kernel-interfaces.md §5.3). When it is, it soft-offlines pages by itself after
/// `action_threshold` CEs and hides the CEs below that from /dev/mcelog, so our page policy
/// should only account, or pages get offlined twice.
public struct CorrectedErrorCollector: Equatable, Sendable {
    public enum State: Equatable, Sendable {
        case active
        case inactive
        /// debugfs not mounted and no kernel config to read: cannot tell.
        case unknown
    }
    public var state: State
    /// What the decision rests on, for the journal ("/sys/kernel/debug/ras/cec present", ...).
    public var evidence: String
    /// debugfs `action_threshold` / `decay_interval` (seconds) when readable.
    public var actionThreshold: Int?
    public var decayIntervalSeconds: Int?

    public var isActive: Bool { state == .active }

    public init(state: State, evidence: String, actionThreshold: Int? = nil, decayIntervalSeconds: Int? = nil) {
        self.state = state
        self.evidence = evidence
        self.actionThreshold = actionThreshold
        self.decayIntervalSeconds = decayIntervalSeconds
    }

    /// Facts used, strongest first:
    /// 1. `ras=cec_disable` on the kernel command line: cec_init() returns before it registers
    ///    anything, so the collector is off (and creates no debugfs directory).
    /// 2. `<debugfs>/ras/cec/` exists: the collector is registered.
    /// 3. `<debugfs>/ras/` exists without `cec/`: debugfs is up and the RAS core is there, but
    ///    no collector (not built, or disabled).
    /// 4. Otherwise (debugfs not mounted, or no RAS core) the kernel config of the running
    ///    release: `CONFIG_RAS_CEC=y` active, `# CONFIG_RAS_CEC is not set` inactive.
    /// 5. Nothing readable: unknown.
    /// `release` nil = uname's. Roots are configurable so tests lay out their own trees.
    public static func detect(debugfsRoot: String = "/sys/kernel/debug", procRoot: String = "/proc",
                              bootRoot: String = "/boot", release: String? = nil) -> CorrectedErrorCollector {
        let cmdlinePath = joinPath(procRoot, "cmdline")
        if case .success(let cmdline) = SysfsIO.read(cmdlinePath, limit: 1 << 16) {
            let words = cmdline.split(whereSeparator: { $0 == " " || $0 == "\n" || $0 == "\t" || $0 == "\0" })
            // The ras= parameter takes a list ("ras=cec_disable" is the only documented value).
            for word in words where word.hasPrefix("ras=") {
                if word.dropFirst(4).split(separator: ",").contains("cec_disable") {
                    return CorrectedErrorCollector(state: .inactive, evidence: "ras=cec_disable on the kernel command line")
                }
            }
        }
        let cec = joinPath(debugfsRoot, "ras/cec")
        if SysfsIO.isDirectory(cec) {
            return CorrectedErrorCollector(
                state: .active, evidence: "\(cec) present",
                actionThreshold: SysfsIO.attribute(cec + "/action_threshold").flatMap { Int($0) },
                decayIntervalSeconds: SysfsIO.attribute(cec + "/decay_interval").flatMap { Int($0) })
        }
        let ras = joinPath(debugfsRoot, "ras")
        if SysfsIO.isDirectory(ras) {
            return CorrectedErrorCollector(state: .inactive, evidence: "\(ras) present without cec/")
        }
        let kernel = release ?? currentRelease()
        if let kernel {
            let config = joinPath(bootRoot, "config-" + kernel)
            if case .success(let text) = SysfsIO.read(config, limit: 1 << 22) {
                for line in text.split(separator: "\n") {
                    if line == "CONFIG_RAS_CEC=y" {
                        return CorrectedErrorCollector(state: .active, evidence: "CONFIG_RAS_CEC=y in \(config)")
                    }
                    if line == "# CONFIG_RAS_CEC is not set" {
                        return CorrectedErrorCollector(state: .inactive, evidence: "CONFIG_RAS_CEC not set in \(config)")
                    }
                }
                return CorrectedErrorCollector(state: .inactive, evidence: "no CONFIG_RAS_CEC in \(config)")
            }
        }
        return CorrectedErrorCollector(
            state: .unknown,
            evidence: "no \(ras) (debugfs not mounted?) and no readable kernel config")
    }

    static func currentRelease() -> String? {
        var names = utsname()
        guard uname(&names) == 0 else { return nil }
        return withUnsafeBytes(of: names.release) { raw in
            String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self)
        }
    }
}
