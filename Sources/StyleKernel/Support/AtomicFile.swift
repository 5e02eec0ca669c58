internal import CSignalCleanup

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// Replaces a regular file all at once — the one way stylefilter writes files (model files, the
/// command's images and reports): the bytes go to a temporary file `.NAME.tmp-XXXXXX` in the
/// target's directory, which is renamed over the target only when complete. On any failure the
/// temporary file is removed and an existing target is left as it was. The temporary file is
/// registered with CSignalCleanup, whose handlers (installed by the `stylize` command only) remove
/// it on SIGINT, SIGTERM or SIGHUP; in a host that installs none, registering does nothing more.
public enum AtomicFile {
    /// A complete temporary file beside its target, not yet renamed over it.
    public final class Staged {
        public let temporary: String
        public let target: String
        /// The path as the user wrote it, for messages.
        public let shownAs: String
        /// False when the target exists with an owner or group the temporary file could not be
        /// given (only root may give a file away): renaming would make the file ours.
        public fileprivate(set) var keepsOwner = true
        private let slot: Int32
        private var finished = false

        fileprivate init(temporary: String, target: String, shownAs: String, slot: Int32) {
            self.temporary = temporary
            self.target = target
            self.shownAs = shownAs
            self.slot = slot
        }

        /// Renames the temporary file over the target.
        public func commit() throws {
            guard !finished else { return }
            guard rename(temporary, target) == 0 else {
                let text = FileIO.errnoText()
                discard()
                throw StyleError.io("cannot write '\(shownAs)': \(text)")
            }
            sc_release(slot)
            finished = true
        }

        /// Removes the temporary file; the target is untouched. Does nothing after `commit`.
        public func discard() {
            guard !finished else { return }
            unlink(temporary)
            sc_release(slot)
            finished = true
        }

        deinit { discard() }
    }

    /// Where `stage`'s body writes: the temporary file's descriptor.
    public struct Writer {
        let fd: Int32
        let name: String

        public func append(_ bytes: UnsafeRawBufferPointer) throws {
            try FileIO.writeAll(fd, bytes, name: name)
        }

        public func append(_ bytes: [UInt8]) throws {
            try bytes.withUnsafeBytes { try append($0) }
        }
    }

    /// Writes the file `path` (a regular file or a name not yet taken; a symlink is replaced, not
    /// followed) through `body`, all at once.
    public static func write(_ path: String, _ body: (Writer) throws -> Void) throws {
        try stage(replacing: path, shownAs: path, body).commit()
    }

    /// Writes `bytes` to a new temporary file beside `target`; see `stage(replacing:shownAs:_:)`.
    public static func stage(
        _ bytes: UnsafeRawBufferPointer, replacing target: String,
        shownAs: String
    ) throws -> Staged {
        try stage(replacing: target, shownAs: shownAs) { try $0.append(bytes) }
    }

    /// Lets `body` write a new temporary file beside `target` (a regular file or a name not yet
    /// taken; symlinks already followed) and syncs it. The temporary file gets the permissions the
    /// target has, or those of any new file (0666 less the umask); its owner too when we may set it.
    public static func stage(
        replacing target: String, shownAs: String,
        _ body: (Writer) throws -> Void
    ) throws -> Staged {
        let dir = directory(of: target)
        let name = target.lastIndex(of: "/").map { String(target[target.index(after: $0)...]) } ?? target
        // Room for ".", ".tmp-XXXXXX" within a 255-byte file name.
        let short = String(decoding: name.utf8.prefix(200), as: UTF8.self)
        var template = Array("\(dir)/.\(short).tmp-XXXXXX".utf8CString)
        var slot: Int32 = -1
        let fd = template.withUnsafeMutableBufferPointer { sc_create_temporary($0.baseAddress!, &slot) }
        guard fd >= 0 else {
            throw StyleError.io("cannot create a file in '\(dir)' to write '\(shownAs)': \(FileIO.errnoText())")
        }
        let staged = Staged(
            temporary: template.withUnsafeBufferPointer { String(cString: $0.baseAddress!) },
            target: target, shownAs: shownAs, slot: slot)
        do {
            try body(Writer(fd: fd, name: "'\(shownAs)'"))
            staged.keepsOwner = setPermissions(fd, like: target)
            guard fsync(fd) == 0 else { throw StyleError.io("cannot write '\(shownAs)': \(FileIO.errnoText())") }
        } catch {
            close(fd)
            staged.discard()
            throw error
        }
        guard close(fd) == 0 else {
            let text = FileIO.errnoText()
            staged.discard()
            throw StyleError.io("cannot write '\(shownAs)': \(text)")
        }
        return staged
    }

    /// An existing target's owner and permission bits (not set-id bits), else a new file's mode.
    /// Returns false when the target's owner or group could not be given to the temporary file.
    private static func setPermissions(_ fd: Int32, like target: String) -> Bool {
        var st = stat(), made = stat()
        if lstat(target, &st) == 0, (st.st_mode & S_IFMT) == S_IFREG {
            // Only root (or the owner choosing one of their groups) may; the temporary file's
            // group may already be right (a set-group-ID directory's).
            var kept = true
            if fstat(fd, &made) != 0 || made.st_uid != st.st_uid || made.st_gid != st.st_gid {
                kept = fchown(fd, st.st_uid, st.st_gid) == 0
            }
            _ = fchmod(fd, st.st_mode & 0o777)
            return kept
        } else {
            // mkstemp makes 0600; give the file the usual permissions (0666 less the umask).
            let mask = umask(0)
            umask(mask)
            _ = fchmod(fd, 0o666 & ~mask)
            return true
        }
    }

    /// Runs `body` (renames that belong together, such as an image and its report) with
    /// SIGINT, SIGTERM and SIGHUP held back: blocked on this thread, and a cleanup handler that
    /// runs on another thread waits for `body` to end (see CSignalCleanup's sc_hold_signals).
    /// A signal sent meanwhile takes effect after `body`, so it finds either none or all of the
    /// renames done. `body` must not wait for anything unbounded (a FIFO's reader). Not nested.
    public static func withSignalsHeld<T>(_ body: () throws -> T) rethrows -> T {
        sc_hold_signals()
        defer { sc_release_signals() }
        return try body()
    }

    /// The directory a path's file lives in (`.` for a bare name).
    public static func directory(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        return slash == path.startIndex ? "/" : String(path[..<slash])
    }
}
