import MachineCheck

/// A tracepoint payload too short for the fields its format describes.
public struct TraceRecordError: Error, Equatable, Sendable, CustomStringConvertible {
    public enum Reason: Equatable, Sendable {
        case payloadTooShort(bytes: Int, needed: Int)
        case stringOutsidePayload(field: String, offset: Int, length: Int, bytes: Int)
    }
    public let event: String
    public let reason: Reason

    public var description: String {
        switch reason {
        case .payloadTooShort(let n, let needed):
            return "\(event) record of \(n) bytes is shorter than its format's \(needed) bytes"
        case .stringOutsidePayload(let f, let off, let len, let n):
            return "\(event) field `\(f)' points at \(len) bytes at offset \(off), outside the \(n)-byte record"
        }
    }
}

/// Decodes `mce:mce_record` payloads into the kernel's `struct mce`, by field name: the
/// offsets come from the event's `format` file of the running kernel.
public struct MCERecordDecoder: Sendable {
    /// Record fields the tracepoint can carry, in the trace's names.
    enum Target: UInt8, CaseIterable, Sendable {
        case mcgcap, mcgstatus, status, addr, misc, synd, ipid, ip, tsc, ppin, walltime
        case cpu, cpuid, apicid, socketid, cs, bank, cpuvendor, microcode

        var fieldName: String { "\(self)" }

        /// Fields added after the tracepoint's first layout (SMCA, 6.10): absent on older kernels.
        var isOptional: Bool {
            switch self {
            case .synd, .ipid, .ppin, .microcode: return true
            default: return false
            }
        }

        /// Where an optional field sits in struct mce: a record without it ends there.
        var recordOffset: Int? {
            switch self {
            case .synd: return RecordOffset.synd
            case .ipid: return RecordOffset.ipid
            case .ppin: return RecordOffset.ppin
            case .microcode: return RecordOffset.microcode
            default: return nil
            }
        }
    }

    struct Slot: Sendable {
        let target: Target
        let offset: Int
        let size: Int
    }

    /// The event's `common_type`.
    public let eventID: UInt16
    /// Optional fields this kernel's format lacks (their record values stay 0).
    public let absentFields: [String]
    /// Bytes a payload needs to hold every field read.
    public let payloadSize: Int
    /// The struct mce length these records stand for: up to the first optional field this
    /// kernel does not trace (6.1: ppin), so absent fields are never reported as zero.
    public let recordLength: Int
    let slots: [Slot]

    public init(format: TraceEventFormat) throws {
        var slots: [Slot] = []
        var absent: [Target] = []
        for target in Target.allCases {
            guard let field = format.field(named: target.fieldName) else {
                if target.isOptional { absent.append(target); continue }
                throw TraceFormatError(file: format.file, .missingField(target.fieldName))
            }
            guard field.location == .inline else {
                throw TraceFormatError(file: format.file, line: field.line,
                                       .wrongFieldKind(name: field.name, expected: "an integer"))
            }
            guard [1, 2, 4, 8].contains(field.size) else {
                throw TraceFormatError(file: format.file, line: field.line,
                                       .unsupportedFieldSize(name: field.name, size: field.size))
            }
            slots.append(Slot(target: target, offset: field.offset, size: field.size))
        }
        self.eventID = format.id
        self.absentFields = absent.map(\.fieldName)
        self.slots = slots
        self.payloadSize = slots.reduce(0) { Swift.max($0, $1.offset + $1.size) }
        self.recordLength = absent.compactMap(\.recordOffset).min() ?? MachineCheckRecord.currentLength
    }

    /// The record in one payload (which starts with `common_type`), `finished`, with the
    /// `recordLength` of this kernel's layout.
    public func decode(_ payload: UnsafeRawBufferPointer) throws -> MachineCheckRecord {
        guard payload.count >= payloadSize else {
            throw TraceRecordError(event: "mce_record", reason: .payloadTooShort(bytes: payload.count, needed: payloadSize))
        }
        var r = MachineCheckRecord()
        for slot in slots {
            let v = payload.unsigned(slot.offset, size: slot.size)
            switch slot.target {
            case .mcgcap: r.mcgcap = v
            case .mcgstatus: r.mcgstatus = v
            case .status: r.status = v
            case .addr: r.addr = v
            case .misc: r.misc = v
            case .synd: r.synd = v
            case .ipid: r.ipid = v
            case .ip: r.ip = v
            case .tsc: r.tsc = v
            case .ppin: r.ppin = v
            case .walltime: r.time = v
            case .cpu:
                r.extcpu = UInt32(truncatingIfNeeded: v)
                r.cpu = UInt8(truncatingIfNeeded: v)     // as the kernel fills the obsolete byte
            case .cpuid: r.cpuid = UInt32(truncatingIfNeeded: v)
            case .apicid: r.apicid = UInt32(truncatingIfNeeded: v)
            case .socketid: r.socketid = UInt32(truncatingIfNeeded: v)
            case .cs: r.cs = UInt8(truncatingIfNeeded: v)
            case .bank: r.bank = UInt8(truncatingIfNeeded: v)
            case .cpuvendor: r.cpuvendor = UInt8(truncatingIfNeeded: v)
            case .microcode: r.microcode = UInt32(truncatingIfNeeded: v)
            }
        }
        r.finished = 1
        r.length = recordLength
        return r
    }

    /// Convenience for bytes held in an array.
    public func decode(_ bytes: [UInt8]) throws -> MachineCheckRecord {
        try bytes.withUnsafeBytes { try decode($0) }
    }
}
