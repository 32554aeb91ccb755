/// Memory errors: the DIMM/socket database (memdb.c) and per-page accounting (page.c),
/// mcelog.md §11.
extension ResponseEngine {
    mutating func memoryError(_ record: MachineCheckRecord, facts: DecodeFacts, time: Int64, now: Int64,
                              into out: inout [ResponseAction]) {
        let keys = dimmKeys(for: record, facts: facts)
        let tracking = settings.memoryTracking(for: record, cpuType: facts.cpuType)
        let corrected = facts.correctedCount ?? 0
        accountMemory(record, facts: facts, key: keys.first, tracking: tracking, correctedCount: corrected,
                      time: time, now: now, into: &out)
        // SNB-EP/IVB-EP "second device": the same error counts for the other DIMM too.
        if let second = keys.second {
            accountMemory(record, facts: facts, key: second, tracking: tracking, correctedCount: corrected,
                          time: time, now: now, into: &out)
        }
    }

    /// The DIMMs a memory error is counted for (upstream's `memory_error` keys): the first
    /// device and, for SNB-EP/IVB-EP, the second failing device. The daemon names the DIMM of
    /// a record from the first, so the journal and the triggers name the same DIMM.
    public func dimmKeys(for record: MachineCheckRecord, facts: DecodeFacts) -> (first: DimmKey, second: DimmKey?) {
        let socket = Int(Int32(bitPattern: record.socketid))
        let rawChannel = Int(record.status & 0xf) == 0xf ? -1 : Int(record.status & 0xf)
        // Knights Landing/Mill print their second controller's channels from 3, but
        // upstream accounts the raw MCACOD channel.
        let knights = facts.cpuType == .knightsLanding || facts.cpuType == .knightsMill
        let channel = knights ? rawChannel : (facts.channel ?? -1)
        let ranks = FailingRank.ranks(misc: record.misc)
        let first = DimmKey(socket: socket, channel: channel,
                            dimm: settledDimm(facts.dimm ?? -1, rank: ranks.first, cpuType: facts.cpuType,
                                              socket: socket, channel: channel))
        guard let second = facts.secondDimm else { return (first, nil) }
        let channel2 = facts.channel ?? rawChannel
        guard channel2 != -1 else { return (first, nil) }
        return (first, DimmKey(socket: socket, channel: channel2,
                               dimm: settledDimm(second, rank: ranks.second, cpuType: facts.cpuType,
                                                 socket: socket, channel: channel2)))
    }

    /// A DIMM the decoder took from a failing rank, settled with what only the database
    /// knows: whether the channel has a DIMM 2 (where ranks 6-7 live if it exists).
    func settledDimm(_ decoded: Int, rank: Int?, cpuType: CPUType, socket: Int, channel: Int) -> Int {
        guard decoded != -1, let rank, cpuType == .sandyBridgeEP || cpuType == .ivyBridgeEPEX else { return decoded }
        let third = dimms[DimmKey(socket: socket, channel: channel, dimm: 2)] != nil
        return FailingRank.dimm(rank: rank, channelHasThirdDIMM: third) ?? decoded
    }

    /// One DIMM's share of an error: upstream's `memory_error` plus `account_page_error`.
    mutating func accountMemory(_ record: MachineCheckRecord, facts: DecodeFacts, key: DimmKey,
                                tracking: (dimm: Bool, socket: Bool), correctedCount: Int, time: Int64,
                                now: Int64, into out: inout [ResponseAction]) {
        let uncorrected = record.status & MCiStatus.uc != 0
        if record.length < RecordOffset.socketid {
            if !warnedMissingSocket {
                warnedMissingSocket = true
                out.append(.log(ResponseLog(kind: .accountingUnavailable, priority: ResponseLog.error,
                    lines: ["Cannot account memory errors because kernel does not report socketid"])))
            }
        } else {
            if tracking.dimm && !key.isSocket {
                accountDatabase(key, uncorrected: uncorrected, time: time, now: now, reporter: "memdb", into: &out)
            }
            if tracking.socket {
                accountLostErrors(socket: key.socket, correctedCount: correctedCount, time: time, now: now, into: &out)
                accountDatabase(.socket(key.socket), uncorrected: uncorrected, time: time, now: now,
                                reporter: "sockdb_memdb", into: &out)
            }
        }
        accountPage(record, facts: facts, key: key, time: time, now: now, into: &out)
    }

    /// `account_memdb`: one corrected or uncorrected error for a DIMM or socket.
    mutating func accountDatabase(_ key: DimmKey, uncorrected: Bool, time: Int64, now: Int64, reporter: String,
                                  into out: inout [ResponseAction]) {
        var r = dimmRecord(key, at: now)
        let fired: Bool
        if uncorrected {
            r.uncorrected.total = r.uncorrected.total.addingSaturating(1)
            fired = r.uncorrected.bucket.account(1, at: time)
        } else {
            r.corrected.total = r.corrected.total.addingSaturating(1)
            fired = r.corrected.bucket.account(1, at: time)
        }
        dimms[key] = r
        guard fired else { return }
        let kind = key.isSocket ? "Socket" : "DIMM"
        let message = "\(uncorrected ? "Un" : "")corrected \(kind) memory error count exceeded threshold"
        let tally = uncorrected ? r.uncorrected : r.corrected
        let route = thresholdRoute(key, uncorrected: uncorrected)
        memdbNotice(message, key: key, record: r, total: tally.total, bucket: tally.bucket, lastEvent: time,
                    route: route, reporter: reporter, into: &out)
    }

    /// `account_over`: the hardware's corrected-error count says `n - 1` errors were not
    /// reported; they are charged to the socket as corrected errors.
    mutating func accountLostErrors(socket: Int, correctedCount: Int, time: Int64, now: Int64,
                                   into out: inout [ResponseAction]) {
        guard correctedCount > 1 else { return }
        let lost = UInt64(correctedCount - 1)
        let key = DimmKey.socket(socket)
        var r = dimmRecord(key, at: now)
        r.corrected.total = r.corrected.total.addingSaturating(lost)
        let fired = r.corrected.bucket.account(lost, at: time)
        dimms[key] = r
        guard fired else { return }
        memdbNotice("Fallback Socket memory error count \(lost) exceeded threshold", key: key, record: r,
                    total: r.corrected.total, bucket: r.corrected.bucket, lastEvent: nil,
                    route: thresholdRoute(key, uncorrected: false), reporter: "sockdb_fallback", into: &out)
    }

    /// Which trigger, log flag and log kind a DIMM/socket threshold uses.
    func thresholdRoute(_ key: DimmKey, uncorrected: Bool) -> NoticeRoute {
        let s = settings
        switch (key.isSocket, uncorrected) {
        case (false, false): return NoticeRoute(key: .dimmCE, trigger: s.dimmCETrigger, log: s.dimmCELog, kind: .dimmThreshold)
        case (false, true): return NoticeRoute(key: .dimmUC, trigger: s.dimmUCTrigger, log: s.dimmUCLog, kind: .dimmThreshold)
        case (true, false): return NoticeRoute(key: .socketCE, trigger: s.socketCETrigger, log: s.socketCELog, kind: .socketThreshold)
        case (true, true): return NoticeRoute(key: .socketUC, trigger: s.socketUCTrigger, log: s.socketUCLog, kind: .socketThreshold)
        }
    }

    struct NoticeRoute {
        var key: TriggerKey
        var trigger: String?
        var log: Bool
        var kind: ResponseLog.Kind
    }

    /// `memdb_trigger`: the `*-log` lines and the memdb-style trigger (DIMM, socket, page,
    /// pre/post soft offline), environment in upstream's order (mcelog.md §9.2).
    mutating func memdbNotice(_ message: String, key: DimmKey, record r: DimmRecord, total: UInt64,
                              bucket: LeakyBucket, lastEvent: Int64?, route: NoticeRoute, reporter: String,
                              arguments: [String] = [], into out: inout [ResponseAction]) {
        let threshold = bucket.description
        let full = "\(message): \(threshold)"
        let location = ResponseEngine.locationText(key, record: r)
        if route.log {
            out.append(.log(ResponseLog(kind: route.kind, priority: ResponseLog.warning,
                                        lines: [full, "Location \(location)"], threshold: threshold,
                                        location: location)))
        }
        guard let path = route.trigger else { return }
        var env: [(name: String, value: String)] = [
            ("PATH", settings.pathVariable),
            ("THRESHOLD", threshold),
            ("TOTALCOUNT", String(total)),
            ("LOCATION", location),
        ]
        if let l = r.location { env.append(("DMI_LOCATION", l)) }
        if let n = r.name { env.append(("DMI_NAME", n)) }
        if key.dimm != -1 { env.append(("DIMM", String(key.dimm))) }
        if key.channel != -1 { env.append(("CHANNEL", String(key.channel))) }
        env.append(("SOCKETID", String(key.socket)))
        env.append(("CECOUNT", String(r.corrected.total)))
        env.append(("UCCOUNT", String(r.uncorrected.total)))
        if let t = lastEvent, t != 0 { env.append(("LASTEVENT", String(t))) }
        env.append(("AGETIME", String(bucket.threshold?.ageTime ?? 0)))
        env.append(("MESSAGE", full))
        // Always 0 after firing: upstream resets the bucket before building the environment.
        env.append(("THRESHOLD_COUNT", String(bucket.count)))
        request(TriggerRequest(key: route.key, path: path, arguments: arguments, environment: env,
                               reporter: reporter, message: full), into: &out)
    }

    /// `SOCKET:0 CHANNEL:1 DIMM:0 [bank-locator device-locator]`, `?` for unknowns.
    static func locationText(_ key: DimmKey, record r: DimmRecord) -> String {
        let channel = key.channel == -1 ? "?" : String(key.channel)
        let dimm = key.dimm == -1 ? "?" : String(key.dimm)
        let both = r.location != nil && r.name != nil ? " " : ""
        return "SOCKET:\(key.socket) CHANNEL:\(channel) DIMM:\(dimm) [\(r.location ?? "")\(both)\(r.name ?? "")]"
    }
}
