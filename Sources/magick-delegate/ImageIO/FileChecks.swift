#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import StyleKernel

/// Up-front checks on paths, so that a run fails before any work rather than after it.
enum FileChecks {
    /// The path names a readable regular file.
    static func checkReadable(_ path: String, what: String) throws {
        var st = stat()
        guard stat(path, &st) == 0 else {
            throw StyleError.io("\(what) '\(path)': \(String(cString: strerror(errno)))")
        }
        guard (st.st_mode & S_IFMT) != S_IFDIR else { throw StyleError.io("\(what) '\(path)' is a directory") }
        guard access(path, R_OK) == 0 else {
            throw StyleError.io("\(what) '\(path)' is not readable: \(String(cString: strerror(errno)))")
        }
    }

    /// The path can be written as an output (see `OutputTarget`): for a file (a symlink's final
    /// target) an existing, writable directory, where the temporary file is made; for a device,
    /// FIFO or socket write permission (it is not opened yet: a FIFO would wait for a reader);
    /// for one of our descriptors that it is open for writing.
    static func checkWritable(_ path: String, what: String) throws {
        switch try OutputTarget.resolve(path, what: what) {
        case .file(let file):
            let dir = AtomicFile.directory(of: file)
            let shown = file == path ? "" : " (where '\(path)' leads)"
            var st = stat()
            guard stat(dir, &st) == 0, (st.st_mode & S_IFMT) == S_IFDIR else {
                throw StyleError.io("\(what) directory '\(dir)'\(shown) does not exist")
            }
            guard access(dir, W_OK) == 0 else {
                throw StyleError.io("\(what) directory '\(dir)'\(shown) is not writable: \(FileIO.errnoText())")
            }
        case .special(let special):
            guard access(special, W_OK) == 0 else {
                throw StyleError.io("\(what) '\(path)' is not writable: \(FileIO.errnoText())")
            }
        case .descriptor(let fd):
            let flags = fcntl(fd, F_GETFL)
            guard flags >= 0 else { throw StyleError.io("\(what) '\(path)': descriptor \(fd) is not open") }
            guard flags & O_ACCMODE != O_RDONLY else {
                throw StyleError.io("\(what) '\(path)': descriptor \(fd) is open for reading only")
            }
        }
    }

    static func exists(_ path: String) -> Bool {
        var st = stat()
        return stat(path, &st) == 0
    }
}
