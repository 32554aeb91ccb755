import Glibc

/// The text of an errno value, as strerror gives it ("No such file or directory").
func errnoText(_ code: Int32) -> String {
    guard let text = strerror(code) else { return "error \(code)" }
    return String(cString: text)
}

/// Small whole-file reads and single writes, the way sysfs files want to be used: one read of
/// a short attribute, one write() of the whole value (sysfs store handlers see exactly one call).
enum SysfsIO {
    enum ReadFailure: Error, Equatable {
        case failed(errno: Int32)
        case tooLarge
    }

    /// The whole file, read to its end (sysfs files report no useful size). More than `limit`
    /// bytes is `.tooLarge`: whatever the caller expected, that is not it.
    static func readBytes(_ path: String, limit: Int) -> Result<[UInt8], ReadFailure> {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return .failure(.failed(errno: errno)) }
        defer { close(fd) }
        var bytes: [UInt8] = []
        // One byte past the limit is enough to tell an oversized file.
        var chunk = [UInt8](repeating: 0, count: min(max(limit, 0) + 1, 65536))
        while true {
            let n = chunk.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                return .failure(.failed(errno: errno))
            }
            if n == 0 { return .success(bytes) }
            bytes.append(contentsOf: chunk[0..<n])
            if bytes.count > limit { return .failure(.tooLarge) }
        }
    }

    /// The text of a file of at most `limit` bytes (a sysfs attribute is a page at most; a
    /// regular file that grew is not what we expected to find).
    static func read(_ path: String, limit: Int = 4096) -> Result<String, ReadFailure> {
        readBytes(path, limit: limit).map { String(decoding: $0, as: UTF8.self) }
    }

    /// The first line of a sysfs attribute without its newline and surrounding blanks, or nil.
    static func attribute(_ path: String) -> String? {
        guard case .success(let text) = read(path) else { return nil }
        let line = text.split(separator: "\n", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
        return String(line).trimmingBlanks
    }

    /// One open + write() of `text`; nil on success, else errno. A short write is an error
    /// (EIO): sysfs stores either take the whole value or fail. O_TRUNC, as a shell's `>` does:
    /// sysfs ignores it, and a laid-out test tree then holds exactly what was written.
    static func writeOnce(_ path: String, _ text: String) -> Int32? {
        let fd = open(path, O_WRONLY | O_TRUNC | O_CLOEXEC)
        guard fd >= 0 else { return errno }
        defer { close(fd) }
        let bytes = Array(text.utf8)
        while true {
            let n = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                return errno
            }
            return n == bytes.count ? nil : EIO
        }
    }

    /// Names in a directory (without "." and ".."), or nil when it cannot be opened.
    static func entries(_ path: String) -> [String]? {
        guard let dir = opendir(path) else { return nil }
        defer { closedir(dir) }
        var names: [String] = []
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self)
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names
    }

    static func isDirectory(_ path: String) -> Bool {
        var st = stat()
        return stat(path, &st) == 0 && (st.st_mode & S_IFMT) == S_IFDIR
    }

    static func exists(_ path: String) -> Bool {
        var st = stat()
        return stat(path, &st) == 0
    }
}

extension String {
    /// Without leading and trailing spaces, tabs and newlines.
    var trimmingBlanks: String {
        let blank: (Character) -> Bool = { $0 == " " || $0 == "\t" || $0 == "\n" || $0 == "\r" }
        guard let first = firstIndex(where: { !blank($0) }),
              let last = lastIndex(where: { !blank($0) }) else { return "" }
        return String(self[first...last])
    }

    /// "N" after `prefix` as a non-negative number ("cpu12" with "cpu" -> 12), else nil.
    func numberAfter(prefix: String) -> Int? {
        guard hasPrefix(prefix) else { return nil }
        let digits = dropFirst(prefix.count)
        guard !digits.isEmpty, digits.allSatisfy({ $0.isASCII && $0.isNumber }) else { return nil }
        return Int(digits)
    }
}

/// Joins sysfs path parts without doubling slashes ("/sys/" + "devices" -> "/sys/devices").
func joinPath(_ root: String, _ rest: String) -> String {
    if root.isEmpty { return rest }   // a name relative to the working directory
    if root.hasSuffix("/") { return root + rest }
    return root + "/" + rest
}
