import StyleKernel

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// Writes the command's outputs (images, snapshots, the report) to a path: a regular file, a
/// symlink's final target, or a name not yet taken is replaced atomically (`AtomicFile`); a
/// device, FIFO, socket or one of our descriptors (`/dev/stdout`) is written in place and never
/// removed or renamed over (see `OutputTarget`). An existing file we may not write is refused
/// (`FileChecks.checkReplaceable`); one we may write but whose owner or group we cannot give the
/// new file (another user's, writable by us) is written in place, as `convert` does, so that it
/// keeps its owner: renaming would make it ours.
enum OutputFile {
    /// Writes `bytes` to `path` now.
    static func write(_ bytes: [UInt8], to path: String, what: String = "output") throws {
        try prepare(bytes, to: path, what: what).commit()
    }

    /// Does the work that can fail before a file output becomes visible (the complete
    /// temporary file); `commit()` then renames it, or, for a device, FIFO or descriptor, writes.
    /// So one output (the report) can be held back until another (the image) is written.
    static func prepare(_ bytes: [UInt8], to path: String, what: String = "output") throws -> PendingOutput {
        try prepare(bytes, to: OutputTarget.resolve(path, what: what), shownAs: path, what: what)
    }

    /// `prepare(_:to:what:)` for a target already resolved; `shownAs` names it in messages.
    static func prepare(
        _ bytes: [UInt8], to target: OutputTarget, shownAs: String,
        what: String = "output"
    ) throws -> PendingOutput {
        let name = "'\(shownAs)'"
        switch target {
        case .file(let file):
            try FileChecks.checkReplaceable(file, shownAs: shownAs, what: what)
            let staged = try bytes.withUnsafeBytes { try AtomicFile.stage($0, replacing: file, shownAs: shownAs) }
            guard staged.keepsOwner else {
                staged.discard()
                return PendingOutput(.inPlace(.special(file), bytes, name: name))
            }
            return PendingOutput(.staged(staged))
        case .special(let special):
            return PendingOutput(.inPlace(.special(special), bytes, name: name))
        case .descriptor(let fd):
            let shown = fd == 1 && shownAs == "-" ? StandardDescriptors.name(1) : name
            return PendingOutput(.inPlace(.descriptor(fd), bytes, name: shown))
        }
    }

    /// Makes an image and its report visible together. When both are files (renamed, or
    /// written in place as another user's file), both are committed with the cleanup signals
    /// held back (`AtomicFile.withSignalsHeld`): the image first, the report last, and a signal
    /// meanwhile takes effect after both. When either is a device, FIFO or descriptor, whose
    /// writing may wait (for a FIFO's reader, a full pipe) and must stay interruptible, the
    /// image is written first and the report after it. A report that fails after its image is
    /// reported as such; an image that fails leaves no report.
    static func commitPair(image: PendingOutput, report: PendingOutput?) throws {
        func commitReport() throws {
            do {
                try report?.commit()
            } catch {
                throw CommandFailure("wrote the output image, but not the report: \(error)")
            }
        }
        defer { report?.discard() }
        if image.mayWait || (report?.mayWait ?? false) {
            try image.commit()
            try commitReport()
        } else {
            try AtomicFile.withSignalsHeld {
                try image.commit()
                try commitReport()
            }
        }
    }
}

/// A device, FIFO or socket, or one of our descriptors: written where it is.
enum InPlaceOutput {
    case special(String)
    case descriptor(Int32)

    /// Opens the path (blocking, for a FIFO, until a reader comes) or takes the descriptor, and
    /// writes all of `bytes`. `name` is how messages name it (quoted where a path).
    func write(_ bytes: [UInt8], name: String) throws {
        switch self {
        case .descriptor(let fd):
            try bytes.withUnsafeBytes { try FileIO.writeAll(fd, $0, name: name) }
        case .special(let path):
            var fd: Int32
            repeat { fd = open(path, O_WRONLY | O_NOCTTY | O_CLOEXEC) } while fd < 0 && errno == EINTR
            guard fd >= 0 else { throw StyleError.io("cannot open \(name) for writing: \(FileIO.errnoText())") }
            // Reached through a /proc link to a regular file: its old content goes.
            var st = stat()
            if fstat(fd, &st) == 0, (st.st_mode & S_IFMT) == S_IFREG { _ = ftruncate(fd, 0) }
            do {
                try bytes.withUnsafeBytes { try FileIO.writeAll(fd, $0, name: name) }
            } catch {
                close(fd)
                throw error
            }
            guard close(fd) == 0 else { throw StyleError.io("cannot write \(name): \(FileIO.errnoText())") }
        }
    }

    /// Writing may wait without bound (a FIFO's reader, a pipe or terminal that does not
    /// drain): anything but a regular file.
    var mayWait: Bool {
        var st = stat()
        switch self {
        case .descriptor(let fd): return fstat(fd, &st) != 0 || st.st_mode & S_IFMT != S_IFREG
        case .special(let path): return stat(path, &st) != 0 || st.st_mode & S_IFMT != S_IFREG
        }
    }
}

/// An output ready to be made visible: `commit()` once, or `discard()` (also on deinit).
final class PendingOutput {
    enum Content {
        case staged(AtomicFile.Staged)
        case inPlace(InPlaceOutput, [UInt8], name: String)
    }
    private var content: Content?

    init(_ content: Content) { self.content = content }

    func commit() throws {
        guard let content else { return }
        self.content = nil
        switch content {
        case .staged(let staged): try staged.commit()
        case .inPlace(let output, let bytes, let name): try output.write(bytes, name: name)
        }
    }

    /// See `InPlaceOutput.mayWait`; a staged file's rename never waits.
    var mayWait: Bool {
        if case .inPlace(let output, _, _) = content { return output.mayWait }
        return false
    }

    func discard() {
        if case .staged(let staged) = content { staged.discard() }
        content = nil
    }

    deinit { discard() }
}
