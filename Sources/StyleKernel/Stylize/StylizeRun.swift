import COpenBLAS

#if canImport(Glibc)
    import Glibc
#endif

/// One stylization: the stages of its `ScaleSchedule`, coarse to fine, each optimised as a whole
/// image or in tiles (`TiledStage`), each starting from the previous one's result upsampled.
struct StylizeRun {
    /// A frame of a sequence that continues from the frames before it (`StyleSequence`).
    struct WarmStart {
        /// The previous result moved into this frame by the optical flow, at the result's size,
        /// in the colours the optimisation sees.
        var start: PlanarImage
        /// The temporal term's target and weights (nil: `--temporal off`'s independent frames
        /// never get here; a guide whose weights are all 0 only starts warm).
        var guide: TemporalGuide?
        /// Floats it holds, for the memory plan: itself, and the objective's copies in the model's
        /// space.
        var floats: Int { start.pixels.count + 2 * (guide.map { $0.target.pixels.count + $0.weights.count } ?? 0) }
    }

    let model: StyleModel
    let network: VGGNetwork
    let options: StyleOptions
    let snapshotEvery: Int
    let progress: ProgressHandler?
    /// What a snapshot becomes before the handler sees it (`--colors luminance` puts it into the
    /// content's colours); it may need memory, so it may throw.
    let finishSnapshot: (PlanarImage) throws -> PlanarImage
    let parallel: Parallel
    /// What Winograd's GEMMs multiply in every network pass of the run: bfloat16 where the CPU
    /// multiplies it (AVX-512 BF16: twice the multiply-adds per instruction; bench/README.md run 9:
    /// the loss drifts < 1 %, judges see no difference at 512 px and a faint colour speckle in
    /// places at 12 MP), else floats. STYLEFILTER_KERNELS=avx512 keeps floats on such a CPU.
    let precision = Conv3x3.Precision.fastest
    /// The engine's style Grams from earlier runs (`StyleGramCache`), and the style images'
    /// digests that key them, taken once at the start of `run`.
    let gramCache: StyleGramCache
    var styleDigests: [StyleDigest] = []
    /// Every style is grey (`ColorControl.isGrey`) and no region keeps the content's colours:
    /// the result is optimised over grey pixels only, so no colour appears that the paintings
    /// do not have. Not with `--colors luminance`, which keeps only the result's luminance (and
    /// greys every input itself). Set at the start of `run`.
    var greyResult = false
    let start = ContinuousClock().now
    /// A frame of a sequence after the first (`StyleSequence`): its start and temporal guide.
    var warm: WarmStart? = nil
    /// Set by `plan(content:styles:)`, before any work.
    var schedule: ScaleSchedule!
    var memory: RunMemoryPlan!

    init(
        model: StyleModel, network: VGGNetwork, options: StyleOptions, snapshotEvery: Int,
        progress: ProgressHandler?, gramCache: StyleGramCache = StyleGramCache(),
        finishSnapshot: @escaping (PlanarImage) throws -> PlanarImage = { $0 }
    ) {
        self.model = model
        self.gramCache = gramCache
        self.network = network
        self.options = options
        self.snapshotEvery = snapshotEvery
        self.progress = progress
        self.finishSnapshot = finishSnapshot
        let threads = options.threads > 0 ? options.threads : Parallel.availableCores
        parallel = Parallel(threads: threads)
        // OpenBLAS runs single-threaded: the engine spreads its GEMMs over `parallel` itself
        // (deterministic, and both cores stay busy in the many small GEMMs of Winograd).
        openblas_set_num_threads(1)
    }

    var elapsed: Double { (ContinuousClock().now - start).inSeconds }

    /// The first stage run: 0, or for a warm frame the last (the frame before, moved by the
    /// optical flow, is already a result at the result's size; the coarser stages would only
    /// blur it). The memory plan is the whole schedule's, which covers it.
    var firstStage: Int { warm == nil ? 0 : schedule.stages.count - 1 }

    mutating func run(content: PlanarImage, styles: [PlanarImage], masks: [RegionMask] = []) throws -> StylizeResult {
        let blend = options.normalizedBlend(styleCount: styles.count)
        styleDigests = styles.map(StyleDigest.init)
        greyResult = options.colors != .luminance && masks.isEmpty && styles.allSatisfy(ColorControl.isGrey)
        let stages = schedule.stages
        var tracker = ProgressTracker(run: self)
        var current: PlanarImage? = warm?.start  // the previous stage's result
        var finalLoss = LossTerms()
        let transformed = TransformedWeights(network: network, parallel: parallel, precision: precision)
        for s in stages.indices where s >= firstStage {
            // Hand the memory that the last stage freed back to the system, so that the budget the
            // plan counted on is there (glibc keeps freed heap memory otherwise).
            MemoryEstimate.returnFreedMemory()
            if let grid = memory.tiles[s] {
                transformed.release()
                (current, finalLoss) = try runTiled(
                    stage: s, grid: grid, content: content, styles: styles,
                    masks: masks, blend: blend, previous: current.take()!,
                    tracker: &tracker)
            } else {
                (current, finalLoss) = try runWhole(
                    stage: s, content: content, styles: styles, masks: masks,
                    blend: blend, previous: current, transformed: transformed,
                    tracker: &tracker)
            }
        }
        // A preview's first stage, upsampled to the result's size (the plan counted it).
        let (width, height) = schedule.result
        let image = try Resample.resize(current.take()!, width: width, height: height)
        let summaries = zip(stages, memory.tiles).dropFirst(firstStage).map { stage, grid in
            StageSummary(
                width: stage.width, height: stage.height, iterations: stage.iterations,
                tiles: grid.map { ($0.tileWidth, $0.tileHeight, $0.xs, $0.ys) })
        }
        return StylizeResult(
            image: image, loss: finalLoss, iterations: tracker.completed,
            seconds: elapsed, stages: summaries, preview: options.preview == .on)
    }

    /// The loss at `p`, with its gradient; a non-finite loss stops the run.
    static func checkedEvaluate(
        _ objective: StyleObjective, _ p: UnsafePointer<Float>,
        _ g: UnsafeMutablePointer<Float>
    ) throws -> LossTerms {
        let terms = objective.evaluate(p, gradient: g)
        guard terms.total.isFinite else {
            throw StyleError.numerical("the loss became \(terms.total); lower the weights or the learning rate")
        }
        return terms
    }

    // MARK: Whole image

    /// A stage optimised as one image: targets at this size, then the optimiser from the previous
    /// stage's result (or the requested initialisation). Returns the result and, at the last
    /// stage, the loss of exactly the image returned (clamped, de-processed).
    func runWhole(
        stage s: Int, content: PlanarImage, styles: [PlanarImage], masks: [RegionMask], blend: [Float],
        previous: PlanarImage?, transformed: TransformedWeights,
        tracker: inout ProgressTracker
    ) throws -> (PlanarImage, LossTerms) {
        let convention = model.convention
        let stage = schedule.stages[s]
        let (w, h) = (stage.width, stage.height)
        let deepest = options.deepestLayer(in: network)
        let contentHere = try Resample.resize(content, width: w, height: h)
        // The network sees the image with a mirrored border (`--padding`).
        let border = Self.border(options, width: w, height: h)
        let (nw, nh) = (border?.paddedWidth ?? w, border?.paddedHeight ?? h)
        // Winograd weights kept while this scale leaves room below the final scale's peak.
        transformed.keep(
            for: NetworkWorkspace.Plan(network: network, height: nh, width: nw, depth: deepest),
            budget: memory.transformBudgets[s])
        // Style targets first: their temporary workspace is freed before this scale's own is
        // made, so the two never coexist (peak memory). A style larger than this scale (a style
        // scale above 1) is taken in tiles no larger than the scale, so it never needs a larger
        // workspace than the scale's own.
        let grams = try stageGrams(
            styles: styles, sizes: styles.map { styleSize($0, width: w, height: h, longest: stage.longest) },
            masked: !masks.isEmpty, blend: blend, options: options, tile: stage.longest, transformed: transformed)
        let workspace = try NetworkWorkspace(
            network: network, height: nh, width: nw, depth: deepest,
            parallel: parallel, precision: precision, transformed: transformed)
        let contentModel = try convention.toModel(contentHere)
        workspace.forward(try border?.padded(contentModel, channels: 3, parallel: parallel) ?? contentModel)
        let stageMasks = try masks.map { try $0.resized(width: w, height: h) }
        let objective = try StyleObjective(
            workspace: workspace, options: options, convention: convention,
            contentFeatures: StageTargets.features(workspace, layers: options.contentLayers),
            styleTargets: Self.targets(grams, blend: blend, masks: stageMasks),
            border: border, temporal: try warm?.guide?.resized(width: w, height: h))
        let startImage: PlanarImage
        if let previous {
            startImage = try Resample.resize(previous, width: w, height: h)
        } else {
            switch options.initialization {
            case .content: startImage = contentHere
            case .random: startImage = try Self.noise(width: w, height: h, seed: options.seed)
            case .gray: startImage = try PlanarImage(width: w, height: h, red: 0.5, green: 0.5, blue: 0.5)
            case .styleMean: startImage = try Self.meanColor(of: styles, blend: blend, width: w, height: h)
            case .styleColors:
                startImage = try ColorControl.styleColored(
                    contentHere, styles: styles, blend: blend,
                    masks: stageMasks.map(\.values))
            case .image(let image): startImage = try Resample.resize(image, width: w, height: h)
            }
        }
        let x = try FloatBuffer(checkedValues: convention.toModel(startImage))
        let bounds = Bounds(convention: convention, plane: w * h, grey: greyResult)
        bounds.project(x.pointer)
        if options.normalizeGradients == .on { try objective.balanceLayerGradients(at: x.pointer) }
        let optimizer = try PixelOptimizers.make(
            options, count: x.count, image: (w, h),
            coverage: try RegionMask.coverage(stageMasks), parallel: parallel)
        _ = try optimizer.minimize(
            x, iterations: stage.iterations, bounds: bounds, stepWeights: nil,
            evaluate: { try Self.checkedEvaluate(objective, $0, $1) },
            onStep: { iteration, loss in
                try tracker.step(
                    stage: s, iteration: iteration, of: stage.iterations, width: w, height: h,
                    loss: loss, elapsed: elapsed
                ) {
                    try convention.toImage(x.pointer, width: w, height: h)
                }
            })
        let result = try convention.toImage(x.pointer, width: w, height: h)
        guard s == schedule.stages.count - 1 else { return (result, LossTerms()) }
        let returned = try FloatBuffer(checkedValues: try convention.toModel(result))
        return (result, objective.evaluate(returned.pointer, gradient: nil))
    }

    /// The mirrored border a whole-image stage of `width`×`height` optimises with (`ReflectedBorder`),
    /// or nil: `--padding zero`, and the tutorial objective, which is PyTorch's exactly.
    static func border(_ options: StyleOptions, width: Int, height: Int) -> ReflectedBorder? {
        options.objective == .tutorial || options.padding == .zero
            ? nil : ReflectedBorder(imageWidth: width, imageHeight: height)
    }

    /// A stage's style Grams: one blended set, or with region masks one set per style. Each style
    /// image's are taken from the engine's cache when an earlier run computed them at this size.
    func stageGrams(
        styles: [PlanarImage], sizes: [(width: Int, height: Int)], masked: Bool, blend: [Float],
        options o: StyleOptions, tile: Int?, transformed: TransformedWeights?, smoothEnlargement: Bool = false
    ) throws -> [[String: [Float]]] {
        let each = try styles.indices.map { k in
            let key = StyleGramCache.Key(
                style: styleDigests[k], width: sizes[k].width, height: sizes[k].height,
                layers: o.styleLayers.map(\.name) + ShiftedGram.specs(for: o).map(\.key), objective: o.objective,
                pooling: o.pooling,
                precision: precision, tile: tile, smoothEnlargement: smoothEnlargement)
            return try gramCache.grams(for: key) {
                try StageTargets.perStyleGrams(
                    styles: [styles[k]], sizes: [sizes[k]], network: network, options: o,
                    convention: model.convention, tile: tile, parallel: parallel,
                    precision: precision, transformed: transformed, smoothEnlargement: smoothEnlargement)[0]
            }
        }
        return masked ? each : [StageTargets.blended(each, blend: blend)]
    }

    /// The objective's style terms: the blended Grams over the whole image, or with masks each
    /// style's Grams in its region, weighted by its blend weight times the number of styles (so
    /// that with equal weights each region is styled as a lone style would be).
    static func targets(_ grams: [[String: [Float]]], blend: [Float], masks: [RegionMask]) -> [StyleObjective
        .StyleTarget]
    {
        guard !masks.isEmpty else { return [StyleObjective.StyleTarget(grams: grams[0])] }
        return masks.indices.map {
            StyleObjective.StyleTarget(grams: grams[$0], weight: blend[$0] * Float(masks.count), mask: masks[$0].values)
        }
    }

    /// Style image size at a whole-image stage: the content's for the tutorial objective (as the
    /// tutorials do), else longest side `longest` times the style scale (the Gram normalisation
    /// makes the targets independent of the style image's aspect).
    func styleSize(_ style: PlanarImage, width: Int, height: Int, longest: Int) -> (width: Int, height: Int) {
        options.objective == .tutorial
            ? (width, height)
            : Resample.fit(
                width: style.width, height: style.height, longest: Self.scaled(longest, by: options.styleScale))
    }

    /// A style image's longest side `longest` times the style scale, at least 16 px (the four
    /// poolings need one position).
    static func scaled(_ longest: Int, by styleScale: Float) -> Int {
        max(16, Int((Float(longest) * styleScale).rounded()))
    }

    // MARK: Tiles

    /// A stage above the working size, tile by tile (`TiledStage`). Returns the result and the
    /// mean of the tiles' last losses, weighted by their areas (the whole image's loss would
    /// need the whole image's workspace).
    /// The previous stage's result is taken (`consuming`) and freed once upsampled: at 24 MP it
    /// is 134 MB that the tiles can use (`plan(content:styles:)` counts on it).
    func runTiled(
        stage s: Int, grid: TiledStage.Grid, content: PlanarImage, styles: [PlanarImage],
        masks: [RegionMask], blend: [Float], previous: consuming PlanarImage,
        tracker: inout ProgressTracker
    ) throws -> (PlanarImage, LossTerms) {
        let convention = model.convention
        let stage = schedule.stages[s]
        let (w, h) = (stage.width, stage.height)
        // The last whole-image stage's size: the tiled stages enlarge its look.
        let whole = schedule.stages.last { !$0.tiled }!.longest
        let o = TiledStage.options(
            options, architecture: model.architecture, enlargement: Float(stage.longest) / Float(whole))
        let deepest = o.deepestLayer(in: network)
        var image = try Resample.resize(previous, width: w, height: h)
        _ = consume previous
        let grams = try stageGrams(
            styles: styles, sizes: memory.styleSizes[s], masked: !masks.isEmpty,
            blend: blend, options: o, tile: memory.tileSide[s], transformed: nil, smoothEnlargement: true)
        let stageMasks = try masks.map { try $0.resized(width: w, height: h) }
        let contentHere = try Resample.resize(content, width: w, height: h)
        let (tw, th) = (grid.tileWidth, grid.tileHeight)
        let workspace = try NetworkWorkspace(
            network: network, height: th, width: tw, depth: deepest,
            parallel: parallel, precision: precision)
        let bounds = Bounds(convention: convention, plane: tw * th, grey: greyResult)
        let weights = try FloatBuffer(checkedCount: 3 * tw * th)
        let change = try FloatBuffer(checkedCount: 3 * tw * th)
        let perTile = stage.iterations
        var loss = LossTerms()
        for (j, y0) in grid.ys.enumerated() {
            for (i, x0) in grid.xs.enumerated() {
                let tile = j * grid.xs.count + i
                let (left, top, right, bottom) = grid.overlaps(column: i, row: j)
                workspace.forward(try convention.toModel(try contentHere.crop(x0: x0, y0: y0, width: tw, height: th)))
                let objective = try StyleObjective(
                    workspace: workspace, options: o, convention: convention,
                    contentFeatures: StageTargets.features(workspace, layers: o.contentLayers),
                    styleTargets: Self.targets(
                        grams, blend: blend,
                        masks: try stageMasks.map {
                            try $0.cropped(x0: x0, y0: y0, width: tw, height: th)
                        }),
                    temporal: try warm?.guide?.cropped(x0: x0, y0: y0, width: tw, height: th))
                let x = try FloatBuffer(
                    checkedValues: try convention.toModel(try image.crop(x0: x0, y0: y0, width: tw, height: th)))
                bounds.project(x.pointer)
                if o.normalizeGradients == .on { try objective.balanceLayerGradients(at: x.pointer) }
                let optimizer = try PixelOptimizers.make(
                    o, count: x.count, image: nil, parallel: parallel)
                TiledStage.stepWeights(
                    into: weights, width: tw, height: th,
                    left: left, top: top, right: right, bottom: bottom)
                let last = try optimizer.minimize(
                    x, iterations: perTile, bounds: bounds, stepWeights: weights,
                    evaluate: { try Self.checkedEvaluate(objective, $0, $1) },
                    onStep: { iteration, loss in
                        try tracker.step(
                            stage: s, iteration: tile * perTile + iteration, of: grid.count * perTile,
                            tiles: grid.count, width: w, height: h, loss: loss, elapsed: elapsed
                        ) { image }
                    })
                var result = try convention.toImage(x.pointer, width: tw, height: th)
                TiledStage.keepDetail(&result, of: image, x0: x0, y0: y0, change: change)
                TiledStage.write(result, into: &image, x0: x0, y0: y0)
                let share = 1 / Double(grid.count)
                loss.content += share * last.content
                loss.style += share * last.style
                loss.tv += share * last.tv
                loss.temporal += share * last.temporal
                loss.total += share * last.total
            }
        }
        return (image, loss)
    }

    /// An image of the styles' mean colour, each style's mean weighted by its blend weight.
    static func meanColor(of styles: [PlanarImage], blend: [Float], width: Int, height: Int) throws -> PlanarImage {
        let color = ColorStatistics(blending: styles.map(ColorStatistics.init), weights: blend).mean
        return try PlanarImage(
            width: width, height: height,
            red: Float(color[0]), green: Float(color[1]), blue: Float(color[2]))
    }

    /// Seeded uniform noise in 0…1 (SplitMix64), the same for the same seed on every machine.
    static func noise(width: Int, height: Int, seed: UInt64) throws -> PlanarImage {
        var generator = SplitMix64(state: seed &+ 0x9E37_79B9_7F4A_7C15)
        let count = 3 * width * height
        let pixels: [Float] = try CheckedMemory.array(count, what: "a noise image of \(width)×\(height)") { out, n in
            for i in 0..<count { (out.baseAddress! + i).initialize(to: generator.unit()) }
            n = count
        }
        return PlanarImage(trusted: width, height, pixels)
    }
}

/// Counts iterations over the stages and reports them to the progress handler, with the share of
/// the planned work done (each stage's iterations weighted by their cost, a stage's setup counted
/// with its first iteration) for an estimate of the time left.
struct ProgressTracker {
    let handler: ProgressHandler?
    let finishSnapshot: (PlanarImage) throws -> PlanarImage
    let snapshotEvery: Int
    let work: [ScaleSchedule.StageWork]
    let totalWork: Double
    let planned: Int
    let stages: Int
    var completed = 0
    var workDone = 0.0

    init(run: StylizeRun) {
        handler = run.progress
        finishSnapshot = run.finishSnapshot
        snapshotEvery = run.snapshotEvery
        let tilePixels = run.memory.tiles.map { $0.map { $0.count * $0.tileWidth * $0.tileHeight } }
        // Only the stages that run (a warm frame runs the last alone).
        let first = run.firstStage
        work = run.schedule.work(tilePixels: tilePixels).enumerated().map {
            $0.offset < first ? ScaleSchedule.StageWork(setup: 0, iterations: 0) : $0.element
        }
        totalWork = work.reduce(0) { $0 + $1.setup + $1.iterations }
        planned = zip(run.schedule.stages, run.memory.tiles).dropFirst(first).reduce(0) {
            $0 + $1.0.iterations * ($1.1?.count ?? 1)
        }
        stages = run.schedule.stages.count
    }

    /// One iteration of `stage` done (`iteration` of `iterations` there); throws `.cancelled`
    /// when the handler asks to stop. `snapshot` is called only when a snapshot is due.
    /// `tiles`: a tiled stage's tile count (its `iterations` are spread evenly over them), or 0.
    mutating func step(
        stage: Int, iteration: Int, of iterations: Int, tiles: Int = 0, width: Int, height: Int,
        loss: LossTerms, elapsed: Double, snapshot: () throws -> PlanarImage
    ) throws {
        completed += 1
        workDone += (iteration == 1 ? work[stage].setup : 0) + work[stage].iterations / Double(iterations)
        guard let handler else { return }
        let event = ProgressEvent(
            scale: stage + 1, scales: stages, iteration: iteration, iterations: iterations,
            completed: completed, planned: planned,
            fractionDone: completed == planned ? 1 : min(1, workDone / max(totalWork, 1)),
            width: width, height: height, loss: loss, elapsed: elapsed,
            tile: tiles > 0 ? (iteration - 1) / (iterations / tiles) + 1 : 0, tiles: tiles)
        let wantsSnapshot = snapshotEvery > 0 && completed % snapshotEvery == 0
        guard handler(event, wantsSnapshot ? try finishSnapshot(snapshot()) : nil) else { throw StyleError.cancelled }
    }
}
