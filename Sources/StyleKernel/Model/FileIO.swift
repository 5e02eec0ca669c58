#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Plain POSIX file access for model files: reads with `pread` into caller-owned memory (so a file
/// that shrinks while we read gives a clean error, never a SIGBUS as a mapping would), and atomic
/// writes (temporary file in the same directory, fsync, rename).
enum FileIO {
    static func errnoText() -> String { String(cString: strerror(errno)) }

    /// An open, regular, readable file.
    final class Reader {
        let path: String
        let fd: Int32
        let size: Int

        init(path: String) throws {
            self.path = path
            let fd = open(path, O_RDONLY | O_CLOEXEC)
            guard fd >= 0 else {
                throw StyleError.io("cannot open \(path): \(FileIO.errnoText())")
            }
            var st = stat()
            guard fstat(fd, &st) == 0 else {
                let text = FileIO.errnoText()
                close(fd)
                throw StyleError.io("cannot stat \(path): \(text)")
            }
            guard (st.st_mode & S_IFMT) == S_IFREG else {
                close(fd)
                throw StyleError.io("not a regular file: \(path)")
            }
            self.fd = fd
            self.size = Int(st.st_size)
        }

        deinit { close(fd) }

        /// Reads exactly `count` bytes at `offset` into `dest`, or throws.
        func read(into dest: UnsafeMutableRawBufferPointer, at offset: Int) throws {
            var done = 0
            while done < dest.count {
                let n = pread(fd, dest.baseAddress! + done, dest.count - done, off_t(offset + done))
                if n < 0 {
                    if errno == EINTR { continue }
                    throw StyleError.io("cannot read \(path): \(FileIO.errnoText())")
                }
                if n == 0 {
                    throw StyleError.invalidModel("file ended early (was it truncated while being read?): \(path)")
                }
                done += n
            }
        }

        func readBytes(count: Int, at offset: Int) throws -> [UInt8] {
            if count == 0 { return [] }
            return try [UInt8](unsafeUninitializedCapacity: count) { buf, initialized in
                try read(into: UnsafeMutableRawBufferPointer(buf), at: offset)
                initialized = count
            }
        }
    }

    static func readWholeFile(_ path: String) throws -> [UInt8] {
        let r = try Reader(path: path)
        return try r.readBytes(count: r.size, at: 0)
    }

    static func fileExists(_ path: String) -> Bool {
        var st = stat()
        return stat(path, &st) == 0 && (st.st_mode & S_IFMT) == S_IFREG
    }

    static func fileSize(_ path: String) -> Int? {
        var st = stat()
        guard stat(path, &st) == 0 else { return nil }
        return Int(st.st_size)
    }

    /// Writes a file atomically: `body` writes into a temporary file next to `path`, which is
    /// synced and renamed over `path` only if `body` succeeded. On any failure the temporary is
    /// removed and `path` is left as it was.
    static func writeAtomically(_ path: String, _ body: (AtomicWriter) throws -> Void) throws {
        let dir: String
        if let slash = path.lastIndex(of: "/") {
            dir = slash == path.startIndex ? "/" : String(path[..<slash])
        } else {
            dir = "."
        }
        let base = path.split(separator: "/").last.map(String.init) ?? path
        var template = Array("\(dir)/.\(base).tmp-XXXXXX".utf8CString)
        let fd = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        guard fd >= 0 else {
            throw StyleError.io("cannot create a temporary file in \(dir) to write \(path): \(errnoText())")
        }
        let tmpPath = template.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
        let writer = AtomicWriter(fd: fd, path: path)
        var ok = false
        defer {
            if !ok {
                close(fd)
                unlink(tmpPath)
            }
        }
        try body(writer)
        guard fchmod(fd, 0o644) == 0, fsync(fd) == 0 else {
            throw StyleError.io("cannot write \(path): \(errnoText())")
        }
        guard close(fd) == 0 else {
            ok = true  // fd is gone either way; remove the temporary ourselves
            unlink(tmpPath)
            throw StyleError.io("cannot write \(path): \(errnoText())")
        }
        ok = true
        guard rename(tmpPath, path) == 0 else {
            let text = errnoText()
            unlink(tmpPath)
            throw StyleError.io("cannot move the new file into place at \(path): \(text)")
        }
    }

    final class AtomicWriter {
        let fd: Int32
        let path: String
        private(set) var written = 0
        init(fd: Int32, path: String) { self.fd = fd; self.path = path }

        func append(_ bytes: UnsafeRawBufferPointer) throws {
            var done = 0
            while done < bytes.count {
                let n = write(fd, bytes.baseAddress! + done, bytes.count - done)
                if n < 0 {
                    if errno == EINTR { continue }
                    throw StyleError.io("cannot write \(path): \(FileIO.errnoText())")
                }
                done += n
            }
            written += done
        }

        func append(_ bytes: [UInt8]) throws {
            try bytes.withUnsafeBytes { try append($0) }
        }
    }
}
