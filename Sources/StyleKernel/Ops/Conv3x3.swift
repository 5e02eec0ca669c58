import COpenBLAS

/// A frozen 3×3 convolution, stride 1, zero padding 1: out[o] = Σ_i W[o,i] ∗ in[i] + bias[o].
///
/// This is the engine's one convolution seam. The network uses it twice per layer: forward with
/// the layer's weights, and backward (gradient with respect to the input) with the weights
/// flipped 180° and transposed — the gradient of a stride-1 "same" convolution is itself such a
/// convolution.
///
/// Three algorithms behind `apply`, chosen per call by `algorithm(height:width:)`:
/// - Winograd F(m×m, 3×3), m = 6 or 4 by the channels (`winogradTile(inChannels:outChannels:)`;
///   Lavin & Gray 2015, "Fast Algorithms for Convolutional Neural Networks"):
///   Y = Aᵀ[(G g Gᵀ) ⊙ (Bᵀ d B)]A on (m+2)² input tiles giving m×m outputs, 64 instead of 324
///   (F6) or 36 instead of 144 (F4) multiplications per tile and channel pair. The (m+2)²
///   products over channels are as many GEMMs (Cout × Cin times Cin × tiles), on the engine's own
///   kernels (Sources/CWinogradKernels). See `Winograd.swift`.
/// - im2col over bands of rows + one GEMM per band (small images, few channels).
/// - tap planes, for at most 4 output channels (the input gradient of conv1_1: 64 → 3): one GEMM
///   (9·Cout × Cin times Cin × pixels, over bands of rows) gives each tap's products summed over
///   the input channels, and each output row is the sum of nine of those planes' rows, shifted.
///   im2col's GEMM would have M = Cout ≤ 4 and stream a 9·Cin-row column matrix through memory;
///   summing shifted input rows channel by channel (what this path did before) took 10 % of a
///   tile's forward and backward pass at 576 px.
///
/// Weights are stored once, tap-major ([k][i][o], k = 3·ky + kx): im2col reads them in place as
/// the GEMM operand Aᵀ, Winograd's U = G W Gᵀ is computed from them contiguously over output
/// channels (so its transform vectorises); only the tap-planes path, for convolutions with at most 4
/// outputs, keeps a second, (9·Cout) × Cin copy (at most 9·4·512 floats). Winograd's U (4× the
/// weights for F4, 7.1× for F6) is recomputed per call into the workspace unless the caller passes it in: keeping it
/// for all of VGG16 costs ~320 MB (forward and backward), so the engine keeps it only at the
/// coarse scales, where memory is free and the transform is a large part of each call
/// (see `TransformedWeights`).
///
/// Threads: Winograd's transforms are split over channels and its GEMMs over points and tile
/// panels among `parallel`'s workers; when OpenBLAS runs single-threaded (what the engine sets,
/// see `StylizeRun`), im2col's and the tap planes' GEMMs are spread over them in pieces of
/// `columnPiece`, otherwise run one after another. No result's bits depend on the thread count.
public final class Conv3x3: @unchecked Sendable {
    public enum Algorithm: Sendable, CaseIterable { case im2col, winograd, tapPlanes }

    public let inChannels: Int
    public let outChannels: Int
    /// 9 × inChannels × outChannels, tap-major: kernel[(k·Cin + i)·Cout + o] = W[o][i][k].
    let kernel: FloatBuffer
    let bias: FloatBuffer?
    /// Winograd's output tile side: 6 (F(6×6, 3×3)) or 4 (F(4×4, 3×3)), by `winogradTile(inChannels:outChannels:)`.
    /// Tests may change it before the first use (it sizes the workspace and the kept weights).
    var winogradTile: Int

    /// `weights` in OIHW order (outChannels × inChannels × 3 × 3).
    public init(inChannels: Int, outChannels: Int, weights: [Float], bias: [Float]?) {
        precondition(weights.count == inChannels * outChannels * 9)
        precondition(bias == nil || bias!.count == outChannels)
        self.inChannels = inChannels
        self.outChannels = outChannels
        winogradTile = Self.winogradTile(inChannels: inChannels, outChannels: outChannels)
        let kernel = FloatBuffer(count: weights.count)
        let kp = kernel.pointer
        for o in 0..<outChannels {
            for i in 0..<inChannels {
                for k in 0..<9 {
                    kp[(k * inChannels + i) * outChannels + o] = weights[(o * inChannels + i) * 9 + k]
                }
            }
        }
        self.kernel = kernel
        self.bias = bias.map(FloatBuffer.init)
        tapMatrix = Self.tapMatrix(kernel: kernel, inChannels: inChannels, outChannels: outChannels)
    }

    init(inChannels: Int, outChannels: Int, kernel: FloatBuffer, bias: FloatBuffer?) {
        self.inChannels = inChannels
        self.outChannels = outChannels
        winogradTile = Self.winogradTile(inChannels: inChannels, outChannels: outChannels)
        self.kernel = kernel
        self.bias = bias
        tapMatrix = Self.tapMatrix(kernel: kernel, inChannels: inChannels, outChannels: outChannels)
    }

    /// The tap-planes path's GEMM operand, (9·Cout) × Cin: row k·Cout + o holds W[o][·][k]. Only
    /// for the convolutions that take that path (at most 4 output channels; 9·4·Cin floats).
    let tapMatrix: FloatBuffer?

    static func tapMatrix(kernel: FloatBuffer, inChannels: Int, outChannels: Int) -> FloatBuffer? {
        guard outChannels <= tapPlanesMaximumOutputs else { return nil }
        let m = FloatBuffer(count: 9 * outChannels * inChannels)
        for k in 0..<9 {
            for o in 0..<outChannels {
                for i in 0..<inChannels {
                    m.pointer[(k * outChannels + o) * inChannels + i] =
                        kernel.pointer[(k * inChannels + i) * outChannels + o]
                }
            }
        }
        return m
    }

    /// Convolutions with at most this many outputs take the tap-planes path.
    static let tapPlanesMaximumOutputs = 4

    /// Winograd's output tile for a convolution of these channels. F(6×6, 3×3) does 1.78
    /// multiplies per output where F(4×4) does 2.25, and writes 1.78 transformed values per input
    /// value against 2.25, but its U is 64·Cin·Cout floats against 36: every band's GEMMs read all
    /// of it, so for the deep layers, whose U is large and whose images are small, F(4×4) moves
    /// less data. Measured at 512² on Zen 4 (2 threads): F6 is faster up to 128 × 128 channels
    /// (conv1_2 58 → 53 ms, conv2_2 44 → 41 ms), even at 256 × 256 (conv3_2 41 ms both) and
    /// slower at 512 × 512 (conv4_2 45 → 61 ms). At 1024² a whole pass took 2.39 s so, 2.43 s with
    /// F6 up to 256 × 256 and 2.53 s with F6 everywhere (best of 12 each).
    static func winogradTile(inChannels: Int, outChannels: Int) -> Int {
        inChannels * outChannels <= 128 * 128 ? 6 : 4
    }

    /// The weights in OIHW order (outChannels × inChannels × 3 × 3).
    public var weights: [Float] {
        var w = [Float](repeating: 0, count: kernel.count)
        let kp = kernel.pointer
        for o in 0..<outChannels {
            for i in 0..<inChannels {
                for k in 0..<9 { w[(o * inChannels + i) * 9 + k] = kp[(k * inChannels + i) * outChannels + o] }
            }
        }
        return w
    }

    /// The convolution whose output is the gradient of this one's input: weights transposed
    /// (in ↔ out) and flipped 180° spatially, no bias.
    public func inputGradient() -> Conv3x3 {
        // W'[i][o][8−k] = W[o][i][k]  →  kernel'[((8−k)·Cout + o)·Cin + i] = kernel[(k·Cin + i)·Cout + o]
        let flipped = FloatBuffer(count: kernel.count)
        let src = kernel.pointer, dst = flipped.pointer
        for k in 0..<9 {
            let s = src + k * inChannels * outChannels
            let d = dst + (8 - k) * inChannels * outChannels
            for i in 0..<inChannels {
                for o in 0..<outChannels { d[o * inChannels + i] = s[i * outChannels + o] }
            }
        }
        return Conv3x3(inChannels: outChannels, outChannels: inChannels, kernel: flipped, bias: nil)
    }

    /// The algorithm `apply` uses at this size. Winograd needs enough channels on both sides for
    /// its GEMMs to be efficient and pays a per-call weight transform ((m+2)²·Cin·Cout values),
    /// which only large enough images amortise; measured on Zen 4 (see bench/README.md).
    public func algorithm(height: Int, width: Int) -> Algorithm {
        if outChannels <= Self.tapPlanesMaximumOutputs { return .tapPlanes }
        if inChannels < 16 || outChannels < 16 { return .im2col }
        let tiles = ((height + 3) / 4) * ((width + 3) / 4)
        return tiles >= 4 ? .winograd : .im2col
    }

    /// Floats of scratch space `apply` needs for an image of this size.
    public func workspaceCount(height: Int, width: Int) -> Int {
        workspaceCount(height: height, width: width, algorithm: algorithm(height: height, width: width))
    }

    func workspaceCount(height: Int, width: Int, algorithm: Algorithm) -> Int {
        switch algorithm {
        case .tapPlanes:
            return 9 * outChannels * (tapPlanesBandRows(height: height, width: width) + 2) * width
        case .im2col:
            return inChannels * 9 * bandRows(height: height, width: width) * width
        case .winograd:
            let tilesX = (width + winogradTile - 1) / winogradTile
            let tiles = winogradBandTileRows(height: height, width: width) * tilesX
            let points = (winogradTile + 2) * (winogradTile + 2)
            return transformedWeightsCount() + points * (inChannels * Self.packedColumns(tiles) + outChannels * tiles)
        }
    }

    /// Rows per band: the column buffer holds about 4 M floats (16 MB), at least one row.
    func bandRows(height: Int, width: Int) -> Int {
        let perRow = inChannels * 9 * width
        return max(1, min(height, (1 << 22) / max(perRow, 1)))
    }

    /// Output rows per tap-planes band: its planes (with a row above and below) hold about 1 M
    /// floats, at least one row.
    func tapPlanesBandRows(height: Int, width: Int) -> Int {
        let perRow = 9 * outChannels * width
        return max(1, min(height, (1 << 20) / max(perRow, 1) - 2))
    }

    /// Tile rows per Winograd band: V and M together hold about as many floats as U (every band's
    /// GEMMs read all of U, every band's transforms write and read its V and M, so neither
    /// traffic outweighs the other), but at least 256 K (1 MiB, an L2 cache's worth: the early
    /// layers, whose U is small, keep V and M in cache) and at most 4 M, at least one row.
    /// Measured on Zen 4 at 512²: conv1_2 126 → 88 ms, conv4_2 unchanged (issue 29).
    func winogradBandTileRows(height: Int, width: Int) -> Int {
        let tilesX = (width + winogradTile - 1) / winogradTile, tilesY = (height + winogradTile - 1) / winogradTile
        let perRow = (winogradTile + 2) * (winogradTile + 2) * (inChannels + outChannels) * tilesX
        let floats = min(1 << 22, max(1 << 18, transformedWeightsCount()))
        let most = max(1, min(tilesY, floats / max(perRow, 1)))
        // Bands of equal height: the GEMM computes whole panels of tiles, so a short last band
        // (7 + 7 + 2 rows) wastes more of its last panel than three of 6, 5 and 5.
        let bands = (tilesY + most - 1) / most
        return (tilesY + bands - 1) / bands
    }

    /// output (outChannels × H × W) = conv(input (inChannels × H × W)).
    /// `workspace` must hold `workspaceCount(height:width:)` floats.
    public func apply(
        input: UnsafePointer<Float>, height: Int, width: Int,
        output: UnsafeMutablePointer<Float>,
        workspace: UnsafeMutablePointer<Float>, parallel: Parallel
    ) {
        apply(
            input: input, height: height, width: width, output: output, workspace: workspace,
            parallel: parallel, algorithm: algorithm(height: height, width: width))
    }

    /// `transformed`: Winograd's U for this convolution at `precision`, if the caller keeps it
    /// (ignored by the other algorithms, which multiply floats). `relu`: the output goes through a
    /// ReLU (fused into Winograd's output transform, a pass of its own otherwise). `inputMask`
    /// (Winograd only): the input is taken as 0 where the mask is not positive — a ReLU's backward
    /// pass, fused into the input transform.
    func apply(
        input: UnsafePointer<Float>, height: Int, width: Int,
        output: UnsafeMutablePointer<Float>, workspace: UnsafeMutablePointer<Float>,
        parallel: Parallel, algorithm: Algorithm, transformed: UnsafePointer<Float>? = nil,
        precision: Precision = .float32, relu: Bool = false, inputMask: UnsafePointer<Float>? = nil
    ) {
        precondition(inputMask == nil || algorithm == .winograd, "only the Winograd path masks its input")
        switch algorithm {
        case .winograd:
            winograd(
                input: input, inputMask: inputMask, height: height, width: width, output: output, relu: relu,
                workspace: workspace, transformed: transformed, precision: precision, parallel: parallel)
            return
        case .im2col:
            im2colConvolution(
                input: input, height: height, width: width, output: output,
                workspace: workspace, parallel: parallel)
        case .tapPlanes:
            tapPlanesConvolution(
                input: input, height: height, width: width, output: output,
                workspace: workspace, parallel: parallel)
        }
        if relu { ReLU.forward(output, count: outChannels * height * width, parallel: parallel) }
    }

    /// out[o][y][x] = bias[o] + Σ_ky,kx P[ky·3 + kx][o][y + ky − 1][x + kx − 1] (zero outside the
    /// image), where P[k][o] = Σ_i W[o][i][k] · in[i] are the tap planes: one GEMM per band of
    /// output rows computes them for the band's input rows (one more above and below), then each
    /// output row sums nine shifted plane rows (rows split over workers).
    func tapPlanesConvolution(
        input: UnsafePointer<Float>, height: Int, width: Int,
        output: UnsafeMutablePointer<Float>, workspace: UnsafeMutablePointer<Float>,
        parallel: Parallel
    ) {
        let plane = height * width
        let cin = inChannels, cout = outChannels, taps = 9 * cout
        let a = UnsafePointer(tapMatrix!.pointer)
        let bp = bias.map { UnsafePointer($0.pointer) }
        let band = tapPlanesBandRows(height: height, width: width)
        let split = Self.splitsGEMMs(parallel)
        var r0 = 0
        while r0 < height {
            let r1 = min(height, r0 + band)
            let p0 = max(0, r0 - 1), p1 = min(height, r1 + 1)  // input rows of this band's planes
            let n = (p1 - p0) * width
            // P (taps × n) = tapMatrix (taps × Cin) · input rows p0..<p1 (Cin × n, channel stride
            // `plane`).
            let gemm = { (cols: Range<Int>) in
                cblas_sgemm(
                    CblasRowMajor, CblasNoTrans, CblasNoTrans,
                    Int32(taps), Int32(cols.count), Int32(cin),
                    1, a, Int32(cin), input + p0 * width + cols.lowerBound, Int32(plane),
                    0, workspace + cols.lowerBound, Int32(n))
            }
            Self.forEachColumnPiece(n, split: split, parallel: parallel, gemm)
            let planes = UnsafePointer(workspace)
            parallel.forEachPiece(r1 - r0, piece: 4) { rows in
                for y in (r0 + rows.lowerBound)..<(r0 + rows.upperBound) {
                    for o in 0..<cout {
                        let dst = output + o * plane + y * width
                        dst.update(repeating: bp?[o] ?? 0, count: width)
                        for ky in 0..<3 {
                            let iy = y + ky - 1
                            guard iy >= 0, iy < height else { continue }
                            let row = planes + (iy - p0) * width
                            let s0 = row + ((ky * 3) * cout + o) * n
                            let s1 = row + ((ky * 3 + 1) * cout + o) * n
                            let s2 = row + ((ky * 3 + 2) * cout + o) * n
                            // kx = 1 covers every x; kx = 0 reads x−1, kx = 2 reads x+1.
                            for x in 0..<width { dst[x] += s1[x] }
                            if width > 1 {
                                for x in 1..<width { dst[x] += s0[x - 1] }
                                for x in 0..<(width - 1) { dst[x] += s2[x + 1] }
                            }
                        }
                    }
                }
            }
            r0 = r1
        }
    }

    /// Columns per piece of the im2col GEMM.
    static let columnPiece = 256

    /// Runs `gemm` over columns 0..<n in pieces of `columnPiece`, on the workers when `split`,
    /// else one after another: where a GEMM is split changes OpenBLAS's bits (see `Gram`), so the
    /// pieces are the same whatever the thread count.
    static func forEachColumnPiece(_ n: Int, split: Bool, parallel: Parallel, _ gemm: (Range<Int>) -> Void) {
        if split {
            parallel.forEachPiece(n, piece: columnPiece, gemm)
        } else {
            var lo = 0
            while lo < n {
                gemm(lo..<min(n, lo + columnPiece))
                lo += columnPiece
            }
        }
    }

    /// True when the caller should split GEMMs over its own workers (OpenBLAS single-threaded).
    static func splitsGEMMs(_ parallel: Parallel) -> Bool {
        parallel.threads > 1 && openblas_get_num_threads() == 1
    }

    func im2colConvolution(
        input: UnsafePointer<Float>, height: Int, width: Int,
        output: UnsafeMutablePointer<Float>,
        workspace: UnsafeMutablePointer<Float>, parallel: Parallel
    ) {
        let plane = height * width
        let k = inChannels * 9
        let band = bandRows(height: height, width: width)
        let split = Self.splitsGEMMs(parallel)
        var r0 = 0
        while r0 < height {
            let r1 = min(height, r0 + band)
            let n = (r1 - r0) * width
            im2col(
                input: input, height: height, width: width, rows: r0..<r1,
                columns: workspace, parallel: parallel)
            let a = UnsafePointer(kernel.pointer), b = UnsafePointer(workspace)
            let c = output + r0 * width
            // C (Cout × n) = Aᵀ (A = kernel, 9Cin × Cout) · columns (9Cin × n)
            let gemm = { (cols: Range<Int>) in
                cblas_sgemm(
                    CblasRowMajor, CblasTrans, CblasNoTrans,
                    Int32(self.outChannels), Int32(cols.count), Int32(k),
                    1, a, Int32(self.outChannels), b + cols.lowerBound, Int32(n),
                    0, c + cols.lowerBound, Int32(plane))
            }
            Self.forEachColumnPiece(n, split: split, parallel: parallel, gemm)
            r0 = r1
        }
        if let bias {
            let b = bias.pointer
            parallel.forEachPiece(outChannels, piece: 8) { range in
                for o in range {
                    let p = output + o * plane
                    let v = b[o]
                    for j in 0..<plane { p[j] += v }
                }
            }
        }
    }

    /// Column matrix for output rows `rows`: row (k·Cin + i), k = 3·ky + kx, holds input
    /// channel i shifted by (ky−1, kx−1), zero outside the image.
    func im2col(
        input: UnsafePointer<Float>, height: Int, width: Int, rows: Range<Int>,
        columns: UnsafeMutablePointer<Float>, parallel: Parallel
    ) {
        let n = rows.count * width
        let plane = height * width
        let cin = inChannels
        parallel.forEachPiece(inChannels, piece: 4) { channels in
            for i in channels {
                let src = input + i * plane
                for ky in 0..<3 {
                    for kx in 0..<3 {
                        var dst = columns + (((ky * 3 + kx) * cin + i) * n)
                        for y in rows {
                            let iy = y + ky - 1
                            if iy < 0 || iy >= height {
                                dst.update(repeating: 0, count: width)
                            } else {
                                let row = src + iy * width
                                switch kx {
                                case 0:
                                    dst[0] = 0
                                    (dst + 1).update(from: row, count: width - 1)
                                case 1:
                                    dst.update(from: row, count: width)
                                default:
                                    dst.update(from: row + 1, count: width - 1)
                                    dst[width - 1] = 0
                                }
                            }
                            dst += width
                        }
                    }
                }
            }
        }
    }
}
