import StyleKernel

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// What an output path really names, after following symbolic links, and so how it is written:
/// a regular file (or a name not yet taken) is replaced atomically in its own directory; a
/// device, FIFO or socket is opened and written in place, never renamed over or removed; one of
/// this process's descriptors (`/dev/stdout`, `/dev/fd/N`, `/proc/self/fd/N`) is written in place.
enum OutputTarget: Equatable {
    /// A regular file, existing or to be created: `path` is the final name, symlinks followed.
    case file(path: String)
    /// A device, FIFO or socket, or a link the kernel follows to one (`path` as given to `open`).
    case special(path: String)
    /// An open descriptor of this process.
    case descriptor(Int32)

    var isFile: Bool {
        if case .file = self { return true }
        return false
    }

    /// Links followed before giving up, as the kernel's own limit (ELOOP) on Linux.
    static let maximumLinks = 40

    /// Follows `path` to what it names. `what` names the path in errors ("output", "report").
    static func resolve(_ path: String, what: String) throws -> OutputTarget {
        guard !path.isEmpty, !path.hasSuffix("/") else { throw StyleError.io("\(what) '\(path)' is not a file name") }
        var current = path
        for _ in 0...maximumLinks {
            if let fd = ownDescriptor(current) { return .descriptor(fd) }
            var st = stat()
            guard lstat(current, &st) == 0 else {
                if errno == ENOENT { return .file(path: current) }
                throw StyleError.io("\(what) '\(path)': \(FileIO.errnoText())")
            }
            switch st.st_mode & S_IFMT {
            case S_IFREG: return .file(path: current)
            case S_IFDIR: throw StyleError.io("\(what) '\(path)' is a directory")
            case S_IFLNK: break
            default: return .special(path: current)
            }
            // A symbolic link. To one of our descriptors (/dev/stdout), or else what the kernel
            // reaches through it decides, unless that is a regular file or nothing (a dangling
            // link names the file to create): then the link's text is followed.
            guard let text = readLink(current) else { throw StyleError.io("\(what) '\(path)': \(FileIO.errnoText())") }
            let next = text.hasPrefix("/") ? text : AtomicFile.directory(of: current) + "/" + text
            if let fd = ownDescriptor(next) { return .descriptor(fd) }
            var followed = stat()
            if stat(current, &followed) == 0 {
                switch followed.st_mode & S_IFMT {
                case S_IFREG: break
                case S_IFDIR: throw StyleError.io("\(what) '\(path)' is a directory")
                default: return .special(path: current)
                }
            } else if errno != ENOENT {
                throw StyleError.io("\(what) '\(path)': \(FileIO.errnoText())")
            }
            // A /proc "magic" link to a regular file whose text is not a usable name (a deleted
            // file's "… (deleted)"): write what the kernel reaches, in place.
            var probe = stat()
            if followed.st_mode & S_IFMT == S_IFREG, lstat(next, &probe) != 0 {
                return .special(path: current)
            }
            current = next
        }
        throw StyleError.io("\(what) '\(path)': more than \(maximumLinks) symbolic links to follow")
    }

    /// `N` for `/dev/fd/N`, `/proc/self/fd/N`, `/proc/thread-self/fd/N` or `/proc/PID/fd/N` with
    /// this process's PID.
    static func ownDescriptor(_ path: String) -> Int32? {
        let parts = path.split(separator: "/", omittingEmptySubsequences: true)
        guard path.hasPrefix("/"), let last = parts.last, let fd = Int32(last), fd >= 0 else { return nil }
        let head = parts.dropLast().map(String.init)
        switch head {
        case ["dev", "fd"], ["proc", "self", "fd"], ["proc", "thread-self", "fd"]: return fd
        case ["proc", String(getpid()), "fd"]: return fd
        default: return nil
        }
    }

    private static func readLink(_ path: String) -> String? {
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        let n = readlink(path, &buffer, buffer.count - 1)
        guard n >= 0 else { return nil }
        return String(decoding: buffer[0..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
