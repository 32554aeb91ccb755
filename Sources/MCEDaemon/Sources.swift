import Glibc
import MachineCheck
import MCEIO

/// What a machine-check source produced on one drain.
public enum SourceEvent {
    case record(MachineCheckRecord)
    case lost(count: Int, detail: String)
    /// An EDAC `ras:mc_event` (carries the DIMM label).
    case memoryEvent(MemoryControllerEvent)
    case problem(String)
}

/// A kernel interface the daemon reads: pollable descriptors and a non-blocking drain.
public protocol MachineCheckSource: AnyObject {
    var name: String { get }
    var pollDescriptors: [Int32] { get }
    /// Reads everything available; returns false when the source is exhausted for good
    /// (end of a plain file), true otherwise.
    func drain(_ body: (SourceEvent) -> Void) throws -> Bool
    func close()
    /// At most about this many records should come from the next drain (queue room).
    func limitNextDrain(records: Int)
}

extension MachineCheckSource {
    public func limitNextDrain(records: Int) {}
}

/// /dev/mcelog, or a file/FIFO of records given as the device argument.
public final class DeviceSource: MachineCheckSource {
    var device: DevMcelogSource
    // Stored, not read from `device`: handlers ask for them while the device is drained.
    public let name: String
    public let pollDescriptors: [Int32]
    let path: String
    let recordLength: Int

    public init(path: String, recordLength: Int?) throws {
        device = try DevMcelogSource(path: path, recordLength: recordLength)
        name = device.isCharacterDevice ? "/dev/mcelog" : "file \(path)"
        pollDescriptors = [device.fd.rawValue]
        self.path = path
        self.recordLength = device.recordLength
    }

    public func drain(_ body: (SourceEvent) -> Void) throws -> Bool {
        let (path, length) = (path, recordLength)
        return try device.drain { item in
            switch item {
            case .record(let r): body(.record(r))
            // The kernel drops every record past its last slot and only sets a flag: count unknown (0).
            case .overflow: body(.lost(count: 0, detail: "kernel machine check log overflowed (MCE_OVERFLOW): later records were dropped, the kernel does not count them"))
            case .truncated(let n): body(.problem("\(path): \(n) trailing bytes do not make a whole \(length)-byte record; ignored"))
            }
        }
    }

    public func close() { device.close() }
}

/// The `mce:mce_record` tracepoint in our own tracefs instance.
public final class TracepointSource: MachineCheckSource {
    var tracefs: TracefsSource
    public let root: String
    /// Stored, not computed: handlers ask for it while `tracefs` is being drained.
    public let name: String
    public private(set) var pollDescriptors: [Int32]
    public let warnings: [String]
    public init(root: String) throws {
        self.root = root
        tracefs = try TracefsSource(root: root)
        name = "tracepoint mce:mce_record (\(tracefs.instancePath))"
        pollDescriptors = tracefs.pollDescriptors
        warnings = tracefs.warnings
    }

    public func drain(_ body: (SourceEvent) -> Void) throws -> Bool {
        var failure: Error? = nil
        do {
            try tracefs.drain { item in
                switch item {
                case .record(let r, _): body(.record(r))
                case .memoryEvent(let e): body(.memoryEvent(e))
                case .lost(let n, let cpu):
                    body(.lost(count: n, detail: n > 0
                        ? "the kernel's trace buffer of CPU \(cpu) overflowed: \(n) events lost"
                        : "the kernel's trace buffer of CPU \(cpu) overflowed: events lost (count unknown)"))
                }
            }
        } catch {
            failure = error
        }
        pollDescriptors = tracefs.pollDescriptors
        // A corrupt sub-buffer is reported and skipped; reading goes on.
        if let failure { body(.problem("\(name): \(failure)")) }
        return !tracefs.isExhausted
    }

    public func close() { tracefs.close() }

    /// A sub-buffer holds at most ~4080 / 116 = 35 mce_record events.
    public func limitNextDrain(records: Int) {
        tracefs.pagesPerDrainLimit = max(1, min(TracefsSource.pagesPerDrain, records / 36))
    }
}
