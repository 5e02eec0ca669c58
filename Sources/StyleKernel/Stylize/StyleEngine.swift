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

    public init(model: StyleModel) {
        self.model = model
    }

    /// The network for a pooling kind, built on first use and kept.
    func network(_ pooling: StyleOptions.Pooling,
                 cache: inout [Pool2x2.Kind: VGGNetwork]) -> VGGNetwork {
        let kind: Pool2x2.Kind = pooling == .max ? .max : .average
        if let n = cache[kind] { return n }
        let n = VGGNetwork(model: model, pooling: kind)
        cache[kind] = n
        return n
    }

    /// Repaints `content` in the style of `styles` (blended by `options.styleBlend`).
    /// The result's longest side is `options.size`; its aspect ratio is the content's.
    /// - Parameter snapshotEvery: when > 0, every that many iterations the progress handler also
    ///   receives the current image (at the current scale's size), e.g. for `--save-every`.
    public func stylize(content: PlanarImage, styles: [PlanarImage], options: StyleOptions,
                        snapshotEvery: Int = 0,
                        progress: ProgressHandler? = nil) throws -> StylizeResult {
        try options.validate(for: model.architecture, styleCount: styles.count)
        for image in [content] + styles where image.pixels.contains(where: { !$0.isFinite }) {
            throw StyleError.invalidArgument("an input image contains NaN or infinite values")
        }
        let me = UInt(pthread_self())
        guard owner.load(ordering: .acquiring) != me else {
            throw StyleError.invalidArgument(
                "stylize was called from inside this engine's own progress handler; use another engine (context) for nested work")
        }
        return try lock.withLock { cache in
            owner.store(me, ordering: .releasing)
            defer { owner.store(0, ordering: .releasing) }
            let network = self.network(options.pooling, cache: &cache)
            var run = StylizeRun(model: model, network: network, options: options,
                                 snapshotEvery: snapshotEvery, progress: progress)
            try run.checkMemory(content: content, styles: styles)
            return try BLASErrors.checking { try run.run(content: content, styles: styles) }
        }
    }
}

/// One stylization: the coarse-to-fine loop over scales.
struct StylizeRun {
    let model: StyleModel
    let network: VGGNetwork
    let options: StyleOptions
    let snapshotEvery: Int
    let progress: ProgressHandler?
    let parallel: Parallel
    let start = ContinuousClock().now

    init(model: StyleModel, network: VGGNetwork, options: StyleOptions, snapshotEvery: Int,
         progress: ProgressHandler?) {
        self.model = model; self.network = network; self.options = options
        self.snapshotEvery = snapshotEvery; self.progress = progress
        let threads = options.threads > 0 ? options.threads : Parallel.availableCores
        parallel = Parallel(threads: threads)
        // OpenBLAS runs single-threaded: the engine spreads its GEMMs over `parallel` itself
        // (deterministic, and both cores stay busy in the many small GEMMs of Winograd).
        openblas_set_num_threads(1)
    }

    /// Longest side of each scale, coarse to fine: the final size divided by √2 per step down,
    /// never below 64 px (smaller images have too little left at conv5 for style statistics).
    /// Steps that the 64 px floor makes equal are run once, at the finest of them: `--size 128`
    /// with 5 scales runs 64, 91 and 128 px, and `--size 48` runs 48 px only.
    func scaleSizes() -> [Int] {
        let sizes = (0..<options.scales).map { s in
            let factor = pow(2.0, -Double(options.scales - 1 - s) / 2)
            return max(min(64, options.size), Int((Double(options.size) * factor).rounded()))
        }
        return sizes.enumerated().filter { i, size in i + 1 == sizes.count || sizes[i + 1] != size }
            .map(\.element)
    }

    /// Iterations of each scale, coarse to fine: `options.iterations` at every scale. An iteration
    /// one step coarser costs about half as much (√2 smaller sides), so the pyramid below the
    /// final scale adds about its time again. Measured on Tübingen + Starry Night at 512 px
    /// (bench/README.md): giving the coarse scales more (1.25× or 1.5× per step down) reached a
    /// higher final loss in more time than the same count everywhere — the detail that the final
    /// scale adds is where the iterations pay.
    func iterationsPerScale(count: Int) -> [Int] {
        Array(repeating: options.iterations, count: count)
    }

    mutating func run(content: PlanarImage, styles: [PlanarImage]) throws -> StylizeResult {
        let convention = model.convention
        let sizes = scaleSizes()
        let blend = options.normalizedBlend(styleCount: styles.count)
        let deepest = options.deepestLayer(in: network)
        let iterations = iterationsPerScale(count: sizes.count)
        let planned = iterations.reduce(0, +)
        var completed = 0
        // An iteration costs about its scale's pixel count plus a fixed overhead (measured here:
        // roughly that of a 128×128 image): the work of each scale, for an estimate of the time
        // left that neither runs ahead at the cheap coarse scales nor lags behind them.
        let work = zip(sizes, iterations).map { longest, count -> Double in
            let (w, h) = Resample.fit(width: content.width, height: content.height, longest: longest)
            return Double((w * h + 16_384) * count)
        }
        let totalWork = work.reduce(0, +)
        var workDone = 0.0
        var current: PlanarImage? = nil  // the previous scale's result
        var finalLoss = LossTerms()
        var finalImage = content
        let transformed = TransformedWeights(network: network, parallel: parallel)
        let budgets = transformBudgets(sizes: sizes, content: content, styles: styles, deepest: deepest)

        for (s, longest) in sizes.enumerated() {
            let (w, h) = Resample.fit(width: content.width, height: content.height, longest: longest)
            let contentHere = Resample.resize(content, width: w, height: h)
            // Winograd weights kept while this scale leaves room below the final scale's peak.
            transformed.keep(for: NetworkWorkspace.Plan(network: network, height: h, width: w, depth: deepest),
                             budget: budgets[s])
            // Style targets first: their temporary workspace is freed before this scale's own is
            // made, so the two never coexist (peak memory).
            let grams = try styleGrams(styles: styles, blend: blend, width: w, height: h,
                                   longest: longest, deepest: deepest, transformed: transformed)
            let workspace = try NetworkWorkspace(network: network, height: h, width: w, depth: deepest,
                                                 parallel: parallel, transformed: transformed)
            // Targets: content features at this size, blended style Grams.
            workspace.forward(convention.toModel(contentHere))
            var contentFeatures: [String: [Float]] = [:]
            for name in options.contentLayers {
                let shape = workspace.shape(of: name)!
                contentFeatures[name] = Array(UnsafeBufferPointer(start: workspace.output(of: name)!,
                                                                  count: shape.count))
            }
            let objective = try StyleObjective(workspace: workspace, options: options,
                                           convention: convention,
                                           contentFeatures: contentFeatures, styleGrams: grams)

            // Start: previous scale upsampled, or the requested initialisation.
            let startImage: PlanarImage
            if let current {
                startImage = Resample.resize(current, width: w, height: h)
            } else {
                switch options.initialization {
                case .content: startImage = contentHere
                case .random: startImage = Self.noise(width: w, height: h, seed: options.seed)
                case .image(let image): startImage = Resample.resize(image, width: w, height: h)
                }
            }
            let x = try FloatBuffer(checkedValues: convention.toModel(startImage))
            let bounds = Bounds(convention: convention, plane: w * h)
            bounds.project(x.pointer)

            let evaluate = { (p: UnsafePointer<Float>, g: UnsafeMutablePointer<Float>) throws -> LossTerms in
                let terms = objective.evaluate(p, gradient: g)
                guard terms.total.isFinite else {
                    throw StyleError.numerical(
                        "the loss became \(terms.total); lower the weights or the learning rate")
                }
                return terms
            }
            let scaleIndex = s
            let onStep = { (iteration: Int, loss: LossTerms) throws in
                completed += 1
                workDone += work[scaleIndex] / Double(iterations[scaleIndex])
                guard let progress = self.progress else { return }
                let event = ProgressEvent(
                    scale: scaleIndex + 1, scales: sizes.count, iteration: iteration,
                    iterations: iterations[scaleIndex], completed: completed, planned: planned,
                    fractionDone: min(1, workDone / max(totalWork, 1)),
                    width: w, height: h, loss: loss, elapsed: self.elapsed)
                let wantsSnapshot = self.snapshotEvery > 0 && completed % self.snapshotEvery == 0
                let snapshot = wantsSnapshot ? convention.toImage(x.pointer, width: w, height: h) : nil
                guard progress(event, snapshot) else { throw StyleError.cancelled }
            }
            switch options.optimizer {
            case .lbfgs:
                let optimizer = try LBFGS(count: x.count, parallel: parallel)
                _ = try optimizer.minimize(x, iterations: iterations[s], bounds: bounds,
                                           evaluate: evaluate, onStep: onStep)
            case .adam:
                let optimizer = try Adam(count: x.count, learningRate: options.learningRate,
                                     parallel: parallel)
                _ = try optimizer.minimize(x, iterations: iterations[s], bounds: bounds,
                                           evaluate: evaluate, onStep: onStep)
            }
            current = convention.toImage(x.pointer, width: w, height: h)
            if s == sizes.count - 1 {
                // Report the loss of exactly the image returned: the clamped, de-processed one.
                let returned = try FloatBuffer(checkedValues: convention.toModel(current!))
                finalLoss = objective.evaluate(returned.pointer, gradient: nil)
                finalImage = current!
            }
        }
        return StylizeResult(image: finalImage, loss: finalLoss, iterations: completed,
                             seconds: elapsed)
    }

    var elapsed: Double {
        let d = ContinuousClock().now - start
        return Double(d.components.seconds) + Double(d.components.attoseconds) * 1e-18
    }

    /// Style image size at a scale: the content's for the tutorial objective (as the tutorials
    /// do), else longest side `longest` (the Gram normalisation makes the targets independent of
    /// the style image's aspect).
    func styleSize(_ style: PlanarImage, width: Int, height: Int, longest: Int) -> (width: Int, height: Int) {
        options.objective == .tutorial
            ? (width, height)
            : Resample.fit(width: style.width, height: style.height, longest: longest)
    }

    /// Floats of Winograd weights each scale may keep (`TransformedWeights`): what it leaves free
    /// below the final scale's peak, so keeping them never raises the run's peak memory; none at
    /// the final scale, where the large image amortises the transform anyway.
    func transformBudgets(sizes: [Int], content: PlanarImage, styles: [PlanarImage], deepest: Int) -> [Int] {
        let peaks = sizes.map { peakFloats(content: content, styles: styles, longest: $0, deepest: deepest) }
        return peaks.indices.map { s in s == peaks.count - 1 ? 0 : max(0, peaks.last! - peaks[s]) }
    }

    /// Refuses, before anything large is allocated, a run whose largest scale does not fit in the
    /// memory this process can have (`MemoryEstimate`): `StyleError.outOfMemory` with the figures.
    func checkMemory(content: PlanarImage, styles: [PlanarImage]) throws {
        let deepest = options.deepestLayer(in: network)
        let sizes = scaleSizes()
        let (w, h) = Resample.fit(width: content.width, height: content.height, longest: sizes.last!)
        let floats = sizes.map { longest -> Int in
            let (sw, sh) = Resample.fit(width: content.width, height: content.height, longest: longest)
            // The peak plus the images the scale keeps beside it (its content, start and result
            // images, the content targets and the copy the objective keeps: about 16 planes).
            return peakFloats(content: content, styles: styles, longest: longest, deepest: deepest)
                + 16 * sw * sh
        }.max()!
        let threads = parallel.threads
        try MemoryEstimate.require(
            resident: floats * MemoryLayout<Float>.size + threads * MemoryEstimate.residentPerThread,
            addressSpace: (threads + 1) * MemoryEstimate.openBLASAddressSpacePerThread,
            what: "a \(w)×\(h) stylization",
            hint: "choose a smaller result size, or fewer or smaller style images")
    }

    /// Floats a scale holds at its peak, kept Winograd weights aside: the larger of a style
    /// image's workspace (made and freed first) and its own workspace plus the optimiser's state.
    func peakFloats(content: PlanarImage, styles: [PlanarImage], longest: Int, deepest: Int) -> Int {
        let (w, h) = Resample.fit(width: content.width, height: content.height, longest: longest)
        let styleWorkspaces = styles.map { style in
            let (sw, sh) = styleSize(style, width: w, height: h, longest: longest)
            return NetworkWorkspace.floatCount(network: network, height: sh, width: sw, depth: deepest)
        }
        let pixels = 3 * w * h
        let optimizer = options.optimizer == .lbfgs ? LBFGS.floatCount(count: pixels)
                                                    : Adam.floatCount(count: pixels)
        let own = NetworkWorkspace.floatCount(network: network, height: h, width: w, depth: deepest)
            + optimizer + pixels
        return max(own, styleWorkspaces.max() ?? 0)
    }

    /// Σ_k blend_k · A_k for each style layer, each style image at `styleSize`.
    func styleGrams(styles: [PlanarImage], blend: [Float], width: Int, height: Int, longest: Int,
                    deepest: Int, transformed: TransformedWeights?) throws -> [String: [Float]] {
        var grams: [String: [Float]] = [:]
        for (k, style) in styles.enumerated() {
            let (sw, sh) = styleSize(style, width: width, height: height, longest: longest)
            let resized = Resample.resize(style, width: sw, height: sh)
            let ws = try NetworkWorkspace(network: network, height: sh, width: sw, depth: deepest,
                                      parallel: parallel, transformed: transformed)
            ws.forward(model.convention.toModel(resized))
            for (name, _) in options.styleLayers {
                let shape = ws.shape(of: name)!
                var g = [Float](repeating: 0, count: shape.channels * shape.channels)
                g.withUnsafeMutableBufferPointer { gp in
                    Gram.compute(features: ws.output(of: name)!, channels: shape.channels,
                                 positions: shape.plane,
                                 scale: StyleObjective.gramScale(objective: options.objective, shape: shape),
                                 gram: gp.baseAddress!, parallel: parallel)
                }
                if var acc = grams[name] {
                    for i in acc.indices { acc[i] += blend[k] * g[i] }
                    grams[name] = acc
                } else {
                    grams[name] = g.map { $0 * blend[k] }
                }
            }
        }
        return grams
    }

    /// Seeded uniform noise in 0…1 (SplitMix64), the same for the same seed on every machine.
    static func noise(width: Int, height: Int, seed: UInt64) -> PlanarImage {
        var generator = SplitMix64(state: seed &+ 0x9E37_79B9_7F4A_7C15)
        let pixels = (0..<3 * width * height).map { _ in generator.unit() }
        return PlanarImage(trusted: width, height, pixels)
    }
}

