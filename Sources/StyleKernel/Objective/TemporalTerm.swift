/// What a frame of a sequence is held to (Ruder, Dosovitskiy & Brox 2016, "Artistic style transfer
/// for videos", eq. 7): the previous stylized frames warped into this one by the optical flow, and
/// per pixel whether the flow is reliable there (1) or not (0: disoccluded, a motion boundary, or
/// outside the earlier frame). Built by `TemporalGuide.make` (Sequence/), at the result's size.
public struct TemporalGuide: Sendable {
    /// The target image (0…1 RGB planes).
    public var target: PlanarImage
    /// One weight per pixel, height × width, in 0…1.
    public var weights: [Float]

    public init(target: PlanarImage, weights: [Float]) throws {
        guard weights.count == target.width * target.height else {
            throw StyleError.invalidArgument(
                "a temporal guide of \(target.width)×\(target.height) needs \(target.width * target.height) weights, got \(weights.count)"
            )
        }
        self.target = target
        self.weights = weights
    }

    /// The guide's part under a tile.
    func cropped(x0: Int, y0: Int, width: Int, height: Int) throws -> TemporalGuide {
        return try TemporalGuide(
            target: try target.crop(x0: x0, y0: y0, width: width, height: height),
            weights: try PlanarImage.crop(
                weights, channels: 1, width: target.width, height: target.height,
                x0: x0, y0: y0, toWidth: width, height: height))
    }

    /// The guide at another size (a stage smaller than the result's).
    func resized(width: Int, height: Int) throws -> TemporalGuide {
        guard width != target.width || height != target.height else { return self }
        return try TemporalGuide(
            target: try Resample.resize(target, width: width, height: height),
            weights: try Resample.resize(
                weights, channels: 1, width: target.width, height: target.height, toWidth: width, height: height))
    }
}

/// The temporal term of the objective: t · Σ c·(x − ω)², over the three channels, with ω the
/// guide's target and c its weights, both in the model's space; t is the per-value normaliser of
/// total variation (`StyleObjective.tvNorm`), so the term is the mean squared difference in 0…1
/// units over the image's values, whatever its size (a frame 10 levels of 255 off the warped
/// previous one everywhere it is reliable scores about 0.0015).
final class TemporalTerm: @unchecked Sendable {
    let target: FloatBuffer
    let weights: FloatBuffer
    let plane: Int
    let norm: Float

    init(guide: TemporalGuide, convention: InputConvention, norm: Float) throws {
        target = try FloatBuffer(checkedValues: convention.toModel(guide.target))
        weights = try FloatBuffer(checkedValues: guide.weights)
        plane = guide.target.width * guide.target.height
        self.norm = norm
    }

    /// The term at x (3 planes of `plane` values); adds `weight` times its gradient to `gradient`.
    func evaluate(_ x: UnsafePointer<Float>, weight: Float, gradient: UnsafeMutablePointer<Float>?, parallel: Parallel)
        -> Double
    {
        let t = target.pointer, c = weights.pointer, n = plane
        let k = 2 * weight * norm
        var sums = [Double](repeating: 0, count: 3)
        sums.withUnsafeMutableBufferPointer { out in
            parallel.forEach(3, minimumPerThread: 1) { channels in
                for ch in channels {
                    let xo = x + ch * n, to = t + ch * n
                    var total: Float = 0
                    if let g = gradient.map({ $0 + ch * n }) {
                        for i in 0..<n {
                            let d = c[i] * (xo[i] - to[i])
                            total += d * (xo[i] - to[i])
                            g[i] += k * d
                        }
                    } else {
                        for i in 0..<n {
                            let d = xo[i] - to[i]
                            total += c[i] * d * d
                        }
                    }
                    out[ch] = Double(total)
                }
            }
        }
        return Double(norm) * sums.reduce(0, +)
    }
}
