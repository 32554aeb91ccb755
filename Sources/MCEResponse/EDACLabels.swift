import Glibc

/// One DIMM (or rank) an EDAC memory controller driver registered, with its label
/// (kernel-interfaces.md §4.1).
public struct EDACDimm: Equatable, Sendable {
    /// Memory controller number (mcN).
    public var controller: Int
    /// sysfs directory name below mcN: "dimm3", "rank3", or "csrow0/ch1" (old layout).
    public var name: String
    /// The location layers in order, e.g. [("channel", 0), ("slot", 1)] from
    /// "channel 0 slot 1 ", or [("csrow", 0), ("channel", 1)] for the old layout.
    public var location: [Part]
    public var label: String
    /// MB; nil when the size file is missing.
    public var sizeMegabytes: Int?

    public struct Part: Equatable, Sendable {
        public var layer: String
        public var index: Int
        public init(_ layer: String, _ index: Int) { self.layer = layer; self.index = index }
    }

    public var locationValues: [Int] { location.map(\.index) }
}

/// Labels of the DIMMs EDAC knows, from <root>/devices/system/edac/mc/mc*/{dimm*,rank*}/
/// {dimm_label,dimm_location,size}, or the older csrow*/ch*_dimm_label layout when a controller
/// has no dimm/rank directories. A machine without EDAC drivers has none (QEMU: the mc
/// directory exists and is empty [observed]).
public struct EDACLabels: Equatable, Sendable {
    public var dimms: [EDACDimm]

    public init(dimms: [EDACDimm]) { self.dimms = dimms }

    public static func read(sysfsRoot: String = "/sys") -> EDACLabels {
        let mcRoot = joinPath(sysfsRoot, "devices/system/edac/mc")
        guard let names = SysfsIO.entries(mcRoot) else { return EDACLabels(dimms: []) }
        var dimms: [EDACDimm] = []
        for mc in names.compactMap({ $0.numberAfter(prefix: "mc") }).sorted() {
            let dir = mcRoot + "/mc\(mc)"
            let children = SysfsIO.entries(dir) ?? []
            let modern = children.compactMap { name -> (String, Int)? in
                if let n = name.numberAfter(prefix: "dimm") { return (name, n) }
                if let n = name.numberAfter(prefix: "rank") { return (name, n) }
                return nil
            }.sorted { $0.1 < $1.1 }
            if !modern.isEmpty {
                for (name, _) in modern {
                    let d = dir + "/" + name
                    guard let label = SysfsIO.attribute(d + "/dimm_label") else { continue }
                    dimms.append(EDACDimm(
                        controller: mc, name: name,
                        location: parseLocation(SysfsIO.attribute(d + "/dimm_location") ?? ""),
                        label: label,
                        sizeMegabytes: SysfsIO.attribute(d + "/size").flatMap { Int($0) }))
                }
                continue
            }
            // Old layout: csrowN/chM_dimm_label, csrowN/size_mb (for the whole csrow).
            for row in children.compactMap({ $0.numberAfter(prefix: "csrow") }).sorted() {
                let r = dir + "/csrow\(row)"
                let files = SysfsIO.entries(r) ?? []
                let channels = files.compactMap { name -> Int? in
                    guard name.hasSuffix("_dimm_label") else { return nil }
                    return String(name.dropLast("_dimm_label".count)).numberAfter(prefix: "ch")
                }.sorted()
                for ch in channels {
                    guard let label = SysfsIO.attribute(r + "/ch\(ch)_dimm_label") else { continue }
                    dimms.append(EDACDimm(
                        controller: mc, name: "csrow\(row)/ch\(ch)",
                        location: [.init("csrow", row), .init("channel", ch)],
                        label: label,
                        sizeMegabytes: SysfsIO.attribute(r + "/size_mb").flatMap { Int($0) }))
                }
            }
        }
        return EDACLabels(dimms: dimms)
    }

    /// "channel 0 slot 1 " -> [channel 0, slot 1]; words that do not pair up are dropped.
    public static func parseLocation(_ text: String) -> [EDACDimm.Part] {
        let words = text.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\n" })
        var parts: [EDACDimm.Part] = []
        var i = 0
        while i + 1 < words.count {
            if let n = Int(words[i + 1]) {
                parts.append(.init(String(words[i]), n))
                i += 2
            } else {
                i += 1
            }
        }
        return parts
    }

    /// The label of the DIMM at controller `mc` and layer values `location` (as ras:mc_event
    /// gives them: top, mid, low layer; a negative value means "not given" and ends the list).
    /// nil when no DIMM or more than one matches (never claim a DIMM when ambiguous).
    public func label(mc: Int, location: [Int]) -> String? {
        let given = Array(location.prefix(while: { $0 >= 0 }))
        guard !given.isEmpty else { return nil }
        let matches = dimms.filter { $0.controller == mc && Array($0.locationValues.prefix(given.count)) == given }
        return matches.count == 1 ? matches[0].label : nil
    }

    /// Controller -> location values -> label, for the coordinator's mapping.
    public var labelsByLocation: [Int: [[Int]: String]] {
        var map: [Int: [[Int]: String]] = [:]
        for d in dimms { map[d.controller, default: [:]][d.locationValues] = d.label }
        return map
    }
}
