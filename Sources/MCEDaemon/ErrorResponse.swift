import Glibc
import MachineCheck
import MCEIO
import MCEResponse

/// The daemon's error response (issue 5): feeds each decoded record to the accounting engine
/// and carries out what it decides (triggers, page and CPU offlining), journals every action
/// and its outcome, answers the client's dump and pages, and keeps the counts on disk.
/// Runs on the reader's thread; nothing here waits for a trigger.
public final class ErrorResponse: ClientReports {
    public private(set) var configuration: ResponseConfiguration
    var engine: ResponseEngine
    var runner: TriggerRunner
    /// Runners replaced by a reload while their triggers still ran.
    var retiring: [TriggerRunner] = []
    var offliner: PageOffliner
    var cpuOffliner: CPUOffliner
    var topology: SysfsCacheTopology
    var smbios: SMBIOS?
    var stateFile: StateFile?
    /// What goes to the journal (the daemon's queue).
    let post: (Outgoing) -> Void
    /// Requests behind running triggers, for the entry their completion writes.
    var running: [Int32: TriggerRequest] = [:]
    /// The counts changed since the state was last written (monotonic µs of the change).
    var dirtySince: UInt64?
    /// Extra text for the metrics exposition (the daemon's own counters).
    public var metricsText: () -> String = { "" }
    /// Trigger outcomes and offline results, for STATUS= and metrics.
    public private(set) var triggerCounts: [String: MetricsSnapshot.TriggerCounts] = [:]
    public private(set) var pageOfflineCounts: [String: MetricsSnapshot.PageOfflineCounts] = [:]


    /// Writes are batched: at most one state write per interval while records arrive.
    static let stateWriteInterval: UInt64 = 1_000_000

    public init(configuration: ResponseConfiguration, post: @escaping (Outgoing) -> Void) {
        self.configuration = configuration
        self.post = post
        engine = ResponseEngine(settings: configuration.settings)
        let s = configuration.settings
        runner = TriggerRunner(directory: s.triggerDirectory, childrenMax: s.childrenMax, timeout: s.triggerTimeout)
        offliner = PageOffliner(sysfsRoot: configuration.sysfsRoot)
        cpuOffliner = CPUOffliner(sysfsRoot: configuration.sysfsRoot)
        topology = SysfsCacheTopology(sysfsRoot: configuration.sysfsRoot)
        if !configuration.stateDirectory.isEmpty {
            stateFile = StateFile(directory: configuration.stateDirectory, name: "state")
        }
    }

    /// Start-up work that reports through the journal: restore the counts, read SMBIOS,
    /// settle the page action against the kernel's abilities.
    public func start(now: Int64) {
        restoreState()
        do {
            let table = try SMBIOS.load(sysfsRoot: configuration.sysfsRoot)
            smbios = table
            let warnings = engine.prepopulate(locators: table.memoryDevices.map { ($0.deviceLocator, $0.bankLocator) }, at: now)
            for w in warnings { notice(4, w) }
        } catch {
            // Most virtual machines and containers have no table; DIMM names then come from EDAC only.
            smbios = nil
        }
        attachEDACLabels(now: now)
        settlePageAction()
        for w in engine.configurationWarnings { notice(5, w) }
    }

    /// EDAC's DIMM labels (devices/system/edac/mc/mcN/dimmM) name DIMMs ahead of SMBIOS, where
    /// the mapping is certain: one memory controller per socket (mcN is socket N) and
    /// locations of exactly a channel and a slot. Drivers with several controllers per socket
    /// number channels their own way; there the per-event labels of ras:mc_event still apply.
    func attachEDACLabels(now: Int64) {
        let edac = EDACLabels.read(sysfsRoot: configuration.sysfsRoot)
        guard !edac.dimms.isEmpty else { return }
        let controllers = Set(edac.dimms.map(\.controller))
        let twoLayers = edac.dimms.allSatisfy {
            $0.location.count == 2 && $0.location[0].layer == "channel" && ["slot", "dimm"].contains($0.location[1].layer)
        }
        let sockets = SysfsSockets.count(sysfsRoot: configuration.sysfsRoot)
        guard twoLayers, controllers == Set(0..<sockets) else {
            notice(6, "EDAC DIMM labels are not used for accounting: \(controllers.count) memory controllers for \(sockets) sockets, or locations other than channel and slot (labels still come with each ras:mc_event)")
            return
        }
        for d in edac.dimms {
            engine.setName(d.label, for: DimmKey(socket: d.controller, channel: d.location[0].index, dimm: d.location[1].index), at: now)
        }
    }

    /// Takes a new configuration (SIGHUP): every count, bucket and page state stays.
    public func apply(_ new: ResponseConfiguration) {
        let s = new.settings
        configuration = new
        engine.apply(settings: s)
        // Running triggers finish under the runner that started them; new ones get the new limits.
        if runner.runningCount > 0 { retiring.append(runner) }
        runner = TriggerRunner(directory: s.triggerDirectory, childrenMax: s.childrenMax, timeout: s.triggerTimeout)
        offliner = PageOffliner(sysfsRoot: new.sysfsRoot)
        cpuOffliner = CPUOffliner(sysfsRoot: new.sysfsRoot)
        topology = SysfsCacheTopology(sysfsRoot: new.sysfsRoot)
        stateFile = new.stateDirectory.isEmpty ? nil : StateFile(directory: new.stateDirectory, name: "state")
        settlePageAction()
        for w in engine.configurationWarnings { notice(5, w) }
    }

    /// Upstream's start-up rule: an action whose sysfs file is not writable becomes `account`;
    /// ours: with the kernel's own collector active, pages are only accounted by default, so
    /// they are not offlined twice.
    func settlePageAction() {
        var s = configuration.settings
        guard s.pageAction.offlines else { return }
        // A laid-out sysfs root (tests) stands for the whole machine: its kernel/debug, and
        // no /proc or /boot of the host.
        let root = configuration.sysfsRoot
        let collector = root == "/sys" ? CorrectedErrorCollector.detect()
            : CorrectedErrorCollector.detect(debugfsRoot: root + "/kernel/debug", procRoot: root + "/.proc",
                                             bootRoot: root + "/.boot")
        if collector.isActive && configuration.actionWithKernelCollector != s.pageAction {
            notice(5, "the kernel's corrected-error collector is active (\(collector.evidence)): memory-ce-action \(s.pageAction.rawValue) becomes \(configuration.actionWithKernelCollector.rawValue) (memory-ce-action-with-cec)")
            s.pageAction = configuration.actionWithKernelCollector
        }
        let mode: PageOfflineMode = s.pageAction == .hard ? .hard : .soft
        if s.pageAction.offlines && !offliner.isSupported(mode) {
            notice(4, "\(PageOffliner.unsupportedText) (\(offliner.path(for: mode)) is not writable): memory-ce-action \(s.pageAction.rawValue) becomes account")
            s.pageAction = .account
        }
        if s != engine.settings { engine.apply(settings: s) }
    }

    // MARK: records

    /// The DIMM's name when the record's own ras:mc_event gave none: the name attached to its
    /// socket/channel/slot (EDAC sysfs label, else SMBIOS Device Locator), else the SMBIOS
    /// devices mapping its address. The slot is the one the accounting counts, so the journal
    /// names the DIMM the triggers do.
    public func dimmName(for record: MachineCheckRecord, facts: DecodeFacts) -> String? {
        let key = engine.dimmKeys(for: record, facts: facts).first
        if key.channel != -1, key.dimm != -1, record.carries(fieldAt: RecordOffset.socketid),
           let name = engine.dimmName(for: key) {
            return name
        }
        return smbiosName(for: facts)
    }

    /// The SMBIOS devices whose mapped range holds the record's address.
    public func smbiosName(for facts: DecodeFacts) -> String? {
        guard let address = facts.address, let table = smbios else { return nil }
        let names = table.devices(at: address).map(\.deviceLocator).filter { !$0.isEmpty }
        return names.isEmpty ? nil : names.joined(separator: ",")
    }

    /// Whether the record itself is journaled: `filter-memory-errors` keeps corrected memory
    /// errors out (they are still counted); an uncorrected one is never hidden.
    public func shouldLog(_ facts: DecodeFacts) -> Bool {
        !(configuration.settings.filterMemoryErrors && facts.isMemoryError && facts.severity == .corrected)
    }

    /// Accounts one record and carries out what the engine decides.
    public func handle(_ record: DecodedRecord) {
        let now = Int64(Glibc.time(nil))
        let actions = engine.handle(record.record, facts: record.facts, now: now, topology: topology)
        if record.facts.isMemoryError || !actions.isEmpty { markDirty() }
        perform(actions, record: record, now: now)
        if configuration.cpuOffline, let cache = record.facts.cacheThreshold {
            offlineCPUs(sharing: cache)
        }
    }

    func perform(_ actions: [ResponseAction], record: DecodedRecord?, now: Int64) {
        for action in actions {
            switch action {
            case .log(let log):
                journal(log, record: record)
            case .trigger(let request):
                startTrigger(request, record: record)
            case .offlinePage(let address, let mode):
                let result = offliner.offline(physicalAddress: address, mode: mode == .hard ? .hard : .soft)
                var fields: [(name: String, value: String)] = [
                    ("MCE_PAGE", hex(address)), ("MCE_OFFLINE_MODE", mode.rawValue),
                ]
                let outcome: String
                let failure: String?
                switch result {
                case .offlined: outcome = "done"; failure = nil
                case .failed(_, let reason): outcome = "failed: \(reason)"; failure = reason
                }
                if failure == nil { pageOfflineCounts[mode.rawValue, default: .init()].offlined += 1 }
                else { pageOfflineCounts[mode.rawValue, default: .init()].failed += 1 }
                    fields.append(("MCE_OFFLINE_RESULT", outcome))
                if let d = record?.dimmName { fields.append(("DIMM", d)) }
                post(.notice(priority: failure == nil ? 4 : 3,
                             message: failure == nil ? "Offlining page \(hex(address)) (\(mode.rawValue)): done"
                                                     : "Offlining page \(hex(address)) (\(mode.rawValue)) failed: \(failure!)",
                             id: .pageOffline, fields: fields))
                markDirty()
                perform(engine.offlineFinished(address: address, mode: mode, succeeded: failure == nil,
                                               error: failure, now: now), record: record, now: now)
            }
        }
    }

    func journal(_ log: ResponseLog, record: DecodedRecord?) {
        let message = log.lines.joined(separator: "; ")
        switch log.kind {
        case .dimmThreshold, .socketThreshold, .pageThreshold, .counterReplacement, .cacheThreshold:
            var fields: [(name: String, value: String)] = [("MCE_THRESHOLD_KIND", thresholdKind(log.kind))]
            if let t = log.threshold { fields.append(("MCE_THRESHOLD", t)) }
            if let l = log.location { fields.append(("MCE_LOCATION", l)) }
            if let d = record?.dimmName { fields.append(("DIMM", d)) }
            post(.notice(priority: log.priority, message: message, id: .thresholdExceeded, fields: fields))
        default:
            post(.notice(priority: log.priority, message: message, id: nil, fields: []))
        }
    }

    func thresholdKind(_ k: ResponseLog.Kind) -> String {
        switch k {
        case .dimmThreshold: return "dimm"
        case .socketThreshold: return "socket"
        case .pageThreshold: return "page"
        case .counterReplacement: return "page-counter-replacement"
        case .cacheThreshold: return "cache"
        default: return k.rawValue
        }
    }

    func startTrigger(_ request: TriggerRequest, record: DecodedRecord?) {
        let launch = TriggerLaunch(key: request.key.rawValue, path: request.path, arguments: request.arguments,
                                   environment: request.environment)
        switch runner.start(launch, now: TriggerRunner.monotonicMicroseconds()) {
        case .started(let pid):
            running[pid] = request
        case .refused(let reason), .failed(_, let reason):
            triggerCounts[request.key.rawValue, default: .init()].failed += 1
            triggerEntry(request, exit: "not run: \(reason)", priority: 3)
        }
    }

    func triggerEntry(_ request: TriggerRequest, exit: String, priority: Int) {
        var fields: [(name: String, value: String)] = [
            ("MCE_TRIGGER", request.path), ("MCE_TRIGGER_KEY", request.key.qualifiedName),
            ("MCE_TRIGGER_EXIT", exit), ("MCE_TRIGGER_REPORTER", request.reporter),
        ]
        if let t = request.value(of: "THRESHOLD") { fields.append(("MCE_THRESHOLD", t)) }
        if let l = request.value(of: "LOCATION") { fields.append(("MCE_LOCATION", l)) }
        if let c = request.value(of: "CPU") { fields.append(("MCE_CPU", c)) }
        post(.notice(priority: priority,
                     message: "Trigger \(request.path) (\(request.reporter)): \(exit): \(request.message)",
                     id: .triggerRun, fields: fields))
    }

    func offlineCPUs(sharing cache: CacheThresholdEvent) {
        let cpus = topology.cpusSharingCache(cpu: cache.cpu, level: cache.level, typeCode: cache.typeCode) ?? [cache.cpu]
        for cpu in cpus {
            let result = cpuOffliner.offline(cpu: cpu)
            let ok = result == .offlined || result == .alreadyOffline
            post(.notice(priority: ok ? 2 : 3,
                         message: "Offlining CPU \(cpu) due to cache error threshold on CPU \(cache.cpu) (\(cache.levelName) \(cache.typeName)): \(result.message)",
                         id: .cpuOffline,
                         fields: [("MCE_CPU", "\(cpu)"), ("MCE_SOCKET", "\(cache.socket)"), ("MCE_OFFLINE_RESULT", result.message)]))
        }
    }

    // MARK: poll loop

    public var pollDescriptors: [Int32] { runner.pollDescriptors + retiring.flatMap(\.pollDescriptors) }

    /// Milliseconds until the next timed duty (a trigger's deadline, a due state write).
    public func timeoutMilliseconds(now: UInt64) -> Int32? {
        var due: UInt64? = runner.nextDeadline(now: now)
        for r in retiring { if let d = r.nextDeadline(now: now) { due = due.map { min($0, d) } ?? d } }
        if let d = dirtySince {
            let write = d + ErrorResponse.stateWriteInterval
            due = due.map { min($0, write) } ?? write
        }
        guard let at = due else { return nil }
        return at <= now ? 0 : Int32(min((at - now) / 1000 + 1, UInt64(Int32.max)))
    }

    /// Reaps finished triggers, kills overdue ones, writes a due state file. True when a
    /// trigger finished (STATUS= shows the runs).
    @discardableResult
    public func service(now: UInt64) -> Bool {
        var finished = runner.collect(now: now)
        for r in retiring { finished += r.collect(now: now) }
        retiring.removeAll { $0.runningCount == 0 }
        for done in finished {
            guard let request = running.removeValue(forKey: done.pid) else { continue }
            triggerCounts[request.key.rawValue, default: .init()].runs += 1
            if !done.succeeded { triggerCounts[request.key.rawValue, default: .init()].failed += 1 }
            if done.timedOut { triggerCounts[request.key.rawValue, default: .init()].timedOut += 1 }
            triggerEntry(request, exit: done.message, priority: done.succeeded ? 5 : 3)
        }
        if let d = dirtySince, now >= d + ErrorResponse.stateWriteInterval { saveState() }
        return !finished.isEmpty
    }

    /// How long a stopping daemon waits for its running triggers: enough for the usual short
    /// script (and for those the service manager's stop signal ends with us), never the
    /// trigger timeout.
    public static let exitGraceMicroseconds: UInt64 = 2_000_000

    /// At exit: every trigger run gets its journal entry (issue 5: every run is journaled).
    /// Running triggers have a short grace to finish, so their exit status is journaled;
    /// those still running after it are journaled as such and left to finish on their own.
    /// Then the last state write.
    public func finish(grace: UInt64 = ErrorResponse.exitGraceMicroseconds) {
        let deadline = TriggerRunner.monotonicMicroseconds() &+ grace
        while !running.isEmpty {
            let now = TriggerRunner.monotonicMicroseconds()
            service(now: now)
            if running.isEmpty || now >= deadline { break }
            // pidfds become readable when a trigger exits; short waits cover those without one.
            var fds = pollDescriptors.map { pollfd(fd: $0, events: Int16(POLLIN), revents: 0) }
            _ = poll(&fds, nfds_t(fds.count), Int32(min((deadline - now) / 1000 + 1, 50)))
        }
        for (pid, request) in running.sorted(by: { $0.key < $1.key }) {
            triggerEntry(request, exit: "still running when mcelog stopped (pid \(pid)), not waited for", priority: 4)
        }
        running.removeAll()
        if dirtySince != nil { saveState() }
    }

    // MARK: state

    func markDirty() {
        if dirtySince == nil { dirtySince = TriggerRunner.monotonicMicroseconds() }
    }

    func saveState() {
        dirtySince = nil
        guard let file = stateFile else { return }
        do {
            try file.write(engine.stateText())
        } catch {
            notice(4, "cannot write the accounting state \(file.path): \(error)")
        }
    }

    func restoreState() {
        guard let file = stateFile else { return }
        do {
            guard let text = try file.read() else { return }
            try engine.restore(stateText: text)
        } catch {
            notice(4, "ignoring the accounting state \(file.path), starting with fresh counts: \(error)")
        }
    }

    func notice(_ priority: Int, _ message: String) {
        post(.notice(priority: priority, message: message, id: nil, fields: []))
    }

    func hex(_ v: UInt64) -> String { "0x" + String(v, radix: 16) }

    // MARK: client reports

    public func memoryDump(all: Bool, bios: Bool) -> String {
        engine.dumpText(all: all, bios: bios, now: Int64(Glibc.time(nil)))
    }

    public func pageDump() -> String { engine.pagesText() }

    public func memoryDumpJSON() -> String { engine.dumpJSON(now: Int64(Glibc.time(nil))) }

    public func pageDumpJSON() -> String { engine.pagesJSON() }

    public func metrics() -> String { metricsText() }

    public var counters: ResponseCounters { engine.counters }

    /// The DIMM's name where SMBIOS or EDAC gave one.
    public func dimmName(for key: DimmKey) -> String? { engine.dimmName(for: key) }

    /// A short summary for STATUS=.
    public var statusSummary: String {
        let c = engine.counters
        let memory = c.dimms.values.reduce(into: (UInt64(0), UInt64(0))) { $0.0 += $1.corrected; $0.1 += $1.uncorrected }
        return "\(memory.0) corrected and \(memory.1) uncorrected memory errors accounted, \(c.pagesOffline) pages offline, \(triggerCounts.values.reduce(0) { $0 + $1.runs }) triggers run"
    }
}

extension SysfsCacheTopology: CacheTopologyProvider {}
