import Glibc
import MachineCheck

/// The CPU this program runs on, from /proc/cpuinfo (device mode decodes records without a
/// CPUID with the host's decoder, as upstream does).
public struct HostCPU: Sendable {
    public var vendor: String = ""
    public var family: UInt32 = 0
    public var model: UInt32 = 0
    public var mhz: Double? = nil
    public var flags: [Substring] = []

    public static func read(path: String = "/proc/cpuinfo") -> HostCPU? {
        guard let text = try? readWholeFile(path) else { return nil }
        var cpu = HostCPU()
        var seen = 0
        for line in text.split(separator: "\n") {
            guard let colon = line.firstIndex(of: ":") else { continue }
            let key = line[..<colon].trimmingCharacters()
            let value = line[line.index(after: colon)...].trimmingCharacters()
            switch key {
            case "vendor_id": cpu.vendor = String(value); seen |= 1
            case "cpu family": cpu.family = UInt32(value) ?? 0; seen |= 2
            case "model": cpu.model = UInt32(value) ?? 0; seen |= 4
            case "cpu MHz": cpu.mhz = Double(value)
            case "flags": cpu.flags = value.split(separator: " "); seen |= 8
            default: break
            }
            if seen == 15 && cpu.mhz != nil { break }
        }
        return seen & 7 == 7 ? cpu : nil
    }

    /// The decoder type for the host, or why it is not supported.
    public var selection: CPUSelection {
        switch vendor {
        case "GenuineIntel": return CPUTypeSelector.intel(family: family, model: model)
        case "AuthenticAMD":
            if family == 15 { return CPUSelection(type: .k8) }
            if CPUTypeSelector.isSMCAFamily(family) { return CPUSelection(type: .amdSMCA) }
            return CPUSelection(type: .generic, warning: "AMD Processor family \(family): not supported (use edac_mce_amd)")
        case "HygonGenuine":
            if family == 0x18 { return CPUSelection(type: .amdSMCA) }
            return CPUSelection(type: .generic, warning: "Hygon Processor family \(family): not supported")
        default:
            return CPUSelection(type: .generic, warning: "Unknown CPU vendor `\(vendor)'")
        }
    }
}

extension Substring {
    /// Without blanks, tabs and carriage returns at either end (config, procfs, tracefs text).
    public func trimmingCharacters() -> Substring {
        var s = self
        while let f = s.first, f == " " || f == "\t" || f == "\r" { s = s.dropFirst() }
        while let l = s.last, l == " " || l == "\t" || l == "\r" { s = s.dropLast() }
        return s
    }
}

/// Reads a (small) file whole; sysfs and procfs files report size 0, so read to EOF.
public func readWholeFile(_ path: String, limit: Int = 16 << 20) throws -> String {
    let bytes = try readWholeFileBytes(path, limit: limit)
    return String(decoding: bytes, as: UTF8.self)
}

public func readWholeFileBytes(_ path: String, limit: Int = 16 << 20) throws -> [UInt8] {
    let fd = try FileDescriptor.open(path, O_RDONLY)
    defer { fd.close() }
    var out: [UInt8] = []
    while out.count < limit {
        if try fd.read(into: &out, count: 65536) == 0 { break }
    }
    return out
}
