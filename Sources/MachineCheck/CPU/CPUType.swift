/// The decoder family a record is decoded with: upstream's CPU types (mcelog.md §15.2).
public enum CPUType: String, Sendable, CaseIterable {
    case generic, p6old, core2, k8, p4, intel, tulsa, nehalem, dunnington, xeon75xx
    case sandyBridge, sandyBridgeEP, ivyBridge, ivyBridgeEPEX, haswell, haswellEPEX
    case broadwell, broadwellDE, broadwellEPEX, knightsLanding, knightsMill, atom
    case skylake, skylakeXeon, kabylake, denverton, icelake, icelakeXeon, icelakeDE
    case tremontD, cometlake, tigerlake, rocketlake, alderlake, lakefield
    case sapphireRapids, raptorlake, emeraldRapids, meteorlake, graniteRapids
    case sierraForest, grandRidge, arrowlake, lunarlake, clearwaterForest, pantherlake
    case wildcatlake, diamondRapids
    /// AMD families 17h/19h/1Ah with Scalable MCA (decoded like rasdaemon; upstream refuses).
    case amdSMCA

    /// Upstream's display name (`cputype_name[]`), including its swapped client/server names.
    public var displayName: String {
        switch self {
        case .generic: return "generic CPU"
        case .p6old: return "Intel PPro/P2/P3/old Xeon"
        case .core2: return "Intel Core"
        case .k8: return "AMD K8 and derivates"
        case .p4: return "Intel P4"
        case .intel: return "Intel generic architectural MCA"
        case .tulsa: return "Intel Xeon 7100 series"
        case .nehalem: return "Intel Xeon 5500 series / Core i3/5/7 (\"Nehalem/Westmere\")"
        case .dunnington: return "Intel Xeon 7400 series"
        case .xeon75xx: return "Intel Xeon 7500 series"
        case .sandyBridge: return "Sandy Bridge EP"
        case .sandyBridgeEP: return "Sandy Bridge"
        case .ivyBridge: return "Intel Xeon v2 (Ivy Bridge) EP/EX"
        case .ivyBridgeEPEX: return "Ivy Bridge"
        case .haswell: return "Intel Xeon v3 (Haswell) EP/EX"
        case .haswellEPEX: return "Haswell"
        case .broadwell: return "Broadwell"
        case .broadwellDE: return "Intel Xeon (Broadwell) D family"
        case .broadwellEPEX: return "Intel Xeon v4 (Broadwell) EP/EX"
        case .knightsLanding: return "Knights Landing"
        case .knightsMill: return "Knights Mill"
        case .atom: return "ATOM"
        case .skylake: return "Skylake"
        case .skylakeXeon: return "Skylake server"
        case .kabylake: return "Kabylake"
        case .denverton: return "Denverton"
        case .icelake: return "Icelake server D Family"
        case .icelakeXeon: return "Icelake server"
        case .icelakeDE: return "Icelake"
        case .tremontD: return "Tremont microserver"
        case .cometlake: return "Cometlake"
        case .tigerlake: return "Tigerlake"
        case .rocketlake: return "Rocketlake"
        case .alderlake: return "Alderlake"
        case .lakefield: return "Lakefield"
        case .sapphireRapids: return "Sapphirerapids server"
        case .raptorlake: return "Raptorlake"
        case .emeraldRapids: return "Emeraldrapids server"
        case .meteorlake: return "Meteorlake"
        case .graniteRapids: return "Graniterapids"
        case .sierraForest: return "Sierraforest"
        case .grandRidge: return "Grandridge"
        case .arrowlake: return "Arrowlake"
        case .lunarlake: return "Lunarlake"
        case .clearwaterForest: return "Clearwaterforest"
        case .pantherlake: return "Pantherlake"
        case .wildcatlake: return "Wildcatlake"
        case .diamondRapids: return "Diamond Rapids"
        case .amdSMCA: return "AMD Scalable MCA (Zen)"
        }
    }

    /// Types decoded by the Intel architectural decoder (upstream's `cputype >= CPU_INTEL`
    /// plus the older Intel families).
    public var isIntel: Bool {
        switch self {
        case .generic, .k8, .amdSMCA: return false
        default: return true
        }
    }

    /// Upstream's memory accounting runs for `CPU_INTEL` and the types after it in its enum.
    public var accountsMemoryErrors: Bool {
        switch self {
        case .generic, .k8, .amdSMCA, .p6old, .core2, .p4: return false
        default: return true
        }
    }
}

/// Names accepted by `--cpu`, in upstream's lookup order (first match wins; case-insensitive).
public enum CPUNames {
    public static let choices: [(name: String, type: CPUType)] = [
        ("generic", .generic), ("k8", .k8), ("intel", .intel), ("p4", .p4),
        ("xeon5000", .p4), ("xeon7100", .p4), ("tulsa", .tulsa), ("xeon71xx", .tulsa),
        ("p6old", .p6old),
        ("core2", .core2), ("xeon3100", .core2), ("xeon3200", .core2), ("xeon5100", .core2),
        ("xeon5200", .core2), ("xeon7200", .core2),
        ("dunnington", .dunnington), ("xeon7400", .dunnington), ("xeon74xx", .dunnington),
        ("core_i3", .nehalem), ("core_i5", .nehalem), ("core_i7", .nehalem),
        ("nehalem", .nehalem), ("westmere", .nehalem), ("xeon5500", .nehalem),
        ("xeon7500", .xeon75xx), ("xeon75xx", .xeon75xx),
        ("sandybridge", .sandyBridge), ("sandybridge-ep", .sandyBridgeEP),
        ("ivybridge", .ivyBridgeEPEX), ("ivybridge-ep", .ivyBridge), ("ivybridge-ex", .ivyBridge),
        ("xeon-v2", .ivyBridge),
        ("haswell", .haswellEPEX), ("haswell-ep", .haswell), ("haswell-ex", .haswell),
        ("xeon-v3", .haswell),
        ("broadwell", .broadwell), ("broadwell-d", .broadwellDE), ("broadwell-ep", .broadwellEPEX),
        ("broadwell-ex", .broadwellEPEX), ("xeon-v4", .broadwellEPEX),
        ("knightslanding", .knightsLanding), ("knightsmill", .knightsMill), ("atom", .atom),
        ("skylake", .skylake), ("cascadelake_server", .skylakeXeon),
        ("skylake_server", .skylakeXeon), ("kabylake", .kabylake), ("denverton", .denverton),
        ("icelake", .icelake), ("icelake_server", .icelakeXeon), ("icelake-d", .icelakeDE),
        ("snowridge", .tremontD), ("cometlake", .cometlake), ("tigerlake", .tigerlake),
        ("rocketlake", .rocketlake), ("alderlake", .alderlake), ("lakefield", .lakefield),
        ("sapphirerapids_server", .sapphireRapids), ("raptorlake", .raptorlake),
        ("emeraldrapids_server", .emeraldRapids), ("meteorlake", .meteorlake),
        ("graniterapids", .graniteRapids), ("sierraforest", .sierraForest),
        ("grandridge", .grandRidge), ("arrowlake", .arrowlake), ("lunarlake", .lunarlake),
        ("clearwaterforest", .clearwaterForest), ("pantherlake", .pantherlake),
        ("wildcatlake", .wildcatlake), ("diamond_rapids", .diamondRapids),
        ("amd_smca", .amdSMCA), ("zen", .amdSMCA),
    ]

    public static func lookup(_ name: String) -> CPUType? {
        let lower = name.lowercased()
        return choices.first(where: { $0.name == lower })?.type
    }
}
