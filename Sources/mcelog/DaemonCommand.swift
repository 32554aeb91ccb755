import Glibc
import MachineCheck
import MCEIO
import MCEDaemon
import MCEResponse

/// `mcelog --daemon` and the one-shot kernel read (cron, kernel trigger): pick the source,
/// read the configuration, run the daemon.
enum DaemonCommand {
    enum SourceChoice: String, CaseIterable { case auto, tracefs, device }

    /// `o` already holds the configuration's [global] options under the command line's.
    static func run(_ o: CommandLineOptions, config: ConfigFile, daemonMode: Bool) -> Int32 {
        let choiceText: String
        do {
            let configured = try config.choice("source", "type", SourceChoice.allCases.map(\.rawValue))
            choiceText = o.source ?? configured ?? "auto"
        } catch { fail("\(error)") }
        guard let choice = SourceChoice(rawValue: choiceText) else {
            fail("--source takes auto, tracefs or device, got `\(choiceText)'")
        }
        let tracefsRoot = o.tracefs ?? config.string("source", "tracefs") ?? TracefsSource.defaultRoot
        let devicePath = o.positional.first ?? config.string("source", "device") ?? DevMcelogSource.defaultPath

        let recordLength: Int?
        do { recordLength = try o.recordLength ?? config.integer("source", "record-length", range: 64...65536) } catch { fail("\(error)") }
        let source: MachineCheckSource
        do {
            source = try openSource(choice, tracefsRoot: tracefsRoot, devicePath: devicePath,
                                    explicitDevice: !o.positional.isEmpty, recordLength: recordLength)
        } catch {
            if o.ignoreNoDevice { exit(0) }
            fail("\(error)")
        }
        if let t = source as? TracepointSource { for w in t.warnings { Diagnostics.error(w) } }

        var settings = DaemonSettings()
        settings.daemonMode = daemonMode
        settings.printText = !daemonMode && !o.json
        settings.printJSON = !daemonMode && o.json
        settings.numErrors = o.numErrors
        settings.pidFile = daemonMode ? o.pidFile : nil
        settings.logFile = o.logFile ?? LogFile.defaultPath
        do {
            if let q = try config.integer("journal", "queue-length", range: 1...1_000_000) { settings.queueCapacity = q }
        } catch { fail("\(error)") }

        let forced = o.cpuType
        let pipeline = RecordPipeline(forced: forced, hostType: forced == nil ? hostDecoderType() : .generic,
                                      formatter: makeFormatter(o), filter: o.filter)
        let sink = JournalSink(socketPath: config.string("journal", "socket") ?? JournalWriter.defaultSocketPath)
        let responseConfig: ResponseConfiguration
        do { responseConfig = try checkedResponse(config, maxCorrErrCounters: o.maxCorrErrCounters) } catch { fail("\(error)") }
        let daemon = Daemon(settings: settings, pipeline: pipeline, sink: sink)
        let configPath = o.configFile
        daemon.configPath = configPath ?? ConfigFile.defaultPath
        // Upstream accounts and acts in daemon mode only; a one-shot run just reports.
        let response = daemonMode ? ErrorResponse(configuration: responseConfig, post: { [weak daemon] in daemon?.enqueue($0) }) : nil
        daemon.response = response
        daemon.version = MCELogVersion.string
        response?.metricsText = { [weak daemon] in daemon?.metricsText() ?? "" }
        daemon.reload = { [weak response] in
            do {
                let next = try checkedResponse(try ConfigFile.load(path: configPath), maxCorrErrCounters: o.maxCorrErrCounters)
                response?.apply(next)
                return nil
            } catch { return "\(error)" }
        }
        if let reports = response {
            do {
                daemon.server = try makeServer(config, daemon: daemon, reports: reports)
            } catch {
                fail("\(error)")
            }
        }
        if daemonMode && !o.foreground {
            // Classic double-fork daemon, as upstream; systemd runs us with --foreground.
            if Glibc.daemon(0, 0) != 0 { fail("cannot daemonize: \(String(cString: strerror(errno)))") }
        }
        do {
            return try daemon.run(source: source)
        } catch {
            fail("\(error)")
        }
    }

    /// The error-response part of the configuration, with every configured trigger checked
    /// as upstream checks them at start-up (a trigger that cannot run stops the daemon; on
    /// reload it keeps the old configuration).
    static func checkedResponse(_ config: ConfigFile, maxCorrErrCounters: Int?) throws -> ResponseConfiguration {
        var r = try ResponseConfiguration(config)
        if let n = maxCorrErrCounters { r.settings.maxCorrErrCounters = n }
        for (key, path) in r.triggers {
            do {
                try TriggerRunner.validate(trigger: path, directory: r.settings.triggerDirectory, kind: TriggerCheckKind(key))
            } catch {
                let line = config.entry(key.section, key.rawValue)?.line ?? 0
                throw ConfigFile.ParseError(path: config.path, line: line, message: "\(key.qualifiedName): \(error)")
            }
        }
        return r
    }

    /// The client socket: systemd's (FileDescriptorName=client) or bound here; an empty
    /// `[server] socket-path` disables it.
    static func makeServer(_ config: ConfigFile, daemon: Daemon, reports: ClientReports) throws -> ClientServer? {
        let path = config.string("server", "socket-path") ?? ClientCommand.defaultSocketPath
        let fd: Int32
        if let passed = SocketActivation.socket(named: "client") {
            fd = passed
        } else {
            if path.isEmpty { return nil }
            fd = try ClientServer.bind(path: path)
            daemon.serverPathToRemove = path
        }
        var access = ClientServer.Access()
        if let user = config.string("server", "client-user"), user != "*" {
            guard let pw = getpwnam(user) else { throw DaemonError.configuration("[server] client-user: unknown user `\(user)'") }
            access.uid = pw.pointee.pw_uid
        }
        if let group = config.string("server", "client-group"), group != "*" {
            guard let gr = getgrnam(group) else { throw DaemonError.configuration("[server] client-group: unknown group `\(group)'") }
            access.gid = gr.pointee.gr_gid
        }
        let server = ClientServer(listenFD: fd, access: access)
        server.reports = reports
        server.onRefused = { [weak daemon] pid, uid, gid in
            daemon?.post(priority: 4, message: "rejected client access from pid:\(pid) uid:\(uid) gid:\(gid)",
                         fields: [("MCE_CLIENT_PID", "\(pid)"), ("MCE_CLIENT_UID", "\(uid)"), ("MCE_CLIENT_GID", "\(gid)")])
        }
        return server
    }

    /// The tracepoint when the kernel has it, else /dev/mcelog: never both, they carry the
    /// same records. A device path given on the command line keeps upstream's meaning.
    static func openSource(_ choice: SourceChoice, tracefsRoot: String, devicePath: String,
                           explicitDevice: Bool, recordLength: Int?) throws -> MachineCheckSource {
        switch choice {
        case .tracefs:
            return try TracepointSource(root: tracefsRoot)
        case .device:
            return try DeviceSource(path: devicePath, recordLength: recordLength)
        case .auto:
            if explicitDevice { return try DeviceSource(path: devicePath, recordLength: recordLength) }
            if TracefsSource.isAvailable(root: tracefsRoot) { return try TracepointSource(root: tracefsRoot) }
            if access(devicePath, F_OK) == 0 { return try DeviceSource(path: devicePath, recordLength: recordLength) }
            throw DaemonError.noSource("""
                no machine check source: the tracepoint mce:mce_record is missing under \(tracefsRoot) \
                and \(devicePath) does not exist (is the kernel built with CONFIG_X86_MCE and tracefs mounted? \
                /dev/mcelog needs CONFIG_X86_MCELOG_LEGACY)
                """)
        }
    }
}
