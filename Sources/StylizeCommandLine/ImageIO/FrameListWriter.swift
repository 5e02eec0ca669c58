internal import CMagickWand
import StyleKernel

/// One output file that holds frames (an animated GIF, WebP or PNG, a multi-page TIFF, MIFF):
/// each result goes into ImageMagick's image list as soon as it is done, quantized as
/// `MagickImageWriter` quantizes a single image (8 bits a sample, or 16 where the source was
/// deeper and the format holds 16), so that no frame is kept as the engine's floats; the file is
/// encoded once the last frame is in, then written as any output (`OutputFile`: staged and
/// renamed, or written in place).
final class FrameListWriter {
    let location: ImageLocation
    let format: String
    private let wand: OpaquePointer
    private(set) var count = 0

    init(_ location: ImageLocation) throws {
        self.location = location
        format = try MagickImageWriter.format(for: location)
        MagickLibrary.start()
        wand = try MagickImageReader.newWand()
    }

    deinit { DestroyMagickWand(wand) }

    /// Appends a frame: its colours, its alpha (resized to the image's size), the content frame's
    /// metadata, how long it shows and how it is disposed of, and the animation's loop count.
    func append(
        _ image: PlanarImage, alpha: AlphaPlane?, metadata: ImageMetadata?, timing: FrameTiming, loop: Int
    ) throws {
        let alpha = try alpha?.resized(width: image.width, height: image.height)
        let frame = try MagickImageWriter.makeWand(image, alpha: alpha, format: format, metadata: metadata)
        defer { DestroyMagickWand(frame) }
        // A whole picture at the canvas's corner: the frames were coalesced or are whole.
        _ = MagickSetImagePage(frame, image.width, image.height, 0, 0)
        _ = MagickSetImageDelay(frame, max(0, timing.delay))
        if timing.ticksPerSecond > 0 { _ = MagickSetImageTicksPerSecond(frame, timing.ticksPerSecond) }
        _ = MagickSetImageDispose(frame, DisposeType(rawValue: timing.dispose))
        _ = MagickSetImageIterations(frame, max(0, loop))
        MagickSetLastIterator(wand)
        guard MagickAddImage(wand, frame) == MagickTrue else {
            throw MagickFailure.error("cannot add frame \(count + 1) to '\(location.spec)'", wand: wand)
        }
        count += 1
    }

    /// Encodes every frame into one file and stages it (`OutputFile.prepare`), ready to be
    /// committed with the report.
    func prepare() throws -> PendingOutput {
        MagickResetIterator(wand)
        _ = MagickSetFormat(wand, format)
        let bytes = try MagickImageWriter.bytes(
            of: wand, format: format, what: "\(count) frames as \(format.uppercased())", allFrames: true)
        return try OutputFile.prepare(
            bytes, to: MagickImageWriter.target(of: location),
            shownAs: location.isStandardStream ? "-" : location.path)
    }
}
