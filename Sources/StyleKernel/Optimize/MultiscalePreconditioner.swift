#if canImport(Glibc)
    import Glibc
#endif

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
    /// factorᵏ for k = 1…levels.
    static let weights: [Float] = (1...levels).map { pow(factor, Float($0)) }

    let width: Int
    let height: Int
    private let plane: Int
    private let parallel: Parallel
    /// M·v while it is summed, each plane's blurred copy and the box's scratch (one of each per
    /// colour, so the three planes run in parallel without sharing).
    private let sum: FloatBuffer
    private let blurred: FloatBuffer
    private let scratch: FloatBuffer
    /// Per pixel, 0…1 (nil: every pixel 1).
    private let coverage: [Float]?

    /// Rows of the image's width that one plane's `box` works in: the running sums and the ring
    /// of the largest radius's r + 1 rows (eight rows of sums along x fit in it too).
    static let scratchRows = max(8, (1 << (levels - 1)) + 2)

    /// Floats held for an image of `width`×`height` (three planes twice, a coverage plane, and
    /// three planes' box scratch).
    static func floatCount(width: Int, height: Int) -> Int { 7 * width * height + 3 * scratchRows * width }

    /// `coverage`: one value per pixel in 0…1 (how far the styles apply there), or nil.
    init(width: Int, height: Int, coverage: [Float]? = nil, parallel: Parallel) throws {
        precondition(coverage == nil || coverage!.count == width * height)
        self.width = width
        self.height = height
        plane = width * height
        self.coverage = coverage
        self.parallel = parallel
        sum = try FloatBuffer(checkedCount: 3 * plane)
        blurred = try FloatBuffer(checkedCount: 3 * plane)
        scratch = try FloatBuffer(checkedCount: 3 * Self.scratchRows * width)
    }

    /// v ← M·v.
    func apply(_ v: UnsafeMutablePointer<Float>) {
        let s = sum.pointer
        forEachPlane(of: v, boxPasses: 2) { c, cover, levels in
            let vc = v + c * plane, sc = s + c * plane
            for i in 0..<plane { sc[i] = vc[i] }
            levels { weight, tent in  // tent = Tₖ·C·v
                if let cover {
                    for i in 0..<plane { sc[i] += weight * cover[i] * tent[i] }
                } else {
                    for i in 0..<plane { sc[i] += weight * tent[i] }
                }
            }
            for i in 0..<plane { vc[i] = sc[i] }
        }
    }

    /// vᵀ·M·v = ‖v‖² + Σₖ 2ᵏ·‖Bₖ·C·v‖², summed plane by plane in a fixed order (the same bits with
    /// any thread count).
    func quadratic(_ v: UnsafePointer<Float>) -> Double {
        var perPlane = [Double](repeating: 0, count: 3)
        perPlane.withUnsafeMutableBufferPointer { out in
            let out = UncheckedSendable(out.baseAddress!)
            forEachPlane(of: v, boxPasses: 1) { c, _, levels in
                var total = Self.sumSquares(v + c * plane, plane)
                levels { weight, boxed in total += Double(weight) * Self.sumSquares(boxed, plane) }  // boxed = Bₖ·C·v
                out.value[c] = total
            }
        }
        return perPlane[0] + perPlane[1] + perPlane[2]
    }

    /// Runs `body(c, coverage, levels)` for the three colour planes in parallel; `levels(f)` calls
    /// f(2ᵏ, Bₖᵖ·C·v) for k = 1…levels, p = `boxPasses`, from plane c's own scratch.
    private func forEachPlane(
        of v: UnsafePointer<Float>, boxPasses: Int,
        _ body: (Int, UnsafePointer<Float>?, ((Float, UnsafePointer<Float>) -> Void) -> Void) -> Void
    ) {
        let (b, boxScratch, scratchSize) = (blurred.pointer, scratch.pointer, Self.scratchRows * width)
        coverage.withOptionalPointer { cover in
            parallel.forEachPiece(3) { planes in
                for c in planes {
                    let vc = v + c * plane, bc = b + c * plane, own = boxScratch + c * scratchSize
                    body(c, cover) { perLevel in
                        for (index, weight) in Self.weights.enumerated() {
                            if let cover {
                                for i in 0..<plane { bc[i] = vc[i] * cover[i] }
                            } else {
                                for i in 0..<plane { bc[i] = vc[i] }
                            }
                            for _ in 0..<boxPasses { box(bc, radius: 1 << index, scratch: own) }
                            perLevel(weight, bc)
                        }
                    }
                }
            }
        }
    }

    private static func sumSquares(_ p: UnsafePointer<Float>, _ n: Int) -> Double {
        var total = 0.0
        for i in 0..<n { total += Double(p[i]) * Double(p[i]) }
        return total
    }

    /// One plane ← its mean over the (2r+1)² box around each pixel, pixels outside the image
    /// counting as 0 (so the operator stays symmetric), rows then columns by running sums.
    /// `scratch` holds `scratchRows` rows of the plane's width.
    ///
    /// Each output is the same sequence of float operations as a plain running sum along its row
    /// or column (so the bits do not depend on how the work is laid out); what is arranged for
    /// speed is which sums run side by side: eight rows at once along x, and every column at once
    /// down y, in vectors. A running sum is a chain of dependent additions, so one at a time it
    /// waits on the adder's latency; the box took 4.7 % of a default run that way (bench/README.md
    /// run 10).
    private func box(_ a: UnsafeMutablePointer<Float>, radius r: Int, scratch: UnsafeMutablePointer<Float>) {
        let (w, h) = (width, height)
        let scale = 1 / Float(2 * r + 1)
        // Rows: eight at a time, each lane one row's running sum.
        let lanes = UnsafeMutableRawPointer(scratch)  // 8·w sums, interleaved by x
        var y = 0
        while y + 8 <= h {
            let row = a + y * w
            @inline(__always) func column(_ x: Int) -> SIMD8<Float> {
                SIMD8(
                    row[x], row[w + x], row[2 * w + x], row[3 * w + x],
                    row[4 * w + x], row[5 * w + x], row[6 * w + x], row[7 * w + x])
            }
            var running = SIMD8<Float>()
            for i in 0..<min(r, w) { running += column(i) }
            for x in 0..<w {
                if x + r < w { running += column(x + r) }
                if x - r - 1 >= 0 { running -= column(x - r - 1) }
                lanes.storeBytes(
                    of: running * scale, toByteOffset: x * MemoryLayout<SIMD8<Float>>.stride, as: SIMD8<Float>.self)
            }
            let sums = scratch
            for k in 0..<8 {
                let out = row + k * w
                for x in 0..<w { out[x] = sums[8 * x + k] }
            }
            y += 8
        }
        while y < h {
            let row = a + y * w, line = scratch
            var running: Float = 0
            for i in 0..<min(r, w) { running += row[i] }
            for x in 0..<w {
                if x + r < w { running += row[x + r] }
                if x - r - 1 >= 0 { running -= row[x - r - 1] }
                line[x] = running * scale
            }
            for x in 0..<w { row[x] = line[x] }
            y += 1
        }
        // Columns: all at once, row by row. Row y is overwritten by its result before rows up to
        // y + r are read, and its original is still to be subtracted at y + r + 1, so the last
        // r + 1 originals wait in a ring of rows.
        let running = scratch, ring = scratch + w
        running.update(repeating: 0, count: w)
        for i in 0..<min(r, h) {
            let add = a + i * w
            for x in 0..<w { running[x] += add[x] }
        }
        for y in 0..<h {
            let row = a + y * w, saved = ring + (y % (r + 1)) * w
            if y + r < h {
                let add = a + (y + r) * w
                for x in 0..<w { running[x] += add[x] }
            }
            if y - r - 1 >= 0 {
                // The slot of row y − r − 1 is the one row y is saved to next.
                for x in 0..<w { running[x] -= saved[x] }
            }
            for x in 0..<w {
                saved[x] = row[x]
                row[x] = running[x] * scale
            }
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
