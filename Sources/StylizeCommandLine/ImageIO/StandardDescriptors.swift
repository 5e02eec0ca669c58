#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// Standard input, output and error that were closed when the command started
/// (`stylize … >&-`). Each is opened on /dev/null at once, so that no file the command opens
/// later (an image, a temporary file) gets descriptor 0, 1 or 2 and receives what is meant for
/// standard output or error; and an output to `-` or `/dev/stdout` is then an error, not bytes
/// silently thrown away.
enum StandardDescriptors {
    private(set) nonisolated(unsafe) static var closedAtStart: Set<Int32> = []

    /// Call first thing in main, before anything can open a file.
    static func reserve() {
        for fd: Int32 in 0...2 where fcntl(fd, F_GETFD) == -1 && errno == EBADF {
            // open returns the lowest free descriptor, which is `fd`: those below are open.
            let opened = open("/dev/null", fd == 0 ? O_RDONLY : O_WRONLY)
            if opened >= 0 && opened != fd {
                _ = dup2(opened, fd)
                close(opened)
            }
            closedAtStart.insert(fd)
        }
    }

    /// How messages name descriptor `fd`.
    static func name(_ fd: Int32) -> String {
        switch fd {
        case 0: return "standard input"
        case 1: return "standard output"
        case 2: return "standard error"
        default: return "descriptor \(fd)"
        }
    }
}
