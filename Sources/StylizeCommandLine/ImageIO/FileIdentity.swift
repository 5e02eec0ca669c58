import StyleKernel

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// Which file a path or descriptor stands for, so that two spellings of one file (`out.png`,
/// `./out.png`, a symlink to it, a hard link, `/dev/stdout` redirected to it) compare equal: an
/// existing file by device and inode, a file not yet created by its directory's real path and
/// its name (what it will be once created).
struct FileIdentity: Equatable {
    enum Key: Equatable {
        case inode(device: UInt64, inode: UInt64)
        case name(String)
    }
    let key: Key
    /// A regular file, or a name not yet taken: what replacing would lose (a device, FIFO or
    /// socket is written, never replaced).
    let isFile: Bool
    /// `/dev/null`, a terminal, …
    let isCharacterDevice: Bool

    static func == (a: FileIdentity, b: FileIdentity) -> Bool { a.key == b.key }

    init(_ st: stat) {
        key = .inode(device: UInt64(st.st_dev), inode: UInt64(st.st_ino))
        isFile = st.st_mode & S_IFMT == S_IFREG
        isCharacterDevice = st.st_mode & S_IFMT == S_IFCHR
    }

    init(name: String) {
        key = .name(name)
        isFile = true
        isCharacterDevice = false
    }

    /// The real path of `path`'s directory and its name, for a file not yet created (nil if
    /// the directory does not exist).
    static func resolvedName(_ path: String) -> String? {
        let name = path.lastIndex(of: "/").map { String(path[path.index(after: $0)...]) } ?? path
        guard let dir = realpath(AtomicFile.directory(of: path), nil) else { return nil }
        defer { free(dir) }
        let resolved = String(cString: dir)
        return (resolved == "/" ? "" : resolved) + "/" + name
    }

    /// An existing file, following symlinks; nil if there is none.
    static func existing(_ path: String) -> FileIdentity? {
        var st = stat()
        return stat(path, &st) == 0 ? FileIdentity(st) : nil
    }

    /// The file open on `fd`; nil if it is not open.
    static func descriptor(_ fd: Int32) -> FileIdentity? {
        var st = stat()
        return fstat(fd, &st) == 0 ? FileIdentity(st) : nil
    }

    /// What an output will write: the existing file (or device, or descriptor), or for a file
    /// not yet created its directory's real path and its name.
    static func of(_ target: OutputTarget) -> FileIdentity? {
        switch target {
        case .descriptor(let fd): return descriptor(fd)
        case .special(let path): return existing(path)
        case .file(let path):
            if let found = existing(path) { return found }
            return FileIdentity(name: resolvedName(path) ?? path)
        }
    }

    /// What an input image reads: standard input's file for `-`, the file (a frame suffix such
    /// as `anim.gif[0]` taken off, as the reader does); nil for a built-in image (`rose:`) or a
    /// file that does not exist (the input check reports that).
    static func of(input location: ImageLocation) -> FileIdentity? {
        if location.isStandardStream { return descriptor(0) }
        let path = location.path
        if let found = existing(path) { return found }
        if path.hasSuffix("]"), let open = path.lastIndex(of: "[") { return existing(String(path[..<open])) }
        return nil
    }
}
