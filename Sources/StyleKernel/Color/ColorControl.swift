#if canImport(Glibc)
    import Glibc
#endif

/// `--colors`: whose colours the result has, after Gatys, Bethge, Hertzmann & Shechtman,
/// "Preserving Color in Neural Artistic Style Transfer" (2016). Both methods work on the inputs
/// before the optimisation and (luminance) on its result after it; the optimisation itself is
/// unchanged.
///
/// - `luminance`: content and styles become grey images of their luminance (YIQ's Y, BT.601
///   weights), each style's luminance first matched to the content's in mean and spread
///   (the paper's eq. 2), so the style brings texture rather than an overall brightness. The
///   result's luminance is then put into the content's colours. YIQ's inverse has the column
///   (1, 1, 1) for Y, so keeping the content's I and Q and replacing its Y is adding
///   Y_result − Y_content to each of R, G and B.
/// - `histogram`: each style image's colours are mapped by the affine transform that gives
///   them the content's mean and covariance (the paper's §2.1, with the symmetric square roots
///   Σc^½·Σs^−½ of its "Image Analogies" variant), then the transfer runs as usual.
public enum ColorControl {
    /// BT.601 luma weights, as in YIQ.
    static let luma: (r: Float, g: Float, b: Float) = (0.299, 0.587, 0.114)

    /// The luminance plane of an image.
    public static func luminance(_ image: PlanarImage) throws -> [Float] {
        let n = image.width * image.height
        var y = try CheckedMemory.floats(n, what: "the luminance of an image of \(image.width)×\(image.height)")
        image.pixels.withUnsafeBufferPointer { p in
            for i in 0..<n { y[i] = luma.r * p[i] + luma.g * p[n + i] + luma.b * p[2 * n + i] }
        }
        return y
    }

    /// The grey image whose three channels are `y`.
    static func grey(_ y: [Float], width: Int, height: Int) throws -> PlanarImage {
        let n = y.count
        let planes: [Float] = try CheckedMemory.array(3 * n, what: "a grey image of \(width)×\(height)") { out, count in
            y.withUnsafeBufferPointer { src in
                for c in 0..<3 { (out.baseAddress! + c * n).initialize(from: src.baseAddress!, count: n) }
            }
            count = 3 * n
        }
        return PlanarImage(trusted: width, height, planes)
    }

    static func meanAndSpread(_ values: [Float]) -> (mean: Float, spread: Float) {
        var sum = 0.0, squares = 0.0
        for v in values {
            sum += Double(v)
            squares += Double(v) * Double(v)
        }
        let n = Double(max(1, values.count))
        let mean = sum / n
        return (Float(mean), Float(max(0, squares / n - mean * mean).squareRoot()))
    }

    /// The inputs the optimisation sees: for `luminance`, grey images (the styles' luminance
    /// matched to the content's); for `histogram`, the styles recoloured; else unchanged.
    public static func prepare(
        content: PlanarImage, styles: [PlanarImage],
        colors: StyleOptions.Colors
    ) throws -> (content: PlanarImage, styles: [PlanarImage]) {
        switch colors {
        case .style:
            return (content, styles)
        case .luminance:
            let yc = try luminance(content)
            let target = meanAndSpread(yc)
            let greyStyles = try styles.map { style -> PlanarImage in
                var ys = try luminance(style)
                let own = meanAndSpread(ys)
                // A flat style has no spread to scale: it becomes the content's mean.
                let k = own.spread > 1e-6 ? target.spread / own.spread : 0
                for i in ys.indices { ys[i] = min(1, max(0, (ys[i] - own.mean) * k + target.mean)) }
                return try grey(ys, width: style.width, height: style.height)
            }
            return (try grey(yc, width: content.width, height: content.height), greyStyles)
        case .histogram:
            let target = ColorStatistics(content)
            return (content, try styles.map { try target.recolor($0, from: ColorStatistics($0)) })
        }
    }

    /// Whether an image is grey: its pixels' chroma (the spread of R, G and B) is under 1 % on
    /// average and under 4 % at 99 % of them, which a greyscale scan saved in colour (JPEG's
    /// chroma noise) still passes and a faint tint does not.
    static func isGrey(_ image: PlanarImage) -> Bool {
        let n = image.width * image.height
        guard n > 0 else { return false }
        var histogram = [Int](repeating: 0, count: 101)
        var sum = 0.0
        image.pixels.withUnsafeBufferPointer { p in
            for i in 0..<n {
                let r = p[i], g = p[n + i], b = p[2 * n + i]
                let spread = max(r, g, b) - min(r, g, b)
                sum += Double(spread)
                histogram[min(100, max(0, Int(spread * 100)))] += 1
            }
        }
        guard sum / Double(n) < 0.01 else { return false }
        // Pixels with a spread of 4 % or more.
        let above = histogram[4...].reduce(0, +)
        return Double(above) <= 0.01 * Double(n)
    }

    /// The start image `--init style-colors`: `content` recoloured to the styles' colour
    /// statistics (`ColorStatistics.recolor`), blended by `blend` like their Grams. With region
    /// masks (one plane per style, at `content`'s size) each style recolours its own region, and
    /// where no mask covers, the content keeps its colours, as the objective keeps them there.
    static func styleColored(
        _ content: PlanarImage, styles: [PlanarImage], blend: [Float],
        masks: [[Float]]
    ) throws -> PlanarImage {
        let own = ColorStatistics(content)
        let each = styles.map(ColorStatistics.init)
        guard !masks.isEmpty else {
            return try ColorStatistics(blending: each, weights: blend).recolor(content, from: own)
        }
        let n = content.width * content.height
        let what = "the start image in the styles' colours (\(content.width)×\(content.height))"
        var out = try CheckedMemory.floats(3 * n, what: what)
        var covered = try CheckedMemory.floats(n, what: what)
        for (k, mask) in masks.enumerated() {
            let recolored = try each[k].recolor(content, from: own).pixels
            for c in 0..<3 { for i in 0..<n { out[c * n + i] += mask[i] * recolored[c * n + i] } }
            for i in 0..<n { covered[i] += mask[i] }
        }
        // Overlapping masks share a pixel by their values; an uncovered share keeps the content.
        for i in 0..<n {
            let total = covered[i]
            for c in 0..<3 {
                let v = total > 1 ? out[c * n + i] / total : out[c * n + i] + (1 - total) * content.pixels[c * n + i]
                out[c * n + i] = min(1, max(0, v))
            }
        }
        return PlanarImage(trusted: content.width, content.height, out)
    }

    /// The result in the content's colours (`luminance`): the content at the result's size with
    /// its luminance replaced by the result's, clamped to 0…1. Other modes return `result`.
    public static func finish(_ result: PlanarImage, content: PlanarImage, colors: StyleOptions.Colors) throws
        -> PlanarImage
    {
        guard colors == .luminance else { return result }
        let (w, h) = (result.width, result.height)
        let original = try Resample.resize(content, width: w, height: h)
        let yResult = try luminance(result), yContent = try luminance(original)
        let n = w * h
        // Written into an array of its own: `original` may share the content's pixels.
        let out: [Float] = try CheckedMemory.array(3 * n, what: "the result in the content's colours (\(w)×\(h))") {
            buffer, count in
            original.pixels.withUnsafeBufferPointer { o in
                for c in 0..<3 {
                    for i in 0..<n {
                        buffer[c * n + i] = min(1, max(0, o[c * n + i] + yResult[i] - yContent[i]))
                    }
                }
            }
            count = 3 * n
        }
        return PlanarImage(trusted: w, h, out)
    }
}

/// The mean colour and the 3 × 3 colour covariance of an image.
struct ColorStatistics {
    var mean: [Double] = [0, 0, 0]
    /// Row-major 3 × 3.
    var covariance: [Double] = [Double](repeating: 0, count: 9)

    /// The statistics of the mixture of several images' colours, image k taking share
    /// weights[k] (normalised): μ = Σ wₖμₖ, Σ = Σ wₖ(Σₖ + μₖμₖᵀ) − μμᵀ.
    init(blending parts: [ColorStatistics], weights: [Float]) {
        let total = weights.reduce(0.0) { $0 + Double($1) }
        for (part, weight) in zip(parts, weights) {
            let w = total > 0 ? Double(weight) / total : 1 / Double(parts.count)
            for a in 0..<3 {
                mean[a] += w * part.mean[a]
                for b in 0..<3 {
                    covariance[a * 3 + b] += w * (part.covariance[a * 3 + b] + part.mean[a] * part.mean[b])
                }
            }
        }
        for a in 0..<3 { for b in 0..<3 { covariance[a * 3 + b] -= mean[a] * mean[b] } }
    }

    init(_ image: PlanarImage) {
        let n = image.width * image.height
        image.pixels.withUnsafeBufferPointer { p in
            for c in 0..<3 {
                var s = 0.0
                for i in 0..<n { s += Double(p[c * n + i]) }
                mean[c] = s / Double(n)
            }
            for a in 0..<3 {
                for b in a..<3 {
                    var s = 0.0
                    for i in 0..<n { s += (Double(p[a * n + i]) - mean[a]) * (Double(p[b * n + i]) - mean[b]) }
                    covariance[a * 3 + b] = s / Double(n)
                    covariance[b * 3 + a] = covariance[a * 3 + b]
                }
            }
        }
    }

    /// x ↦ A·(x − μs) + μ with A = Σ^½·Σs^−½ (this image's Σ, μ; `source`'s Σs, μs), so the
    /// image recoloured has this one's mean and covariance; clamped to 0…1. A ridge of 0.1 % of
    /// Σs's mean variance keeps a flat or two-colour style's Σs invertible.
    func recolor(_ image: PlanarImage, from source: ColorStatistics) throws -> PlanarImage {
        var sourceCov = source.covariance
        let ridge = 1e-3 * (sourceCov[0] + sourceCov[4] + sourceCov[8]) / 3 + 1e-9
        for i in 0..<3 { sourceCov[i * 4] += ridge }
        let a = SymmetricEigen3(covariance).power(0.5).multiplied(by: SymmetricEigen3(sourceCov).power(-0.5))
        let n = image.width * image.height
        var out = try CheckedMemory.floats(3 * n, what: "an image of \(image.width)×\(image.height) recoloured")
        image.pixels.withUnsafeBufferPointer { p in
            for i in 0..<n {
                let d = (
                    Double(p[i]) - source.mean[0], Double(p[n + i]) - source.mean[1],
                    Double(p[2 * n + i]) - source.mean[2]
                )
                for r in 0..<3 {
                    let v = a[r * 3] * d.0 + a[r * 3 + 1] * d.1 + a[r * 3 + 2] * d.2 + mean[r]
                    out[r * n + i] = Float(min(1, max(0, v)))
                }
            }
        }
        return PlanarImage(trusted: image.width, image.height, out)
    }
}

/// The eigen-decomposition of a symmetric 3 × 3 matrix by cyclic Jacobi rotations (Golub & Van
/// Loan, "Matrix Computations", §8.5), for its powers.
struct SymmetricEigen3 {
    var values: [Double]
    /// Row-major; column k is the eigenvector of values[k].
    var vectors: [Double]

    init(_ matrix: [Double]) {
        var a = matrix
        var v: [Double] = [1, 0, 0, 0, 1, 0, 0, 0, 1]
        for _ in 0..<50 {
            let off = a[1] * a[1] + a[2] * a[2] + a[5] * a[5]
            if off < 1e-30 { break }
            for (p, q) in [(0, 1), (0, 2), (1, 2)] where abs(a[p * 3 + q]) > 1e-300 {
                let theta = (a[q * 3 + q] - a[p * 3 + p]) / (2 * a[p * 3 + q])
                let t = (theta >= 0 ? 1 : -1) / (abs(theta) + (theta * theta + 1).squareRoot())
                let c = 1 / (t * t + 1).squareRoot(), s = t * c
                // a ← Jᵀ·a·J with the rotation J in the (p, q) plane; v ← v·J.
                for k in 0..<3 {
                    let akp = a[k * 3 + p], akq = a[k * 3 + q]
                    a[k * 3 + p] = c * akp - s * akq
                    a[k * 3 + q] = s * akp + c * akq
                }
                for k in 0..<3 {
                    let apk = a[p * 3 + k], aqk = a[q * 3 + k]
                    a[p * 3 + k] = c * apk - s * aqk
                    a[q * 3 + k] = s * apk + c * aqk
                }
                for k in 0..<3 {
                    let vkp = v[k * 3 + p], vkq = v[k * 3 + q]
                    v[k * 3 + p] = c * vkp - s * vkq
                    v[k * 3 + q] = s * vkp + c * vkq
                }
            }
        }
        values = [a[0], a[4], a[8]]
        vectors = v
    }

    /// V·diag(λᵉ)·Vᵀ (eigenvalues below 1e-12 are taken as 1e-12).
    func power(_ e: Double) -> Matrix3 {
        let d = values.map { pow(max($0, 1e-12), e) }
        var m = [Double](repeating: 0, count: 9)
        for r in 0..<3 {
            for c in 0..<3 {
                var s = 0.0
                for k in 0..<3 { s += vectors[r * 3 + k] * d[k] * vectors[c * 3 + k] }
                m[r * 3 + c] = s
            }
        }
        return Matrix3(m)
    }
}

/// A row-major 3 × 3 matrix.
struct Matrix3 {
    var entries: [Double]
    init(_ entries: [Double]) { self.entries = entries }
    subscript(i: Int) -> Double { entries[i] }

    func multiplied(by other: Matrix3) -> Matrix3 {
        var m = [Double](repeating: 0, count: 9)
        for r in 0..<3 {
            for c in 0..<3 {
                var s = 0.0
                for k in 0..<3 { s += entries[r * 3 + k] * other.entries[k * 3 + c] }
                m[r * 3 + c] = s
            }
        }
        return Matrix3(m)
    }
}
