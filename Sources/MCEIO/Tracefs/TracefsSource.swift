import Glibc
import MachineCheck

/// What the tracepoint source delivers.
public enum TracefsItem: Sendable {
    /// An `mce:mce_record` event, read from the ring buffer of Linux CPU `cpu`.
    case record(MachineCheckRecord, cpu: Int)
    /// An EDAC `ras:mc_event`.
    case memoryEvent(MemoryControllerEvent)
    /// The kernel dropped events on `cpu` before the next sub-buffer (the ring was full).
    /// `count` is the number the kernel stored, or 0 when it flagged the loss without room
    /// to store how many.
    case lost(count: Int, cpu: Int)
}

/// Why the tracepoint source cannot start or could not read.
public enum TracefsError: Error, Sendable, CustomStringConvertible {
    case noInstances(root: String)
    case eventMissing(path: String)
    case noCPUs(path: String)
    case corruptSubBuffer(path: String, SubBufferError)
    case badRecord(path: String, pageOffset: Int, TraceRecordError)
    /// Input ended inside a sub-buffer (a truncated capture, or a FIFO writer that left).
    case truncatedSubBuffer(path: String, offset: Int, bytes: Int, pageSize: Int)

    public var description: String {
        switch self {
        case .noInstances(let root): return "\(root) has no `instances' directory: not a tracefs mount?"
        case .eventMissing(let p): return "no mce:mce_record tracepoint (\(p) is missing)"
        case .noCPUs(let p): return "no per_cpu/cpuN/trace_pipe_raw could be opened under \(p)"
        case .corruptSubBuffer(let p, let e): return "\(p): \(e)"
        case .badRecord(let p, let off, let e): return "\(p): sub-buffer at byte \(off): \(e)"
        case .truncatedSubBuffer(let p, let off, let n, let size):
            return "\(p): input ended \(n) bytes into the \(size)-byte sub-buffer at byte \(off); those bytes are ignored"
        }
    }
}

/// Counters for status lines and the benchmark.
public struct TracefsStatistics: Sendable, Equatable {
    public var pages = 0
    public var records = 0
    public var memoryEvents = 0
    /// Sub-buffers whose header said events were missed before them.
    public var pagesAfterLoss = 0
    /// Sum of the counts the kernel stored for those losses.
    public var lostEvents = 0
    /// Events of other types in our instance (someone enabled more events).
    public var otherEvents = 0
    public init() {}
}

/// The `mce:mce_record` tracepoint (and `ras:mc_event` where present), read from the
/// daemon's own tracefs instance: one non-blocking `trace_pipe_raw` per CPU, parsed by the
/// running kernel's `header_page` and `format` files. Records buffered in the instance
/// while the daemon was down are read on the first drain.
public struct TracefsSource {
    public static let defaultRoot = "/sys/kernel/tracing"
    public static let defaultInstance = "mcelog"
    /// Sub-buffers read from one CPU per drain, so one busy CPU cannot starve the others.
    public static let pagesPerDrain = 256
    /// Sub-buffers read per CPU in one drain (the caller lowers it when its queue is filling).
    public var pagesPerDrainLimit = TracefsSource.pagesPerDrain

    public let instancePath: String
    public let headerPage: HeaderPage
    public let recordDecoder: MCERecordDecoder
    /// nil where the kernel has no `ras:mc_event` (or its format could not be used: see `warnings`).
    public let memoryEventDecoder: MemoryControllerEventDecoder?
    /// Problems that did not stop the source (optional event unusable, a CPU that would not open).
    public private(set) var warnings: [String] = []
    /// Descriptors to poll for POLLIN; plain files are dropped once read to their end.
    public private(set) var pollDescriptors: [Int32] = []
    public private(set) var statistics = TracefsStatistics()
    /// Linux CPU numbers with an open trace pipe, ascending.
    public var cpus: [Int] { pipes.map(\.cpu) }

    var pipes: [TracePipe] = []

    /// Whether the kernel (or a laid-out directory) offers the event, globally or in `instance`.
    public static func isAvailable(root: String = defaultRoot, instance: String = defaultInstance) -> Bool {
        TracefsFiles.exists(root + "/events/mce/mce_record/format")
            || TracefsFiles.exists(root + "/instances/\(instance)/events/mce/mce_record/format")
    }

    /// Creates or reuses the instance, enables the events and opens every CPU's pipe.
    public init(root: String = defaultRoot, instance: String = defaultInstance) throws {
        let dir = root + "/instances/" + instance
        if !TracefsFiles.isDirectory(dir) {
            guard TracefsFiles.isDirectory(root + "/instances") else { throw TracefsError.noInstances(root: root) }
            try TracefsFiles.makeDirectory(dir)
        }
        instancePath = dir
        let events = dir + "/events"
        let recordFormatPath = events + "/mce/mce_record/format"
        guard TracefsFiles.exists(recordFormatPath) else { throw TracefsError.eventMissing(path: recordFormatPath) }

        // Everything is parsed before anything is switched on: a kernel we cannot read is
        // left as it was.
        let headerPath = events + "/header_page"
        headerPage = try HeaderPage(parsing: try readWholeFile(headerPath), file: headerPath)
        let recordFormat = try TraceEventFormat(parsing: try readWholeFile(recordFormatPath), file: recordFormatPath,
                                                maximumEventSize: headerPage.dataSize)
        recordDecoder = try MCERecordDecoder(format: recordFormat)

        var warnings: [String] = []
        let memoryDir = events + "/ras/mc_event"
        var memoryDecoder: MemoryControllerEventDecoder? = nil
        if TracefsFiles.exists(memoryDir + "/format") {
            do {
                let format = try TraceEventFormat(parsing: try readWholeFile(memoryDir + "/format"),
                                                  file: memoryDir + "/format", maximumEventSize: headerPage.dataSize)
                memoryDecoder = try MemoryControllerEventDecoder(format: format)
            } catch {
                warnings.append("ras:mc_event not used: \(error)")
            }
        }

        // poll() would otherwise wait for the buffer to fill to the watermark (6.1+).
        if TracefsFiles.exists(dir + "/buffer_percent") { try TracefsFiles.write("0\n", to: dir + "/buffer_percent") }
        // A reused instance may have been switched off by hand.
        if TracefsFiles.exists(dir + "/tracing_on") { try TracefsFiles.write("1\n", to: dir + "/tracing_on") }
        try TracefsFiles.write("1\n", to: events + "/mce/mce_record/enable")
        if memoryDecoder != nil && TracefsFiles.exists(memoryDir + "/enable") {
            do { try TracefsFiles.write("1\n", to: memoryDir + "/enable") } catch {
                warnings.append("ras:mc_event not enabled: \(error)")
                memoryDecoder = nil
            }
        }
        memoryEventDecoder = memoryDecoder

        let perCPU = dir + "/per_cpu"
        let numbered = try TracefsFiles.entries(of: perCPU).compactMap { name -> Int? in
            let digits = name.dropFirst(3)
            guard name.hasPrefix("cpu"), !digits.isEmpty, digits.allSatisfy({ $0.isASCII && $0.isNumber }) else { return nil }
            return Int(digits)
        }.sorted()
        for cpu in numbered {
            let path = "\(perCPU)/cpu\(cpu)/trace_pipe_raw"
            do { pipes.append(try TracePipe(cpu: cpu, path: path, pageSize: headerPage.pageSize)) } catch {
                warnings.append("CPU \(cpu) not read: \(error)")
            }
        }
        self.warnings = warnings
        guard !pipes.isEmpty else { throw TracefsError.noCPUs(path: perCPU) }
        updatePollDescriptors()
    }

    /// True once every pipe is a plain file read to its end: nothing more can arrive.
    public var isExhausted: Bool { pipes.allSatisfy { $0.kind == .file && $0.atEnd } }

    /// Reads what every CPU's pipe holds now, whole sub-buffers at a time, and delivers its
    /// records in order per CPU. A corrupt sub-buffer or record is skipped, the rest is still
    /// delivered, and the first such problem is thrown at the end.
    public mutating func drain(into body: (TracefsItem) -> Void) throws {
        var firstError: Error? = nil
        for pipe in pipes { drain(pipe, firstError: &firstError, body) }
        updatePollDescriptors()
        if let firstError { throw firstError }
    }

    /// Closes every pipe (the instance and its enabled events stay, so nothing is lost
    /// until the next start). Copies of a source share its pipes: close one of them only.
    public mutating func close() {
        for pipe in pipes { pipe.close() }
        pipes = []
        pollDescriptors = []
    }

    mutating func drain(_ pipe: TracePipe, firstError: inout Error?, _ body: (TracefsItem) -> Void) {
        func note(_ e: Error) { if firstError == nil { firstError = e } }
        for _ in 0..<max(1, pagesPerDrainLimit) {
            let outcome: TracePipe.ReadOutcome
            do { outcome = try pipe.fill() } catch { note(error); return }
            switch outcome {
            case .page(let offset):
                do { try deliver(pipe.page, offset: offset, pipe: pipe, body) } catch { note(error) }
            case .nothingNow:
                return
            case .ended(let truncatedBytes, let offset):
                if truncatedBytes > 0 {
                    note(TracefsError.truncatedSubBuffer(path: pipe.path, offset: offset, bytes: truncatedBytes,
                                                         pageSize: headerPage.pageSize))
                }
                return
            }
        }
    }

    /// Walks one sub-buffer: the loss it reports first (it happened before the page), then
    /// its events.
    mutating func deliver(_ page: UnsafeRawBufferPointer, offset: Int, pipe: TracePipe,
                          _ body: (TracefsItem) -> Void) throws {
        let cpu = pipe.cpu
        let header: RingBufferPageSummary
        do { header = try RingBufferPage.readHeader(page, layout: headerPage, pageOffset: offset) } catch let e as SubBufferError {
            throw TracefsError.corruptSubBuffer(path: pipe.path, e)
        }
        statistics.pages += 1
        if header.missedEvents {
            statistics.pagesAfterLoss += 1
            let count = header.missedCount ?? 0
            let (sum, overflow) = statistics.lostEvents.addingReportingOverflow(count)
            statistics.lostEvents = overflow ? Int.max : sum
            body(.lost(count: count, cpu: cpu))
        }
        let records = recordDecoder, memory = memoryEventDecoder
        var stats = statistics
        var recordError: TraceRecordError? = nil
        defer { statistics = stats }
        do {
            try RingBufferPage.walk(page, layout: headerPage, pageOffset: offset) { event in
                do {
                    if event.typeID == records.eventID {
                        let r = try records.decode(event.payload)
                        stats.records += 1
                        body(.record(r, cpu: cpu))
                    } else if let memory, event.typeID == memory.eventID {
                        let e = try memory.decode(event.payload)
                        stats.memoryEvents += 1
                        body(.memoryEvent(e))
                    } else {
                        stats.otherEvents += 1
                    }
                } catch let e as TraceRecordError {
                    // One bad record must not hide the good ones after it.
                    if recordError == nil { recordError = e }
                }
            }
        } catch let e as SubBufferError {
            throw TracefsError.corruptSubBuffer(path: pipe.path, e)
        }
        if let recordError { throw TracefsError.badRecord(path: pipe.path, pageOffset: offset, recordError) }
    }

    /// Rebuilt only when a pipe was reopened or reached its end: no allocation per drain.
    mutating func updatePollDescriptors() {
        var changed = pollDescriptors.isEmpty
        for pipe in pipes where pipe.pollStateChanged {
            pipe.pollStateChanged = false
            changed = true
        }
        guard changed else { return }
        pollDescriptors = pipes.compactMap { $0.kind == .file && $0.atEnd ? nil : $0.fd }
    }
}

/// One CPU's `trace_pipe_raw`, with the buffer a sub-buffer is assembled in across short
/// reads (FIFOs deliver what the writer wrote, not whole pages).
final class TracePipe {
    let cpu: Int
    let path: String
    let kind: TracefsFiles.Kind
    private(set) var fd: Int32
    /// A plain file read to its end (its offset is kept: polling again re-reads nothing).
    private(set) var atEnd = false { didSet { if atEnd != oldValue { pollStateChanged = true } } }
    /// `fd` or `atEnd` changed since the source last built its poll list.
    var pollStateChanged = false
    private let buffer: UnsafeMutableRawBufferPointer
    private var filled = 0
    /// Stream offset of the sub-buffer being assembled, for error messages.
    private var offset = 0

    init(cpu: Int, path: String, pageSize: Int) throws {
        self.cpu = cpu
        self.path = path
        let fd = try FileDescriptor.open(path, O_RDONLY | O_NONBLOCK).rawValue
        do { kind = try TracefsFiles.kind(of: fd, path: path) } catch { Glibc.close(fd); throw error }
        self.fd = fd
        buffer = .allocate(byteCount: pageSize, alignment: 8)
    }

    deinit {
        close()
        buffer.deallocate()
    }

    func close() {
        if fd >= 0 { Glibc.close(fd) }
        fd = -1
    }

    /// The last whole sub-buffer `fill` assembled.
    var page: UnsafeRawBufferPointer { UnsafeRawBufferPointer(buffer) }

    enum ReadOutcome {
        /// `page` holds a whole sub-buffer that started at this stream offset.
        case page(offset: Int)
        case nothingNow
        /// End of input; `truncatedBytes` of an unfinished sub-buffer were left.
        case ended(truncatedBytes: Int, offset: Int)
    }

    /// Reads until a whole sub-buffer is assembled or the pipe has nothing more now.
    func fill() throws -> ReadOutcome {
        guard fd >= 0 else { return .nothingNow }
        while true {
            let n = retryingInterrupts { Glibc.read(fd, buffer.baseAddress! + filled, buffer.count - filled) }
            if n > 0 {
                filled += n
                atEnd = false
                guard filled == buffer.count else { continue }
                filled = 0
                defer { offset += buffer.count }
                return .page(offset: offset)
            }
            if n < 0 {
                if errno == EAGAIN || errno == EWOULDBLOCK { return .nothingNow }
                throw SystemError("Cannot read", path: path)
            }
            return try ended()
        }
    }

    private func ended() throws -> ReadOutcome {
        switch kind {
        case .kernel:
            return .nothingNow
        case .file:
            // Keep a partial tail: a capture still being written may complete it. Report it once.
            let wasAtEnd = atEnd
            atEnd = true
            return .ended(truncatedBytes: wasAtEnd ? 0 : filled, offset: offset)
        case .fifo:
            // A FIFO whose writer left polls as hung up forever; a fresh open waits quietly
            // for the next writer. One that never had a writer is not hung up: left alone.
            var p = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            guard poll(&p, 1, 0) == 1, p.revents & Int16(POLLHUP) != 0 else { return .nothingNow }
            let partial = filled
            let at = offset
            if partial > 0 { filled = 0; offset += partial }
            let newFD = try FileDescriptor.open(path, O_RDONLY | O_NONBLOCK).rawValue
            Glibc.close(fd)
            fd = newFD
            pollStateChanged = true
            return .ended(truncatedBytes: partial, offset: at)
        }
    }
}
