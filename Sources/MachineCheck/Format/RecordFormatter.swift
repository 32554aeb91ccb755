/// Prints one record in upstream mcelog's text layout (mcelog.md §16.1): header, RIP,
/// MISC/ADDR, TIME, the decoder's lines, STATUS and the identification lines.
public struct RecordFormatter: Sendable {
    /// The line upstream prints before every record it decodes.
    public static let disclaimer = "Hardware event. This is not a software error."

    /// Decoder type used when the record itself names no CPU (or `--cpu` forced one).
    public var options: DecodeOptions
    /// CPU MHz for TSC-to-uptime decoding (`--cpumhz`); nil: not decoded.
    public var cpuMHz: Double?
    public var timeRenderer: any TimeRenderer

    public init(options: DecodeOptions = DecodeOptions(), cpuMHz: Double? = nil,
                timeRenderer: any TimeRenderer = UTCTimeRenderer()) {
        self.options = options
        self.cpuMHz = cpuMHz
        self.timeRenderer = timeRenderer
    }

    /// What formatting one record produced.
    public struct Output: Sendable {
        public var text: TextBuffer
        public var facts: DecodeFacts
    }

    /// Decodes `record` with decoder family `cpuType` and appends its text to `out`.
    /// `index` is upstream's `MCE <i>` line (device mode only).
    @discardableResult
    public func format(_ record: MachineCheckRecord, cpuType: CPUType, index: Int? = nil,
                       into out: inout TextBuffer) -> DecodeFacts {
        var ctx = DecodeContext(record: record, cpuType: cpuType, options: options, out: TextBuffer(capacity: 0))
        swap(&ctx.out, &out)  // ctx owns the bytes while decoding
        // The architectural classification; decoders that know better (thermal, SMCA) override it.
        ctx.facts.severity = Severity.classify(status: record.status)
        if record.finished == 0 { ctx.out.line("not finished?") }
        if let i = index { ctx.out.write("MCE "); ctx.out.decimal(i); ctx.out.newline() }
        header(&ctx)
        body(&ctx)
        trailer(&ctx)
        finishFacts(&ctx)
        swap(&ctx.out, &out)
        return ctx.facts
    }

    /// Decodes into a fresh buffer.
    public func format(_ record: MachineCheckRecord, cpuType: CPUType, index: Int? = nil) -> Output {
        var t = TextBuffer()
        let facts = format(record, cpuType: cpuType, index: index, into: &t)
        return Output(text: t, facts: facts)
    }

    func header(_ ctx: inout DecodeContext) {
        let r = ctx.record
        ctx.out.write("CPU "); ctx.out.decimal(r.cpuNumber); ctx.out.write(" ")
        writeBankName(r.bank, cpuType: ctx.cpuType, into: &ctx.out)
        ctx.out.write(" ")
        if r.tsc != 0 {
            ctx.out.write("TSC "); ctx.out.hex(r.tsc); ctx.out.write(" ")
            if let mhz = cpuMHz, mhz > 0 { ctx.out.write(TSCUptime.describe(tsc: r.tsc, mhz: mhz)) }
        }
        ctx.out.newline()
        if r.ip != 0 {
            ctx.out.write("RIP")
            if r.mcgstatus & MCGStatus.eipv == 0 { ctx.out.write(" !INEXACT!") }
            ctx.out.write(" "); ctx.out.hex(r.cs, width: 2); ctx.out.write(":"); ctx.out.hex(r.ip)
            ctx.out.newline()
        }
        var addressLine = false
        if r.status & MCiStatus.miscv != 0 {
            ctx.out.write("MISC "); ctx.out.hex(r.misc); ctx.out.write(" "); addressLine = true
        }
        if r.status & MCiStatus.addrv != 0 {
            ctx.out.write("ADDR "); ctx.out.hex(r.addr); ctx.out.write(" "); addressLine = true
        }
        if addressLine { ctx.out.newline() }
        if r.time != 0 {
            ctx.out.write("TIME "); ctx.out.decimal(r.time); ctx.out.write(" ")
            ctx.out.write(timeRenderer.ctime(Int64(bitPattern: r.time)))
        }
    }

    func body(_ ctx: inout DecodeContext) {
        switch ctx.cpuType {
        case .k8: AMDK8.decode(&ctx)
        case .amdSMCA: AMDSMCA.decode(&ctx)
        case .generic: break
        default: IntelArchitectural.decode(&ctx)
        }
    }

    func trailer(_ ctx: inout DecodeContext) {
        let r = ctx.record
        ctx.out.write("STATUS "); ctx.out.hex(r.status)
        ctx.out.write(" MCGSTATUS "); ctx.out.hex(r.mcgstatus); ctx.out.newline()
        var idLine = false
        if r.carries(fieldAt: RecordOffset.cpuid) && r.mcgcap != 0 {
            ctx.out.write("MCGCAP "); ctx.out.hex(r.mcgcap); ctx.out.write(" "); idLine = true
        }
        if r.carries(fieldAt: RecordOffset.apicid) {
            ctx.out.write("APICID "); ctx.out.hex(r.apicid); ctx.out.write(" "); idLine = true
        }
        if r.carries(fieldAt: RecordOffset.socketid) {
            ctx.out.write("SOCKETID "); ctx.out.hex(r.socketid); ctx.out.write(" "); idLine = true
        }
        if idLine { ctx.out.newline() }
        if r.carries(fieldAt: RecordOffset.ppin) && r.ppin != 0 {
            ctx.out.write("PPIN "); ctx.out.hex(r.ppin); ctx.out.newline()
        }
        if r.carries(fieldAt: RecordOffset.microcode) && r.microcode != 0 {
            ctx.out.write("MICROCODE "); ctx.out.hex(r.microcode); ctx.out.newline()
        }
        if r.carries(fieldAt: RecordOffset.cpuid) && r.cpuid != 0 {
            let id = CPUIdentity(vendor: r.cpuvendor, cpuid: r.cpuid)
            ctx.out.write("CPUID Vendor "); ctx.out.write(CPUIdentity.vendorName(r.cpuvendor))
            ctx.out.write(" Family "); ctx.out.decimal(id.family)
            ctx.out.write(" Model "); ctx.out.decimal(id.model)
            ctx.out.write(" Step "); ctx.out.decimal(id.stepping); ctx.out.newline()
        }
    }

    /// Facts that follow from the record itself, whatever the decoder added.
    func finishFacts(_ ctx: inout DecodeContext) {
        let r = ctx.record
        if r.status & MCiStatus.addrv != 0 { ctx.facts.address = r.addr }
        if r.carries(fieldAt: RecordOffset.mcgcap) && r.mcgcap & MCGCap.cmciP != 0 {
            ctx.facts.correctedCount = Int(MCiStatus.correctedCount(r.status))
        }
    }

    /// The header's bank text. Banks from 128 are the kernel's pseudo-banks and read the same
    /// for every CPU type (upstream names K8 threshold banks on any CPU).
    func writeBankName(_ bank: UInt8, cpuType: CPUType, into out: inout TextBuffer) {
        switch bank {
        case 0..<128:
            if cpuType == .k8 { out.write(AMDK8.bankName(bank)) } else { out.write("BANK "); out.decimal(bank) }
        case SpecialBank.thermal: out.write("THERMAL EVENT")
        case SpecialBank.timeout: out.write("Timeout waiting for exception on other CPUs")
        case SpecialBank.apei: out.write("ACPI/APEI reported error")
        default:
            if let name = AMDK8.thresholdBankName(bank) { out.write(name) }
            else { out.write("Undecoded extended event "); out.hex(bank) }
        }
    }
}

/// Upstream's TSC-to-uptime text (mcelog.md §20): `[at 2000 Mhz 2 days 3:1:1 uptime (unreliable)]`.
public enum TSCUptime {
    public static func describe(tsc: UInt64, mhz: Double) -> String {
        let seconds = UInt64(Double(tsc) / (mhz * 1_000_000.0))
        var t = TextBuffer(capacity: 64)
        t.write("[at "); t.decimal(Int64(mhz.rounded(.toNearestOrEven))); t.write(" Mhz ")
        t.decimal(seconds / 86_400); t.write(" days ")
        t.decimal((seconds / 3600) % 24); t.write(":")
        t.decimal((seconds / 60) % 60); t.write(":")
        t.decimal(seconds % 60); t.write(" uptime (unreliable)]")
        return t.string
    }
}
