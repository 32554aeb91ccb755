/// A sub-buffer that does not follow the ring-buffer format (kernel-interfaces.md §2.4).
/// `pageOffset` is where the sub-buffer starts in the stream it was read from; `at` values
/// are byte offsets within the sub-buffer.
public struct SubBufferError: Error, Equatable, Sendable, CustomStringConvertible {
    public enum Reason: Equatable, Sendable {
        case shortPage(bytes: Int, pageSize: Int)
        case commitBeyondPage(commit: Int, capacity: Int)
        case eventRunsOffData(at: Int, length: Int, dataEnd: Int)
        case zeroLengthEvent(at: Int)
        case missedCountBeyondPage(at: Int)
    }

    public let pageOffset: Int
    public let reason: Reason

    public var description: String {
        let what: String
        switch reason {
        case .shortPage(let n, let size): what = "only \(n) of \(size) bytes"
        case .commitBeyondPage(let c, let cap): what = "commit of \(c) data bytes exceeds the \(cap)-byte data area"
        case .eventRunsOffData(let at, let len, let end):
            what = "event at byte \(at) of \(len) bytes runs past the committed data ending at byte \(end)"
        case .zeroLengthEvent(let at): what = "event at byte \(at) has no payload"
        case .missedCountBeyondPage(let at): what = "missed-event count at byte \(at) lies beyond the sub-buffer"
        }
        return "corrupt trace sub-buffer at byte \(pageOffset): \(what)"
    }
}

/// One data event of a sub-buffer. `payload` starts with the event's `common_type` and is
/// only valid inside the closure it was passed to.
public struct RingBufferEvent {
    public let typeID: UInt16
    public let payload: UnsafeRawBufferPointer
    /// Page timestamp plus the deltas so far, in trace-clock units.
    public let timestamp: UInt64
    /// Byte offset of the event's header within the sub-buffer.
    public let offset: Int
    /// Byte offset of `payload` within the sub-buffer.
    public let payloadOffset: Int
}

/// What a sub-buffer's header said.
public struct RingBufferPageSummary: Sendable, Equatable {
    public var timestamp: UInt64 = 0
    /// Committed data bytes after the header.
    public var dataLength = 0
    /// The kernel dropped events before this sub-buffer (ring full while nobody read).
    public var missedEvents = false
    /// How many, when the kernel had room to store the count after the data.
    public var missedCount: Int? = nil
    public var eventCount = 0
}

/// One ring-buffer sub-buffer as `trace_pipe_raw` returns it.
public struct RingBufferPage {
    // Event header `type_len` values (kernel ring_buffer.h, `events/header_event`).
    static let typePadding: UInt32 = 29, typeTimeExtend: UInt32 = 30, typeTimeStamp: UInt32 = 31
    /// Bits 59..63 of the clock that absolute time stamps do not carry (kernel `TS_MSB`).
    static let timestampHighBits: UInt64 = 0xf8 << 56
    static let timeShift: UInt64 = 27

    public struct Event: Equatable {
        public let typeID: UInt16
        public let payload: ArraySlice<UInt8>
        public let timestamp: UInt64
        public let offset: Int
    }

    public let summary: RingBufferPageSummary
    public let events: [Event]

    /// Decodes a sub-buffer into a list (for tools and tests; the reader uses `walk`).
    public init(bytes: [UInt8], layout: HeaderPage, pageOffset: Int = 0) throws {
        var events: [Event] = []
        summary = try bytes.withUnsafeBytes { raw in
            try RingBufferPage.walk(raw, layout: layout, pageOffset: pageOffset) { e in
                let start = e.payloadOffset
                events.append(Event(typeID: e.typeID, payload: bytes[start..<(start + e.payload.count)],
                                    timestamp: e.timestamp, offset: e.offset))
            }
        }
        self.events = events
    }

    /// Reads and checks a sub-buffer's header: timestamp, committed length, missed events.
    public static func readHeader(_ page: UnsafeRawBufferPointer, layout: HeaderPage,
                                  pageOffset: Int = 0) throws -> RingBufferPageSummary {
        func fail(_ r: SubBufferError.Reason) -> SubBufferError { SubBufferError(pageOffset: pageOffset, reason: r) }
        guard page.count >= layout.pageSize else { throw fail(.shortPage(bytes: page.count, pageSize: layout.pageSize)) }
        var summary = RingBufferPageSummary()
        summary.timestamp = page.u64(layout.timestampOffset)
        let commit = layout.commitSize == 8 ? page.u64(layout.commitOffset) : UInt64(page.u32(layout.commitOffset))
        let length = Int(commit & HeaderPage.commitMask)
        guard length <= layout.dataSize else { throw fail(.commitBeyondPage(commit: length, capacity: layout.dataSize)) }
        summary.dataLength = length
        summary.missedEvents = commit & (HeaderPage.missedEventsFlag | HeaderPage.missedCountStoredFlag) != 0
        if commit & HeaderPage.missedCountStoredFlag != 0 {
            let at = layout.dataOffset + length
            guard at + layout.commitSize <= layout.pageSize else { throw fail(.missedCountBeyondPage(at: at)) }
            let stored = layout.commitSize == 8 ? page.u64(at) : UInt64(page.u32(at))
            summary.missedCount = stored > UInt64(Int.max) ? Int.max : Int(stored)
        }
        return summary
    }

    /// Walks the data events of one sub-buffer in order, calling `body` for each, without
    /// allocating. Events before a corruption are delivered before the error is thrown.
    /// Every step advances at least 4 bytes and stays inside the committed data, so any
    /// input ends: no traps, no loops.
    @discardableResult
    public static func walk(_ page: UnsafeRawBufferPointer, layout: HeaderPage, pageOffset: Int = 0,
                            _ body: (RingBufferEvent) throws -> Void) throws -> RingBufferPageSummary {
        func fail(_ r: SubBufferError.Reason) -> SubBufferError { SubBufferError(pageOffset: pageOffset, reason: r) }
        var summary = try readHeader(page, layout: layout, pageOffset: pageOffset)
        let dataStart = layout.dataOffset, dataEnd = layout.dataOffset + summary.dataLength
        var time = summary.timestamp
        var at = dataStart
        while at < dataEnd {
            guard at + 4 <= dataEnd else { throw fail(.eventRunsOffData(at: at, length: 4, dataEnd: dataEnd)) }
            let header = page.u32(at)
            let typeLen = header & 0x1f, delta = UInt64(header >> 5)
            // Every kind but a short data event carries a second word (array[0]).
            let hasWord = typeLen == 0 || typeLen >= typePadding
            if hasWord {
                guard at + 8 <= dataEnd else { throw fail(.eventRunsOffData(at: at, length: 8, dataEnd: dataEnd)) }
            }
            let word = hasWord ? UInt64(page.u32(at + 4)) : 0
            switch typeLen {
            case typePadding:
                // A padding with no delta marks the empty rest of the page; otherwise it is a
                // discarded event (whose delta the kernel does not count) of 4 + word bytes.
                if delta == 0 { at = dataEnd; continue }
                let size = 4 + Int(word)
                guard size <= dataEnd - at else { throw fail(.eventRunsOffData(at: at, length: size, dataEnd: dataEnd)) }
                at += size
            case typeTimeExtend:
                time &+= (word << timeShift) &+ delta
                at += 8
            case typeTimeStamp:
                var absolute = (word << timeShift) &+ delta
                let high = time & timestampHighBits
                if high != 0 {
                    absolute |= high
                    if absolute < time { absolute &+= 1 << 59 }
                }
                time = absolute
                at += 8
            default:
                let headerSize: Int, payloadSize: Int
                if typeLen == 0 {
                    // array[0] counts itself; the payload is 4-byte aligned.
                    guard word > 4 else { throw fail(.zeroLengthEvent(at: at)) }
                    headerSize = 8
                    payloadSize = (Int(word) - 4 + 3) & ~3
                } else {
                    headerSize = 4
                    payloadSize = Int(typeLen) * 4
                }
                guard payloadSize <= dataEnd - at - headerSize else {
                    throw fail(.eventRunsOffData(at: at, length: headerSize + payloadSize, dataEnd: dataEnd))
                }
                time &+= delta
                let payload = UnsafeRawBufferPointer(rebasing: page[(at + headerSize)..<(at + headerSize + payloadSize)])
                summary.eventCount += 1
                try body(RingBufferEvent(typeID: UInt16(truncatingIfNeeded: payload.u32(0)),
                                         payload: payload, timestamp: time, offset: at,
                                         payloadOffset: at + headerSize))
                at += headerSize + payloadSize
            }
        }
        return summary
    }
}

// Ring-buffer data is in the host's byte order; this project runs on x86-64 only, and the
// captured fixtures are little-endian, so reads are spelled little-endian.
extension UnsafeRawBufferPointer {
    @inline(__always) func u64(_ o: Int) -> UInt64 { UInt64(littleEndian: loadUnaligned(fromByteOffset: o, as: UInt64.self)) }
    @inline(__always) func u32(_ o: Int) -> UInt32 { UInt32(littleEndian: loadUnaligned(fromByteOffset: o, as: UInt32.self)) }
    @inline(__always) func u16(_ o: Int) -> UInt16 { UInt16(littleEndian: loadUnaligned(fromByteOffset: o, as: UInt16.self)) }

    /// An unsigned integer of 1, 2, 4 or 8 bytes at `o` (callers check the bounds).
    @inline(__always) func unsigned(_ o: Int, size: Int) -> UInt64 {
        switch size {
        case 8: return u64(o)
        case 4: return UInt64(u32(o))
        case 2: return UInt64(u16(o))
        default: return UInt64(self[o])
        }
    }

    /// As `unsigned`, sign-extended from `size` bytes.
    @inline(__always) func signed(_ o: Int, size: Int) -> Int64 {
        switch size {
        case 8: return Int64(bitPattern: u64(o))
        case 4: return Int64(Int32(bitPattern: u32(o)))
        case 2: return Int64(Int16(bitPattern: u16(o)))
        default: return Int64(Int8(bitPattern: self[o]))
        }
    }
}
