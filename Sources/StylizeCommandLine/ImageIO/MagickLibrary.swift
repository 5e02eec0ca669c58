internal import CMagickWand
internal import CSignalCleanup

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

/// ImageMagick's process-wide set-up: `MagickWandGenesis` runs once, on first use (Swift runs a
/// static `let` initialiser exactly once, thread-safely), and `MagickWandTerminus` once when the
/// program is done with ImageMagick.
///
/// ImageMagick's temporary files (a pixel cache beyond its memory limit spills to a file, some
/// coders decode through one) go into a directory of this process's own, made inside the one
/// ImageMagick would use: ImageMagick removes the files it still knows of at `MagickWandTerminus`,
/// `stop` then removes the rest and the directory, and a SIGINT, SIGTERM or SIGHUP handler
/// (CSignalCleanup) empties and removes it if the process is stopped mid-decode, where
/// ImageMagick itself would leave its /tmp/magick-* files behind.
enum MagickLibrary {
    /// Starts ImageMagick once; the private directory (nil if it could not be made).
    private static let genesis: String? = {
        let privateDirectory = makePrivateDirectory()
        MagickWandGenesis()
        if let privateDirectory {
            let exception = AcquireExceptionInfo()
            _ = SetImageRegistry(StringRegistryType, "temporary-path", privateDirectory, exception)
            _ = DestroyExceptionInfo(exception)
        }
        return privateDirectory
    }()

    /// Call before any MagickWand function; cheap after the first call.
    static func start() { _ = genesis }

    /// The directory of this process's own temporary files (removed at exit and on a signal),
    /// ImageMagick's and ours; nil when it could not be made (then TMPDIR or /tmp).
    static var temporaryDirectory: String? { genesis }

    /// Call once at exit, after the last MagickWand use; does nothing if ImageMagick never started.
    static func stop() {
        if IsMagickWandInstantiated() == MagickTrue { MagickWandTerminus() }
        sc_remove_directory()
    }

    /// `stylize-XXXXXX` in the directory ImageMagick would put its files in (MAGICK_TEMPORARY_PATH,
    /// MAGICK_TMPDIR, TMPDIR, else /tmp), registered for removal; nil if it cannot be made, and
    /// ImageMagick then uses that directory itself as before.
    private static func makePrivateDirectory() -> String? {
        var parent = "/tmp"
        for variable in ["MAGICK_TEMPORARY_PATH", "MAGICK_TMPDIR", "TMPDIR"] {
            if let value = getenv(variable), value.pointee != 0 {
                parent = String(cString: value)
                break
            }
        }
        var template = Array((parent + "/stylize-XXXXXX").utf8CString)
        guard let made = mkdtemp(&template) else { return nil }
        let path = String(cString: made)
        guard sc_register_directory(path) == 0 else {
            rmdir(path)
            return nil
        }
        return path
    }
}
