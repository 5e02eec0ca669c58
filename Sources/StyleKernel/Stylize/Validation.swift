internal import CStyleFilterABI

/// Checks every option before any work starts, so a bad value is an error, never a trap or a
/// wasted hour.
extension StyleOptions {
    /// Largest result side the engine accepts: SF_MAX_RESULT_SIDE of stylefilter.h (its one
    /// source), as large as an input may be, since the tiled stages bound the memory; what a
    /// budget cannot hold is refused by the plan.
    public static let maximumSize = Int(SF_MAX_RESULT_SIDE)
    /// Smallest memory budget accepted (the model and runtime alone take about 200 MiB).
    public static let minimumMemory = 256 << 20
    /// `size` meaning "the content's own size" (`--size full`, `size=full`): the engine resolves it
    /// to the content's longest side, which must then lie in `sizeRange`.
    public static let fullSize = 0
    // The ranges below are the option table's bounds too (OptionTable.swift).
    public static let iterationRange = 1...1_000_000
    public static let sizeRange = 16...maximumSize
    public static let workSizeRange = 64...maximumSize
    public static let scaleRange = 1...8
    public static let threadRange = 0...256
    public static let styleScaleRange: ClosedRange<Float> = 0.25...4

    public func validate(for architecture: VGGArchitecture, styleCount: Int) throws {
        func bad(_ message: String) -> StyleError { .invalidArgument(message) }
        let r = (iterations: Self.iterationRange, size: Self.sizeRange, work: Self.workSizeRange)
        guard r.iterations.contains(iterations) else {
            throw bad("iterations must be between \(r.iterations.lowerBound) and \(r.iterations.upperBound), got \(iterations)")
        }
        guard size == Self.fullSize || r.size.contains(size) else {
            throw bad("size must be between \(r.size.lowerBound) and \(r.size.upperBound) pixels, got \(size)")
        }
        guard r.work.contains(workSize) else {
            throw bad("work size must be between \(r.work.lowerBound) and \(r.work.upperBound) pixels, got \(workSize)")
        }
        guard maxMemory >= Self.minimumMemory else {
            throw bad("the memory budget must be at least \(MemoryEstimate.mebibytes(Self.minimumMemory)) MiB, got \(MemoryEstimate.mebibytes(maxMemory)) MiB")
        }
        guard Self.scaleRange.contains(scales) else {
            throw bad("scales must be between \(Self.scaleRange.lowerBound) and \(Self.scaleRange.upperBound), got \(scales)")
        }
        guard Self.threadRange.contains(threads) else {
            throw bad("threads must be between \(Self.threadRange.lowerBound) and \(Self.threadRange.upperBound), got \(threads)")
        }
        for (name, value) in [("content weight", contentWeight), ("style weight", styleWeight),
                              ("tv weight", tvWeight)] {
            guard value.isFinite, value >= 0 else { throw bad("\(name) must be a finite number ≥ 0, got \(value)") }
        }
        guard learningRate.isFinite, learningRate > 0 else {
            throw bad("learning rate must be a finite number > 0, got \(learningRate)")
        }
        guard styleScale.isFinite, Self.styleScaleRange.contains(styleScale) else {
            throw bad("style scale must be between \(Self.styleScaleRange.lowerBound) and \(Self.styleScaleRange.upperBound), got \(styleScale)")
        }
        guard objective != .tutorial || styleScale == 1 else {
            throw bad("the tutorial objective takes the style at the content's size: leave the style scale at 1, or use the default objective")
        }
        let known = architecture.layerNames
        guard !contentLayers.isEmpty || contentWeight == 0 else { throw bad("no content layers given") }
        for name in contentLayers where !known.contains(name) {
            throw bad("unknown content layer '\(name)' for \(architecture.rawValue); layers: \(known.joined(separator: ","))")
        }
        guard Set(contentLayers).count == contentLayers.count else { throw bad("a content layer is listed twice") }
        guard !styleLayers.isEmpty else { throw bad("no style layers given") }
        for (name, weight) in styleLayers {
            guard known.contains(name) else {
                throw bad("unknown style layer '\(name)' for \(architecture.rawValue); layers: \(known.joined(separator: ","))")
            }
            guard weight.isFinite, weight >= 0 else { throw bad("style layer \(name) has weight \(weight); weights must be finite and ≥ 0") }
        }
        guard Set(styleLayers.map(\.name)).count == styleLayers.count else { throw bad("a style layer is listed twice") }
        guard styleLayers.contains(where: { $0.weight > 0 }) else { throw bad("all style layer weights are zero") }
        guard styleCount >= 1 else { throw bad("at least one style image is needed") }
        if !styleBlend.isEmpty {
            guard styleBlend.count == styleCount else {
                throw bad("\(styleBlend.count) style blend weights for \(styleCount) style images")
            }
            guard styleBlend.allSatisfy({ $0.isFinite && $0 >= 0 }), styleBlend.contains(where: { $0 > 0 }) else {
                throw bad("style blend weights must be finite, ≥ 0 and not all zero")
            }
        }
        if case .image(let image) = initialization, image.pixels.contains(where: { !$0.isFinite }) {
            throw bad("the initial image contains NaN or infinite values")
        }
    }

    /// These options with `size = fullSize` resolved to the content's longest side (the result
    /// then has the content's own size; `validate` checks that side against `sizeRange`).
    public func resolvingFullSize(width: Int, height: Int) -> StyleOptions {
        var o = self
        if o.size == Self.fullSize { o.size = max(width, height) }
        return o
    }

    /// The default style layers as this (resolved) run uses them: the tutorial objective takes
    /// the tutorials' (`tutorialStyleLayers`), and a result larger than the working size, which
    /// continues in tiles, `largeResultStyleLayers`. Style layers the caller chose (anything but
    /// the default set) are kept as they are.
    func resolvingDefaultLayers() -> StyleOptions {
        let isDefault = styleLayers.map(\.name) == Self.defaultStyleLayers.map(\.name)
            && styleLayers.map(\.weight) == Self.defaultStyleLayers.map(\.weight)
        guard isDefault else { return self }
        var o = self
        if objective == .tutorial {
            o.styleLayers = Self.tutorialStyleLayers
        } else if size > workSize {
            o.styleLayers = Self.largeResultStyleLayers
        }
        return o
    }

    /// Blend weights normalised to sum 1 (equal when none were given).
    func normalizedBlend(styleCount: Int) -> [Float] {
        let raw = styleBlend.isEmpty ? [Float](repeating: 1, count: styleCount) : styleBlend
        let sum = raw.reduce(0, +)
        return raw.map { $0 / sum }
    }

    /// The deepest conv layer the objective uses.
    func deepestLayer(in network: VGGNetwork) -> Int {
        (contentLayers + styleLayers.map(\.name)).compactMap(network.layerIndex).max() ?? 0
    }
}
