/// Frames of a sequence (an animation, a list of frames, a video's frames), stylized in order so
/// that the strokes stay where the picture stays (Ruder, Dosovitskiy & Brox 2016, "Artistic style
/// transfer for videos"): after the first frame, each starts from the previous result moved by the
/// optical flow between the contents, and keeps it where the flow is reliable (`TemporalGuide`,
/// `TemporalTerm`), running only the last stage of the schedule (`StylizeRun.firstStage`).
/// `StyleOptions.temporal` `off` stylizes each frame on its own, as `StyleEngine.stylize` does.
///
/// Every frame must have the first one's size. Not for concurrent use: one frame at a time (the
/// C ABI's sequence object serialises its calls).
public final class StyleSequence: @unchecked Sendable {
    public let engine: StyleEngine
    let styles: [PlanarImage]
    let masks: [RegionMask]
    let options: StyleOptions
    /// Earlier frames, nearest first, as many as `options.temporal` looks back: the content and
    /// the result, at the result's size.
    private var earlier: [(content: PlanarImage, result: PlanarImage)] = []
    private var frameSize: (width: Int, height: Int)? = nil
    /// Frames stylized so far.
    public private(set) var count = 0

    public init(engine: StyleEngine, styles: [PlanarImage], masks: [RegionMask] = [], options: StyleOptions) throws {
        guard options.preview == .off else {
            throw StyleError.invalidArgument(
                "a preview is for single images: stylize one frame with preview on, or the sequence without it")
        }
        self.engine = engine
        self.styles = styles
        self.masks = masks
        self.options = options
    }

    /// Stylizes the next frame (see `StyleEngine.stylize` for `snapshotEvery` and `progress`).
    /// A frame that fails (cancelled, refused) leaves the sequence as it was: the next frame
    /// continues from the last one that succeeded.
    public func stylize(frame content: PlanarImage, snapshotEvery: Int = 0, progress: ProgressHandler? = nil) throws
        -> StylizeResult
    {
        if let size = frameSize, size != (content.width, content.height) {
            throw StyleError.invalidArgument(
                "frame \(count + 1) is \(content.width)×\(content.height) but the sequence's frames are \(size.width)×\(size.height): every frame of a sequence must have the same size"
            )
        }
        let looksBack = TemporalGuide.distances(options.temporal).max() ?? 0
        var warm: StylizeRun.WarmStart? = nil
        var contentHere: PlanarImage? = nil
        if let previous = earlier.first {
            let here = try Resample.resize(content, width: previous.result.width, height: previous.result.height)
            // Where nothing earlier is reliable the frame starts as a cold one does (the content in
            // the styles' colours), not from the warp's smear of what covered it before.
            let uncovered = try ColorControl.styleColored(
                here, styles: styles, blend: options.normalizedBlend(styleCount: styles.count),
                masks: masks.map { try $0.resized(width: here.width, height: here.height).values })
            let made = try TemporalGuide.make(
                frame: here, earlier: earlier, mode: options.temporal, uncovered: uncovered)
            warm = StylizeRun.WarmStart(start: made.start, guide: made.guide)
            contentHere = here
        }
        let result = try engine.stylize(
            content: content, styles: styles, masks: masks, options: options, warm: warm,
            snapshotEvery: snapshotEvery, progress: progress)
        frameSize = (content.width, content.height)
        count += 1
        if looksBack > 0 {
            let here =
                try contentHere ?? Resample.resize(content, width: result.image.width, height: result.image.height)
            earlier.insert((here, result.image), at: 0)
            if earlier.count > looksBack { earlier.removeLast(earlier.count - looksBack) }
        }
        return result
    }
}
