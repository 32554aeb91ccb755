import Glibc
import MachineCheck
import MCEIO

/// Where structured entries go (the journal); the daemon falls back to the text log when
/// it is unavailable or a send fails.
public protocol StructuredSink: Sendable {
    /// Sends one item; false when it did not reach the journal (absent or refused).
    func send(_ item: Outgoing) -> Bool
}

public struct DaemonSettings: Sendable {
    /// Keep running and wait for records (`--daemon`), or drain once and exit.
    public var daemonMode = true
    /// One-shot mode prints the text to standard output, as upstream does for cron.
    public var printText = false
    /// `--json`: one JSON object per record, with the journal entry's fields, instead.
    public var printJSON = false
    public var numErrors: Int? = nil
    public var queueCapacity = 8192
    public var pidFile: String? = nil
    public var logFile = LogFile.defaultPath
    public init() {}
}

/// The sender thread's counts, shown in STATUS= (the reader keeps its own without a lock:
/// records read, losses by source; the queue counts its drops).
public struct DaemonCounters: Sendable {
    /// Items neither the journal nor the text log took, after retrying.
    public var lostUndeliverable = 0
    public var journalEntries = 0
    public var fallbackEntries = 0
}

/// The daemon: reads the source under poll, decodes on the reader's thread, and hands
/// entries to a sender thread through a bounded queue so a stalled journald never blocks
/// the kernel reader.
public final class Daemon: @unchecked Sendable {
    public let settings: DaemonSettings
    let sink: StructuredSink?
    /// sd_notify; a no-op outside systemd (NOTIFY_SOCKET unset).
    let notifier = ServiceNotifier()
    var pipeline: RecordPipeline
    let logFile: LogFile
    let queue: OutputQueue<Outgoing>
    /// Re-reads the configuration on SIGHUP; returns why it failed, or nil.
    public var reload: () -> String? = { nil }
    /// The configuration file SIGHUP re-reads: MCE_CONFIG of the reload-failure entry,
    /// which the catalog text shows.
    public var configPath = ""
    public var diagnostics: (String) -> Void = { Diagnostics.error($0) }
    /// The client interface, when configured.
    public var server: ClientServer?
    /// A socket path this process bound itself (not systemd's), removed at exit.
    public var serverPathToRemove: String?
    /// Accounting, triggers and offlining (daemon mode).
    public var response: ErrorResponse?
    /// node_exporter textfile (`[metrics] textfile`), rewritten after changes: the daemon's
    /// (a one-shot run has no response and never overwrites it), and as a reload set it.
    var metricsTextfile: String? { response?.configuration.metricsTextfile }
    public var version: String?
    /// Reader-thread counts for STATUS= and the metrics: records read and by class, losses
    /// by source.
    var recordsRead = 0
    var recordCounts: [MetricsSnapshot.RecordKey: UInt64] = [:]
    var lostBySource: [String: UInt64] = [:]
    var metricsDirtySince: UInt64?
    let startTime = Int64(Glibc.time(nil))
    var sourceName = ""

    /// Sender-to-reader wake-ups (read end, write end), both non-blocking.
    let wakePipe: (Int32, Int32)
    private var countersLock = pthread_mutex_t()
    private var counters = DaemonCounters()

    public init(settings: DaemonSettings, pipeline: RecordPipeline, sink: StructuredSink?) {
        self.settings = settings
        self.pipeline = pipeline
        self.sink = sink
        self.logFile = LogFile(path: settings.logFile)
        self.queue = OutputQueue(capacity: settings.queueCapacity)
        pthread_mutex_init(&countersLock, nil)
        var fds: [Int32] = [-1, -1]
        if pipe(&fds) == 0 {
            for fd in fds {
                _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
                _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
            }
        } else {
            fds = [-1, -1]
        }
        wakePipe = (fds[0], fds[1])
    }

    public var snapshot: DaemonCounters {
        pthread_mutex_lock(&countersLock); defer { pthread_mutex_unlock(&countersLock) }
        return counters
    }

    private func count(_ change: (inout DaemonCounters) -> Void) {
        pthread_mutex_lock(&countersLock); defer { pthread_mutex_unlock(&countersLock) }
        change(&counters)
    }

    // MARK: sender thread

    func startSender() -> BackgroundThread {
        BackgroundThread { [self] in
            var dropped = 0
            var undelivered = 0
            while true {
                let item = queue.pop(dropped: &dropped)
                if dropped > 0 {
                    _ = deliver(.lost(count: dropped, source: "output queue",
                                      detail: "the journal did not keep up; \(dropped) records were dropped from the daemon's queue"))
                }
                guard let item else { break }
                // Neither journal nor log file took it (journald down and the log unwritable):
                // hold it and retry; the queue fills meanwhile and the reader leaves records
                // in the kernel's buffer. Only a long outage, or one at shutdown, loses it.
                var attempts = 1
                var delivered = deliver(item)
                while !delivered {
                    if attempts >= Daemon.deliveryAttempts || (queue.isClosed && attempts >= 3) {
                        undelivered += 1
                        count { $0.lostUndeliverable += 1 }
                        break
                    }
                    attempts += 1
                    usleep(Daemon.deliveryRetryMicroseconds)
                    delivered = deliver(item)
                }
                // The loss is reported as soon as something gets through again.
                if delivered, undelivered > 0,
                   deliver(.lost(count: undelivered, source: "journal and log file",
                                 detail: "neither the journal nor \(logFile.path) accepted \(undelivered) entries")) {
                    undelivered = 0
                }
                if queue.depth == 0 { wake() }
            }
        }
    }

    /// Journal first; the text log when journald is absent or refuses the entry. False when
    /// neither took it.
    func deliver(_ item: Outgoing) -> Bool {
        if let sink, sink.send(item) {
            count { $0.journalEntries += 1 }
            return true
        }
        do {
            try logFile.append(Daemon.fallbackText(item))
            count { $0.fallbackEntries += 1 }
            return true
        } catch {
            diagnostics("cannot write fallback log \(logFile.path): \(error)")
            return false
        }
    }

    /// Tells the reader's loop the sender caught up, so STATUS= shows the final counts.
    func wake() {
        var b: UInt8 = 1
        _ = Glibc.write(wakePipe.1, &b, 1)   // non-blocking: a full pipe already holds a wake-up
    }

    static func fallbackText(_ item: Outgoing) -> [UInt8] {
        switch item {
        case .record(let d): return d.text.bytes
        case .lost(let n, let source, let detail):
            let what = n > 0 ? "\(n) machine check records lost" : "machine check records lost (count unknown)"
            return Array("mcelog: \(what) (\(source)): \(detail)\n".utf8)
        case .notice(_, let message, _, _): return Array("mcelog: \(message)\n".utf8)
        }
    }

    // MARK: reader loop

    /// Runs until SIGTERM (daemon mode) or until the source is drained (one-shot).
    public func run(source: MachineCheckSource) throws -> Int32 {
        let signals = try SignalEvents()
        let sender = startSender()
        if let p = settings.pidFile { writePidFile(p) }
        defer { if let p = settings.pidFile { unlink(p) } }

        var sourceOpen = true
        var readFailures = 0
        var retryAt: UInt64? = nil
        var stop = false
        let watchdog = notifier.watchdogIntervalMicroseconds
        var lastWatchdog = ServiceNotifier.monotonicMicroseconds()
        var lastStatus: UInt64 = 0
        var statusPending = false
        response?.start(now: Int64(Glibc.time(nil)))
        sourceName = source.name
        markMetricsDirty()
        notifier.ready(status: statusText(source))

        func readSource() {
            source.limitNextDrain(records: max(1, queue.capacity - queue.depth))
            do {
                let more = try source.drain { event in
                    guard !stop else { return }
                    handle(event, source: source)
                    if let n = settings.numErrors, recordsRead >= n { stop = true }
                }
                if !more { sourceOpen = false }
                readFailures = 0
            } catch {
                // A failed read can be one-off (/dev/mcelog returns a stored-error failure once):
                // retry a few times a second apart before giving the source up.
                readFailures += 1
                let giveUp = readFailures >= Daemon.readFailureLimit || !settings.daemonMode
                diagnostics("reading \(source.name): \(error)")
                queue.push(.notice(priority: 3, message: giveUp
                    ? "reading \(source.name) failed \(readFailures) times in a row, giving up: \(error)"
                    : "reading \(source.name) failed, retrying in 1 s: \(error)", id: nil, fields: []))
                if giveUp { sourceOpen = false } else { retryAt = ServiceNotifier.monotonicMicroseconds() + 1_000_000 }
            }
            // STATUS at most every 250 ms: a busy source must not flood the manager's socket
            // (a full notify socket would block us). A suppressed update is sent by one
            // timed wake-up after the burst, so the last count always shows.
            statusPending = true
            sendStatusIfDue()
        }

        func sendStatusIfDue() {
            let now = ServiceNotifier.monotonicMicroseconds()
            guard statusPending, now >= lastStatus + Daemon.statusInterval else { return }
            notifier.status(statusText(source))
            lastStatus = now
            statusPending = false
        }

        // Records already buffered (tracefs instance kept across restarts) come first.
        readSource()
        while !stop && settings.daemonMode {
            var fds = [pollfd(fd: signals.fd, events: Int16(POLLIN), revents: 0),
                       pollfd(fd: wakePipe.0, events: Int16(POLLIN), revents: 0)]
            // Back-pressure: while the sender is behind, leave records in the kernel's buffer
            // (which is large and counts its own overflows) instead of dropping them here.
            let backlogged = queue.depth >= queue.capacity * 3 / 4
            if let at = retryAt, ServiceNotifier.monotonicMicroseconds() >= at {
                retryAt = nil
                readSource()
            }
            if sourceOpen && !backlogged && retryAt == nil {
                for fd in source.pollDescriptors { fds.append(pollfd(fd: fd, events: Int16(POLLIN), revents: 0)) }
            }
            let sourceCount = fds.count
            // The earliest duty sets poll's timeout (a deferred STATUS= must not wait for the
            // watchdog); none at all while idle without a watchdog: no wake-ups.
            let now = ServiceNotifier.monotonicMicroseconds()
            var timeout: Int32 = backlogged ? 5 : -1
            func wake(inMilliseconds ms: Int32) { timeout = timeout < 0 ? ms : min(timeout, ms) }
            func wake(at due: UInt64) { wake(inMilliseconds: due > now ? Int32(clamping: (due - now) / 1000 + 1) : 0) }
            if let at = retryAt { wake(at: at) }
            if statusPending { wake(at: lastStatus + Daemon.statusInterval) }
            if let w = watchdog { wake(at: lastWatchdog + w / 2) }
            if let since = metricsDirtySince { wake(at: since + Daemon.metricsInterval) }
            if let response {
                fds += response.pollDescriptors.map { pollfd(fd: $0, events: Int16(POLLIN), revents: 0) }
                if let t = response.timeoutMilliseconds(now: now) { wake(inMilliseconds: t) }
            }
            let serverStart = fds.count
            if let server {
                fds += server.pollRequests
                if let t = server.timeoutMilliseconds(now: now) { wake(inMilliseconds: t) }
            }
            let n = poll(&fds, nfds_t(fds.count), timeout)
            let pollErrno = errno   // before anything below can change it
            let woke = ServiceNotifier.monotonicMicroseconds()
            if let server { server.handle(Array(fds[serverStart...]), now: woke) }
            // Reaps triggers (their pidfds became readable), kills overdue ones, writes due state.
            // A finished trigger changes what STATUS= and the metrics show (records mark them
            // as they are read).
            if response?.service(now: woke) == true {
                statusPending = true
                markMetricsDirty()
            }
            writeMetricsIfDue()
            let sourceFDs = fds[2..<sourceCount]
            if fds[1].revents != 0 {
                var sink = [UInt8](repeating: 0, count: 64)
                while Glibc.read(wakePipe.0, &sink, sink.count) > 0 {}
                statusPending = true
            }
            if n < 0 && pollErrno != EINTR { throw DaemonError.system("poll", pollErrno) }
            sendStatusIfDue()
            if let w = watchdog, woke >= lastWatchdog + w / 2 {
                notifier.watchdog()
                lastWatchdog = woke
            }
            if fds[0].revents != 0 {
                for s in signals.read() {
                    switch s {
                    case .terminate: stop = true
                    case .reopenLog:
                        do { try logFile.reopen() } catch { diagnostics("cannot reopen \(logFile.path): \(error)") }
                    case .reload:
                        notifier.reloading()
                        if let failure = reload() {
                            queue.push(.notice(priority: 3, message: "configuration reload failed, keeping the previous configuration: \(failure)",
                                                           id: .configReloadFailed, fields: [("MCE_CONFIG", configPath), ("MCE_CONFIG_ERROR", failure)]))
                        }
                        markMetricsDirty()   // the textfile may have moved
                        notifier.ready(status: statusText(source))
                    case .child: break
                    }
                }
            }
            if sourceOpen && sourceFDs.contains(where: { $0.revents != 0 }) {
                readSource()
                // Stop polling a descriptor that hung up only if the source still polls it
                // (it would wake us forever). A FIFO the source reopened for its next writer
                // has a new descriptor: no reason to stop reading.
                let current = source.pollDescriptors
                if sourceFDs.contains(where: { current.contains($0.fd) && $0.revents & Int16(POLLHUP | POLLERR | POLLNVAL) != 0 && $0.revents & Int16(POLLIN) == 0 }) {
                    sourceOpen = false
                }
            }
        }
        server?.closeAll()
        if let path = serverPathToRemove { unlink(path) }
        notifier.stopping(status: "Stopping: sending \(queue.depth) queued entries")
        response?.finish()
        if metricsDirtySince != nil { writeMetrics() }
        queue.close()
        sender.join()
        source.close()
        return 0
    }

    /// Queues an item for the journal (or the fallback log) in order after the records.
    public func enqueue(_ item: Outgoing) { queue.push(item) }

    /// Queues a daemon notice for the journal (or the fallback log).
    public func post(priority: Int, message: String, fields: [(name: String, value: String)] = []) {
        queue.push(.notice(priority: priority, message: message, id: nil, fields: fields))
    }

    func handle(_ event: SourceEvent, source: MachineCheckSource) {
        switch event {
        case .record(var r):
            if r.time == 0 { r.time = UInt64(max(0, Glibc.time(nil))) }
            let (kept, warnings) = pipeline.decode(r)
            for w in warnings { diagnostics(w) }
            recordsRead += 1
            guard let decoded = kept else { return }
            let key = MetricsSnapshot.RecordKey(severity: decoded.facts.severity.name, kind: decoded.facts.kind.rawValue,
                                                socket: decoded.record.carries(fieldAt: RecordOffset.socketid) ? Int(decoded.record.socketid) : nil,
                                                bank: Int(decoded.record.bank))
            recordCounts[key, default: 0] += 1
            markMetricsDirty()
            var record = decoded
            if record.dimmName == nil, let name = response?.dimmName(for: record.record, facts: record.facts) { record.dimmName = name }
            if settings.printText { try? FileDescriptor.standardOutput.writeAll(record.text.bytes) }
            if settings.printJSON {
                try? FileDescriptor.standardOutput.writeAll(JSONWriter.jsonLine(JournalSink.entry(for: .record(record))))
            }
            if response?.shouldLog(record.facts) ?? true { queue.push(.record(record)) }
            // After the record's own entry, so the journal reads cause before action.
            response?.handle(record)
        case .memoryEvent(let e):
            // EDAC names the DIMM; the next records for this address use the label.
            if !e.label.isEmpty { pipeline.rememberLabel(e.label, address: e.address) }
        case .lost(let n, let detail):
            lostBySource[source.name, default: 0] += UInt64(max(n, 1))
            markMetricsDirty()
            queue.push(.lost(count: n, source: source.name, detail: detail))
        case .problem(let message):
            diagnostics(message)
            queue.push(.notice(priority: 4, message: message, id: nil, fields: []))
        }
    }

    func statusText(_ source: MachineCheckSource) -> String {
        let c = snapshot
        let lost = Int(lostBySource.values.reduce(0, +)) + queue.droppedTotal + c.lostUndeliverable
        var text = "Reading \(source.name): \(recordsRead) records, \(lost) lost, \(c.journalEntries) journaled, \(c.fallbackEntries) to \(logFile.path)"
        if let r = response { text += "; " + r.statusSummary }
        return text
    }

    func writePidFile(_ path: String) {
        do {
            let fd = try FileDescriptor.open(path, O_WRONLY | O_CREAT | O_TRUNC)
            try fd.writeAll("\(getpid())\n")
            fd.close()
        } catch {
            diagnostics("Cannot open pidfile `\(path)': \(error)")
        }
    }

    // MARK: metrics

    /// Everything the metrics show, from the reader's counts, the sender's and the response's.
    public func metricsSnapshot() -> MetricsSnapshot {
        let dropped = queue.droppedTotal
        var lost = lostBySource
        if dropped > 0 { lost["output queue", default: 0] += UInt64(dropped) }
        var s = MetricsSnapshot(startTime: startTime, version: version, source: sourceName.isEmpty ? nil : sourceName,
                                records: recordCounts, recordsLost: lost, queueOverflows: UInt64(dropped))
        if let r = response {
            for (key, totals) in r.counters.dimms {
                let k = MetricsSnapshot.DIMMKey(socket: key.socket >= 0 ? key.socket : nil,
                                                channel: key.channel >= 0 ? key.channel : nil,
                                                slot: key.dimm >= 0 ? key.dimm : nil, name: r.dimmName(for: key))
                s.dimms[k] = MetricsSnapshot.DIMMCounts(corrected: totals.corrected, uncorrected: totals.uncorrected)
            }
            s.triggers = r.triggerCounts
            s.pageOfflines = r.pageOfflineCounts
        }
        return s
    }

    public func metricsText(format: MetricsFormat = .prometheus) -> String {
        MetricsRenderer.render(metricsSnapshot(), format: format)
    }

    func markMetricsDirty() {
        if metricsTextfile != nil && metricsDirtySince == nil { metricsDirtySince = ServiceNotifier.monotonicMicroseconds() }
    }

    func writeMetricsIfDue() {
        guard let since = metricsDirtySince, ServiceNotifier.monotonicMicroseconds() >= since + Daemon.metricsInterval else { return }
        writeMetrics()
    }

    func writeMetrics() {
        metricsDirtySince = nil
        guard let path = metricsTextfile else { return }
        do { try metricsSnapshot().writeTextfile(path: path) } catch {
            diagnostics("cannot write metrics \(path): \(error)")
        }
    }

    /// An entry neither sink takes is retried this many times, a second apart, before it
    /// counts as lost (a minute of journald down and the log file unwritable).
    static let deliveryAttempts = 60
    static let deliveryRetryMicroseconds: UInt32 = 1_000_000

    /// Consecutive failed reads after which a source is given up.
    static let readFailureLimit = 5

    /// Metrics files are rewritten at most this often while records arrive.
    static let metricsInterval: UInt64 = 1_000_000

    /// Shortest gap between two STATUS= updates.
    static let statusInterval: UInt64 = 250_000

}
