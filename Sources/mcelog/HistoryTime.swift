import Glibc

/// Times for `--since`/`--until` and for printing history: microseconds since the epoch,
/// the journal's own unit.
enum HistoryTime {
    struct ParseError: Error, Equatable { let message: String }

    /// A subset of journalctl's time syntax (systemd.time(7)), in the local time zone
    /// unless it says UTC:
    /// `2024-05-01`, `2024-05-01 13:45`, `2024-05-01 13:45:10` (also with `T`, and a
    /// trailing ` UTC` or `Z`), `13:45[:10]` (today), `now`, `today`, `yesterday`,
    /// `tomorrow`, `@1714567890` (epoch seconds), and relative times `-2h`, `+30min`,
    /// `-1d12h`, `3 days ago`.
    static func parse(_ text: String, nowMicroseconds now: Int64) throws(ParseError) -> Int64 {
        let s = String(Substring(text).trimmingCharacters())
        guard !s.isEmpty else { throw ParseError(message: "empty time") }
        let fail = ParseError(message: "cannot understand time `\(text)' (try 2024-05-01, \"2024-05-01 13:45:00\", -7d, yesterday or @EPOCH)")

        if s.hasPrefix("@") {
            guard let secs = Int64(s.dropFirst()), let us = checked(secs.multipliedReportingOverflow(by: 1_000_000)) else { throw fail }
            return us
        }
        switch s {
        case "now": return now
        case "today": return startOfLocalDay(now, addingDays: 0)
        case "yesterday": return startOfLocalDay(now, addingDays: -1)
        case "tomorrow": return startOfLocalDay(now, addingDays: 1)
        default: break
        }
        if s.hasSuffix(" ago") {
            guard let span = relativeSpan(String(s.dropLast(4))) else { throw fail }
            return now - span
        }
        if s.hasPrefix("-") || s.hasPrefix("+") {
            guard let span = relativeSpan(String(s.dropFirst())) else { throw fail }
            return s.hasPrefix("-") ? now - span : now + span
        }
        guard let t = absolute(s, now: now) else { throw fail }
        return t
    }

    /// `1h`, `1d12h`, `30 min`, `2 weeks`: the sum of number+unit pairs, in microseconds.
    /// journalctl's units; `m` is minutes, `M` months.
    static func relativeSpan(_ s: String) -> Int64? {
        let units: [(String, Int64)] = [
            ("usec", 1), ("us", 1), ("msec", 1_000), ("ms", 1_000),
            ("seconds", 1_000_000), ("second", 1_000_000), ("sec", 1_000_000), ("s", 1_000_000),
            ("minutes", 60_000_000), ("minute", 60_000_000), ("min", 60_000_000), ("m", 60_000_000),
            ("hours", 3_600_000_000), ("hour", 3_600_000_000), ("hr", 3_600_000_000), ("h", 3_600_000_000),
            ("days", 86_400_000_000), ("day", 86_400_000_000), ("d", 86_400_000_000),
            ("weeks", 604_800_000_000), ("week", 604_800_000_000), ("w", 604_800_000_000),
            // systemd's month and year: 30.44 and 365.25 days.
            ("months", 2_629_800_000_000), ("month", 2_629_800_000_000), ("M", 2_629_800_000_000),
            ("years", 31_557_600_000_000), ("year", 31_557_600_000_000), ("y", 31_557_600_000_000),
        ]
        var rest = Substring(s)
        var total: Int64 = 0
        var sawAny = false
        while true {
            rest = rest.drop(while: { $0 == " " })
            if rest.isEmpty { break }
            let digits = rest.prefix(while: { $0.isASCII && $0.isNumber })
            guard !digits.isEmpty, digits.count <= 12, let n = Int64(digits) else { return nil }
            rest = rest.dropFirst(digits.count).drop(while: { $0 == " " })
            let word = rest.prefix(while: { $0.isLetter })
            // A bare number is seconds, as in systemd.
            let scale: Int64
            if word.isEmpty {
                scale = 1_000_000
            } else {
                guard let u = units.first(where: { $0.0 == word }) else { return nil }
                scale = u.1
            }
            rest = rest.dropFirst(word.count)
            guard let part = checked(n.multipliedReportingOverflow(by: scale)),
                  let sum = checked(total.addingReportingOverflow(part)) else { return nil }
            total = sum
            sawAny = true
        }
        return sawAny ? total : nil
    }

    /// `YYYY-MM-DD[( |T)HH:MM[:SS]][ UTC|Z]` or `HH:MM[:SS]` (today).
    static func absolute(_ text: String, now: Int64) -> Int64? {
        var s = Substring(text)
        var utc = false
        if s.hasSuffix(" UTC") { s = s.dropLast(4); utc = true } else if s.hasSuffix("Z") { s = s.dropLast(); utc = true }

        var tm = Glibc.tm()
        let parts = s.split(whereSeparator: { $0 == " " || $0 == "T" }).map(String.init)
        var datePart: String? = nil
        var clockPart: String? = nil
        switch parts.count {
        case 1 where parts[0].contains("-"): datePart = parts[0]
        case 1 where parts[0].contains(":"): clockPart = parts[0]
        case 2: datePart = parts[0]; clockPart = parts[1]
        default: return nil
        }
        if let d = datePart {
            let f = d.split(separator: "-", omittingEmptySubsequences: false)
            guard f.count == 3, f[0].count == 4, let y = Int32(f[0]), let mo = Int32(f[1]), let da = Int32(f[2]),
                  (1...12).contains(mo), (1...31).contains(da) else { return nil }
            tm.tm_year = y - 1900; tm.tm_mon = mo - 1; tm.tm_mday = da
        } else {
            // A clock time alone means today.
            var t = time_t(now / 1_000_000)
            var today = Glibc.tm()
            if utc { gmtime_r(&t, &today) } else { localtime_r(&t, &today) }
            tm.tm_year = today.tm_year; tm.tm_mon = today.tm_mon; tm.tm_mday = today.tm_mday
        }
        if let c = clockPart {
            let f = c.split(separator: ":", omittingEmptySubsequences: false)
            guard f.count == 2 || f.count == 3, let h = Int32(f[0]), let mi = Int32(f[1]),
                  (0...23).contains(h), (0...59).contains(mi) else { return nil }
            tm.tm_hour = h; tm.tm_min = mi
            if f.count == 3 {
                guard let sec = Int32(f[2]), (0...60).contains(sec) else { return nil }
                tm.tm_sec = sec
            }
        }
        tm.tm_isdst = -1
        let secs = utc ? timegm(&tm) : mktime(&tm)
        guard secs != -1 || (tm.tm_year == 69 && tm.tm_mon == 11 && tm.tm_mday == 31) else { return nil }
        return checked(Int64(secs).multipliedReportingOverflow(by: 1_000_000))
    }

    static func startOfLocalDay(_ now: Int64, addingDays days: Int32) -> Int64 {
        var t = time_t(now / 1_000_000)
        var tm = Glibc.tm()
        localtime_r(&t, &tm)
        tm.tm_hour = 0; tm.tm_min = 0; tm.tm_sec = 0
        tm.tm_mday += days
        tm.tm_isdst = -1
        return Int64(mktime(&tm)) * 1_000_000
    }

    static func now() -> Int64 {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        return Int64(ts.tv_sec) * 1_000_000 + Int64(ts.tv_nsec) / 1_000
    }

    /// `2024-05-01 13:45:10` in the local time zone (TZ), for text output.
    static func local(_ microseconds: Int64) -> String {
        var t = time_t(floorSeconds(microseconds))
        var tm = Glibc.tm()
        guard localtime_r(&t, &tm) != nil else { return utc(microseconds) }
        return render(tm, separator: " ", suffix: "")
    }

    /// `2024-05-01T13:45:10Z` (RFC 3339, UTC), for JSON output.
    static func utc(_ microseconds: Int64) -> String {
        var t = time_t(floorSeconds(microseconds))
        var tm = Glibc.tm()
        guard gmtime_r(&t, &tm) != nil else { return "@" + String(floorSeconds(microseconds)) }
        return render(tm, separator: "T", suffix: "Z")
    }

    static func floorSeconds(_ microseconds: Int64) -> Int64 {
        microseconds >= 0 ? microseconds / 1_000_000 : (microseconds - 999_999) / 1_000_000
    }

    private static func render(_ tm: Glibc.tm, separator: String, suffix: String) -> String {
        func two(_ v: Int32) -> String { v < 10 ? "0" + String(v) : String(v) }
        var year = String(Int(tm.tm_year) + 1900)
        while year.count < 4 { year = "0" + year }
        return year + "-" + two(tm.tm_mon + 1) + "-" + two(tm.tm_mday) + separator
            + two(tm.tm_hour) + ":" + two(tm.tm_min) + ":" + two(tm.tm_sec) + suffix
    }
}

/// The value of a `...ReportingOverflow` operation, nil when it overflowed.
func checked(_ r: (partialValue: Int64, overflow: Bool)) -> Int64? { r.overflow ? nil : r.partialValue }
