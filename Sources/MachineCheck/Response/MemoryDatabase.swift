/// Where a memory error is counted: a DIMM `(socket, channel, dimm)` or, with channel and
/// DIMM both -1, the socket as a whole (upstream's memdb keys, mcelog.md §11.1).
public struct DimmKey: Sendable, Hashable, Comparable, CustomStringConvertible {
    public var socket: Int
    /// -1: unknown.
    public var channel: Int
    /// -1: unknown.
    public var dimm: Int

    public init(socket: Int, channel: Int, dimm: Int) {
        self.socket = socket
        self.channel = channel
        self.dimm = dimm
    }

    public static func socket(_ s: Int) -> DimmKey { DimmKey(socket: s, channel: -1, dimm: -1) }

    /// The per-socket record rather than a DIMM.
    public var isSocket: Bool { channel == -1 && dimm == -1 }

    /// Upstream's dump order: socket, channel, DIMM, unknown (-1) first.
    public static func < (a: DimmKey, b: DimmKey) -> Bool {
        (a.socket, a.channel, a.dimm) < (b.socket, b.channel, b.dimm)
    }

    public var description: String {
        "SOCKET \(socket) CHANNEL \(channel == -1 ? "any" : String(channel)) DIMM \(dimm == -1 ? "any" : String(dimm))"
    }
}

/// Total and rate of one kind of error (upstream's `err_type`).
public struct ErrorTally: Sendable, Equatable {
    public var total: UInt64 = 0
    public var bucket: LeakyBucket

    public init(threshold: Threshold?, at time: Int64) {
        bucket = LeakyBucket(threshold: threshold, at: time)
    }
}

/// One DIMM (or socket) of the memory database.
public struct DimmRecord: Sendable, Equatable {
    public var corrected: ErrorTally
    public var uncorrected: ErrorTally
    /// SMBIOS Device Locator / EDAC label (DMI_NAME).
    public var name: String? = nil
    /// SMBIOS Bank Locator (DMI_LOCATION).
    public var location: String? = nil

    init(ce: Threshold?, uc: Threshold?, at time: Int64) {
        corrected = ErrorTally(threshold: ce, at: time)
        uncorrected = ErrorTally(threshold: uc, at: time)
    }
}

/// A DIMM known before any error, from SMBIOS type 17 or EDAC.
public struct DimmDescriptor: Sendable, Equatable {
    public var socket: Int
    /// nil when the locator does not say (upstream leaves it uninitialised).
    public var channel: Int?
    public var dimm: Int
    /// Device Locator, e.g. `DIMM_A1`.
    public var name: String?
    /// Bank Locator, e.g. `NODE 0 CHANNEL 1 DIMM 0`.
    public var location: String?

    public init(socket: Int, channel: Int?, dimm: Int, name: String?, location: String?) {
        self.socket = socket
        self.channel = channel
        self.dimm = dimm
        self.name = name
        self.location = location
    }

    /// A descriptor from an SMBIOS memory device's locator strings; nil when the Bank
    /// Locator matches none of upstream's patterns.
    public init?(deviceLocator: String?, bankLocator: String?) {
        guard let bank = bankLocator, let place = BankLocator.parse(bank) else { return nil }
        self.init(socket: place.socket, channel: place.channel, dimm: place.dimm,
                  name: deviceLocator, location: bank)
    }

    public var key: DimmKey { DimmKey(socket: socket, channel: channel ?? -1, dimm: dimm) }
}

/// The Bank Locator formats upstream understands (memdb.c `parse_dimm_addr`).
public enum BankLocator {
    public struct Place: Sendable, Equatable {
        public var socket: Int
        public var channel: Int?
        public var dimm: Int
    }

    private static let nodeChannelDimm = ScanFormat("_Node%u_Channel%u_Dimm%u")
    private static let spelledOut = ScanFormat("NODE %u CHANNEL %u DIMM %u")
    private static let amiNodeBank = ScanFormat("Node%u_Bank%u")
    private static let oldAmiBank = ScanFormat("A%u_BANK%u")

    /// `…_Node0_Channel1_Dimm0` (from the first `_`), `NODE 0 CHANNEL 1 DIMM 0`,
    /// `Node0_Bank0` and `A1_BANK0`; the last two name no channel (nil, where upstream
    /// reads an uninitialised variable).
    public static func parse(_ text: String) -> Place? {
        let bytes = Array(text.utf8)[...]
        let underscore = bytes.firstIndex(of: UInt8(ascii: "_")) ?? bytes.endIndex
        if let v = values(nodeChannelDimm, bytes[underscore...], 3) {
            return Place(socket: v[0], channel: v[1], dimm: v[2])
        }
        if let v = values(spelledOut, bytes, 3) { return Place(socket: v[0], channel: v[1], dimm: v[2]) }
        if let v = values(amiNodeBank, bytes, 2) { return Place(socket: v[0], channel: nil, dimm: v[1]) }
        if let v = values(oldAmiBank, bytes, 2) { return Place(socket: v[0], channel: nil, dimm: v[1]) }
        return nil
    }

    /// All `n` conversions, each a 32-bit unsigned value as `%u` stores it.
    private static func values(_ format: ScanFormat, _ s: ArraySlice<UInt8>, _ n: Int) -> [Int]? {
        let r = format.scan(s)
        guard r.assigned == n else { return nil }
        var out: [Int] = []
        for i in 0..<n {
            let v = r.numbers[i]
            guard v <= UInt64(Int32.max) else { return nil }
            out.append(Int(v))
        }
        return out
    }
}
