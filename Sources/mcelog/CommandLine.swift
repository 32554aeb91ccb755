import MachineCheck
import MCEDaemon

/// Upstream mcelog's command line: long options only, `--opt value` or `--opt=value`, any
/// unique prefix of an option name, options before or after the command word (mcelog.md §3).
struct CommandLineOptions {
    enum Command { case device, daemon, ascii, client, ping, version, help, isCPUSupported, binary, summary, errors }

    var command: Command = .device
    var cpuType: CPUType? = nil
    var cpuMHz: Double? = nil
    var raw = false
    var inputFile: String? = nil
    var logFile: String? = nil
    var configFile: String? = nil
    var pidFile: String? = nil
    var numErrors: Int? = nil
    var recordLength: Int? = nil
    var tracefs: String? = nil
    var source: String? = nil
    var positional: [String] = []
    var foreground = false
    var ignoreNoDevice = false
    var filter = true
    var blankLinesSeparate = false
    var imcLog = true
    var maxCorrErrCounters: Int? = nil
    /// `--json`: records as journal-field JSON objects, history as JSON.
    var json = false
    /// History (`--summary`, `--errors`): time bounds as typed, and a journal directory.
    var since: String? = nil
    var until: String? = nil
    var journalDirectory: String? = nil

    /// Every option upstream knows (plus ours), and whether it takes an argument.
    static let table: [(name: String, takesArgument: Bool)] = [
        ("logfile", true), ("k8", false), ("p4", false), ("generic", false), ("core2", false),
        ("intel-cpu", true), ("ignorenodev", false), ("filter", false), ("no-filter", false),
        ("dmi", false), ("no-dmi", false), ("dmi-verbose", true), ("syslog", false),
        ("cpumhz", true), ("syslog-error", false), ("dump-raw-ascii", false), ("raw", false),
        ("no-syslog", false), ("daemon", false), ("ascii", false), ("file", true),
        ("version", false), ("config-file", true), ("cpu", true), ("foreground", false),
        ("client", false), ("ping", false), ("num-errors", true), ("pidfile", true),
        ("debug-numerrors", false), ("no-imc-log", false), ("max-corr-err-counters", true),
        ("help", false), ("is-cpu-supported", false), ("binary", false),
        // Ours.
        ("record-length", true), ("tracefs", true), ("source", true),
        ("blank-lines-separate", false), ("summary", false), ("errors", false), ("since", true),
        ("until", true), ("journal-directory", true), ("json", false),
    ]

    struct UsageError: Error { let message: String }

    /// Parses `args` on top of `base` (the configuration file's [global] keys), so the command
    /// line wins.
    static func parse(_ args: [String], over base: CommandLineOptions = CommandLineOptions()) throws -> CommandLineOptions {
        var o = base
        var i = 0
        while i < args.count {
            let a = args[i]
            i += 1
            if a == "--" { o.positional += args[i...]; break }
            guard a.hasPrefix("--"), a.count > 2 else {
                if a.hasPrefix("-") && a.count > 1 { throw UsageError(message: "invalid option -- '\(a.dropFirst())'") }
                o.positional.append(a)
                continue
            }
            var name = String(a.dropFirst(2))
            var value: String? = nil
            if let eq = name.firstIndex(of: "=") {
                value = String(name[name.index(after: eq)...])
                name = String(name[..<eq])
            }
            let option = try resolve(name)
            if option.takesArgument {
                if value == nil {
                    guard i < args.count else { throw UsageError(message: "option '--\(option.name)' requires an argument") }
                    value = args[i]
                    i += 1
                }
            } else if value != nil {
                throw UsageError(message: "option '--\(option.name)' doesn't allow an argument")
            }
            try o.apply(option.name, value)
        }
        return o
    }

    /// The commands among the options: in mcelog.conf they are accepted and do nothing
    /// (mcelog.conf(5)); `config-file` in the file would name itself.
    static let commandOptions: Set<String> = ["daemon", "ascii", "client", "ping", "version", "help",
                                              "is-cpu-supported", "binary", "summary", "errors", "config-file"]
    /// Options the error response reads from the file itself, so a reload picks up a change;
    /// taken from the command line only.
    static let reloadedOptions: Set<String> = ["max-corr-err-counters"]

    /// mcelog.conf's [global] keys are upstream's long options (mcelog.md §4.1): a boolean for an
    /// option without argument, the argument otherwise. A bad value names the file and line.
    static func configured(by config: ConfigFile) throws -> CommandLineOptions {
        var o = CommandLineOptions()
        for entry in config.entries where entry.section == "global"
            && !commandOptions.contains(entry.key) && !reloadedOptions.contains(entry.key) {
            guard let option = table.first(where: { $0.name == entry.key }) else { continue }  // not an option: a setting
            do {
                if option.takesArgument {
                    try o.apply(option.name, entry.value)
                } else if try config.bool("global", entry.key) == true {
                    try o.apply(option.name, nil)
                }
            } catch let e as UsageError {
                throw ConfigFile.ParseError(path: config.path, line: entry.line, message: e.message)
            }
        }
        return o
    }

    /// Exact name, else the unique option starting with `name`.
    static func resolve(_ name: String) throws -> (name: String, takesArgument: Bool) {
        if let exact = table.first(where: { $0.name == name }) { return exact }
        let candidates = table.filter { $0.name.hasPrefix(name) }
        if candidates.count == 1 { return candidates[0] }
        if candidates.isEmpty { throw UsageError(message: "unrecognized option '--\(name)'") }
        throw UsageError(message: "option '--\(name)' is ambiguous")
    }

    mutating func apply(_ name: String, _ value: String?) throws {
        let v = value ?? ""
        switch name {
        case "logfile": logFile = v
        case "k8": cpuType = .k8
        case "p4": cpuType = .p4
        case "generic": cpuType = .generic
        case "core2": cpuType = .core2
        case "intel-cpu":
            let parts = v.split(separator: ",")
            guard parts.count == 2, let fam = CommandLineOptions.cInteger(parts[0]),
                  let mod = CommandLineOptions.cInteger(parts[1]) else {
                throw UsageError(message: "--intel-cpu takes FAMILY,MODEL (e.g. 6,0x55), got `\(v)'")
            }
            let sel = CPUTypeSelector.intel(family: UInt32(truncatingIfNeeded: fam), model: UInt32(truncatingIfNeeded: mod))
            if sel.type == .generic { throw UsageError(message: "Unknown Intel CPU") }
            cpuType = sel.type
        case "cpu":
            guard let t = CPUNames.lookup(v) else {
                throw UsageError(message: "Unknown CPU type `\(v)' specified\nValid CPUs: " +
                                 CPUNames.choices.map(\.name).joined(separator: " "))
            }
            cpuType = t
        case "cpumhz":
            guard let mhz = Double(v), mhz > 0 else { throw UsageError(message: "--cpumhz takes a positive number, got `\(v)'") }
            cpuMHz = mhz
        case "ignorenodev": ignoreNoDevice = true
        case "filter": filter = true
        case "no-filter": filter = false
        // Upstream options accepted so existing command lines keep working; they change
        // nothing here (no /dev/mem DMI, output goes to the journal; see README).
        case "dmi", "no-dmi", "syslog", "syslog-error", "no-syslog", "debug-numerrors": break
        case "dmi-verbose":
            guard CommandLineOptions.cInteger(Substring(v)) != nil else { throw UsageError(message: "--dmi-verbose takes a number") }
        case "dump-raw-ascii", "raw": raw = true
        case "daemon": command = .daemon
        case "ascii": command = .ascii
        case "client": command = .client
        case "ping": command = .ping
        case "version": command = .version
        case "help": command = .help
        case "is-cpu-supported": command = .isCPUSupported
        case "binary": command = .binary
        case "file": inputFile = v
        case "config-file": configFile = v
        case "foreground": foreground = true
        case "num-errors":
            guard let n = Int(v), n >= 0 else { throw UsageError(message: "--num-errors takes a count, got `\(v)'") }
            numErrors = n
        case "pidfile": pidFile = v
        case "no-imc-log": imcLog = false
        case "max-corr-err-counters":
            guard let n = Int(v), n > 0 else { throw UsageError(message: "--max-corr-err-counters takes a count, got `\(v)'") }
            maxCorrErrCounters = n
        case "record-length":
            guard let n = CommandLineOptions.cInteger(Substring(v)), n >= MachineCheckRecord.minimumLength, n <= 65536 else {
                throw UsageError(message: "--record-length takes a size in bytes from 64 to 65536, got `\(v)'")
            }
            recordLength = n
        case "tracefs": tracefs = v
        case "source": source = v
        case "blank-lines-separate": blankLinesSeparate = true
        case "summary": command = .summary
        case "errors": command = .errors
        case "since": since = v
        case "until": until = v
        case "journal-directory":
            guard !v.isEmpty else { throw UsageError(message: "--journal-directory takes a directory") }
            journalDirectory = v
        case "json": json = true
        default: throw UsageError(message: "unrecognized option '--\(name)'")
        }
    }

    /// C's `%i`: decimal, `0x` hex or leading-zero octal.
    static func cInteger(_ s: Substring) -> Int? {
        let t = s.trimmingPrefix(" ")
        if t.hasPrefix("0x") || t.hasPrefix("0X") { return Int(t.dropFirst(2), radix: 16) }
        if t.count > 1 && t.hasPrefix("0") { return Int(t.dropFirst(), radix: 8) }
        return Int(t)
    }

    static let usage = """
    Usage:

      mcelog [options]  [mcelogdevice]
    Decode machine check error records from current kernel.

      mcelog [options] --daemon
    Run mcelog in daemon mode, waiting for errors from the kernel.

      mcelog [options] --client
    Query a currently running mcelog daemon for errors

      mcelog [options] --ascii < log
      mcelog [options] --ascii --file log
    Decode machine check ASCII output from kernel logs

      mcelog --summary [--since TIME] [--until TIME] [--journal-directory DIR] [--json]
      mcelog --errors [--since TIME] [--until TIME] [--journal-directory DIR] [--json]
    Count or list the machine checks mcelog recorded in the journal, across boots

    Options:
    --version           Show the version of mcelog and exit
    --cpu CPU           Set CPU type CPU to decode (see below for valid types)
    --intel-cpu FAMILY,MODEL  Set CPU type for an Intel CPU based on family and model from cpuid
    --k8                Set the CPU to be an AMD K8
    --p4                Set the CPU to be an Intel Pentium4
    --core2             Set the CPU to be an Intel Core2
    --generic           Set the CPU to a generic version
    --cpumhz MHZ        Set CPU Mhz to decode time (output unreliable, not needed on new kernels)
    --raw               (with --ascii) Dump in raw ASCII format for machine processing
    --daemon            Run in background waiting for events (needs newer kernel)
    --client            Query a currently running mcelog daemon for errors
    --ping              Check that a daemon answers (prints pong, exit 0; exit 1 if none)
    --ignorenodev       Exit silently when the device cannot be opened
    --file filename     With --ascii read machine check log from filename instead of stdin
    --binary FILE       Decode FILE holding one kernel record (e.g. saved by pstore)
    --record-length N   Size of each record in a record FILE (default 128)
    --tracefs DIR       Use DIR as the tracefs root (default /sys/kernel/tracing)
    --source WHICH      Read auto (default), tracefs (the mce_record tracepoint) or device (/dev/mcelog)
    --logfile filename  Append log output to logfile instead of stdout
    --syslog            Log decoded machine checks in syslog (default stdout or syslog for daemon)
    --syslog-error      Log decoded machine checks in syslog with error level
    --no-syslog         Never log anything to syslog
    --dmi               Use SMBIOS information to decode DIMMs (needs root)
    --no-dmi            Don't use SMBIOS information
    --dmi-verbose N     Dump SMBIOS information (for debugging)
    --filter            Inhibit known bogus events (default on)
    --no-filter         Don't inhibit known broken events
    --config-file filename Read config information from config file instead of /etc/mcelog/mcelog.conf
    --foreground        Keep in foreground (for debugging)
    --num-errors N      Only process N errors (for testing)
    --pidfile file      Write pid of daemon into file
    --no-imc-log        Disable extended iMC logging
    --is-cpu-supported  Exit with return code indicating whether the CPU is supported
    --max-corr-err-counters Max page correctable error counters
    --blank-lines-separate (with --ascii) Treat blank lines as record separators
    --json              Print each record as a JSON object with the journal entry's fields
                        (--ascii, device mode), or the summary/error list as JSON
    --summary           Count recorded errors per DIMM, socket and bank by severity, first/last seen
    --errors            List recorded errors: time, host, CPU, bank, severity, DIMM, address, message
    --since TIME        (with --summary/--errors) Only errors at or after TIME: 2024-05-01,
                        "2024-05-01 13:45", 13:45, yesterday, -7d, "2 hours ago", @EPOCH
    --until TIME        (with --summary/--errors) Only errors at or before TIME
    --journal-directory DIR  Read the journal files in DIR (e.g. collected from a fleet)
                        instead of the system journal
    --help              Display this message.

    """
}
