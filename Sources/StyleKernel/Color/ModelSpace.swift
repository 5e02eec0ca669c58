/// Converting between host images (RGB, 0…1) and the model's input space (its channel order,
/// scale, mean and std — see `InputConvention`).
extension InputConvention {
    /// Source RGB channel for each model channel.
    var sourceChannel: [Int] { order == .bgr ? [2, 1, 0] : [0, 1, 2] }

    /// x[c] = (rgb[source(c)]·scale − mean[c]) / std[c].
    public func toModel(_ image: PlanarImage) throws -> [Float] {
        let n = image.width * image.height
        var out = try CheckedMemory.floats(
            3 * n, what: "an image of \(image.width)×\(image.height) in the model's input space")
        for c in 0..<3 {
            let s = sourceChannel[c] * n
            let k = scale / std[c], b = mean[c] / std[c]
            for i in 0..<n { out[c * n + i] = image.pixels[s + i] * k - b }
        }
        return out
    }

    /// The inverse of `toModel`, clamped to 0…1 (NaN becomes 0).
    public func toImage(_ x: UnsafePointer<Float>, width: Int, height: Int) throws -> PlanarImage {
        let n = width * height
        var out = try CheckedMemory.floats(3 * n, what: "an image of \(width)×\(height)")
        for c in 0..<3 {
            let d = sourceChannel[c] * n
            for i in 0..<n {
                let v = (x[c * n + i] * std[c] + mean[c]) / scale
                out[d + i] = v >= 0 ? (v <= 1 ? v : 1) : 0  // NaN → 0
            }
        }
        return PlanarImage(trusted: width, height, out)
    }
}
