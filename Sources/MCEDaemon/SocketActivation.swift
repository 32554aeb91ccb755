import Glibc

/// Sockets passed by systemd (sd_listen_fds(3) protocol: LISTEN_PID, LISTEN_FDS,
/// LISTEN_FDNAMES, descriptors from 3 on).
public enum SocketActivation {
    /// The passed socket named `name` (FileDescriptorName=), or the only one when unnamed.
    public static func socket(named name: String) -> Int32? {
        guard let pidText = getenv("LISTEN_PID").map({ String(cString: $0) }), pid_t(pidText) == getpid(),
              let countText = getenv("LISTEN_FDS").map({ String(cString: $0) }), let count = Int(countText), count > 0
        else { return nil }
        let names = getenv("LISTEN_FDNAMES").map { String(cString: $0).split(separator: ":", omittingEmptySubsequences: false).map(String.init) } ?? []
        for i in 0..<count {
            let fd = Int32(3 + i)
            let fdName = i < names.count ? names[i] : "unknown"
            if fdName == name || (count == 1 && (names.isEmpty || fdName == "unknown")) {
                _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
                return fd
            }
        }
        return nil
    }
}
