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
    public var name: String { device.isCharacterDevice ? "/dev/mcelog" : "file \(device.path)" }
    public var pollDescriptors: [Int32] { [device.fd.rawValue] }

    public init(path: String, recordLength: Int?) throws {
        device = try DevMcelogSource(path: path, recordLength: recordLength)
    }

    public func drain(_ body: (SourceEvent) -> Void) throws -> Bool {
        try device.drain { item in
            switch item {
            case .record(let r): body(.record(r))
            case .overflow: body(.lost(count: 1, detail: "kernel machine check log overflowed (MCE_OVERFLOW): some records were lost"))
            case .truncated(let n): body(.problem("\(device.path): \(n) trailing bytes do not make a whole \(device.recordLength)-byte record; ignored"))
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
    /// The record length that marks the optional trailing fields this kernel's format lacks
    /// (6.1: ppin, microcode) as absent, so no journal entry claims MCE_PPIN=0x0 or
    /// MCE_MICROCODE=0x0 for values the kernel never gave.
    let recordLength: Int

    public init(root: String) throws {
        self.root = root
        tracefs = try TracefsSource(root: root)
        name = "tracepoint mce:mce_record (\(tracefs.instancePath))"
        pollDescriptors = tracefs.pollDescriptors
        warnings = tracefs.warnings
        let absent = Set(tracefs.recordDecoder.absentFields)
        recordLength = [("synd", RecordOffset.synd), ("ipid", RecordOffset.ipid),
                        ("ppin", RecordOffset.ppin), ("microcode", RecordOffset.microcode)]
            .first(where: { absent.contains($0.0) })?.1 ?? MachineCheckRecord.currentLength
    }

    public func drain(_ body: (SourceEvent) -> Void) throws -> Bool {
        var failure: Error? = nil
        let length = recordLength
        do {
            try tracefs.drain { item in
                switch item {
                case .record(var r, _):
                    r.length = length
                    body(.record(r))
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
