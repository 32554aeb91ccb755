/// A leaky-bucket rate in upstream's syntax `CAP [k|m|g] / TIME [m|h|d]` (mcelog.md §10):
/// fire when `capacity` events accumulate within `ageTime` seconds.
///
/// An absent threshold (upstream's capacity 0) is modelled as `Threshold?` == nil: such a
/// bucket never fires and prints `not enabled`.
public struct Threshold: Sendable, Equatable, CustomStringConvertible {
    /// The time unit as written: upstream keeps its first letter and prints it back.
    public enum Unit: Sendable, Equatable {
        case seconds, minutes, hours, days

        public var seconds: Int64 {
            switch self {
            case .seconds: return 1
            case .minutes: return 60
            case .hours: return 3600
            case .days: return 86_400
            }
        }

        /// The letter `bucket_output` appends (none for plain seconds: `5 in 3600`).
        public var suffix: String {
            switch self {
            case .seconds: return ""
            case .minutes: return "m"
            case .hours: return "h"
            case .days: return "d"
            }
        }
    }

    /// Events per window, after the k/m/g multiplier (at least 1).
    public var capacity: UInt64
    /// Window length in seconds (at least 1).
    public var ageTime: Int64
    public var unit: Unit

    public init?(capacity: UInt64, ageTime: Int64, unit: Unit) {
        guard capacity > 0, ageTime > 0 else { return nil }
        self.capacity = capacity
        self.ageTime = ageTime
        self.unit = unit
    }

    /// The window in the configured unit, as `bucket_output` prints it.
    public var ageTimeInUnits: Int64 { ageTime / unit.seconds }

    /// Canonical spelling, e.g. `10 / 24h`; parses back to the same threshold.
    public var description: String { "\(capacity) / \(ageTimeInUnits)\(unit.suffix)" }

    // Upstream scans with "%u %1s / %u %1s" and falls back to "%u / %u %1s" when the
    // first form converted at most two fields (the unit-less capacity case, where `%1s`
    // swallows the `/`).
    private static let withCapacityUnit = ScanFormat("%u %1s / %u %1s")
    private static let plain = ScanFormat("%u / %u %1s")

    /// Parses upstream's threshold syntax; nil when upstream would reject it (its
    /// "trigger config option ... unparseable" error; the caller words the message).
    ///
    /// Deliberate deviations, where upstream's behaviour is an accident of C: a capacity or
    /// time above 2^32-1, or written negative, is rejected (scanf would wrap it), and
    /// `4g` is 4 000 000 000 rather than the 32-bit wrap-around.
    public static func parse(_ text: String) -> Threshold? {
        let bytes = Array(text.utf8)[...]
        var capacityUnit: UInt8 = 0
        var timeUnit: UInt8 = 0
        var capacity: UInt64
        var time: UInt64
        let first = withCapacityUnit.scan(bytes)
        if first.assigned == 4 {
            capacity = first.numbers[0]
            time = first.numbers[1]
            capacityUnit = bytes[first.strings[0].lowerBound]
            timeUnit = bytes[first.strings[1].lowerBound]
        } else if first.assigned <= 2 {
            let second = plain.scan(bytes)
            guard second.assigned >= 2 else { return nil }
            capacity = second.numbers[0]
            time = second.numbers[1]
            if second.assigned == 3 { timeUnit = bytes[second.strings[0].lowerBound] }
        } else {
            return nil   // "10k / 24": three fields, upstream rejects it
        }
        guard capacity > 0, capacity <= UInt64(UInt32.max), time > 0, time <= UInt64(UInt32.max)
        else { return nil }
        switch capacityUnit | 0x20 {          // tolower; 0 | 0x20 is the space: no unit
        case 0x20: break
        case UInt8(ascii: "k"): capacity *= 1_000
        case UInt8(ascii: "m"): capacity *= 1_000_000
        case UInt8(ascii: "g"): capacity *= 1_000_000_000
        default: return nil
        }
        let unit: Unit
        switch timeUnit == 0 ? 0 : timeUnit | 0x20 {
        case 0: unit = .seconds
        case UInt8(ascii: "m"): unit = .minutes
        case UInt8(ascii: "h"): unit = .hours
        case UInt8(ascii: "d"): unit = .days
        default: return nil                   // `s` and anything else
        }
        return Threshold(capacity: capacity, ageTime: Int64(time) * unit.seconds, unit: unit)
    }
}
