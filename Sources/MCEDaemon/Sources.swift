import Glibc
import MachineCheck
import MCEIO

/// What a machine-check source produced on one drain.
public enum SourceEvent {
    case record(MachineCheckRecord)
    case lost(count: Int, detail: String)
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
