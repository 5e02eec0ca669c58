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

    /// A file could be created (or replaced) at the path: its directory exists and is writable,
    /// and the path itself is not a directory.
    static func checkCanCreate(_ path: String, what: String) throws {
        guard !path.isEmpty, !path.hasSuffix("/") else { throw StyleError.io("\(what) '\(path)' is not a file name") }
        let dir = AtomicFile.directory(of: path)
        var st = stat()
        guard stat(dir, &st) == 0, (st.st_mode & S_IFMT) == S_IFDIR else {
            throw StyleError.io("\(what) directory '\(dir)' does not exist")
        }
        guard access(dir, W_OK) == 0 else { throw StyleError.io("\(what) directory '\(dir)' is not writable") }
        if stat(path, &st) == 0, (st.st_mode & S_IFMT) == S_IFDIR {
            throw StyleError.io("\(what) '\(path)' is a directory")
        }
    }

    static func exists(_ path: String) -> Bool {
        var st = stat()
        return stat(path, &st) == 0
    }
}
