import Glibc

/// Which CPUs share a cache, from devices/system/cpu/cpuN/cache/indexI/{level,type,shared_cpu_map}
/// (mcelog.md §12): the AFFECTED_CPUS of the cache ("yellow") trigger. Read on each call:
/// CPU hotplug changes the maps, and a yellow event is rare.
public struct SysfsCacheTopology: Sendable {
    /// MCACOD's TT field: the type codes the decoder hands in.
    public static let instruction = 0
    public static let data = 1
    public static let unified = 2

    public let sysfsRoot: String

    public init(sysfsRoot: String = "/sys") {
        self.sysfsRoot = sysfsRoot
    }

    /// The CPUs (ascending) sharing `cpu`'s cache of `level` and `typeCode`: the first index
    /// (in index order) with the same level whose type is the same or Unified. nil when the CPU
    /// or a matching cache is not in sysfs, or its map does not parse (upstream then logs
    /// "Cannot find sysfs cache for CPU n").
    public func cpusSharingCache(cpu: Int, level: Int, typeCode: Int) -> [Int]? {
        guard cpu >= 0 else { return nil }
        let base = joinPath(sysfsRoot, "devices/system/cpu/cpu\(cpu)/cache")
        guard let names = SysfsIO.entries(base) else { return nil }
        let indexes = names.compactMap { $0.numberAfter(prefix: "index") }.sorted()
        for index in indexes {
            let dir = base + "/index\(index)"
            guard let levelText = SysfsIO.attribute(dir + "/level"), Int(levelText) == level,
                  let typeText = SysfsIO.attribute(dir + "/type"),
                  let type = Self.typeCode(typeText),
                  type == typeCode || type == Self.unified else { continue }
            guard let map = SysfsIO.attribute(dir + "/shared_cpu_map") else { return nil }
            return Self.cpus(inMask: map)
        }
        return nil
    }

    /// sysfs `type` text -> TT code.
    public static func typeCode(_ text: String) -> Int? {
        switch text {
        case "Instruction": return instruction
        case "Data": return data
        case "Unified": return unified
        default: return nil
        }
    }

    /// A cpumask as the kernel prints it (`%*pb`): hex, 32-bit groups separated by commas, most
    /// significant group first ("00000000,00000003" -> [0, 1]; "3" -> [0, 1]). nil on anything
    /// that is not hex digits and commas.
    public static func cpus(inMask text: String) -> [Int]? {
        let digits = Array(text.trimmingBlanks.utf8).filter { $0 != UInt8(ascii: ",") }
        guard !digits.isEmpty else { return nil }
        var cpus: [Int] = []
        for (position, char) in digits.reversed().enumerated() {
            guard let nibble = hexValue(char) else { return nil }
            for bit in 0..<4 where nibble & (1 << bit) != 0 {
                cpus.append(position * 4 + bit)
            }
        }
        return cpus
    }

    static func hexValue(_ c: UInt8) -> Int? {
        switch c {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return Int(c - UInt8(ascii: "0"))
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return Int(c - UInt8(ascii: "a")) + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return Int(c - UInt8(ascii: "A")) + 10
        default: return nil
        }
    }
}

/// The machine's sockets as sysfs shows them.
public enum SysfsSockets {
    /// Distinct `physical_package_id` values of the CPUs under <root>/devices/system/cpu.
    public static func count(sysfsRoot: String = "/sys") -> Int {
        let base = joinPath(sysfsRoot, "devices/system/cpu")
        let cpus = (SysfsIO.entries(base) ?? []).filter { $0.numberAfter(prefix: "cpu") != nil }
        return Set(cpus.compactMap { SysfsIO.attribute(base + "/" + $0 + "/topology/physical_package_id") }).count
    }
}
