/// One machine-check record: the kernel's x86-64 `struct mce` (uapi asm/mce.h).
///
/// The kernel has grown the structure at its end over time; `length` keeps the size the
/// record arrived with, because fields past it were never sent and must be treated as
/// absent (upstream gates the MCGCAP/APICID/SOCKETID/PPIN/MICROCODE lines on it).
public struct MachineCheckRecord: Sendable, Equatable {
    public var status: UInt64 = 0       // MCi_STATUS
    public var misc: UInt64 = 0         // MCi_MISC
    public var addr: UInt64 = 0         // MCi_ADDR
    public var mcgstatus: UInt64 = 0    // MCG_STATUS
    public var ip: UInt64 = 0           // RIP at the event
    public var tsc: UInt64 = 0
    public var time: UInt64 = 0         // wall-clock seconds
    public var cpuvendor: UInt8 = 0     // kernel X86_VENDOR_*
    public var injectFlags: UInt8 = 0
    public var severity: UInt8 = 0      // kernel severity grade
    public var pad: UInt8 = 0
    public var cpuid: UInt32 = 0        // CPUID(1).EAX
    public var cs: UInt8 = 0
    public var bank: UInt8 = 0
    public var cpu: UInt8 = 0           // obsolete 8-bit CPU number
    public var finished: UInt8 = 0
    public var extcpu: UInt32 = 0       // Linux CPU number
    public var socketid: UInt32 = 0
    public var apicid: UInt32 = 0
    public var mcgcap: UInt64 = 0       // MCG_CAP
    public var synd: UInt64 = 0         // MCA_SYND (AMD SMCA)
    public var ipid: UInt64 = 0         // MCA_IPID (AMD SMCA)
    public var ppin: UInt64 = 0
    public var microcode: UInt32 = 0
    public var kflags: UInt64 = 0
    /// Bytes of the kernel structure this record carried (gates optional fields).
    public var length: Int = MachineCheckRecord.currentLength

    /// Size of the current kernel structure (since Linux 5.8).
    public static let currentLength = 128
    /// Record sizes the kernel has used, oldest first (kernel-interfaces.md §1.4).
    public static let knownLengths = [64, 88, 104, 112, 120, 128]

    public init() {}

    /// The Linux CPU number: `extcpu`, or the old 8-bit field when that is zero.
    public var cpuNumber: UInt32 { extcpu != 0 ? extcpu : UInt32(cpu) }

    /// Whether the record is long enough to carry the field that starts at `offset`.
    public func carries(fieldAt offset: Int) -> Bool { length > offset }
}

/// Byte offsets of the fields in the kernel structure.
public enum RecordOffset {
    public static let status = 0, misc = 8, addr = 16, mcgstatus = 24, ip = 32, tsc = 40
    public static let time = 48, cpuvendor = 56, injectFlags = 57, severity = 58, pad = 59
    public static let cpuid = 60, cs = 64, bank = 65, cpu = 66, finished = 67, extcpu = 68
    public static let socketid = 72, apicid = 76, mcgcap = 80, synd = 88, ipid = 96
    public static let ppin = 104, microcode = 112, kflags = 120
}

public enum RecordParseError: Error, Equatable, CustomStringConvertible {
    /// Fewer bytes than the oldest structure the kernel ever sent.
    case tooShort(Int)
    public var description: String {
        switch self {
        case .tooShort(let n):
            return "record of \(n) bytes is shorter than the smallest kernel record (64 bytes)"
        }
    }
}

extension MachineCheckRecord {
    /// Minimal length: through `cpuid` and the bank/cpu bytes (the 2.6-era structure).
    public static let minimumLength = 64

    /// Parses a little-endian record of `bytes.count` bytes. Fields beyond the end stay zero
    /// and are marked absent by `length`; bytes beyond 128 are ignored.
    public init<C: Collection>(bytes: C) throws where C.Element == UInt8 {
        if let r = try bytes.withContiguousStorageIfAvailable({ try MachineCheckRecord(raw: UnsafeRawBufferPointer($0)) }) {
            self = r
        } else {
            let copy = Array(bytes)
            self = try copy.withUnsafeBytes { try MachineCheckRecord(raw: $0) }
        }
    }

    /// Parses a record from raw memory (the hot path: no copies, no allocation).
    public init(raw p: UnsafeRawBufferPointer) throws {
        let n = p.count
        guard n >= MachineCheckRecord.minimumLength else { throw RecordParseError.tooShort(n) }
        self.init()
        func u8(_ o: Int) -> UInt8 { o < n ? p[o] : 0 }
        func u32(_ o: Int) -> UInt32 { o + 4 <= n ? UInt32(littleEndian: p.loadUnaligned(fromByteOffset: o, as: UInt32.self)) : 0 }
        func u64(_ o: Int) -> UInt64 { o + 8 <= n ? UInt64(littleEndian: p.loadUnaligned(fromByteOffset: o, as: UInt64.self)) : 0 }
        status = u64(RecordOffset.status); misc = u64(RecordOffset.misc)
        addr = u64(RecordOffset.addr); mcgstatus = u64(RecordOffset.mcgstatus)
        ip = u64(RecordOffset.ip); tsc = u64(RecordOffset.tsc); time = u64(RecordOffset.time)
        cpuvendor = u8(RecordOffset.cpuvendor); injectFlags = u8(RecordOffset.injectFlags)
        severity = u8(RecordOffset.severity); pad = u8(RecordOffset.pad)
        cpuid = u32(RecordOffset.cpuid); cs = u8(RecordOffset.cs); bank = u8(RecordOffset.bank)
        cpu = u8(RecordOffset.cpu); finished = u8(RecordOffset.finished)
        extcpu = u32(RecordOffset.extcpu); socketid = u32(RecordOffset.socketid)
        apicid = u32(RecordOffset.apicid); mcgcap = u64(RecordOffset.mcgcap)
        synd = u64(RecordOffset.synd); ipid = u64(RecordOffset.ipid); ppin = u64(RecordOffset.ppin)
        microcode = u32(RecordOffset.microcode); kflags = u64(RecordOffset.kflags)
        length = Swift.min(n, MachineCheckRecord.currentLength)
    }

    /// The record as the kernel would lay it out, `length` bytes long (for tests and
    /// for writing binary capture files).
    public func bytes(length: Int? = nil) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: MachineCheckRecord.currentLength)
        func put(_ v: UInt64, _ o: Int, _ size: Int) {
            for i in 0..<size { out[o + i] = UInt8(truncatingIfNeeded: v >> (8 * UInt64(i))) }
        }
        put(status, RecordOffset.status, 8); put(misc, RecordOffset.misc, 8)
        put(addr, RecordOffset.addr, 8); put(mcgstatus, RecordOffset.mcgstatus, 8)
        put(ip, RecordOffset.ip, 8); put(tsc, RecordOffset.tsc, 8); put(time, RecordOffset.time, 8)
        put(UInt64(cpuvendor), RecordOffset.cpuvendor, 1)
        put(UInt64(injectFlags), RecordOffset.injectFlags, 1)
        put(UInt64(severity), RecordOffset.severity, 1); put(UInt64(pad), RecordOffset.pad, 1)
        put(UInt64(cpuid), RecordOffset.cpuid, 4); put(UInt64(cs), RecordOffset.cs, 1)
        put(UInt64(bank), RecordOffset.bank, 1); put(UInt64(cpu), RecordOffset.cpu, 1)
        put(UInt64(finished), RecordOffset.finished, 1); put(UInt64(extcpu), RecordOffset.extcpu, 4)
        put(UInt64(socketid), RecordOffset.socketid, 4); put(UInt64(apicid), RecordOffset.apicid, 4)
        put(mcgcap, RecordOffset.mcgcap, 8); put(synd, RecordOffset.synd, 8)
        put(ipid, RecordOffset.ipid, 8); put(ppin, RecordOffset.ppin, 8)
        put(UInt64(microcode), RecordOffset.microcode, 4); put(kflags, RecordOffset.kflags, 8)
        let n = length ?? self.length
        if n <= out.count { return Array(out[0..<n]) }
        return out + [UInt8](repeating: 0, count: n - out.count)
    }
}
