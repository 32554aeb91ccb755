/// `ctime(3)`-style time text without touching the C library's time zone machinery, so the
/// domain library stays free of I/O. The executable may supply a local-time renderer instead.
public protocol TimeRenderer: Sendable {
    /// The 24-character `ctime` text plus newline, e.g. `Thu Nov 29 21:33:09 1973\n`.
    func ctime(_ seconds: Int64) -> String
}

/// Renders in UTC (what upstream prints under `TZ=UTC`).
public struct UTCTimeRenderer: TimeRenderer {
    public init() {}

    static let days = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
    static let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]

    public func ctime(_ seconds: Int64) -> String {
        UTCTimeRenderer.render(seconds, offset: 0)
    }

    /// Formats `seconds + offset` as ctime does (offset in seconds east of UTC).
    public static func render(_ seconds: Int64, offset: Int64) -> String {
        let t = seconds + offset
        var day = t / 86_400
        var secs = t % 86_400
        if secs < 0 { secs += 86_400; day -= 1 }
        let weekday = Int(((day % 7) + 11) % 7)   // 1970-01-01 was a Thursday
        let (y, m, d) = civilDate(daysSinceEpoch: day)
        var out = TextBuffer(capacity: 32)
        out.write(days[weekday]); out.write(" "); out.write(months[m - 1]); out.write(" ")
        if d < 10 { out.write(" ") }
        out.decimal(d); out.write(" ")
        out.decimal(secs / 3600, width: 2); out.write(":")
        out.decimal((secs / 60) % 60, width: 2); out.write(":")
        out.decimal(secs % 60, width: 2); out.write(" ")
        out.decimal(y); out.newline()
        return out.string
    }

    /// Proleptic Gregorian date from days since 1970-01-01 (H. Hinnant's civil_from_days).
    static func civilDate(daysSinceEpoch z0: Int64) -> (Int64, Int, Int) {
        let z = z0 + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365
        let y = yoe + era * 400
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = Int(doy - (153 * mp + 2) / 5 + 1)
        let m = Int(mp < 10 ? mp + 3 : mp - 9)
        return (m <= 2 ? y + 1 : y, m, d)
    }
}
