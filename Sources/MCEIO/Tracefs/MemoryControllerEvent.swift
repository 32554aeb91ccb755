/// An EDAC `ras:mc_event`: a memory error as the memory-controller driver decoded it, with
/// the DIMM label (from the driver or `ras-mc-ctl --register-labels`) that MCE records lack.
public struct MemoryControllerEvent: Sendable, Equatable {
    public var errorCount = 0
    /// Kernel `enum hw_event_mc_err_type`; see `errorTypeName`.
    public var errorType: UInt32 = 0
    public var message = ""
    /// The DIMM label(s), e.g. `CPU_SrcID#0_Ha#0_Chan#1_DIMM#0`.
    public var label = ""
    public var mcIndex = 0
    /// Location in the controller's layers; -1 where unknown.
    public var topLayer = -1
    public var middleLayer = -1
    public var lowerLayer = -1
    public var address: UInt64 = 0
    public var grainBits = 0
    public var syndrome: UInt64 = 0
    public var driverDetail = ""

    public init() {}

    /// Bytes the error address resolves (`1 << grain_bits`); 0 if the shift is nonsense.
    public var grain: UInt64 { grainBits >= 0 && grainBits < 64 ? 1 << UInt64(grainBits) : 0 }

    /// The error type's name. The print format does not expand the kernel's macro, so the
    /// mapping is the current kernel enum (older kernels lacked `deferred`).
    public var errorTypeName: String {
        switch errorType {
        case 0: return "corrected"
        case 1: return "uncorrected"
        case 2: return "deferred"
        case 3: return "fatal"
        case 4: return "info"
        default: return "type \(errorType)"
        }
    }
}

/// Decodes `ras:mc_event` payloads by the field names of the event's `format` file.
public struct MemoryControllerEventDecoder: Sendable {
    public let eventID: UInt16
    let fields: [String: TraceEventField]
    let fixedSize: Int

    static let required = ["error_type", "error_count", "label"]
    static let known = ["error_type", "error_count", "msg", "label", "mc_index", "top_layer", "middle_layer",
                        "lower_layer", "address", "grain_bits", "syndrome", "driver_detail"]
    static let strings: Set<String> = ["msg", "label", "driver_detail"]

    public init(format: TraceEventFormat) throws {
        var fields: [String: TraceEventField] = [:]
        for name in MemoryControllerEventDecoder.known {
            guard let f = format.field(named: name) else {
                if MemoryControllerEventDecoder.required.contains(name) {
                    throw TraceFormatError(file: format.file, .missingField(name))
                }
                continue
            }
            let isString = MemoryControllerEventDecoder.strings.contains(name)
            if isString {
                guard f.location != .inline, f.size == 4 else {
                    throw TraceFormatError(file: format.file, line: f.line, .wrongFieldKind(name: name, expected: "a __data_loc string"))
                }
            } else {
                guard f.location == .inline else {
                    throw TraceFormatError(file: format.file, line: f.line, .wrongFieldKind(name: name, expected: "an integer"))
                }
                guard [1, 2, 4, 8].contains(f.size) else {
                    throw TraceFormatError(file: format.file, line: f.line, .unsupportedFieldSize(name: name, size: f.size))
                }
            }
            fields[name] = f
        }
        eventID = format.id
        self.fields = fields
        fixedSize = fields.values.reduce(0) { Swift.max($0, $1.end) }
    }

    public func decode(_ p: UnsafeRawBufferPointer) throws -> MemoryControllerEvent {
        guard p.count >= fixedSize else {
            throw TraceRecordError(event: "mc_event", reason: .payloadTooShort(bytes: p.count, needed: fixedSize))
        }
        func int(_ name: String) -> Int64? {
            guard let f = fields[name] else { return nil }
            return f.isSigned ? p.signed(f.offset, size: f.size) : Int64(bitPattern: p.unsigned(f.offset, size: f.size))
        }
        func bits(_ name: String) -> UInt64 {
            guard let f = fields[name] else { return 0 }
            return p.unsigned(f.offset, size: f.size)
        }
        func string(_ name: String) throws -> String {
            guard let f = fields[name] else { return "" }
            let loc = p.u32(f.offset)
            var start = Int(loc & 0xffff)
            let length = Int(loc >> 16)
            if f.location == .relativeLoc { start += f.end }
            guard start + length <= p.count else {
                throw TraceRecordError(event: "mc_event",
                                       reason: .stringOutsidePayload(field: name, offset: start, length: length, bytes: p.count))
            }
            let bytes = UnsafeRawBufferPointer(rebasing: p[start..<(start + length)])
            let end = bytes.firstIndex(of: 0) ?? bytes.count
            return String(decoding: UnsafeRawBufferPointer(rebasing: bytes[0..<end]), as: UTF8.self)
        }
        var e = MemoryControllerEvent()
        e.errorType = UInt32(truncatingIfNeeded: bits("error_type"))
        e.errorCount = Int(int("error_count") ?? 0)
        e.message = try string("msg")
        e.label = try string("label")
        e.mcIndex = Int(int("mc_index") ?? 0)
        e.topLayer = Int(int("top_layer") ?? -1)
        e.middleLayer = Int(int("middle_layer") ?? -1)
        e.lowerLayer = Int(int("lower_layer") ?? -1)
        e.address = bits("address")
        e.grainBits = Int(int("grain_bits") ?? 0)
        e.syndrome = bits("syndrome")
        e.driverDetail = try string("driver_detail")
        return e
    }

    public func decode(_ bytes: [UInt8]) throws -> MemoryControllerEvent {
        try bytes.withUnsafeBytes { try decode($0) }
    }
}
