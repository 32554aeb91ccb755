import Glibc

public enum CPUOfflineResult: Equatable, Sendable {
    case offlined
    /// `online` already read "0": nothing written.
    case alreadyOffline
    /// No `online` file: the CPU does not exist or is not hot-pluggable (on x86 the boot CPU,
    /// cpu0, has none [observed on 6.1 and 6.12]).
    case notHotpluggable(message: String)
    case failed(errno: Int32, reason: String)
    /// The write was accepted but `online` does not read back "0".
    case notConfirmed(readBack: String)

    public var message: String {
        switch self {
        case .offlined: return "offlined"
        case .alreadyOffline: return "already offline"
        case .notHotpluggable(let message): return message
        case .failed(_, let reason): return reason
        case .notConfirmed(let value): return "online still reads `\(value)' after writing 0"
        }
    }
}

/// Takes a CPU offline through devices/system/cpu/cpuN/online (kernel-interfaces.md §5.2),
/// as upstream's cache-error-trigger does for the CPUs sharing a failing cache.
public struct CPUOffliner: Sendable {
    public let sysfsRoot: String

    public init(sysfsRoot: String = "/sys") {
        self.sysfsRoot = sysfsRoot
    }

    public func onlinePath(cpu: Int) -> String {
        joinPath(sysfsRoot, "devices/system/cpu/cpu\(cpu)/online")
    }

    /// Writes "0", then reads the file back to confirm.
    public func offline(cpu: Int) -> CPUOfflineResult {
        let path = onlinePath(cpu: cpu)
        guard cpu >= 0, SysfsIO.exists(path) else {
            return .notHotpluggable(message: "CPU \(cpu) cannot be taken offline: no \(path)")
        }
        if SysfsIO.attribute(path) == "0" { return .alreadyOffline }
        if let code = SysfsIO.writeOnce(path, "0") {
            return .failed(errno: code, reason: "Offlining CPU \(cpu) failed: \(errnoText(code))")
        }
        let value = SysfsIO.attribute(path) ?? ""
        return value == "0" ? .offlined : .notConfirmed(readBack: value)
    }
}
