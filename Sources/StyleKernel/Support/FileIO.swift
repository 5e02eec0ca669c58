#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// Plain POSIX file access: reads with `pread` into caller-owned memory (so a file that shrinks
/// while we read gives a clean error, never a SIGBUS as a mapping would) and whole writes to a
/// descriptor. Atomic file replacement: `AtomicFile`.
public enum FileIO {
    /// The text of the current `errno`.
    public static func errnoText() -> String { String(cString: strerror(errno)) }

    /// An open, regular, readable file.
    package final class Reader {
        let path: String
        let fd: Int32
        package let size: Int

        package init(path: String) throws {
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
        package func read(into dest: UnsafeMutableRawBufferPointer, at offset: Int) throws {
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

        package func readBytes(count: Int, at offset: Int) throws -> [UInt8] {
            if count == 0 { return [] }
            return try CheckedMemory.array(count, what: "reading \(path)") {
                (buf: inout UnsafeMutableBufferPointer<UInt8>, initialized: inout Int) in
                try read(into: UnsafeMutableRawBufferPointer(buf), at: offset)
                initialized = count
            }
        }
    }

    package static func readWholeFile(_ path: String) throws -> [UInt8] {
        let r = try Reader(path: path)
        return try r.readBytes(count: r.size, at: 0)
    }

    /// The last component of a path ("a/b/c.pth" → "c.pth").
    package static func baseName(_ path: String) -> String {
        path.split(separator: "/").last.map(String.init) ?? path
    }

    static func fileExists(_ path: String) -> Bool {
        var st = stat()
        return stat(path, &st) == 0 && (st.st_mode & S_IFMT) == S_IFREG
    }

    package static func fileSize(_ path: String) -> Int? {
        var st = stat()
        guard stat(path, &st) == 0 else { return nil }
        return Int(st.st_size)
    }

    /// Writes all of `bytes` to `fd`, retrying short writes and EINTR. `name` is the file as
    /// messages call it. Needs SIGPIPE ignored (the command does, CSignalCleanup) to report a
    /// closed pipe instead of dying silently.
    public static func writeAll(_ fd: Int32, _ bytes: UnsafeRawBufferPointer, name: String) throws {
        var offset = 0
        while offset < bytes.count {
            let n = write(fd, bytes.baseAddress! + offset, bytes.count - offset)
            if n > 0 {
                offset += n
            } else if n < 0 && errno == EINTR {
                continue
            } else if n < 0 && errno == EPIPE {
                throw StyleError.io(
                    "cannot write \(name): its reader closed the pipe before the data was complete "
                        + "(\(offset) of \(bytes.count) bytes written)")
            } else {
                throw StyleError.io("cannot write \(name): \(n < 0 ? errnoText() : "nothing was written")")
            }
        }
    }
}
