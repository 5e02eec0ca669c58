/// L-BFGS's initial inverse Hessian for the pixels of a whole image: M = I + Σₖ 2ᵏ·Tₖ (k = 1…5),
/// where Tₖ is a tent blur of each colour plane (a box of radius 2ᵏ⁻¹ applied twice, zero
/// outside the image).
///
/// Why: plain L-BFGS moves every spatial frequency of the gradient at the same rate, and in the
/// few dozen iterations a run can afford, the large-scale changes — a sky turning into the
/// painting's colour bands, a wall into its patches — hardly start; the coarse-to-fine pyramid
/// did them at small sizes instead, where the deep style layers paste the painting's objects
/// (docs/quality.md). M lifts the gradient's smooth parts (up to ~64 px) by up to 1 + 2 + … + 2⁵
/// = 63 and leaves pixel-level ones nearly alone, so one step moves large regions as far as fine
/// detail, at the full size. It is the metric of
/// optimising a Laplacian-pyramid-like parameterisation of the image (Mordvintsev et al.,
/// "Differentiable Image Parameterizations", Distill 2018), applied as the quasi-Newton H₀
/// (Nocedal & Wright §7.2), so the box projection of the pixels is unchanged.
///
/// M is symmetric positive definite, as H₀ must be: each box Bₖ is symmetric (zero padding keeps
/// its matrix symmetric), so Tₖ = BₖBₖ and vᵀTₖv = ‖Bₖv‖² ≥ 0. Tents, not the block means of a
/// pyramid: block means step in 2ᵏ-pixel squares whose edges stay visible in the result.
///
/// With region masks, M = I + Σₖ 2ᵏ·C·Tₖ·C, C = diag(coverage) (each pixel's summed mask values,
/// at most 1): the tents would otherwise carry the styled regions' steps into the pixels no mask
/// covers, which must keep the photo. Pixels outside every mask take plain steps.
final class MultiscalePreconditioner {
    /// Coarsest level: a tent about 2⁶ = 64 px wide. Factor per level 2 (4 — a pyramid's own
    /// weights — gave a higher loss in 24 iterations on Golden Gate × The Scream; docs/quality.md).
    static let levels = 5
    static let factor: Float = 2

    let width: Int
    let height: Int
    private let plane: Int
    private let count: Int
    private let parallel: Parallel
    /// M·v while it is summed, and each plane's blurred copy (one plane per colour, so the three
    /// planes run in parallel without sharing).
    private let sum: FloatBuffer
    private let blurred: FloatBuffer
    private let lines: FloatBuffer
    /// Per pixel, 0…1 (nil: every pixel 1).
    private let coverage: [Float]?

    /// Floats held for an image of `width`×`height` (three planes, and a coverage plane).
    static func floatCount(width: Int, height: Int) -> Int { 7 * width * height + 3 * max(width, height) }

    /// `coverage`: one value per pixel in 0…1 (how far the styles apply there), or nil.
    init(width: Int, height: Int, coverage: [Float]? = nil, parallel: Parallel) throws {
        precondition(coverage == nil || coverage!.count == width * height)
        self.width = width
        self.height = height
        plane = width * height
        count = 3 * plane
        self.coverage = coverage
        self.parallel = parallel
        sum = try FloatBuffer(checkedCount: count)
        blurred = try FloatBuffer(checkedCount: count)
        lines = try FloatBuffer(checkedCount: 3 * max(width, height))
    }

    /// v ← M·v.
    func apply(_ v: UnsafeMutablePointer<Float>) {
        let (s, b, l) = (sum.pointer, blurred.pointer, lines.pointer)
        let (plane, long) = (self.plane, max(width, height))
        coverage.withOptionalPointer { cover in
            parallel.forEachPiece(3) { planes in
                for c in planes {
                    let vc = v + c * plane, sc = s + c * plane, bc = b + c * plane
                    for i in 0..<plane { sc[i] = vc[i] }
                    for k in 1...Self.levels {
                        let radius = 1 << (k - 1)
                        let weight = Self.weight(level: k)
                        copy(vc, into: bc, times: cover)
                        box(bc, radius: radius, line: l + c * long)
                        box(bc, radius: radius, line: l + c * long)
                        if let cover {
                            for i in 0..<plane { sc[i] += weight * cover[i] * bc[i] }
                        } else {
                            for i in 0..<plane { sc[i] += weight * bc[i] }
                        }
                    }
                    for i in 0..<plane { vc[i] = sc[i] }
                }
            }
        }
    }

    /// vᵀ·M·v = ‖v‖² + Σₖ 2ᵏ·‖Bₖ·C·v‖², summed plane by plane in a fixed order (the same bits with
    /// any thread count).
    func quadratic(_ v: UnsafePointer<Float>) -> Double {
        let b = blurred.pointer, l = lines.pointer
        let (plane, long) = (self.plane, max(width, height))
        var perPlane = [Double](repeating: 0, count: 3)
        perPlane.withUnsafeMutableBufferPointer { out in
            let out = UncheckedSendable(out.baseAddress!)
            coverage.withOptionalPointer { cover in
                parallel.forEachPiece(3) { planes in
                    for c in planes {
                        let vc = v + c * plane, bc = b + c * plane
                        var total = Self.sumSquares(vc, plane)
                        for k in 1...Self.levels {
                            copy(vc, into: bc, times: cover)
                            box(bc, radius: 1 << (k - 1), line: l + c * long)
                            total += Double(Self.weight(level: k)) * Self.sumSquares(bc, plane)
                        }
                        out.value[c] = total
                    }
                }
            }
        }
        return perPlane[0] + perPlane[1] + perPlane[2]
    }

    static func weight(level k: Int) -> Float {
        var w: Float = 1
        for _ in 0..<k { w *= factor }
        return w
    }

    /// One plane of `v` into `b`, times the coverage if there is one.
    private func copy(_ v: UnsafePointer<Float>, into b: UnsafeMutablePointer<Float>, times cover: UnsafePointer<Float>?) {
        if let cover {
            for i in 0..<plane { b[i] = v[i] * cover[i] }
        } else {
            for i in 0..<plane { b[i] = v[i] }
        }
    }

    private static func sumSquares(_ p: UnsafePointer<Float>, _ n: Int) -> Double {
        var total = 0.0
        for i in 0..<n { total += Double(p[i]) * Double(p[i]) }
        return total
    }

    /// One plane ← its mean over the (2r+1)² box around each pixel, pixels outside the image
    /// counting as 0 (so the operator stays symmetric), rows then columns by running sums.
    private func box(_ a: UnsafeMutablePointer<Float>, radius r: Int, line: UnsafeMutablePointer<Float>) {
        let (w, h) = (width, height)
        let scale = 1 / Float(2 * r + 1)
        for y in 0..<h {
            let row = a + y * w
            var running: Float = 0
            for i in 0..<min(r, w) { running += row[i] }
            for x in 0..<w {
                if x + r < w { running += row[x + r] }
                if x - r - 1 >= 0 { running -= row[x - r - 1] }
                line[x] = running * scale
            }
            for x in 0..<w { row[x] = line[x] }
        }
        for x in 0..<w {
            var running: Float = 0
            for i in 0..<min(r, h) { running += a[i * w + x] }
            for y in 0..<h {
                if y + r < h { running += a[(y + r) * w + x] }
                if y - r - 1 >= 0 { running -= a[(y - r - 1) * w + x] }
                line[y] = running * scale
            }
            for y in 0..<h { a[y * w + x] = line[y] }
        }
    }
}

private extension Optional where Wrapped == [Float] {
    /// The array's base address for the duration of `body`, or nil.
    func withOptionalPointer<R>(_ body: (UnsafePointer<Float>?) -> R) -> R {
        guard let array = self else { return body(nil) }
        return array.withUnsafeBufferPointer { body($0.baseAddress) }
    }
}
