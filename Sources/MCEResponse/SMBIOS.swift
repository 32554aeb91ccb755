import Glibc

/// SMBIOS type 17, Memory Device (kernel-interfaces.md §4.2). Empty slots are not kept.
public struct MemoryDevice: Equatable, Sendable {
    public var handle: UInt16
    public var arrayHandle: UInt16
    /// Bits; nil when the table says unknown (0xFFFF).
    public var totalWidth: Int?
    public var dataWidth: Int?
    /// nil when the table says unknown (0xFFFF).
    public var sizeBytes: UInt64?
    public var formFactor: UInt8
    public var deviceSet: UInt8
    /// Silkscreen name of the socket ("DIMM_A1"): what a technician looks for.
    public var deviceLocator: String
    public var bankLocator: String
    public var memoryType: UInt8
    public var typeDetail: UInt16
    /// MT/s; nil when unknown or absent (SMBIOS < 2.3).
    public var speed: Int?
    public var manufacturer: String
    public var serialNumber: String
    public var assetTag: String
    public var partNumber: String
    /// Rank from Attributes bits 3:0; nil when unknown or absent (< 2.6).
    public var rank: Int?
    public var configuredSpeed: Int?

    public var formFactorName: String { SMBIOSNames.formFactor(formFactor) }
    public var memoryTypeName: String { SMBIOSNames.memoryType(memoryType) }
    public var sizeMegabytes: UInt64? { sizeBytes.map { $0 >> 20 } }
}

/// SMBIOS type 20, Memory Device Mapped Address: a physical address range served by one device.
public struct MemoryDeviceMappedAddress: Equatable, Sendable {
    public var handle: UInt16
    /// First and last byte address (inclusive), from the KB fields or the 2.7+ extended ones.
    public var start: UInt64
    public var end: UInt64
    public var deviceHandle: UInt16
    public var arrayMappedAddressHandle: UInt16
    public var partitionRowPosition: UInt8
    public var interleavePosition: UInt8
    public var interleavedDataDepth: UInt8

    public func contains(_ address: UInt64) -> Bool { start <= address && address <= end }
}

public enum SMBIOSError: Error, Equatable, Sendable, CustomStringConvertible {
    case unreadable(path: String, errno: Int32)
    case notPresent(path: String)
    /// The table ends inside a structure's header or formatted area.
    case truncated(offset: Int, type: UInt8?)
    /// A structure's length byte is below the 4-byte header.
    case badLength(offset: Int, type: UInt8, length: Int)
    /// No double NUL ends the string set.
    case unterminatedStrings(offset: Int, type: UInt8)
    /// A type 17 or 20 shorter than the oldest layout of that type.
    case structureTooShort(offset: Int, type: UInt8, length: Int)
    case tooLarge(path: String)

    public var description: String {
        switch self {
        case .unreadable(let path, let code): return "Cannot read SMBIOS table \(path): \(errnoText(code))"
        case .notPresent(let path): return "No SMBIOS table at \(path)"
        case .truncated(let offset, let type):
            return "SMBIOS table truncated in the structure at offset \(offset)" + (type.map { " (type \($0))" } ?? "")
        case .badLength(let offset, let type, let length):
            return "SMBIOS structure at offset \(offset) (type \(type)) has length \(length), below the 4-byte header"
        case .unterminatedStrings(let offset, let type):
            return "SMBIOS structure at offset \(offset) (type \(type)): string set not terminated"
        case .structureTooShort(let offset, let type, let length):
            return "SMBIOS structure at offset \(offset) (type \(type)) too short for its type: \(length) bytes"
        case .tooLarge(let path): return "SMBIOS table \(path) larger than any real one"
        }
    }
}

/// The memory part of the SMBIOS table: types 17 and 20 (mcelog.md §14). Parsed from
/// <root>/firmware/dmi/tables/DMI, or from the per-structure entries/<type>-<n>/raw files.
public struct SMBIOS: Equatable, Sendable {
    /// Populated memory devices, in table order.
    public var memoryDevices: [MemoryDevice]
    public var mappedAddresses: [MemoryDeviceMappedAddress]
    /// Type 17 structures with size 0 (empty slots), skipped.
    public var emptySlots: Int

    public init(memoryDevices: [MemoryDevice] = [], mappedAddresses: [MemoryDeviceMappedAddress] = [], emptySlots: Int = 0) {
        self.memoryDevices = memoryDevices
        self.mappedAddresses = mappedAddresses
        self.emptySlots = emptySlots
    }

    /// The devices whose type-20 range holds `physicalAddress`, each once, in table order.
    /// Several devices mean interleaving (or a bad table): the caller must not pick one.
    public func devices(at physicalAddress: UInt64) -> [MemoryDevice] {
        var handles: [UInt16] = []
        for range in mappedAddresses where range.contains(physicalAddress) && !handles.contains(range.deviceHandle) {
            handles.append(range.deviceHandle)
        }
        return handles.compactMap { h in memoryDevices.first { $0.handle == h } }
    }

    public func device(handle: UInt16) -> MemoryDevice? {
        memoryDevices.first { $0.handle == handle }
    }

    /// A real table is a few KB; anything above this is not one.
    public static let sizeLimit = 1 << 20

    /// tables/DMI when it exists, else entries/17-*/raw and entries/20-*/raw.
    public static func load(sysfsRoot: String = "/sys") throws(SMBIOSError) -> SMBIOS {
        let table = joinPath(sysfsRoot, "firmware/dmi/tables/DMI")
        switch readBytes(table) {
        case .success(let bytes): return try parse(table: bytes)
        case .failure(let error):
            guard case .notPresent = error else { throw error }
        }
        return try loadEntries(sysfsRoot: sysfsRoot)
    }

    /// From entries/<type>-<n>/raw (CONFIG_DMI_SYSFS): each file holds one structure.
    public static func loadEntries(sysfsRoot: String = "/sys") throws(SMBIOSError) -> SMBIOS {
        let dir = joinPath(sysfsRoot, "firmware/dmi/entries")
        guard let names = SysfsIO.entries(dir) else { throw .notPresent(path: dir) }
        // "17-0", "17-10", "20-3": order by type, then instance number.
        let wanted: [(type: Int, instance: Int, name: String)] = names.compactMap { name in
            let parts = name.split(separator: "-")
            guard parts.count == 2, let t = Int(parts[0]), let i = Int(parts[1]), t == 17 || t == 20 else { return nil }
            return (t, i, name)
        }.sorted { ($0.type, $0.instance) < ($1.type, $1.instance) }
        var result = SMBIOS()
        for entry in wanted {
            let path = dir + "/" + entry.name + "/raw"
            switch readBytes(path) {
            case .failure(let error): throw error
            case .success(let bytes):
                let one = try parse(table: bytes)
                result.memoryDevices += one.memoryDevices
                result.mappedAddresses += one.mappedAddresses
                result.emptySlots += one.emptySlots
            }
        }
        return result
    }

    /// Walks the structures: header (type, length, handle), formatted area, string set ending in
    /// a double NUL; stops at type 127 (end of table) or the end of the bytes.
    public static func parse(table bytes: [UInt8]) throws(SMBIOSError) -> SMBIOS {
        var result = SMBIOS()
        var offset = 0
        while offset < bytes.count {
            guard bytes.count - offset >= 4 else { throw .truncated(offset: offset, type: bytes[offset]) }
            let type = bytes[offset]
            let length = Int(bytes[offset + 1])
            guard length >= 4 else { throw .badLength(offset: offset, type: type, length: length) }
            guard bytes.count - offset >= length else { throw .truncated(offset: offset, type: type) }
            let formatted = Array(bytes[offset..<(offset + length)])
            // String set: NUL-terminated strings, then one more NUL (two NULs when empty).
            var strings: [String] = []
            var cursor = offset + length
            var current: [UInt8] = []
            var terminated = false
            while cursor < bytes.count {
                let b = bytes[cursor]
                cursor += 1
                if b != 0 { current.append(b); continue }
                if current.isEmpty {
                    // An empty set is "\0\0": the first NUL is the (empty) list, the second ends it.
                    if strings.isEmpty && cursor < bytes.count && bytes[cursor] == 0 && cursor == offset + length + 1 {
                        cursor += 1
                    }
                    terminated = true
                    break
                }
                strings.append(String(decoding: current, as: UTF8.self))
                current = []
            }
            guard terminated else { throw .unterminatedStrings(offset: offset, type: type) }
            let structure = Structure(offset: offset, bytes: formatted, strings: strings)
            switch type {
            case 17:
                if let device = try memoryDevice(structure) { result.memoryDevices.append(device) } else { result.emptySlots += 1 }
            case 20:
                if let range = try mappedAddress(structure) { result.mappedAddresses.append(range) }
            case 127:
                return result
            default:
                break
            }
            offset = cursor
        }
        return result
    }

    // MARK: - structures

    struct Structure {
        var offset: Int
        var bytes: [UInt8]
        var strings: [String]
        var type: UInt8 { bytes[0] }
        var handle: UInt16 { u16(2) ?? 0 }

        func u8(_ at: Int) -> UInt8? { at < bytes.count ? bytes[at] : nil }
        func u16(_ at: Int) -> UInt16? {
            guard at + 2 <= bytes.count else { return nil }
            return UInt16(bytes[at]) | UInt16(bytes[at + 1]) << 8
        }
        func u32(_ at: Int) -> UInt32? {
            guard at + 4 <= bytes.count else { return nil }
            return (0..<4).reduce(UInt32(0)) { $0 | UInt32(bytes[at + $1]) << (8 * UInt32($1)) }
        }
        func u64(_ at: Int) -> UInt64? {
            guard at + 8 <= bytes.count else { return nil }
            return (0..<8).reduce(UInt64(0)) { $0 | UInt64(bytes[at + $1]) << (8 * UInt64($1)) }
        }
        /// String field: 1-based index into the set; 0 (none) or out of range -> "".
        /// Trailing blanks are dropped: firmware pads fixed-width fields with spaces.
        func string(_ at: Int) -> String {
            guard let index = u8(at), index > 0, Int(index) <= strings.count else { return "" }
            return strings[Int(index) - 1].trimmingBlanks
        }
    }

    /// nil for an empty slot (size 0).
    static func memoryDevice(_ s: Structure) throws(SMBIOSError) -> MemoryDevice? {
        // 2.1 layout ends after Type Detail (0x15 bytes).
        guard s.bytes.count >= 0x15, let rawSize = s.u16(0x0C) else {
            throw .structureTooShort(offset: s.offset, type: 17, length: s.bytes.count)
        }
        if rawSize == 0 { return nil }
        let size: UInt64?
        switch rawSize {
        case 0xFFFF: size = nil
        case 0x7FFF:
            // 2.7+: the real size in MB is in Extended Size bits 30:0.
            if let ext = s.u32(0x1C) { size = UInt64(ext & 0x7FFF_FFFF) << 20 } else { size = UInt64(0x7FFF) << 20 }
        default:
            size = rawSize & 0x8000 != 0 ? UInt64(rawSize & 0x7FFF) << 10 : UInt64(rawSize) << 20
        }
        func width(_ v: UInt16?) -> Int? { v.flatMap { $0 == 0xFFFF || $0 == 0 ? nil : Int($0) } }
        var speed = s.u16(0x15).map(Int.init)
        if speed == 0xFFFF { speed = s.u32(0x54).map { Int($0) } }   // 3.3+ Extended Speed
        var configured = s.u16(0x20).map(Int.init)
        if configured == 0xFFFF { configured = s.u32(0x58).map { Int($0) } }
        let rank = s.u8(0x1B).map { Int($0 & 0x0F) }
        return MemoryDevice(
            handle: s.handle,
            arrayHandle: s.u16(0x04) ?? 0,
            totalWidth: width(s.u16(0x08)),
            dataWidth: width(s.u16(0x0A)),
            sizeBytes: size,
            formFactor: s.u8(0x0E) ?? 0,
            deviceSet: s.u8(0x0F) ?? 0,
            deviceLocator: s.string(0x10),
            bankLocator: s.string(0x11),
            memoryType: s.u8(0x12) ?? 0,
            typeDetail: s.u16(0x13) ?? 0,
            speed: speed == 0 ? nil : speed,
            manufacturer: s.string(0x17),
            serialNumber: s.string(0x18),
            assetTag: s.string(0x19),
            partNumber: s.string(0x1A),
            rank: rank == 0 ? nil : rank,
            configuredSpeed: configured == 0 ? nil : configured)
    }

    /// nil for a range whose end lies before its start (unusable).
    static func mappedAddress(_ s: Structure) throws(SMBIOSError) -> MemoryDeviceMappedAddress? {
        // 2.1 layout: 0x13 bytes, up to Interleaved Data Depth.
        guard s.bytes.count >= 0x13, let startKB = s.u32(0x04), let endKB = s.u32(0x08) else {
            throw .structureTooShort(offset: s.offset, type: 20, length: s.bytes.count)
        }
        var start = UInt64(startKB) << 10
        var end = (UInt64(endKB) << 10) | 0x3FF
        if startKB == 0xFFFF_FFFF {
            // 2.7+: byte addresses in Extended Starting/Ending Address.
            guard let extStart = s.u64(0x13), let extEnd = s.u64(0x1B) else { return nil }
            start = extStart
            end = extEnd
        }
        guard end >= start else { return nil }
        return MemoryDeviceMappedAddress(
            handle: s.handle, start: start, end: end,
            deviceHandle: s.u16(0x0C) ?? 0, arrayMappedAddressHandle: s.u16(0x0E) ?? 0,
            partitionRowPosition: s.u8(0x10) ?? 0, interleavePosition: s.u8(0x11) ?? 0,
            interleavedDataDepth: s.u8(0x12) ?? 0)
    }

    private static func readBytes(_ path: String) -> Result<[UInt8], SMBIOSError> {
        SysfsIO.readBytes(path, limit: sizeLimit).mapError { failure in
            switch failure {
            case .failed(let code): return code == ENOENT ? .notPresent(path: path) : .unreadable(path: path, errno: code)
            case .tooLarge: return .tooLarge(path: path)
            }
        }
    }
}

/// Names of SMBIOS enumerations (SMBIOS 3.x, 7.18.1 and 7.18.2) for messages.
public enum SMBIOSNames {
    public static func formFactor(_ code: UInt8) -> String {
        let names = ["Other", "Unknown", "SIMM", "SIP", "Chip", "DIP", "ZIP", "Proprietary Card",
                     "DIMM", "TSOP", "Row Of Chips", "RIMM", "SODIMM", "SRIMM", "FB-DIMM", "Die"]
        return code >= 1 && Int(code) <= names.count ? names[Int(code) - 1] : "Unknown"
    }

    public static func memoryType(_ code: UInt8) -> String {
        let names: [UInt8: String] = [
            0x01: "Other", 0x02: "Unknown", 0x03: "DRAM", 0x04: "EDRAM", 0x05: "VRAM", 0x06: "SRAM",
            0x07: "RAM", 0x08: "ROM", 0x09: "Flash", 0x0A: "EEPROM", 0x0B: "FEPROM", 0x0C: "EPROM",
            0x0D: "CDRAM", 0x0E: "3DRAM", 0x0F: "SDRAM", 0x10: "SGRAM", 0x11: "RDRAM", 0x12: "DDR",
            0x13: "DDR2", 0x14: "DDR2 FB-DIMM", 0x18: "DDR3", 0x19: "FBD2", 0x1A: "DDR4",
            0x1B: "LPDDR", 0x1C: "LPDDR2", 0x1D: "LPDDR3", 0x1E: "LPDDR4",
            0x1F: "Logical non-volatile device", 0x20: "HBM", 0x21: "HBM2", 0x22: "DDR5",
            0x23: "LPDDR5", 0x24: "HBM3",
        ]
        return names[code] ?? "Unknown"
    }
}
