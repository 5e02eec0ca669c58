internal import CMagickWand
import StyleKernel

/// How long a frame of an animation shows and what becomes of it after: ImageMagick's settings,
/// kept on an output that holds frames.
struct FrameTiming: Equatable {
    /// In ticks of `ticksPerSecond` (ImageMagick's -delay; GIF's are hundredths of a second).
    var delay: Int
    var ticksPerSecond: Int
    /// ImageMagick's disposal method (`-dispose`), as `DisposeType`'s raw value.
    var dispose: UInt32

    /// A list of files' frames: 25 a second (-delay 4), each replacing the one before
    /// (-dispose None, or Background for a frame with transparency, which would otherwise show
    /// the frame before through it).
    static func listDefault(alpha: Bool) -> FrameTiming {
        FrameTiming(
            delay: 4, ticksPerSecond: 100,
            dispose: (alpha ? BackgroundDispose : NoneDispose).rawValue)
    }
}

/// The frames of one content (an animation, a multi-page file), handed out one at a time.
///
/// ImageMagick's coders read a file whole, so the file is decoded at once (pinged and admitted
/// under `ReadLimits` first, as every image is) and, when its frames are the parts of an
/// animation, coalesced as `convert -coalesce` does, so that every frame is a whole picture. The
/// frames then stay in ImageMagick's pixel cache (8 bytes a pixel, which spills to disk under the
/// limits), and `next()` converts one frame at a time to the engine's float planes, releasing it
/// from the cache: only the frame being stylized is ever held as floats.
final class FrameReader {
    /// How messages name the content ("'anim.gif'").
    let name: String
    let count: Int
    /// Each frame's size once turned upright (as `next()` gives it).
    let sizes: [(width: Int, height: Int)]
    let timings: [FrameTiming]
    /// The animation's loop count (ImageMagick's -loop; 0: forever).
    let loop: Int
    /// Whether the frames were coalesced.
    let coalesced: Bool
    /// The frames not yet taken, first first.
    private let wand: OpaquePointer
    private(set) var taken = 0

    private init(
        wand: OpaquePointer, name: String, sizes: [(width: Int, height: Int)], timings: [FrameTiming], loop: Int,
        coalesced: Bool
    ) {
        self.wand = wand
        self.name = name
        self.count = sizes.count
        self.sizes = sizes
        self.timings = timings
        self.loop = loop
        self.coalesced = coalesced
    }

    deinit { DestroyMagickWand(wand) }

    /// Reads every frame of `location` (a file, a built-in image or a stream), refusing a damaged
    /// file unless the limits accept it.
    static func open(_ location: ImageLocation, limits: ReadLimits) throws -> FrameReader {
        try MagickImageReader.withImages(location, limits: limits) { wand, name in
            guard MagickGetNumberImages(wand) > 0 else { throw StyleError.io("\(name) holds no image") }
            try MagickImageReader.refuseDamage(wand, name: name, limits: limits)
            let coalesce = needsCoalescing(wand)
            // Coalescing makes new images; a clone shares the read images' pixels (the wand
            // `withImages` made is destroyed after this).
            guard let frames = coalesce ? MagickCoalesceImages(wand) : CloneMagickWand(wand) else {
                throw MagickFailure.error("cannot \(coalesce ? "coalesce" : "read") the frames of \(name)", wand: wand)
            }
            var sizes: [(width: Int, height: Int)] = []
            var timings: [FrameTiming] = []
            MagickResetIterator(frames)
            while MagickNextImage(frames) == MagickTrue {
                let w = Int(MagickGetImageWidth(frames)), h = Int(MagickGetImageHeight(frames))
                let sideways = MagickImageReader.hasOrientationTag(frames) && MagickImageReader.turnsSideways(frames)
                sizes.append(sideways ? (h, w) : (w, h))
                timings.append(
                    FrameTiming(
                        delay: Int(MagickGetImageDelay(frames)),
                        ticksPerSecond: Int(MagickGetImageTicksPerSecond(frames)),
                        dispose: MagickGetImageDispose(frames).rawValue))
            }
            MagickSetFirstIterator(frames)
            let loop = Int(MagickGetImageIterations(frames))
            return FrameReader(
                wand: frames, name: name, sizes: sizes, timings: timings, loop: loop, coalesced: coalesce)
        }
    }

    /// The next frame as float planes, taken out of ImageMagick's cache.
    func next() throws -> DecodedImage {
        guard taken < count else { throw StyleError.io("internal error: \(name) has no frame \(taken + 1)") }
        let frameName = "frame \(taken + 1) of \(name)"
        MagickSetFirstIterator(wand)
        guard let frame = MagickGetImage(wand) else {
            throw MagickFailure.error("cannot read \(frameName)", wand: wand)
        }
        defer { DestroyMagickWand(frame) }
        // The wand's own reference goes, so that turning or converting the frame does not copy it.
        _ = MagickRemoveImage(wand)
        taken += 1
        return try MagickImageReader.decode(frame: frame, name: frameName)
    }

    /// Whether the frames are the parts of an animation, to be composed before each is a picture
    /// of its own (the rule of the ImageMagick filter module's needs_coalescing): every frame on
    /// one canvas, timed or disposed like an animation (or read from a GIF), and some frame
    /// partial (offset, or smaller than the canvas) or, after the first, transparent (showing the
    /// frames before it through). A multi-page file of separate pictures is left as it is.
    static func needsCoalescing(_ wand: OpaquePointer) -> Bool {
        let count = MagickGetNumberImages(wand)
        guard count > 1 else { return false }
        var canvas: (width: Int, height: Int)? = nil
        var animated = false, composed = false
        for index in 0..<count {
            guard MagickSetIteratorIndex(wand, index) == MagickTrue else { return false }
            var pageWidth = 0, pageHeight = 0, x = 0, y = 0
            _ = MagickGetImagePage(wand, &pageWidth, &pageHeight, &x, &y)
            if index == 0 {
                guard pageWidth > 0, pageHeight > 0 else { return false }
                canvas = (pageWidth, pageHeight)
                if let format = MagickGetImageFormat(wand) {
                    animated = String(cString: format).uppercased() == "GIF"
                    _ = MagickRelinquishMemory(format)
                }
            }
            guard let canvas, pageWidth == canvas.width, pageHeight == canvas.height else { return false }
            if MagickGetImageDelay(wand) != 0 || MagickGetImageDispose(wand) != UndefinedDispose { animated = true }
            if x != 0 || y != 0 || Int(MagickGetImageWidth(wand)) != pageWidth
                || Int(MagickGetImageHeight(wand)) != pageHeight
            {
                composed = true
            }
            if index > 0, MagickGetImageAlphaChannel(wand) == MagickTrue { composed = true }
        }
        return animated && composed
    }
}
