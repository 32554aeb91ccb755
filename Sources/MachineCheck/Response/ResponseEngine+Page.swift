/// Per-page corrected-error accounting and the page offline state machine (page.c,
/// mcelog.md §11.3): online → offline-pending → offline | offline-failed, with the retry
/// multiplier for `memory-ce-offline-retry`.
extension ResponseEngine {
    /// Upstream's `offline_threshold_multiplier` is an unsigned char that wraps to 0 after
    /// eight failures (then every error fires); it stops doubling here instead.
    static let maximumRetryMultiplier: UInt64 = 128

    mutating func accountPage(_ record: MachineCheckRecord, facts: DecodeFacts, key: DimmKey, time: Int64,
                              now: Int64, into out: inout [ResponseAction]) {
        guard settings.pageAction != .off, record.status & MCiStatus.addrv != 0,
              record.status & MCiStatus.uc == 0 else { return }
        // SNB-EP firmware-first duplicates corrected errors as CPU 0 bank 1 (APEI).
        if facts.cpuType == .sandyBridgeEP && record.bank == 1 && record.cpuNumber == 0 { return }
        let address = record.addr & ~UInt64(0xfff)
        let placement = pages.counter(for: address, limit: counterLimit, threshold: settings.pageCEThreshold, at: now)
        if case .replaced = placement { counterReplaced(time: time, into: &out) }
        guard var page = pages[address] else { return }
        page.total = page.total.addingSaturating(1)
        let fired = page.bucket.account(1, at: time, multiplier: page.multiplier)
        pages[address] = page
        guard fired else { return }
        switch page.state {
        case .offline, .offlinePending: return
        case .offlineFailed where !settings.offlineRetry: return
        default: break
        }
        let r = dimmRecord(key, at: now)
        memdbNotice("Corrected memory errors on page \(Format.hex(address)) exceed threshold \(page.bucket.description)",
                    key: key, record: r, total: page.total, bucket: page.bucket, lastEvent: time,
                    route: NoticeRoute(key: .page, trigger: settings.pageCETrigger, log: settings.pageCELog,
                                       kind: .pageThreshold),
                    reporter: "page", into: &out)
        page.triggered = true
        let action = settings.pageAction
        guard action.offlines else { pages[address] = page; return }
        if action != .hard {
            softOfflineNotice("pre", page: page, key: key, time: time, into: &out)
        }
        out.append(.log(ResponseLog(kind: .pageOffline, priority: ResponseLog.error,
                                    lines: ["Offlining page \(Format.hex(address))"])))
        pendingOfflines[address] = PendingOffline(key: key, time: time, action: action, snapshot: page)
        page.state = .offlinePending
        pages[address] = page
        out.append(.offlinePage(address: address, mode: action == .hard ? .hard : .soft))
    }

    /// The outcome of an `.offlinePage` action. A failed soft offline under
    /// `soft-then-hard` asks for a hard one; otherwise the page becomes offline or
    /// offline-failed and, after a soft attempt, the post-soft trigger runs.
    public mutating func offlineFinished(address: UInt64, mode: OfflineMode, succeeded: Bool, error: String?,
                                         now: Int64) -> [ResponseAction] {
        guard let pending = pendingOfflines[address] else { return [] }
        var out: [ResponseAction] = []
        if !succeeded && mode == .soft && pending.action == .softThenHard {
            out.append(.log(ResponseLog(kind: .softOfflineFallback, priority: ResponseLog.error,
                lines: ["Soft offlining of page \(Format.hex(address)) failed, trying hard offlining"])))
            out.append(.offlinePage(address: address, mode: .hard))
            return out
        }
        pendingOfflines[address] = nil
        if !succeeded {
            out.append(.log(ResponseLog(kind: .pageOfflineFailed, priority: ResponseLog.error,
                lines: ["Offlining page \(Format.hex(address)) failed: \(error ?? "unknown error")"])))
        }
        var page = pending.snapshot
        if var current = pages[address] {
            current.state = succeeded ? .offline : .offlineFailed
            if !succeeded && settings.offlineRetry {
                current.multiplier = Swift.min(current.multiplier.multipliedSaturating(by: 2),
                                               ResponseEngine.maximumRetryMultiplier)
            }
            pages[address] = current
            page = current
        }
        if pending.action != .hard {
            softOfflineNotice("post", page: page, key: pending.key, time: pending.time, into: &out)
        }
        return out
    }

    /// The "pre/post soft trigger run for page N" notice: memdb-style, with the page
    /// address in decimal as argv[1].
    mutating func softOfflineNotice(_ phase: String, page: PageCounter, key: DimmKey, time: Int64,
                                    into out: inout [ResponseAction]) {
        let decimal = String(Int64(bitPattern: page.address))   // upstream prints %lld
        let r = dimmRecord(key, at: time)
        let trigger = phase == "pre" ? settings.preSoftTrigger : settings.postSoftTrigger
        memdbNotice("\(phase) soft trigger run for page \(decimal)", key: key, record: r, total: page.total,
                    bucket: page.bucket, lastEvent: time,
                    route: NoticeRoute(key: phase == "pre" ? .preSoftOffline : .postSoftOffline, trigger: trigger,
                                       log: settings.pageCELog, kind: .pageSoftTrigger),
                    reporter: "page_\(phase)_soft", arguments: [decimal], into: &out)
    }

    /// A page counter was reused for another page: account the replacement bucket.
    mutating func counterReplaced(time: Int64, into out: inout [ResponseAction]) {
        replacements.total = replacements.total.addingSaturating(1)
        guard replacements.bucket.account(1, at: time) else { return }
        let threshold = replacements.bucket.description
        let message = "Replacements of page correctable error counter exceed threshold \(threshold): \(threshold)"
        if settings.replacementLog {
            out.append(.log(ResponseLog(kind: .counterReplacement, priority: ResponseLog.warning, lines: [message],
                                        threshold: threshold)))
        }
        guard let path = settings.replacementTrigger else { return }
        var env: [(name: String, value: String)] = [("THRESHOLD", threshold), ("TOTALCOUNT", String(replacements.total))]
        if time != 0 { env.append(("LASTEVENT", String(time))) }
        env.append(("AGETIME", String(replacements.bucket.threshold?.ageTime ?? 0)))
        env.append(("MESSAGE", message))
        env.append(("THRESHOLD_COUNT", String(replacements.bucket.count)))
        request(TriggerRequest(key: .counterReplacement, path: path, environment: env,
                               reporter: "page-error-counter", message: message), into: &out)
    }
}
