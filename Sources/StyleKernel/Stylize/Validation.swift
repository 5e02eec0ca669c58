/// Checks every option before any work starts, so a bad value is an error, never a trap or a
/// wasted hour.
extension StyleOptions {
    /// Largest result side the engine accepts (memory grows with its square).
    public static let maximumSize = 8192
    /// Smallest memory budget accepted (the model and runtime alone take about 200 MiB).
    public static let minimumMemory = 256 << 20

    public func validate(for architecture: VGGArchitecture, styleCount: Int) throws {
        func bad(_ message: String) -> StyleError { .invalidArgument(message) }
        guard iterations > 0, iterations <= 1_000_000 else {
            throw bad("iterations must be between 1 and 1000000, got \(iterations)")
        }
        guard size >= 16, size <= Self.maximumSize else {
            throw bad("size must be between 16 and \(Self.maximumSize) pixels, got \(size)")
        }
        guard workSize >= 64, workSize <= Self.maximumSize else {
            throw bad("work size must be between 64 and \(Self.maximumSize) pixels, got \(workSize)")
        }
        guard maxMemory >= Self.minimumMemory else {
            throw bad("the memory budget must be at least \(MemoryEstimate.mebibytes(Self.minimumMemory)) MiB, got \(MemoryEstimate.mebibytes(maxMemory)) MiB")
        }
        guard scales >= 1, scales <= 8 else { throw bad("scales must be between 1 and 8, got \(scales)") }
        guard threads >= 0, threads <= 256 else { throw bad("threads must be between 0 and 256, got \(threads)") }
        for (name, value) in [("content weight", contentWeight), ("style weight", styleWeight),
                              ("tv weight", tvWeight)] {
            guard value.isFinite, value >= 0 else { throw bad("\(name) must be a finite number ≥ 0, got \(value)") }
        }
        guard learningRate.isFinite, learningRate > 0 else {
            throw bad("learning rate must be a finite number > 0, got \(learningRate)")
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
