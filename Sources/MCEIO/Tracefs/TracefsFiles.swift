import CLinux
import Glibc

/// The few file-system calls the tracefs source needs, each wrapped once with errors that
/// name the path.
enum TracefsFiles {
    /// `statfs` magic numbers of the kernel file systems whose files report size 0 and are
    /// read as streams (linux/magic.h).
    static let tracefsMagic = 0x7472_6163, debugfsMagic = 0x6462_6720

    static func exists(_ path: String) -> Bool { access(path, F_OK) == 0 }

    static func isDirectory(_ path: String) -> Bool {
        var st = stat()
        return stat(path, &st) == 0 && (st.st_mode & S_IFMT) == S_IFDIR
    }

    /// Creates a directory; one that already exists is fine (another process made the instance).
    static func makeDirectory(_ path: String, mode: mode_t = 0o700) throws {
        if mkdir(path, mode) != 0 && errno != EEXIST { throw SystemError("Cannot create", path: path) }
    }

    /// Replaces a control file's content, as `echo VALUE > FILE` does (no creation: a missing
    /// control file is the caller's error to report).
    static func write(_ text: String, to path: String) throws {
        let fd = try FileDescriptor.open(path, O_WRONLY | O_TRUNC)
        defer { fd.close() }
        do { try fd.writeAll(text) } catch let e as SystemError {
            throw SystemError("Cannot write", path: path, errno: e.errno)
        }
    }

    /// Names in a directory, without `.` and `..`.
    static func entries(of path: String) throws -> [String] {
        guard let dir = opendir(path) else { throw SystemError("Cannot list", path: path) }
        defer { closedir(dir) }
        var names: [String] = []
        while let entry = readdir(dir) {
            let name = withUnsafePointer(to: &entry.pointee.d_name) {
                String(cString: UnsafeRawPointer($0).assumingMemoryBound(to: CChar.self))
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names
    }

    /// How an open trace pipe behaves at end of data.
    enum Kind {
        /// A real tracefs/debugfs file: 0 or EAGAIN just means "nothing now".
        case kernel
        /// A FIFO: 0 means the writer left; reopening waits for the next one.
        case fifo
        /// A plain file (a capture): 0 is its end; it is not polled after that.
        case file
    }

    static func kind(of fd: Int32, path: String) throws -> Kind {
        var st = stat()
        guard fstat(fd, &st) == 0 else { throw SystemError("Cannot stat", path: path) }
        if (st.st_mode & S_IFMT) == S_IFIFO { return .fifo }
        guard (st.st_mode & S_IFMT) == S_IFREG else { return .kernel }
        // tracefs files are regular files too; only the file system tells them apart. If it
        // cannot be asked, a file with content is a capture and an empty one the kernel's.
        if let magic = fileSystemMagic(fd) {
            return magic == tracefsMagic || magic == debugfsMagic ? .kernel : .file
        }
        return st.st_size > 0 ? .file : .kernel
    }

    /// `f_type` from fstatfs(2), or nil when the file system cannot be asked.
    static func fileSystemMagic(_ fd: Int32) -> Int? {
        var fs = statfs()
        guard fstatfs(fd, &fs) == 0 else { return nil }
        return Int(fs.f_type)
    }
}
