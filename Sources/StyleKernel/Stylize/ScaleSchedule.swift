#if canImport(Glibc)
    import Glibc
#endif

/// The stages of a stylization, coarse to fine, and what each costs (for progress and its ETA).
///
/// Up to the working size (`StyleOptions.workSize`) the whole image is optimised at once, over a
/// pyramid of `scales` sizes √2 apart. A larger result continues from there in overlapping tiles
/// (`TiledStage`), doubling the size per stage up to the result's own: the whole-image stages give
/// the layout and the large brush strokes, the tiled ones add detail at full resolution, in memory
/// bounded by `StyleOptions.maxMemory`.
///
/// A preview (`StyleOptions.preview`) runs the first stage alone, for at most
/// `previewIterations`, and the run upsamples its image to the result's size (`result`).
struct ScaleSchedule {
    struct Stage {
        /// Longest side, and the image size at this stage.
        let longest: Int
        let width: Int
        let height: Int
        /// Iterations (for a tiled stage: for each tile).
        let iterations: Int
        let tiled: Bool
    }

    /// The stages to run, coarse to fine.
    let stages: [Stage]
    /// The result's size: the last stage's, larger under a preview.
    let result: (width: Int, height: Int)

    /// Iterations of a preview: the first stage's first 12 (all of them when it has fewer).
    /// L-BFGS does not look ahead at its count, so they are exactly the full run's first 12.
    /// Measured at 512 px on three content × style pairs (bench/README.md, "Preview"): 0.22× the
    /// full run's time (4.7 s for Tübingen, the target ≤ 5 s), and at 128 px a mean
    /// difference from the full result of 13–14 levels of 255 (the whole first stage, 0.4× the
    /// time: 6–10; 8 iterations, 0.15×: 15–17; `--size 256`, 0.33×: 17–26).
    static let previewIterations = 12

    init(options: StyleOptions, contentWidth: Int, contentHeight: Int) {
        let wholeSize = min(options.size, options.workSize)
        var longest = Self.wholeImageSizes(size: wholeSize, scales: options.scales)
        var tiled = [Bool](repeating: false, count: longest.count)
        var size = wholeSize
        while size < options.size {
            // Double per stage; the last stage is the result's size (a remaining step under 1.25×
            // is merged into it rather than run as a stage of its own).
            let next = 2 * size
            size = next >= options.size || 4 * options.size < 5 * next ? options.size : next
            longest.append(size)
            tiled.append(true)
        }
        var iterations: [Int] = []
        var tiledIndex = 0
        for isTiled in tiled {
            if isTiled {
                iterations.append(Self.tiledIterations(options.iterations, stage: tiledIndex))
                tiledIndex += 1
            } else {
                // The same count at every whole-image scale: an iteration one step coarser costs
                // about half as much, so the pyramid below adds about the final scale's time again.
                // Measured on Tübingen + Starry Night at 512 px (bench/README.md): giving the coarse
                // scales more (1.25× or 1.5× per step down) reached a higher final loss in more
                // time — the detail that the final scale adds is where the iterations pay.
                iterations.append(options.iterations)
            }
        }
        let all = longest.indices.map { s in
            let (w, h) = Resample.fit(width: contentWidth, height: contentHeight, longest: longest[s])
            return Stage(longest: longest[s], width: w, height: h, iterations: iterations[s], tiled: tiled[s])
        }
        result = (all.last!.width, all.last!.height)
        guard options.preview == .on else {
            stages = all
            return
        }
        let first = all[0]  // whole-image: the pyramid has at least one scale
        stages = [
            Stage(
                longest: first.longest, width: first.width, height: first.height,
                iterations: min(first.iterations, Self.previewIterations), tiled: false)
        ]
    }

    /// Longest side of each whole-image scale, coarse to fine: `size` divided by √2 per step down,
    /// never below 64 px (smaller images have too little left at conv5 for style statistics).
    /// Steps that the 64 px floor makes equal are run once, at the finest of them: `--size 128`
    /// with 5 scales runs 64, 91 and 128 px, and `--size 48` runs 48 px only.
    static func wholeImageSizes(size: Int, scales: Int) -> [Int] {
        let sizes = (0..<scales).map { s in
            let factor = pow(2.0, -Double(scales - 1 - s) / 2)
            return max(min(64, size), Int((Double(size) * factor).rounded()))
        }
        return sizes.enumerated().filter { i, size in i + 1 == sizes.count || sizes[i + 1] != size }
            .map(\.element)
    }

    /// Iterations per tile at the k-th tiled stage (0: the first above the working size): fewer as
    /// the stages grow, since each starts from the previous one's result and only adds detail,
    /// and each costs 4× the one before. With the default 24: 12, 8, 6, 4, 4, …
    static func tiledIterations(_ iterations: Int, stage k: Int) -> Int {
        max(min(iterations, 4), iterations / (k + 2))
    }

    var planned: Int { stages.reduce(0) { $0 + $1.iterations } }

    /// A stage's work in the units of `work(tilePixels:)`: what it does once before its first
    /// iteration, and all its iterations.
    struct StageWork {
        let setup: Double
        let iterations: Double
    }

    /// What a whole-image stage does before its first iteration (the style targets and the
    /// content's features at its size, the start image, the optimiser's first evaluation), in its
    /// own iterations. Measured on Tübingen + Starry Night at 512 px (2 cores): 2.4 iterations'
    /// time before the first iteration of the 362 px stage (the run's own start included), 2.1
    /// before the 512 px one's. The total time estimated after the first iteration went from 4×
    /// the real one to 1.4× (within 7 % from the 12th iteration on, as before).
    static let wholeStageSetup = 2.0

    /// Whole-image stages: an iteration costs about its pixel count plus a fixed overhead
    /// (measured here: roughly that of a 128×128 image), and the stage's setup as many
    /// (`wholeStageSetup`), so the time left is estimated from work, neither running ahead at the
    /// cheap coarse scales nor lagging behind them. Tiled stages: the tiles' pixels (overlaps
    /// included) at the shallower depth they run to (each tile's setup is in the relative cost).
    func work(tilePixels: [Int?]) -> [StageWork] {
        zip(stages, tilePixels).map { stage, covered in
            if let covered {
                return StageWork(
                    setup: 0, iterations: Double(covered) * TiledStage.relativeCost * Double(stage.iterations))
            }
            let iteration = Double(stage.width * stage.height + 16_384)
            return StageWork(
                setup: iteration * Self.wholeStageSetup, iterations: iteration * Double(stage.iterations))
        }
    }
}
