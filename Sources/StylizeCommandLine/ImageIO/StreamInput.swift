import StyleKernel

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// Inputs read here rather than opened by ImageMagick: standard input (`-`) and paths that lead
/// to a pipe or socket (`/dev/stdin` on a pipe, bash's `<(…)` as `/dev/fd/63`, a named FIFO).
/// ImageMagick's policy refuses some of those paths, and a stream has no size to check, so they
/// are read with `FileDescriptorIO`'s limit and decoded from memory.
enum StreamInput {
    /// The bytes and a name for messages if `location` is such a stream; nil for a file (or a
    /// built-in image) ImageMagick reads itself.
    /// Whether `location` is such a stream (read here, once) rather than a file.
    static func isStream(_ location: ImageLocation) -> Bool {
        if location.isStandardStream { return true }
        var st = stat()
        return !location.path.isEmpty && stat(location.path, &st) == 0
            && [S_IFIFO, S_IFSOCK].contains(st.st_mode & S_IFMT)
    }

    static func read(_ location: ImageLocation) throws -> (bytes: [UInt8], name: String)? {
        if location.isStandardStream {
            return (try FileDescriptorIO.readAll(0, name: "standard input"), "standard input")
        }
        var st = stat()
        guard !location.path.isEmpty, stat(location.path, &st) == 0,
            [S_IFIFO, S_IFSOCK].contains(st.st_mode & S_IFMT)
        else { return nil }
        let name = "'\(location.spec)'"
        var fd: Int32
        repeat { fd = open(location.path, O_RDONLY | O_CLOEXEC) } while fd < 0 && errno == EINTR
        guard fd >= 0 else { throw StyleError.io("cannot open \(name): \(FileIO.errnoText())") }
        defer { close(fd) }
        return (try FileDescriptorIO.readAll(fd, name: name), name)
    }
}
