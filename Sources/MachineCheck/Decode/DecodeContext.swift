/// The state one record's decode passes through: the record, the chosen decoder family,
/// the text being written and the facts gathered on the way.
public struct DecodeContext: Sendable {
    public let record: MachineCheckRecord
    public let cpuType: CPUType
    public var out: TextBuffer
    public var facts: DecodeFacts
    /// Options that change decoding (upstream's `cache-threshold-log` etc.).
    public let options: DecodeOptions

    public init(record: MachineCheckRecord, cpuType: CPUType, options: DecodeOptions = DecodeOptions(),
                out: TextBuffer = TextBuffer()) {
        self.record = record
        self.cpuType = cpuType
        self.out = out
        self.options = options
        self.facts = DecodeFacts()
        self.facts.cpuType = cpuType
    }

    /// Status register, shorthand for decoders.
    public var status: UInt64 { record.status }
    public var misc: UInt64 { record.misc }
    public var bank: Int { Int(record.bank) }
    /// Linux CPU number.
    public var cpu: Int { Int(record.cpuNumber) }
    /// Socket id, or -1 when the record is too short to carry it.
    public var socket: Int { record.carries(fieldAt: RecordOffset.socketid) ? Int(record.socketid) : -1 }
    public var mcacod: UInt32 { MCiStatus.mcacod(record.status) }
    public var mscod: UInt32 { MCiStatus.mscod(record.status) }
    public var miscValid: Bool { record.status & MCiStatus.miscv != 0 }
    public var uncorrected: Bool { record.status & MCiStatus.uc != 0 }
}

public struct DecodeOptions: Sendable {
    /// Print the "large number of corrected cache errors" remark (mcelog.conf
    /// `[cache] cache-threshold-log`, default yes).
    public var cacheThresholdLog = true
    /// iMC extended error logging is on (`--no-imc-log` turns it off), so SNB-EP/IVB-EP MISC
    /// carries the failing rank that names the DIMM.
    public var imcLog = true
    public init() {}
}
