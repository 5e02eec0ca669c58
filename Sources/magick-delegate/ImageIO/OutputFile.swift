#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import StyleKernel

/// Writes the command's outputs (images, snapshots, the report) to a path: a regular file, a
/// symlink's final target, or a name not yet taken is replaced atomically (`AtomicFile`); a
/// device, FIFO, socket or one of our descriptors (`/dev/stdout`) is written in place and never
/// removed or renamed over (see `OutputTarget`).
enum OutputFile {
    /// Writes `bytes` to `path` now.
    static func write(_ bytes: [UInt8], to path: String, what: String = "output") throws {
        try prepare(bytes, to: path, what: what).commit()
    }

    /// Does the work that can fail before a file output becomes visible (the complete
    /// temporary file); `commit()` then renames it, or, for a device, FIFO or descriptor, writes.
    /// So one output (the report) can be held back until another (the image) is written.
    static func prepare(_ bytes: [UInt8], to path: String, what: String = "output") throws -> PendingOutput {
        switch try OutputTarget.resolve(path, what: what) {
        case .file(let target):
            let staged = try bytes.withUnsafeBytes { try AtomicFile.stage($0, replacing: target, shownAs: path) }
            return PendingOutput(.staged(staged))
        case .special(let special):
            return PendingOutput(.inPlace(.special(special), bytes, shownAs: path))
        case .descriptor(let fd):
            return PendingOutput(.inPlace(.descriptor(fd), bytes, shownAs: path))
        }
    }
}

/// A device, FIFO or socket, or one of our descriptors: written where it is.
enum InPlaceOutput {
    case special(String)
    case descriptor(Int32)

    /// Opens the path (blocking, for a FIFO, until a reader comes) or takes the descriptor, and
    /// writes all of `bytes`.
    func write(_ bytes: [UInt8], shownAs: String) throws {
        let name = "'\(shownAs)'"
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
}

/// An output ready to be made visible: `commit()` once, or `discard()` (also on deinit).
final class PendingOutput {
    enum Content {
        case staged(AtomicFile.Staged)
        case inPlace(InPlaceOutput, [UInt8], shownAs: String)
    }
    private var content: Content?

    init(_ content: Content) { self.content = content }

    func commit() throws {
        guard let content else { return }
        self.content = nil
        switch content {
        case .staged(let staged): try staged.commit()
        case .inPlace(let output, let bytes, let shownAs): try output.write(bytes, shownAs: shownAs)
        }
    }

    func discard() {
        if case .staged(let staged) = content { staged.discard() }
        content = nil
    }

    deinit { discard() }
}
