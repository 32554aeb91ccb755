/// Vendor, family, model and stepping from CPUID(1).EAX and the kernel's vendor number.
public struct CPUIdentity: Sendable, Equatable {
    public var vendor: UInt8
    public var family: UInt32
    public var model: UInt32
    public var stepping: UInt32

    public init(vendor: UInt8, family: UInt32, model: UInt32, stepping: UInt32) {
        self.vendor = vendor
        self.family = family
        self.model = model
        self.stepping = stepping
    }

    /// Decodes CPUID(1).EAX per the SDM: extended family added for family 0xf; extended model
    /// added for family 6 and 0xf (upstream tests the already-extended family, so families
    /// above 0xf get no extended model: kept for output compatibility).
    public init(vendor: UInt8, cpuid: UInt32) {
        self.vendor = vendor
        stepping = cpuid & 0xf
        model = (cpuid >> 4) & 0xf
        family = (cpuid >> 8) & 0xf
        if family == 0xf { family += (cpuid >> 20) & 0xff }
        if family == 6 || family == 0xf { model += ((cpuid >> 16) & 0xf) << 4 }
    }

    /// The CPUID(1).EAX value for this identity (what the ascii `CPUID Vendor` line builds).
    public var cpuid: UInt32 {
        var eax = stepping & 0xf
        var fam = family
        if fam > 0xf {
            eax |= ((fam - 0xf) & 0xff) << 20
            fam = 0xf
        }
        eax |= (fam & 0xf) << 8
        eax |= (model & 0xf) << 4
        eax |= ((model >> 4) & 0xf) << 16
        return eax
    }

    /// The kernel's X86_VENDOR_* numbers (arch/x86/include/asm/processor.h); nil for the
    /// unused 4 and 6 and for numbers past the last vendor.
    public static func kernelVendorName(_ v: UInt8) -> String? {
        switch v {
        case 0: return "Intel"
        case 1: return "Cyrix"
        case 2: return "AMD"
        case 3: return "UMC"
        case 5: return "Centaur"
        case 7: return "Transmeta"
        case 8: return "NSC"
        case 9: return "Hygon"
        case 10: return "Zhaoxin"
        case 11: return "Vortex"
        default: return nil
        }
    }

    /// The name in decoded text ("CPUID Vendor ..."): upstream's table, which ends at NSC
    /// and names the gaps by number, so newer vendors read as "Unknown vendor" there.
    public static func vendorName(_ v: UInt8) -> String {
        guard v <= 8 else { return "Unknown vendor" }
        return kernelVendorName(v) ?? "vendor " + Format.decimal(v)
    }

    /// Kernel X86_VENDOR_* values used here.
    public static let intel: UInt8 = 0
    public static let amd: UInt8 = 2
    public static let hygon: UInt8 = 9
}

/// What selecting a CPU type produced: the type and, where upstream warns, the message.
public struct CPUSelection: Sendable, Equatable {
    public var type: CPUType
    public var warning: String?

    public init(type: CPUType, warning: String? = nil) {
        self.type = type
        self.warning = warning
    }
}

/// Maps CPU identities to decoder types (upstream's cputype.table and selection rules,
/// mcelog.md §15), plus AMD Zen families with SMCA, which upstream refuses.
public enum CPUTypeSelector {
    /// Family-6 models and the decoder each uses.
    static let family6: [UInt32: CPUType] = {
        var t: [UInt32: CPUType] = [:]
        func add(_ type: CPUType, _ models: [UInt32]) { for m in models { t[m] = type } }
        add(.alderlake, [0x97, 0x9a, 0xbe])
        add(.arrowlake, [0xb5, 0xc5, 0xc6])
        add(.atom, [0x1c, 0x26, 0x27, 0x35, 0x36, 0x37, 0x4a, 0x4c, 0x4d, 0x5a, 0x5d])
        add(.broadwell, [0x3d, 0x47])
        add(.broadwellDE, [0x56])
        add(.broadwellEPEX, [0x4f])
        add(.clearwaterForest, [0xdd])
        add(.cometlake, [0xa5, 0xa6])
        add(.core2, [0x0f, 0x17])
        add(.denverton, [0x5f])
        add(.dunnington, [0x1d])
        add(.emeraldRapids, [0xcf])
        add(.grandRidge, [0xb6])
        add(.graniteRapids, [0xad, 0xae])
        add(.haswell, [0x3c, 0x45, 0x46])
        add(.haswellEPEX, [0x3f])
        add(.icelake, [0x7d, 0x7e, 0x9d])
        add(.icelakeDE, [0x6c])
        add(.icelakeXeon, [0x6a])
        add(.ivyBridge, [0x3a])
        add(.ivyBridgeEPEX, [0x3e])
        add(.kabylake, [0x8e, 0x9e])
        add(.knightsLanding, [0x57])
        add(.knightsMill, [0x85])
        add(.lakefield, [0x8a])
        add(.lunarlake, [0xbd])
        add(.meteorlake, [0xac, 0xaa])
        add(.nehalem, [0x1a, 0x2c, 0x1e, 0x25])
        add(.p6old, Array(0x0...0xe))
        add(.pantherlake, [0xcc])
        add(.raptorlake, [0xb7, 0xba, 0xbf])
        add(.rocketlake, [0xa7])
        add(.sandyBridge, [0x2a])
        add(.sandyBridgeEP, [0x2d])
        add(.sapphireRapids, [0x8f])
        add(.sierraForest, [0xaf])
        add(.skylake, [0x4e, 0x5e])
        add(.skylakeXeon, [0x55])
        add(.tigerlake, [0x8c, 0x8d])
        add(.tremontD, [0x86])
        add(.wildcatlake, [0xd5])
        add(.xeon75xx, [0x2e, 0x2f])
        return t
    }()

    /// Families above 15, keyed by `family << 8 | model`.
    static let laterFamilies: [UInt32: CPUType] = [0x1301: .diamondRapids]

    /// Intel family/model to type; `nil` type never: unknown models fall back to the
    /// architectural decoder with upstream's warning.
    public static func intel(family: UInt32, model: UInt32) -> CPUSelection {
        if family == 15 {
            return CPUSelection(type: model == 6 ? .tulsa : .p4)
        }
        if family == 6 {
            if let t = family6[model] { return CPUSelection(type: t) }
            if model > 0x1a {
                return CPUSelection(type: .intel,
                    warning: "Family \(family) Model \(model) CPU: only decoding architectural errors")
            }
        } else if family > 15 {
            if let t = laterFamilies[(family << 8) | model] { return CPUSelection(type: t) }
            return CPUSelection(type: .intel,
                warning: "Family \(family) Model \(model) CPU: only decoding architectural errors")
        } else if family >= 7 {
            return CPUSelection(type: .intel,
                warning: "Family \(family) Model \(model) CPU: only decoding architectural errors")
        }
        return CPUSelection(type: family == 6 ? .p6old : .generic,
            warning: "Unknown Intel CPU type family \(family) model \(model)")
    }

    /// Type for a record's vendor and CPUID. AMD families 0xf-0x11 use the K8 decoder as
    /// upstream; 17h, 19h and 1Ah use SMCA decoding.
    public static func select(vendor: UInt8, cpuid: UInt32) -> CPUSelection {
        let id = CPUIdentity(vendor: vendor, cpuid: cpuid)
        if vendor == CPUIdentity.intel { return intel(family: id.family, model: id.model) }
        if vendor == CPUIdentity.amd {
            if id.family >= 15 && id.family <= 17 { return CPUSelection(type: .k8) }
            if isSMCAFamily(id.family) { return CPUSelection(type: .amdSMCA) }
        }
        if vendor == CPUIdentity.hygon && id.family == 0x18 { return CPUSelection(type: .amdSMCA) }
        return CPUSelection(type: .generic,
            warning: "Unknown CPU type vendor \(vendor) family \(id.family) model \(id.model)")
    }

    public static func isSMCAFamily(_ family: UInt32) -> Bool {
        family == 0x17 || family == 0x19 || family == 0x1a
    }
}
