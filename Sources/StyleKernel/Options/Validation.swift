internal import CStyleFilterVersion

/// Checks every option before any work starts, so a bad value is an error, never a trap or a
/// wasted hour.
extension StyleOptions {
    /// Largest result side the engine accepts: SF_MAX_RESULT_SIDE of stylefilter_version.h (its
    /// one source), as large as an input may be, since the tiled stages bound the memory; what a
    /// budget cannot hold is refused by the plan.
    public static let maximumSize = Int(SF_MAX_RESULT_SIDE)
    /// Smallest result side (SF_MIN_RESULT_SIDE).
    public static let minimumSize = Int(SF_MIN_RESULT_SIDE)
    /// Smallest memory budget accepted (the model and runtime alone take about 200 MiB).
    public static let minimumMemory = 256 << 20
    /// `size` meaning "the content's own size" (`--size full`, `size=full`): the engine resolves it
    /// to the content's longest side, which must then lie in `sizeRange`.
    public static let fullSize = 0
    // The ranges below are the option table's bounds too (OptionTable.swift).
    public static let iterationRange = 1...1_000_000
    public static let sizeRange = minimumSize...maximumSize
    public static let workSizeRange = 64...maximumSize
    public static let scaleRange = 1...8
    public static let threadRange = 0...256
    public static let styleScaleRange: ClosedRange<Float> = 0.25...4

    public func validate(for architecture: VGGArchitecture, styleCount: Int) throws {
        func bad(_ message: String) -> StyleError { .invalidArgument(message) }
        // Every option through its row of the option table, as its text: the bounds, words and
        // messages of the command, the C API and -process, kept in one place. A start image and
        // no content layers (with content weight 0) are the engine's own values, beyond the rows.
        for spec in OptionTable.all {
            if spec.name == "init", case .image = initialization { continue }
            if spec.name == "content-layers", contentLayers.isEmpty { continue }
            var scratch = self
            do {
                try spec.set(spec.text(of: self), in: &scratch)
            } catch {
                throw bad(error.description)
            }
        }
        guard objective != .tutorial || styleScale == 1 else {
            throw bad(
                "the tutorial objective takes the style at the content's size: leave the style scale at 1, or use the default objective"
            )
        }
        // The rows know every supported network's layers; this run's network may have fewer.
        let known = architecture.layerNames
        guard !contentLayers.isEmpty || contentWeight == 0 else { throw bad("no content layers given") }
        for name in contentLayers where !known.contains(name) {
            throw bad(
                "unknown content layer '\(name)' for \(architecture.rawValue); layers: \(known.joined(separator: ","))")
        }
        for (name, _) in styleLayers where !known.contains(name) {
            throw bad(
                "unknown style layer '\(name)' for \(architecture.rawValue); layers: \(known.joined(separator: ","))")
        }
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
    /// the tutorials' (`tutorialStyleLayers`). Style layers the caller chose (anything but the
    /// default set) are kept as they are. (1.2–1.10 also gave a result larger than the working
    /// size the tutorials' layers, so that its look differed from the working size's.)
    func resolvingDefaultLayers() -> StyleOptions {
        let isDefault =
            styleLayers.map(\.name) == Self.defaultStyleLayers.map(\.name)
            && styleLayers.map(\.weight) == Self.defaultStyleLayers.map(\.weight)
        guard isDefault else { return self }
        var o = self
        if objective == .tutorial {
            o.styleLayers = Self.tutorialStyleLayers
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
