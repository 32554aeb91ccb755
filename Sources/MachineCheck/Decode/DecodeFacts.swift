/// How bad an error is, from the MCi_STATUS bits (SDM vol. 3B §16.6, "UCR error classification").
public enum Severity: Sendable, Equatable {
    /// Corrected by hardware (UC clear).
    case corrected
    /// Uncorrected, no action (UCNA: UC without S, or deferred).
    case uncorrected
    /// Software recoverable: action optional (SRAO) or required (SRAR).
    case recoverable(RecoveryAction)
    /// Processor context corrupt: the system cannot continue.
    case fatal
    /// Not an error: thermal state changes and similar notices.
    case informational

    public enum RecoveryAction: String, Sendable { case optional, required }

    /// The journal's MCE_SEVERITY value.
    public var name: String {
        switch self {
        case .corrected: return "corrected"
        case .uncorrected: return "uncorrected"
        case .recoverable: return "uncorrected-recoverable"
        case .fatal: return "fatal"
        case .informational: return "informational"
        }
    }

    /// syslog priority: fatal 2 (crit), uncorrected 3 (err), corrected 4 (warning), info 6.
    public var priority: Int {
        switch self {
        case .fatal: return 2
        case .uncorrected, .recoverable: return 3
        case .corrected: return 4
        case .informational: return 6
        }
    }

    /// Classifies an architectural status value.
    public static func classify(status: UInt64) -> Severity {
        if status & MCiStatus.uc == 0 { return .corrected }
        if status & MCiStatus.pcc != 0 { return .fatal }
        if status & MCiStatus.s != 0 {
            return .recoverable(status & MCiStatus.ar != 0 ? .required : .optional)
        }
        return .uncorrected
    }
}

/// What part of the machine reported the error (the MCACOD class, refined by decoders).
public enum ErrorKind: String, Sendable {
    case memory, cache, tlb, bus, interconnect, io, `internal`, thermal, microcode, unknown
}

/// A corrected-cache-error threshold event ("yellow"), which upstream acts on by offlining
/// the CPUs that share the cache.
public struct CacheThresholdEvent: Sendable, Equatable {
    public var cpu: Int
    public var socket: Int
    /// MCACOD TT (0 instruction, 1 data, 2 generic), -1 for a generic hierarchy error.
    public var typeCode: Int
    public var level: Int
    public var typeName: String
    public var levelName: String
}

/// The fields of a bus/interconnect compound error code, as upstream's bus trigger gets them.
public struct BusErrorEvent: Sendable, Equatable {
    public var socket: Int
    public var cpu: Int
    public var level: String
    public var participation: String
    public var request: String
    public var transaction: String
    public var timeout: String
}

/// PCI location of the root port behind an IO machine check.
public struct IORootPort: Sendable, Equatable {
    public var segment: Int
    public var bus: Int
    public var device: Int
    public var function: Int
}

/// Everything the decoders learned about a record beyond its text: the journal fields and
/// the accounting use these and never re-parse text.
public struct DecodeFacts: Sendable, Equatable {
    public var cpuType: CPUType = .generic
    public var severity: Severity = .corrected
    public var kind: ErrorKind = .unknown
    /// MCACOD 0x80-0xff: memory controller error (counts for DIMM/page accounting).
    public var isMemoryError = false
    /// Memory channel and DIMM slot where the decoder knows them.
    public var channel: Int? = nil
    public var dimm: Int? = nil
    /// A second failing DIMM (SNB-EP/IVB-EP "second device").
    public var secondDimm: Int? = nil
    /// Physical address when MCi_ADDR is valid, and its 4 KiB page.
    public var address: UInt64? = nil
    public var page: UInt64? { address.map { $0 & ~0xfff } }
    /// Corrected error count (status bits 38-52) when MCG_CAP.CMCI_P says it is valid.
    public var correctedCount: Int? = nil
    /// Threshold-based status 1 green, 2 yellow (corrected errors with MCG_CAP.TES_P).
    public var thresholdStatus: Int = 0
    public var cacheThreshold: CacheThresholdEvent? = nil
    public var bus: BusErrorEvent? = nil
    public var ioRootPort: IORootPort? = nil
    /// Upstream runs its "unknown error" trigger for these (unclassified codes, thermal).
    public var isUnknownEvent = false
    /// Corrected by memory mirroring (text of the mirroring kind).
    public var mirrorCorrection: String? = nil
    /// AMD SMCA bank type name (from MCA_IPID) where decoded.
    public var bankType: String? = nil

    public init() {}
}
