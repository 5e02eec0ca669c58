import COpenBLAS
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// The entry point: a loaded model, reused for many stylizations.
/// One engine runs one stylization at a time (concurrent calls wait for each other);
/// separate engines over the same `StyleModel` may run in parallel threads.
public final class StyleEngine: @unchecked Sendable {
    public let model: StyleModel
    private let lock = Mutex<[Pool2x2.Kind: VGGNetwork]>([:])
    /// The thread inside `stylize` (0: none), so that a call from that thread's own progress
    /// handler is refused instead of deadlocking (or trapping) on `lock`.
    private let owner = Atomic<UInt>(0)
    /// Style Grams of earlier runs (used under `lock` only).
    let gramCache = StyleGramCache()

    public init(model: StyleModel) {
        self.model = model
        // OpenBLAS's kernels are chosen here, before any BLAS call of ours is in flight.
        BLASCore.prepare()
    }

    /// The network for a pooling kind, built on first use and kept.
    func network(
        _ pooling: StyleOptions.Pooling,
        cache: inout [Pool2x2.Kind: VGGNetwork]
    ) throws -> VGGNetwork {
        let kind: Pool2x2.Kind = pooling == .max ? .max : .average
        if let n = cache[kind] { return n }
        // Its layers keep the weights twice (forward, and transposed for the gradient) beside
        // small tap matrices; refused before they are made, which would trap on failure.
        try MemoryEstimate.require(
            resident: 3 * model.weightBytes, what: "building the network",
            hint: "free memory, or raise the process's memory limit")
        let n = VGGNetwork(model: model, pooling: kind)
        cache[kind] = n
        return n
    }

    /// Repaints `content` in the style of `styles` (blended by `options.styleBlend`).
    /// The result's longest side is `options.size` (`StyleOptions.fullSize`: the content's own);
    /// its aspect ratio is the content's.
    /// - Parameter masks: none, or one region per style (`RegionMask`): each style then paints
    ///   only its region, and where no mask covers a pixel the content is kept.
    /// - Parameter snapshotEvery: when > 0, every that many iterations the progress handler also
    ///   receives the current image (at the current scale's size), e.g. for `--save-every`.
    public func stylize(
        content: PlanarImage, styles: [PlanarImage], masks: [RegionMask] = [],
        options: StyleOptions,
        snapshotEvery: Int = 0,
        progress: ProgressHandler? = nil
    ) throws -> StylizeResult {
        try stylize(
            content: content, styles: styles, masks: masks, options: options, warm: nil,
            snapshotEvery: snapshotEvery, progress: progress)
    }

    /// `stylize`, or with `warm` a frame of a sequence that continues from the frames before it
    /// (`StyleSequence`): its start and guide in the result's colours, at the result's size.
    func stylize(
        content: PlanarImage, styles: [PlanarImage], masks: [RegionMask], options: StyleOptions,
        warm: StylizeRun.WarmStart?, snapshotEvery: Int, progress: ProgressHandler?
    ) throws -> StylizeResult {
        try BLASCore.requireLoaded()
        var options = options.resolvingFullSize(width: content.width, height: content.height).resolvingDefaultLayers()
        try options.validate(for: model.architecture, styleCount: styles.count)
        for image in [content] + styles where image.pixels.contains(where: { !$0.isFinite }) {
            throw StyleError.invalidArgument("an input image contains NaN or infinite values")
        }
        try RegionMask.validate(
            masks, styleCount: styles.count, objective: options.objective,
            contentWidth: content.width, contentHeight: content.height)
        let me = UInt(pthread_self())
        guard owner.load(ordering: .acquiring) != me else {
            throw StyleError.invalidArgument(
                "stylize was called from inside this engine's own progress handler; use another engine (context) for nested work"
            )
        }
        // `--colors`: the images the optimisation sees, and the result put back into the
        // content's colours (snapshots too).
        let colors = options.colors
        let held =
            (colors == .luminance ? content.pixels.count : 0)
            + (colors == .style ? 0 : styles.reduce(0) { $0 + $1.pixels.count })
        // Refused here, before the copies are made (a failed allocation would trap the host).
        try MemoryEstimate.require(
            resident: held * MemoryLayout<Float>.size, what: "the colour copies of the images",
            hint: "pass smaller images, or use --colors style")
        let prepared = try ColorControl.prepare(content: content, styles: styles, colors: colors)
        func optimised(_ image: PlanarImage) throws -> PlanarImage {
            try ColorControl.prepare(content: image, styles: [], colors: colors).content
        }
        if colors == .luminance, case .image(let start) = options.initialization {
            options.initialization = .image(try optimised(start))
        }
        var warm = warm
        if colors == .luminance, let w = warm {
            warm!.start = try optimised(w.start)
            if let guide = w.guide { warm!.guide!.target = try optimised(guide.target) }
        }
        return try lock.withLock { cache in
            owner.store(me, ordering: .releasing)
            defer { owner.store(0, ordering: .releasing) }
            let network = try self.network(options.pooling, cache: &cache)
            var run = StylizeRun(
                model: model, network: network, options: options,
                snapshotEvery: snapshotEvery, progress: progress, gramCache: gramCache,
                finishSnapshot: { try ColorControl.finish($0, content: content, colors: colors) })
            run.warm = warm
            // The kept Grams count against the budget; a plan they would not let fit forgets them.
            let runHeld = held + masks.reduce(0) { $0 + $1.values.count } + (warm?.floats ?? 0)
            do {
                try run.plan(
                    content: prepared.content, styles: prepared.styles, masks: masks.count,
                    held: runHeld + gramCache.bytes / MemoryLayout<Float>.size)
            } catch is StyleError where gramCache.count > 0 {
                gramCache.removeAll()
                try run.plan(content: prepared.content, styles: prepared.styles, masks: masks.count, held: runHeld)
            }
            var result = try BLASErrors.checking {
                try run.run(content: prepared.content, styles: prepared.styles, masks: masks)
            }
            result.image = try ColorControl.finish(result.image, content: content, colors: colors)
            return result
        }
    }
}
