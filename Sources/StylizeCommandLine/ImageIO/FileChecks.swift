import StyleKernel

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

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

    /// The path can be written as an output (see `OutputTarget`); `checkWritable(_:shownAs:what:)`.
    static func checkWritable(_ path: String, what: String) throws {
        try checkWritable(OutputTarget.resolve(path, what: what), shownAs: path, what: what)
    }

    /// The target can be written: for a file (a symlink's final target) an existing, writable
    /// directory, where the temporary file is made, and an existing file must be writable by us
    /// (`checkReplaceable`); for a device, FIFO or socket write permission (it is not opened yet:
    /// a FIFO would wait for a reader); for one of our descriptors that it is open for writing
    /// and was open when the command started.
    static func checkWritable(_ target: OutputTarget, shownAs path: String, what: String) throws {
        switch target {
        case .file(let file):
            let dir = AtomicFile.directory(of: file)
            let shown = file == path ? "" : " (where '\(path)' leads)"
            var st = stat()
            guard stat(dir, &st) == 0, (st.st_mode & S_IFMT) == S_IFDIR else {
                throw StyleError.io(
                    "\(what) directory '\(dir)'\(shown) does not exist (stylize creates no directories: "
                        + "make it first, or name a file in an existing one)")
            }
            guard access(dir, W_OK) == 0 else {
                throw StyleError.io("\(what) directory '\(dir)'\(shown) is not writable: \(FileIO.errnoText())")
            }
            try checkReplaceable(file, shownAs: path, what: what)
        case .special(let special):
            guard access(special, W_OK) == 0 else {
                throw StyleError.io("\(what) '\(path)' is not writable: \(FileIO.errnoText())")
            }
        case .descriptor(let fd):
            guard !StandardDescriptors.closedAtStart.contains(fd) else {
                throw StyleError.io(
                    "\(what) '\(path)': \(StandardDescriptors.name(fd)) was closed when stylize started")
            }
            let flags = fcntl(fd, F_GETFL)
            guard flags >= 0 else { throw StyleError.io("\(what) '\(path)': descriptor \(fd) is not open") }
            guard flags & O_ACCMODE != O_RDONLY else {
                throw StyleError.io("\(what) '\(path)': descriptor \(fd) is open for reading only")
            }
        }
    }

    /// An existing file is replaced only if we could open it for writing, as `convert` (which
    /// opens it) would: a write-protected file (mode 444, or another user's 644) is refused.
    /// Renaming over it needs only the directory's permission, so this is checked on purpose.
    /// The effective IDs decide, as for open(2); root passes, as with `convert`.
    static func checkReplaceable(_ file: String, shownAs path: String, what: String) throws {
        guard exists(file) else { return }
        guard faccessat(AT_FDCWD, file, W_OK, AT_EACCESS) == 0 else {
            let shown = file == path ? "" : " (where '\(path)' leads)"
            throw StyleError.io(
                "\(what) '\(file)'\(shown) is write-protected (\(FileIO.errnoText())): "
                    + "stylize, like convert, does not replace a file it cannot open for writing")
        }
    }

    static func exists(_ path: String) -> Bool {
        var st = stat()
        return stat(path, &st) == 0
    }

    /// The names in a directory (without "." and ".."), unsorted; nil when it cannot be listed
    /// (errno says why).
    static func names(in directory: String) -> [String]? {
        guard let stream = opendir(directory) else { return nil }
        defer { closedir(stream) }
        var names: [String] = []
        while let entry = readdir(stream) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(cString: raw.bindMemory(to: CChar.self).baseAddress!)
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names
    }

    /// Whether `path` is a directory (following symlinks).
    static func isDirectory(_ path: String) -> Bool { fileType(path) == S_IFDIR }

    /// Whether `path` is a regular file (following symlinks).
    static func isRegularFile(_ path: String) -> Bool { fileType(path) == S_IFREG }

    private static func fileType(_ path: String) -> mode_t? {
        var st = stat()
        return stat(path, &st) == 0 ? st.st_mode & S_IFMT : nil
    }
}
