/// How a run uses memory, worked out before any work from the schedule and the budget
/// (`StyleOptions.maxMemory`): what each whole-image stage holds at its peak (and so how many
/// Winograd weights the coarse ones may keep), and the tile size of each tiled stage. A run that
/// cannot fit — in the budget, or in what the machine has — is refused here, before anything
/// large is allocated (`StyleError.outOfMemory`, with the figures).
struct RunMemoryPlan {
    /// Floats of Winograd weights each stage may keep (`TransformedWeights`); 0 at tiled stages.
    var transformBudgets: [Int] = []
    /// The tiles of each tiled stage (nil: a whole-image stage).
    var tiles: [TiledStage.Grid?] = []
    /// Tile side of each tiled stage, also used for the style Grams there.
    var tileSide: [Int?] = []
    /// The style images' sizes at each tiled stage.
    var styleSizes: [[(width: Int, height: Int)]] = []
    /// The smallest tile side a tiled stage may use (smaller tiles spend most of their pixels in
    /// overlaps).
    static let minimumTile = 192
}

extension StylizeRun {
    /// Works out the schedule and the memory plan, refusing (before any work) what cannot fit.
    /// `held`: floats the run keeps beside the caller's images throughout (`ColorControl`'s
    /// copies of them, the region masks); `masks`: the number of region masks.
    mutating func plan(content: PlanarImage, styles: [PlanarImage], masks: Int = 0, held: Int = 0) throws {
        let schedule = ScaleSchedule(options: options, contentWidth: content.width, contentHeight: content.height)
        self.schedule = schedule
        let stages = schedule.stages
        // The full run's stages decide (a preview of a run that would be refused is refused too).
        if options.objective == .tutorial, options.size > options.workSize {
            throw StyleError.invalidArgument(
                "the tutorial objective optimises whole images only: choose a result size of at most the working size (\(options.workSize) px)"
            )
        }
        let bytes = MemoryLayout<Float>.size
        let threads = parallel.threads
        let perThread = threads * MemoryEstimate.residentPerThread + held * bytes
        // The budget is what this stylization allocates: the model, the caller's images and the
        // host's own data are not counted (a host may hold gigabytes of its own; parallel runs
        // each have their budget). For the command that puts its peak about 250 MiB above it.
        let budget = options.maxMemory
        let final = schedule.result
        func refuse(_ needed: Int) -> StyleError {
            .outOfMemory(
                "a \(final.width)×\(final.height) stylization needs about \(MemoryEstimate.mebibytes(needed)) MiB "
                    + "and the memory budget is "
                    + "\(MemoryEstimate.mebibytes(budget)) MiB: raise the budget (--max-memory, max-memory=, max_memory), or lower the "
                    + "working size or the result size")
        }

        var plan = RunMemoryPlan()
        let deepest = options.deepestLayer(in: network)
        let whole = stages.indices.filter { !stages[$0].tiled }
        let wholePeaks = whole.map { s in
            peakFloats(content: content, styles: styles, masks: masks, longest: stages[s].longest, deepest: deepest)
        }
        plan.transformBudgets =
            Self.transformBudgets(peaks: wholePeaks)
            + [Int](repeating: 0, count: stages.count - whole.count)
        // Beside its peak a stage keeps its content, start and result images, the content targets
        // and the objective's copy of them: about 16 planes.
        var needed =
            whole.map { wholePeaks[$0] + 16 * stages[$0].width * stages[$0].height }.max()! * bytes
            + perThread
        // What the run needs at the least (every tiled stage with the smallest tiles): the figure
        // a refusal names, so that a budget raised to it is enough.
        var minimumNeeded = needed
        var fits = needed <= budget
        let tiledOptions = TiledStage.options(options, architecture: model.architecture)
        let tiledDepth = tiledOptions.deepestLayer(in: network)

        for (s, stage) in stages.enumerated() {
            guard stage.tiled else {
                plan.tiles.append(nil)
                plan.tileSide.append(nil)
                plan.styleSizes.append([])
                continue
            }
            let part = tiledStage(
                stage, previous: stages[s - 1], content: content, styles: styles, masks: masks,
                budget: budget, perThread: perThread, depth: tiledDepth)
            needed = max(needed, part.needed)
            minimumNeeded = max(minimumNeeded, part.minimum)
            fits = fits && part.fits
            plan.tiles.append(
                TiledStage.Grid(
                    width: stage.width, height: stage.height, tile: part.side,
                    overlap: TiledStage.overlap))
            plan.tileSide.append(part.side)
            plan.styleSizes.append(part.styleSizes)
        }
        // A preview's last stage upsampled to the result's size: it, the resampler's intermediate
        // of its rows at the result's width, and the result.
        let last = stages.last!
        if (last.width, last.height) != final {
            let upsampling =
                3 * (last.width * last.height + last.height * final.width + final.width * final.height) * bytes
                + perThread
            needed = max(needed, upsampling)
            minimumNeeded = max(minimumNeeded, upsampling)
            fits = fits && upsampling <= budget
        }
        guard fits else { throw refuse(minimumNeeded) }
        memory = plan
        try MemoryEstimate.require(
            resident: needed, addressSpace: MemoryEstimate.threadAddressSpace(threads: threads), threads: threads,
            what: "a \(final.width)×\(final.height) stylization",
            hint: "choose a smaller result size, or fewer or smaller style images")
    }

    /// A tiled stage's part of the plan: its style images' sizes and tile side, and the bytes it
    /// needs at that side (`needed`) and with the smallest tiles (`minimum`, the figure a refusal
    /// names), and whether that side fits the budget.
    private func tiledStage(
        _ stage: ScaleSchedule.Stage, previous: ScaleSchedule.Stage, content: PlanarImage,
        styles: [PlanarImage], masks: Int, budget: Int, perThread: Int, depth: Int
    )
        -> (styleSizes: [(width: Int, height: Int)], side: Int, needed: Int, minimum: Int, fits: Bool)
    {
        let bytes = MemoryLayout<Float>.size
        let plane = stage.width * stage.height
        // First the previous result is upsampled (it, the resampler's intermediate of its rows
        // at this width, and the image made) and freed; then the style targets and the tiles
        // run beside the image being made and the content at this size — the caller's own
        // content when this is its size, which the budget does not count (`StylizeRun.runTiled`).
        let upsampling = 3 * (previous.width * previous.height + previous.height * stage.width + plane)
        let contentCopy = stage.width == content.width && stage.height == content.height ? 0 : plane
        let images = 3 * (plane + contentCopy) + masks * plane
        var fits = upsampling * bytes + perThread <= budget
        var room = (budget - perThread) / bytes - images
        // Style images at this stage's size times the style scale, as at the whole-image
        // stages (enlarged beyond their own if need be, `TiledStage`), each no larger than a
        // quarter of what is left.
        let styleLongest = Self.scaled(stage.longest, by: options.styleScale)
        func floats(_ style: PlanarImage, longest: Int) -> Int {
            let size = Resample.fit(width: style.width, height: style.height, longest: longest)
            return 3 * size.width * size.height
        }
        let sizes = styles.map { style -> (width: Int, height: Int) in
            var longest = styleLongest
            while longest > 64, floats(style, longest: longest) > room / 4 / max(1, styles.count) {
                longest = longest * 7 / 8
            }
            return Resample.fit(width: style.width, height: style.height, longest: longest)
        }
        let styleFloats = sizes.reduce(0) { $0 + 3 * $1.width * $1.height }
        // The styles' floats in the smallest budget that fits the smallest tiles: whole if they
        // take at most a third of those tiles' floats, else shrunk to a quarter of the room
        // (tiles + styles), but never below 64 px. (The styles grow with the budget, so the
        // figure a refusal names must include what they take in that budget.)
        let stylesWhole = styles.reduce(0) {
            $0 + floats($1, longest: styleLongest)
        }
        let stylesFloor = styles.reduce(0) {
            $0 + floats($1, longest: min(64, styleLongest))
        }
        room -= styleFloats
        // The largest tile (a multiple of 16 px) whose workspace, optimiser and crops fit.
        func tileFloats(_ side: Int) -> Int {
            let (tw, th) = (min(side, stage.width), min(side, stage.height))
            // Beside the workspace and the optimiser: the tile's crops in both conventions,
            // its content targets, its step weights and its change (3 planes each), and the
            // band of positions the style Grams copy (4 M floats).
            // With masks: their crops, and the masked features (at most conv1_1's 64 planes);
            // with --normalize-gradients, a layer's gradient (as many).
            return NetworkWorkspace.floatCount(network: network, height: th, width: tw, depth: depth)
                + PixelOptimizers.floatCount(options, count: 3 * tw * th, image: nil) + 22 * tw * th
                + StageTargets.bandFloats
                + (masks > 0 ? (64 + masks) * tw * th : 0) + (options.normalizeGradients == .on ? 64 * tw * th : 0)
        }
        let largest = (max(stage.width, stage.height) + 15) / 16 * 16
        let smallest = min(RunMemoryPlan.minimumTile, options.maximumTile)
        var side = min(largest, options.maximumTile)
        while side > smallest, tileFloats(side) > room { side -= 16 }
        fits = fits && tileFloats(side) <= room
        let stylesAtLeast = min(stylesWhole, max(stylesFloor, tileFloats(smallest) / 3 + 1))
        let atLeast = max(upsampling * bytes, (images + tileFloats(smallest) + stylesAtLeast) * bytes) + perThread
        let atSide = max(upsampling * bytes, (images + tileFloats(side) + styleFloats) * bytes) + perThread
        return (sizes, side, atSide, atLeast, fits)
    }

    /// Floats of Winograd weights each whole-image stage may keep (`TransformedWeights`): what it
    /// leaves free below the last whole stage's peak, so keeping them never raises the run's peak
    /// memory; none at the last, where the large image amortises the transform anyway.
    static func transformBudgets(peaks: [Int]) -> [Int] {
        peaks.indices.map { s in s == peaks.count - 1 ? 0 : max(0, peaks.last! - peaks[s]) }
    }

    /// Floats a whole-image stage holds at its peak, kept Winograd weights aside: the larger of a
    /// style image's workspace (made and freed first) and its own workspace plus the optimiser's
    /// state.
    func peakFloats(content: PlanarImage, styles: [PlanarImage], masks: Int, longest: Int, deepest: Int) -> Int {
        let (w, h) = Resample.fit(width: content.width, height: content.height, longest: longest)
        let styleWorkspaces = styles.map { style in
            let (sw, sh) = styleSize(style, width: w, height: h, longest: longest)
            // Larger than the scale: in tiles of at most `longest` (`runWhole`), beside the
            // resized style and the band of positions the Grams copy.
            guard max(sw, sh) > longest else {
                return NetworkWorkspace.floatCount(network: network, height: sh, width: sw, depth: deepest)
                    + StageTargets.bandFloats
            }
            return NetworkWorkspace.floatCount(
                network: network, height: min(sh, longest), width: min(sw, longest),
                depth: deepest) + 3 * sw * sh + StageTargets.bandFloats
        }
        let pixels = 3 * w * h
        // The network sees the image with its mirrored border, and every style term is then
        // masked (the masked features of the largest layer, 64 planes, and each style's mask).
        let border = StylizeRun.border(options, width: w, height: h)
        let (nw, nh) = (border?.paddedWidth ?? w, border?.paddedHeight ?? h)
        let masked = masks > 0 || border != nil
        let own =
            NetworkWorkspace.floatCount(network: network, height: nh, width: nw, depth: deepest)
            + PixelOptimizers.floatCount(options, count: pixels, image: (w, h)) + pixels
            + (border?.floatCount ?? 0)
            + (masked ? (64 + max(1, masks)) * nw * nh : 0) + (options.normalizeGradients == .on ? 64 * nw * nh : 0)
        return max(own, styleWorkspaces.max() ?? 0)
    }
}
