/// Reads machine-check records out of text: upstream mcelog's own output, kernel console
/// and panic text, syslog lines and Xen's messages (mcelog.md §18).
///
/// Compatibility facts kept on purpose: a record ends only at a non-blank text line or at the
/// end of input; fields overwrite the current record; `recordlen` grows to the end of the
/// furthest field parsed and gates the optional output lines. Blank lines merging records is
/// an upstream bug (mcelog.md §24.5) that the public decode cases depend on; by default it is
/// kept for byte-compatibility, `separateOnBlankLines` fixes it.
public struct AsciiRecordParser: Sendable {
    public struct ParsedRecord: Sendable {
        public var record: MachineCheckRecord
        /// Kernel symbol text of `RIP ... {sym}` (upstream keeps the closing brace).
        public var symbol: String?
        /// Some recognised line could not be parsed: `(Fields were incomplete)`.
        public var incomplete: Bool
        /// The input said "HARDWARE ERROR" itself, so no disclaimer line is printed.
        public var disclaimerSeen: Bool
        /// What was wrong, one message per malformed field, naming the input line.
        public var problems: [String]
        /// Input line where the record started.
        public var firstLine: Int
    }

    public var separateOnBlankLines = false

    private var record = MachineCheckRecord()
    private var recordLength = 0
    private var symbol: String? = nil
    private var missing = false
    private var hasData = false
    private var disclaimerSeen = false
    private var problems: [String] = []
    private var firstLine = 0
    private var lineNumber = 0

    public init() { reset() }

    private mutating func reset() {
        record = MachineCheckRecord()
        record.length = 0
        recordLength = 0
        symbol = nil
        missing = false
        hasData = false
        disclaimerSeen = false
        problems = []
        firstLine = 0
    }

    // Formats of the lines upstream recognises.
    static let panicLine = ScanFormat("CPU %u: Machine Check%*[ :Ec-x]%16Lx Bank %d: %016Lx%n")
    static let cpuBankLine = ScanFormat("CPU %u BANK %u%n")
    static let cpuPairLine = ScanFormat("CPU %u %u%n")
    static let statusField = ScanFormat("STATUS %llx%n")
    static let mcgstatusField = ScanFormat("MCGSTATUS %llx%n")
    static let ripField = ScanFormat("%02x:<%016Lx> {%99s}%n")
    static let tscField = ScanFormat("TSC %llx%n")
    static let addrField = ScanFormat("ADDR %llx%n")
    static let miscField = ScanFormat("MISC %llx%n")
    static let processorField = ScanFormat("PROCESSOR %u:%x%n")
    static let timeField = ScanFormat("TIME %llu%n")
    static let ctimeDate = ScanFormat("%10s %10s %u %u:%u:%u %u%n")
    static let mcgcapField = ScanFormat("MCGCAP %llx%n")
    static let apicidField = ScanFormat("APICID %x%n")
    static let socketidField = ScanFormat("SOCKETID %u%n")
    static let cpuidLine = ScanFormat("CPUID Vendor %30s Family %u Model %u\n")
    static let xenCPU = ScanFormat("CPU %d")
    static let xenBank = ScanFormat("(XEN) Bank %d: %llx at %llx")

    /// End offsets of the fields in the kernel structure (upstream's `endof_field`): the
    /// structure is packed, so each field ends where the next begins.
    enum FieldEnd {
        typealias O = RecordOffset
        static let status = O.misc, misc = O.addr, addr = O.mcgstatus, mcgstatus = O.ip, ip = O.tsc
        static let tsc = O.time, time = O.cpuvendor, cpuvendor = O.injectFlags, cpuid = O.cs
        static let bank = O.cpu, cpu = O.finished, socketid = O.apicid, apicid = O.mcgcap, mcgcap = O.synd
    }

    private mutating func field(_ end: Int) { if recordLength < end { recordLength = end } }

    private mutating func malformed(_ what: String, _ text: ArraySlice<UInt8>) {
        missing = true
        var shown = text
        while let last = shown.last, isSpace(last) { shown = shown.dropLast() }
        if shown.count > 60 { shown = shown.prefix(60) }
        problems.append("input line \(lineNumber): malformed \(what): '\(String(decoding: shown, as: UTF8.self))'")
    }

    /// What one input line produced: a finished record, then text to echo, either optional.
    public struct LineResult {
        public var record: ParsedRecord? = nil
        public var text: ArraySlice<UInt8>? = nil
    }

    /// Feeds one input line (with or without its trailing newline).
    public mutating func feed(line: ArraySlice<UInt8>) -> LineResult {
        var result = LineResult()
        lineNumber += 1
        var s = line
        while true {
            s = AsciiRecordParser.skipGunk(s)
            let start = s
            var n = 0
            var next = 0
            if s.hasPrefix("CPU ") {
                n = parseCPULine(s, next: &next)
            } else if s.hasPrefix("STATUS") {
                n = scanNumber(AsciiRecordParser.statusField, s, "STATUS", &next) { $0.record.status = $1; $0.field(FieldEnd.status) }
            } else if s.hasPrefix("MCGSTA") {
                n = scanNumber(AsciiRecordParser.mcgstatusField, s, "MCGSTATUS", &next) { $0.record.mcgstatus = $1; $0.field(FieldEnd.mcgstatus) }
            } else if s.hasPrefix("RIP") {
                n = parseRIP(&s, next: &next)
            } else if s.hasPrefix("TSC") {
                n = scanNumber(AsciiRecordParser.tscField, s, "TSC", &next) { $0.record.tsc = $1; $0.field(FieldEnd.tsc) }
            } else if s.hasPrefix("ADDR") {
                n = scanNumber(AsciiRecordParser.addrField, s, "ADDR", &next) { $0.record.addr = $1; $0.field(FieldEnd.addr) }
            } else if s.hasPrefix("MISC") {
                n = scanNumber(AsciiRecordParser.miscField, s, "MISC", &next) { $0.record.misc = $1; $0.field(FieldEnd.misc) }
            } else if s.hasPrefix("PROCESSOR") {
                let r = AsciiRecordParser.processorField.scan(s)
                n = r.assigned
                if r.assigned >= 1 { record.cpuvendor = UInt8(truncatingIfNeeded: r.numbers[0]) }
                if r.assigned >= 2 { record.cpuid = UInt32(truncatingIfNeeded: r.numbers[1]) }
                if r.assigned < 2 { malformed("PROCESSOR field", s) } else {
                    field(FieldEnd.cpuid); field(FieldEnd.cpuvendor)
                }
                next = r.consumed ?? 0
            } else if s.hasPrefix("TIME") {
                n = scanNumber(AsciiRecordParser.timeField, s, "TIME", &next) { $0.record.time = $1; $0.field(FieldEnd.time) }
                next += AsciiRecordParser.skipDate(s.dropFirst(next))
            } else if s.hasPrefix("MCGCAP") {
                n = scanNumber(AsciiRecordParser.mcgcapField, s, "MCGCAP", &next) { $0.record.mcgcap = $1; $0.field(FieldEnd.mcgcap) }
            } else if s.hasPrefix("APICID") {
                n = scanNumber(AsciiRecordParser.apicidField, s, "APICID", &next) { $0.record.apicid = UInt32(truncatingIfNeeded: $1); $0.field(FieldEnd.apicid) }
            } else if s.hasPrefix("SOCKETID") {
                n = scanNumber(AsciiRecordParser.socketidField, s, "SOCKETID", &next) { $0.record.socketid = UInt32(truncatingIfNeeded: $1); $0.field(FieldEnd.socketid) }
            } else if s.hasPrefix("CPUID") {
                let r = AsciiRecordParser.cpuidLine.scan(s)
                n = r.assigned
                if r.assigned < 3 { malformed("CPUID line", s) } else {
                    record.cpuvendor = AsciiRecordParser.vendorNumber(s[r.strings[0]])
                    // Upstream leaves the stepping uninitialised here (mcelog.md §18.6); we use 0.
                    record.cpuid = CPUIdentity(vendor: record.cpuvendor, family: UInt32(truncatingIfNeeded: r.numbers[0]),
                                               model: UInt32(truncatingIfNeeded: r.numbers[1]), stepping: 0).cpuid
                    field(FieldEnd.cpuid); field(FieldEnd.cpuvendor)
                }
            } else if AsciiRecordParser.contains(s, "HARDWARE ERROR") {
                disclaimerSeen = true
            } else if s.hasPrefix("(XEN)") {
                n = parseXen(s)
            } else if AsciiRecordParser.isSkippedLine(s) {
                n = 0
            } else {
                let content = AsciiRecordParser.skipSpace(s)
                let endsRecord = hasData && (!content.isEmpty || separateOnBlankLines)
                if endsRecord { result.record = finishedRecord() }
                result.text = start
                if endsRecord { reset() }
                return result
            }
            if n > 0 {
                if !hasData { firstLine = lineNumber }
                hasData = true
            }
            if next <= 0 { return result }
            s = s.dropFirst(next)
        }
    }

    /// Ends the input; returns the pending record, if any field was parsed.
    public mutating func finish() -> ParsedRecord? {
        defer { reset() }
        return hasData ? finishedRecord() : nil
    }

    private func finishedRecord() -> ParsedRecord {
        var r = record
        r.finished = 1
        r.length = recordLength
        return ParsedRecord(record: r, symbol: symbol, incomplete: missing,
                            disclaimerSeen: disclaimerSeen, problems: problems, firstLine: firstLine)
    }

    private mutating func scanNumber(_ format: ScanFormat, _ s: ArraySlice<UInt8>, _ name: String,
                                     _ next: inout Int, _ store: (inout AsciiRecordParser, UInt64) -> Void) -> Int {
        let r = format.scan(s)
        if r.assigned >= 1 { store(&self, r.numbers[0]) } else { malformed(name + " field", s) }
        next = r.consumed ?? 0
        return r.assigned
    }

    /// `CPU n: Machine Check ...` panic lines, `CPU n BANK b` and `CPU n b`.
    private mutating func parseCPULine(_ s: ArraySlice<UInt8>, next: inout Int) -> Int {
        let panic = AsciiRecordParser.panicLine.scan(s)
        var n = panic.assigned
        if let c = panic.consumed { next = c }
        var cpu = panic.assigned >= 1 ? panic.numbers[0] : 0
        if n == 1 {
            var r = AsciiRecordParser.cpuBankLine.scan(s)
            if let c = r.consumed { next = c }
            if r.assigned != 2 {
                r = AsciiRecordParser.cpuPairLine.scan(s)
                if let c = r.consumed { next = c }
            }
            n = r.assigned
            if r.assigned >= 1 { cpu = r.numbers[0] }
            record.cpu = UInt8(truncatingIfNeeded: cpu)
            if n < 2 { malformed("CPU/BANK line", s) } else {
                record.bank = UInt8(truncatingIfNeeded: r.numbers[1])
                field(FieldEnd.bank)
            }
        } else if n <= 0 {
            malformed("CPU line", s)
        } else {
            record.mcgstatus = panic.numbers[1]
            field(FieldEnd.mcgstatus)
            record.cpu = UInt8(truncatingIfNeeded: cpu)
            if n > 2 {
                record.bank = UInt8(truncatingIfNeeded: panic.numbers[2])
                field(FieldEnd.bank)
            }
            if n > 3 { record.status = panic.numbers[3] }
            if n < 4 { malformed("machine check line", s) }
        }
        return n
    }

    /// `RIP[ !INEXACT!] cs:<ip> {symbol}`: only the kernel's bracketed form parses.
    private mutating func parseRIP(_ s: inout ArraySlice<UInt8>, next: inout Int) -> Int {
        let whole = s
        s = s.hasPrefix("RIP !INEXACT!") ? s.dropFirst(13) : s.dropFirst(3)
        let r = AsciiRecordParser.ripField.scan(s)
        record.cs = r.assigned >= 1 ? UInt8(truncatingIfNeeded: r.numbers[0]) : 0
        if r.assigned >= 2 { record.ip = r.numbers[1] }
        if r.assigned >= 3 { symbol = String(decoding: s[r.strings[0]], as: UTF8.self) }
        if r.assigned < 2 { malformed("RIP field", whole) } else { field(FieldEnd.ip) }
        next = r.consumed ?? 0
        return r.assigned
    }

    private mutating func parseXen(_ s: ArraySlice<UInt8>) -> Int {
        if AsciiRecordParser.contains(s, "The hardware reports a non fatal, correctable incident occurred") {
            if let at = AsciiRecordParser.find(s, "CPU") {
                let r = AsciiRecordParser.xenCPU.scan(s[at...])
                if r.assigned != 0 {
                    if r.assigned > 0 { record.cpu = UInt8(truncatingIfNeeded: r.numbers[0]) }
                    field(FieldEnd.cpu)
                }
            }
            return 0
        }
        let r = AsciiRecordParser.xenBank.scan(s)
        guard r.assigned >= 1 else { return 0 }
        record.bank = UInt8(truncatingIfNeeded: r.numbers[0])
        if r.assigned >= 2 { record.status = r.numbers[1] }
        if r.assigned >= 3 { record.addr = r.numbers[2] }
        field(FieldEnd.bank)
        return 1
    }

    // MARK: line helpers

    static func skipSpace(_ s: ArraySlice<UInt8>) -> ArraySlice<UInt8> {
        var p = s.startIndex
        while p < s.endIndex && isSpace(s[p]) { p += 1 }
        return s[p...]
    }

    /// Drops a syslog prefix up to `mcelog: `, a `<N>` priority, a `[time]` stamp and the
    /// kernel's `mce: [Hardware Error]:` tag.
    static func skipGunk(_ line: ArraySlice<UInt8>) -> ArraySlice<UInt8> {
        var s = line
        if let at = find(s, "mcelog: ") { s = s[(at + 8)...] }
        s = skipSpace(s)
        if s.first == UInt8(ascii: "<") {
            if let close = s.firstIndex(of: UInt8(ascii: ">")) { s = s[(close + 1)...] } else { s = s[s.endIndex...] }
        }
        s = skipSpace(s)
        if s.first == UInt8(ascii: "[") {
            if let close = s.firstIndex(of: UInt8(ascii: "]")) { s = s[(close + 1)...] } else { s = s[s.endIndex...] }
        }
        s = skipSpace(s)
        if s.hasPrefix("mce: [Hardware Error]:") { s = s.dropFirst(22) }
        return skipSpace(s)
    }

    /// Lines of upstream's own decode that carry nothing to re-parse.
    static func isSkippedLine(_ s: ArraySlice<UInt8>) -> Bool {
        if s.hasPrefix("MCA:") || s.hasPrefix("MCi_MISC register valid")
            || s.hasPrefix("Unsupported new Family") { return true }
        if s.count >= 9 && s.hasPrefix("MC") && s.dropFirst(3).hasPrefix(" status") { return true }
        // Upstream compares this one with the newline still attached, so only a final line
        // without a newline ever matches.
        return s.count == 46 && s.hasPrefix("Kernel does not support page offline interface")
    }

    /// `Www Mmm dd hh:mm:ss yyyy` after a TIME value; returns the bytes it spans.
    static func skipDate(_ s: ArraySlice<UInt8>) -> Int {
        let r = ctimeDate.scan(s)
        guard r.assigned == 7, let used = r.consumed else { return 0 }
        func isShortName(_ w: ArraySlice<UInt8>) -> Bool {
            let b = Array(w)
            return b.count == 3 && b[0] >= 0x41 && b[0] <= 0x5a && b[1] >= 0x61 && b[1] <= 0x7a
                && b[2] >= 0x61 && b[2] <= 0x7a
        }
        let day = r.numbers[0], hour = r.numbers[1], minute = r.numbers[2], second = r.numbers[3]
        let year = r.numbers[4]
        guard isShortName(s[r.strings[0]]), isShortName(s[r.strings[1]]), (1...31).contains(UInt32(truncatingIfNeeded: day)),
              UInt32(truncatingIfNeeded: hour) <= 24, UInt32(truncatingIfNeeded: minute) <= 59,
              UInt32(truncatingIfNeeded: second) <= 59, UInt32(truncatingIfNeeded: year) >= 1900 else { return 0 }
        return used
    }

    static func vendorNumber(_ name: ArraySlice<UInt8>) -> UInt8 {
        let text = String(decoding: name, as: UTF8.self)
        for v in UInt8(0)...8 where CPUIdentity.vendorName(v) == text { return v }
        return 0
    }

    static func find(_ s: ArraySlice<UInt8>, _ needle: StaticString) -> Int? {
        let count = needle.utf8CodeUnitCount
        let n = UnsafeBufferPointer(start: needle.utf8Start, count: count)
        guard s.count >= n.count, let first = n.first else { return nil }
        var i = s.startIndex
        let last = s.endIndex - n.count
        while i <= last {
            if s[i] == first {
                var j = 1
                while j < n.count && s[i + j] == n[j] { j += 1 }
                if j == n.count { return i }
            }
            i += 1
        }
        return nil
    }

    static func contains(_ s: ArraySlice<UInt8>, _ needle: StaticString) -> Bool { find(s, needle) != nil }
}
