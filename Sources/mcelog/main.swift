import Glibc
import MachineCheck
import MCEIO
import MCEDaemon

/// Buffered standard output: decoded text is written in large chunks.
struct StandardOutput {
    var buffer = TextBuffer(capacity: 1 << 16)
    mutating func flushIfLarge() { if buffer.count >= 1 << 16 { flush() } }
    mutating func flush() {
        guard !buffer.isEmpty else { return }
        try? FileDescriptor.standardOutput.writeAll(buffer.bytes)
        buffer.removeAll()
    }
}

/// ctime(3) in the process's time zone (TZ), as upstream prints TIME lines.
struct LocalTimeRenderer: TimeRenderer {
    func ctime(_ seconds: Int64) -> String {
        var t = time_t(seconds)
        var tm = Glibc.tm()
        guard localtime_r(&t, &tm) != nil else { return UTCTimeRenderer().ctime(seconds) }
        return UTCTimeRenderer.render(seconds, offset: Int64(tm.tm_gmtoff))
    }
}

func fail(_ message: String, code: Int32 = 1) -> Never {
    Diagnostics.error(message)
    exit(code)
}

func makeFormatter(_ o: CommandLineOptions) -> RecordFormatter {
    var options = DecodeOptions()
    options.imcLog = o.imcLog
    return RecordFormatter(options: options, cpuMHz: o.cpuMHz, timeRenderer: LocalTimeRenderer())
}

/// `--json` for one record: the journal entry the daemon would send for it (the same
/// builder, the same decode text with the disclaimer line), as one line of JSON.
func recordJSON(_ record: MachineCheckRecord, cpuType: CPUType, formatter: RecordFormatter) -> [UInt8] {
    var text = TextBuffer(capacity: 768)
    text.line(RecordFormatter.disclaimer)
    let facts = formatter.format(record, cpuType: cpuType, into: &text)
    return JSONWriter.jsonLine(JournalEntry.machineCheck(record, facts: facts, decoded: text))
}

func openAsciiInput(_ o: CommandLineOptions) -> FileDescriptor {
    guard let f = o.inputFile else { return .standardInput }
    do { return try FileDescriptor.open(f, O_RDONLY) } catch {
        fail("Cannot open input file `\(f)': \(String(cString: strerror((error as? SystemError)?.errno ?? EIO)))")
    }
}

/// `--ascii --json`: one JSON object per record, nothing else on stdout (the text between
/// records that plain --ascii echoes is left out; problems still go to stderr).
func runAsciiJSON(_ o: CommandLineOptions) -> Int32 {
    var parser = AsciiRecordParser()
    parser.separateOnBlankLines = o.blankLinesSeparate
    var tracker = CPUTypeTracker(forced: o.cpuType)
    let formatter = makeFormatter(o)
    var out = StandardOutput()
    func emit(_ parsed: AsciiRecordParser.ParsedRecord) {
        for p in parsed.problems { Diagnostics.error(p) }
        for w in tracker.observe(parsed.record) { Diagnostics.error(w) }
        out.buffer.write(bytes: recordJSON(parsed.record, cpuType: tracker.current, formatter: formatter)[...])
        out.flushIfLarge()
    }
    var reader = LineReader(fd: openAsciiInput(o))
    do {
        try reader.forEachLine { line in
            if let r = parser.feed(line: line).record { emit(r) }
        }
    } catch {
        out.flush()
        fail("reading input: \(error)")
    }
    if let r = parser.finish() { emit(r) }
    out.flush()
    return 0
}

func runAscii(_ o: CommandLineOptions) -> Int32 {
    if o.json { return runAsciiJSON(o) }
    let fd = openAsciiInput(o)
    var transcoder = AsciiTranscoder(formatter: makeFormatter(o), tracker: CPUTypeTracker(forced: o.cpuType))
    transcoder.raw = o.raw
    transcoder.parser.separateOnBlankLines = o.blankLinesSeparate
    var out = StandardOutput()
    var reader = LineReader(fd: fd)
    do {
        try reader.forEachLine { line in
            transcoder.feed(line: line, out: &out.buffer) { Diagnostics.error($0) }
            out.flushIfLarge()
        }
    } catch {
        out.flush()
        fail("reading input: \(error)")
    }
    transcoder.finish(out: &out.buffer) { Diagnostics.error($0) }
    out.flush()
    return 0
}

/// Device mode on a file of binary records (or `--binary`: one record, the file's size).
func runRecordFile(_ o: CommandLineOptions, path: String, wholeFileIsOneRecord: Bool) -> Int32 {
    var length = o.recordLength ?? MachineCheckRecord.currentLength
    if wholeFileIsOneRecord {
        var st = stat()
        guard stat(path, &st) == 0 else { fail("Cannot open `\(path)': \(String(cString: strerror(errno)))") }
        length = Int(st.st_size)
        guard length >= MachineCheckRecord.minimumLength else {
            fail("`\(path)' holds \(length) bytes, less than the smallest kernel record (64 bytes)")
        }
    }
    if length > MachineCheckRecord.currentLength {
        Diagnostics.error("warning: \(length - MachineCheckRecord.currentLength) bytes ignored in each record")
    }
    var tracker = CPUTypeTracker(forced: o.cpuType, initial: o.cpuType == nil ? hostDecoderType() : .generic)
    let formatter = makeFormatter(o)
    var out = StandardOutput()
    var index = 0
    var decoded = 0
    let limit = o.numErrors
    do {
        try RecordFileReader(path: path, recordLength: length).forEach { item in
            switch item {
            case .truncated(let offset, let bytes):
                Diagnostics.error("`\(path)': \(bytes) trailing bytes at offset \(offset) do not make a whole \(length)-byte record; ignored")
            case .record(var r, _):
                defer { index += 1 }
                if let l = limit, decoded >= l { return }
                for w in tracker.observe(r) { Diagnostics.error(w) }
                if o.filter && DeviceFilter.isBogus(r, cpuType: tracker.current) { return }
                if r.time == 0 { r.time = UInt64(max(0, Glibc.time(nil))) }
                decoded += 1
                if o.json {
                    out.buffer.write(bytes: recordJSON(r, cpuType: tracker.current, formatter: formatter)[...])
                } else if o.raw {
                    RawFormatter.format(r, into: &out.buffer)
                } else {
                    out.buffer.line(RecordFormatter.disclaimer)
                    formatter.format(r, cpuType: tracker.current, index: index, into: &out.buffer)
                }
                out.flushIfLarge()
            }
        }
    } catch {
        out.flush()
        if o.ignoreNoDevice { exit(0) }
        fail("\(error)")
    }
    out.flush()
    return 0
}

func isPlainFile(_ path: String) -> Bool {
    var st = stat()
    return stat(path, &st) == 0 && (st.st_mode & S_IFMT) == S_IFREG
}

func hostDecoderType() -> CPUType {
    guard let host = HostCPU.read() else { return .generic }
    return host.selection.type
}

func isCPUSupported(_ o: CommandLineOptions) -> Int32 {
    guard let host = HostCPU.read() else {
        Diagnostics.error("warning: Cannot parse /proc/cpuinfo")
        return 1
    }
    let sel = host.selection
    if let w = sel.warning, sel.type == .generic || sel.type == .intel { Diagnostics.error(w) }
    return sel.type == .generic ? 1 : 0
}

func usageError(_ e: CommandLineOptions.UsageError) -> Never {
    Diagnostics.error(e.message)
    try? FileDescriptor.standardError.writeAll(CommandLineOptions.usage)
    exit(1)
}

let arguments = Array(CommandLine.arguments.dropFirst())
let given: CommandLineOptions
do { given = try CommandLineOptions.parse(arguments) } catch let e as CommandLineOptions.UsageError { usageError(e) }

switch given.command {
case .version:
    try? FileDescriptor.standardOutput.writeAll("mcelog \(MCELogVersion.string)\n")
    exit(0)
case .help:
    try? FileDescriptor.standardOutput.writeAll(CommandLineOptions.usage)
    try? FileDescriptor.standardOutput.writeAll("Valid CPUs: " + CPUNames.choices.map(\.name).joined(separator: " ") + "\n")
    exit(0)
default: break
}

// The configuration file's [global] options first, the command line over them (as upstream).
let config: ConfigFile
let options: CommandLineOptions
do {
    config = try ConfigFile.load(path: given.configFile)
    options = try CommandLineOptions.parse(arguments, over: CommandLineOptions.configured(by: config))
} catch let e as CommandLineOptions.UsageError {
    usageError(e)
} catch {
    fail("\(error)")
}

let historyOnly = [("--since", options.since != nil), ("--until", options.until != nil),
                   ("--journal-directory", options.journalDirectory != nil)]
if options.command != .summary && options.command != .errors, let misplaced = historyOnly.first(where: { $0.1 }) {
    Diagnostics.error("\(misplaced.0) only applies to --summary and --errors")
    exit(1)
}

if options.positional.count > 1 {
    Diagnostics.error("too many arguments: \(options.positional.joined(separator: " "))")
    try? FileDescriptor.standardError.writeAll(CommandLineOptions.usage)
    exit(1)
}

switch options.command {
case .version, .help:
    break   // answered above
case .ascii:
    exit(runAscii(options))
case .isCPUSupported:
    exit(isCPUSupported(options))
case .binary:
    guard let path = options.positional.first else { fail("--binary needs a FILE argument") }
    exit(runRecordFile(options, path: path, wholeFileIsOneRecord: true))
case .device:
    // A plain file of records decodes like upstream's device mode on stdout; otherwise read
    // what the kernel holds (tracepoint or /dev/mcelog) once.
    if let path = options.positional.first, isPlainFile(path) {
        exit(runRecordFile(options, path: path, wholeFileIsOneRecord: false))
    }
    exit(DaemonCommand.run(options, config: config, daemonMode: false))
case .daemon:
    exit(DaemonCommand.run(options, config: config, daemonMode: true))
case .ping:
    exit(ClientCommand.ping(options, config: config))
case .client:
    exit(ClientCommand.client(options, config: config))
case .summary:
    exit(HistoryCommand.run(options, mode: .summary))
case .errors:
    exit(HistoryCommand.run(options, mode: .errors))
}
