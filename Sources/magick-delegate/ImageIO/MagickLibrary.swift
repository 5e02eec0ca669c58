import CMagickWand

/// ImageMagick's process-wide set-up: `MagickWandGenesis` runs once, on first use (Swift runs a
/// static `let` initialiser exactly once, thread-safely), and `MagickWandTerminus` once when the
/// program is done with ImageMagick.
enum MagickLibrary {
    private static let genesis: Void = { MagickWandGenesis() }()

    /// Call before any MagickWand function; cheap after the first call.
    static func start() { _ = genesis }

    /// Call once at exit, after the last MagickWand use; does nothing if ImageMagick never started.
    static func stop() {
        if IsMagickWandInstantiated() == MagickTrue { MagickWandTerminus() }
    }
}
