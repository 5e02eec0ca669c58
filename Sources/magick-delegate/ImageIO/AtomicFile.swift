#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import StyleKernel

/// Replaces a file all at once: the bytes go to a temporary file in the same directory, which is
/// renamed over the target only when complete. On any failure the temporary file is removed and
/// an existing target is left as it was.
enum AtomicFile {
    static func write(_ bytes: UnsafeRawBufferPointer, to path: String) throws {
        let dir = directory(of: path)
        let name = path.lastIndex(of: "/").map { String(path[path.index(after: $0)...]) } ?? path
        var template = Array("\(dir)/.\(name).tmp-XXXXXX".utf8CString)
        let fd = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        guard fd >= 0 else {
            throw StyleError.io("cannot create a file in '\(dir)': \(String(cString: strerror(errno)))")
        }
        let tmp = template.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
        var done = false
        defer {
            if !done { unlink(tmp) }
        }
        do {
            try FileDescriptorIO.writeAll(fd, bytes, name: "'\(path)'")
        } catch {
            close(fd)
            throw error
        }
        // mkstemp makes 0600; give the file the usual permissions (0666 less the umask).
        let mask = umask(0); umask(mask)
        fchmod(fd, 0o666 & ~mask)
        if fsync(fd) != 0 || close(fd) != 0 {
            throw StyleError.io("cannot write '\(path)': \(String(cString: strerror(errno)))")
        }
        guard rename(tmp, path) == 0 else {
            throw StyleError.io("cannot write '\(path)': \(String(cString: strerror(errno)))")
        }
        done = true
    }

    static func write(_ bytes: [UInt8], to path: String) throws {
        try bytes.withUnsafeBytes { try write($0, to: path) }
    }

    /// The directory a path's file lives in (`.` for a bare name).
    static func directory(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        return slash == path.startIndex ? "/" : String(path[..<slash])
    }
}
