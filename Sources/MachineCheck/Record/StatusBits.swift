/// Architectural MCA register bits (Intel SDM vol. 3B ch. 16, AMD APM vol. 2 §9.3).
public enum MCiStatus {
    public static let val: UInt64 = 1 << 63     // VAL: register holds a valid error
    public static let over: UInt64 = 1 << 62    // OVER: an error was lost
    public static let uc: UInt64 = 1 << 61      // UC: uncorrected
    public static let en: UInt64 = 1 << 60      // EN: reporting enabled
    public static let miscv: UInt64 = 1 << 59   // MISCV: MCi_MISC valid
    public static let addrv: UInt64 = 1 << 58   // ADDRV: MCi_ADDR valid
    public static let pcc: UInt64 = 1 << 57     // PCC: processor context corrupt
    public static let s: UInt64 = 1 << 56       // S: signalled (software recoverable)
    public static let ar: UInt64 = 1 << 55      // AR: action required
    public static let fwst: UInt64 = 1 << 37    // FW updated the error (with MCG_CAP.SER_P)

    /// MCACOD, the architectural compound error code.
    @inline(__always) public static func mcacod(_ status: UInt64) -> UInt32 { UInt32(status & 0xffff) }
    /// MSCOD, the model-specific error code.
    @inline(__always) public static func mscod(_ status: UInt64) -> UInt32 { UInt32((status >> 16) & 0xffff) }
    /// Corrected error count, bits 38-52 (with CMCI).
    @inline(__always) public static func correctedCount(_ status: UInt64) -> UInt32 {
        UInt32((status >> 38) & 0x7fff)
    }
    /// Threshold-based error status (bits 53-54): 1 green, 2 yellow.
    @inline(__always) public static func thresholdStatus(_ status: UInt64) -> UInt32 {
        UInt32((status >> 53) & 3)
    }
}

public enum MCGStatus {
    public static let ripv: UInt64 = 1 << 0
    public static let eipv: UInt64 = 1 << 1
    public static let mcip: UInt64 = 1 << 2
    public static let lmces: UInt64 = 1 << 3
}

public enum MCGCap {
    public static let cmciP: UInt64 = 1 << 10
    public static let tesP: UInt64 = 1 << 11
    public static let serP: UInt64 = 1 << 24
    public static let elogP: UInt64 = 1 << 26
    public static let lmceP: UInt64 = 1 << 27
}

/// Pseudo-bank numbers the kernel uses for events that are not MCA banks.
public enum SpecialBank {
    public static let thermal: UInt8 = 128
    public static let timeout: UInt8 = 218
    public static let apei: UInt8 = 255
}

/// Extracts bits `lo...hi` (inclusive) of `v`.
@inline(__always) public func bits(_ v: UInt64, _ lo: Int, _ hi: Int) -> UInt64 {
    let width = hi - lo + 1
    if width >= 64 { return v >> UInt64(lo) }
    return (v >> UInt64(lo)) & ((1 << UInt64(width)) - 1)
}

/// Tests a single bit.
@inline(__always) public func bit(_ v: UInt64, _ n: Int) -> Bool { (v >> UInt64(n)) & 1 == 1 }
