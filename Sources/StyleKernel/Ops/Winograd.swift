import CWinogradKernels

/// Winograd F(m×m, 3×3) for `Conv3x3`, m = 4 or 6 (Lavin & Gray, "Fast Algorithms for
/// Convolutional Neural Networks", CVPR 2016, section 4.2; the matrices are those of their
/// construction for the points 0, ±1, ±½, ∞ (F4) and 0, ±1, ±2, ±½, ∞ (F6)). F(4×4):
///
///   Bᵀ = | 4  0 −5  0  1  0 |    G = |  1/4     0     0  |    Aᵀ = | 1  1  1  1  1  0 |
///        | 0 −4 −4  1  1  0 |        | −1/6  −1/6  −1/6  |         | 0  1 −1  2 −2  0 |
///        | 0  4 −4 −1  1  0 |        | −1/6   1/6  −1/6  |         | 0  1  1  4  4  0 |
///        | 0 −2 −1  2  1  0 |        |  1/24  1/12  1/6  |         | 0  1 −1  8 −8  1 |
///        | 0  2 −1 −2  1  0 |        |  1/24 −1/12  1/6  |
///        | 0  4  0 −5  0  1 |        |   0     0     1   |
///
/// F(6×6) (36 outputs from 64 products where F4 takes 16 from 36: 1.78 multiplies per output
/// against 2.25):
///
///   Bᵀ = | 1   0   −21/4    0    21/4    0   −1  0 |   G = |   1      0      0   |
///        | 0   1     1   −17/4  −17/4    1    1  0 |       | −2/9   −2/9   −2/9  |
///        | 0  −1     1    17/4  −17/4   −1    1  0 |       | −2/9    2/9   −2/9  |
///        | 0  1/2   1/4   −5/2   −5/4    2    1  0 |       |  1/90   1/45   2/45 |
///        | 0 −1/2   1/4    5/2   −5/4   −2    1  0 |       |  1/90  −1/45   2/45 |
///        | 0   2     4    −5/2    −5    1/2   1  0 |       | 32/45  16/45   8/45 |
///        | 0  −2     4     5/2    −5   −1/2   1  0 |       | 32/45 −16/45   8/45 |
///        | 0  −1     0    21/4     0  −21/4   0  1 |       |   0      0      1   |
///
///   Aᵀ = | 1  1   1   1    1    1      1     0 |
///        | 0  1  −1   2   −2   1/2   −1/2    0 |
///        | 0  1   1   4    4   1/4    1/4    0 |
///        | 0  1  −1   8   −8   1/8   −1/8    0 |
///        | 0  1   1  16   16   1/16   1/16   0 |
///        | 0  1  −1  32  −32   1/32  −1/32   1 |
///
/// With s = m + 2: output tile (ty, tx) covers rows m·ty…m·ty+m−1 and the same columns; its s×s
/// input patch starts at (m·ty−1, m·tx−1) (zero outside the image). With t = s·a + b:
///   U[t] (Cout × Cin)  = Σ_ky,kx G[a][ky]·G[b][kx]·W[3ky+kx]   (per call, or kept: TransformedWeights)
///   V[t] (Cin × tiles) = (Bᵀ d B)[a][b] per channel and tile
///   M[t] (Cout × tiles) = U[t] · V[t]                                           (s² GEMMs)
///   Y = Aᵀ M A + bias, written straight into the output planes.
/// U and V are written in the panels the engine's GEMM reads (`winograd_kernels.h`: U in panels
/// of 8 output channels, V in panels of `sf_wk_columns()` tiles), so the GEMMs pack nothing; M is
/// plain row-major and written whole by them. The transforms and the GEMM are C
/// (Sources/CWinogradKernels), for AVX-512, AVX2 or any x86-64, chosen at run time.
/// Tiles are processed in bands of whole tile rows so V and M stay small at any image size.
///
/// In bfloat16 (`Precision.bfloat16`, where the CPU multiplies it), U and V hold pairs of
/// bfloat16 of consecutive input channels in each 32-bit word, half the floats: the GEMMs do twice
/// the multiply-adds per instruction, with float sums, and M and Y stay floats.
extension Conv3x3 {
    /// What Winograd's GEMMs multiply: floats, or bfloat16 (8 significant bits, rounded to
    /// nearest) with float sums.
    public enum Precision: String, Sendable {
        case float32, bfloat16

        /// bfloat16 where this process's kernels multiply it (AVX-512 BF16), floats elsewhere.
        public static var fastest: Precision { sf_wk_bf16() != 0 ? .bfloat16 : .float32 }

        /// The flag the C kernels take: bfloat16 only where the kernels multiply it (elsewhere
        /// `.bfloat16` is floats, everywhere the flag is read, so the layouts always agree).
        var bf16: Int32 { self == .bfloat16 && sf_wk_bf16() != 0 ? 1 : 0 }
    }

    /// `transformed`: this convolution's U from `transformWeights` at this precision (see
    /// `TransformedWeights`); nil transforms the weights into the workspace first.
    func winograd(
        input: UnsafePointer<Float>, inputMask: UnsafePointer<Float>? = nil, height: Int, width: Int,
        output: UnsafeMutablePointer<Float>, relu: Bool = false, workspace: UnsafeMutablePointer<Float>,
        transformed: UnsafePointer<Float>?, precision: Precision, parallel: Parallel
    ) {
        let cin = inChannels, cout = outChannels, tile = winogradTile, points = (tile + 2) * (tile + 2)
        let tilesX = (width + tile - 1) / tile, tilesY = (height + tile - 1) / tile
        let bandRows = winogradBandTileRows(height: height, width: width)
        let columns = Int(sf_wk_columns())
        let scratch = Int(sf_wk_scratch(Int32(width)))
        let bf16 = precision.bf16
        let words = Int(sf_wk_words(Int32(cin), bf16)), group = bf16 != 0 ? 2 : 1  // channels per word
        let uStride = words * Self.packedRows(cout)
        let v = workspace + points * uStride
        let m = v + points * words * Self.packedColumns(bandRows * tilesX)
        let u: UnsafePointer<Float>
        if let transformed {
            u = transformed
        } else {
            transformWeights(into: workspace, precision: precision, parallel: parallel)
            u = UnsafePointer(workspace)
        }

        var ty0 = 0
        while ty0 < tilesY {
            let rows = min(bandRows, tilesY - ty0)
            let tiles = rows * tilesX
            let vStride = words * Self.packedColumns(tiles)
            // Split over V's words: a pair of bfloat16 channels is written by one worker.
            parallel.forEachPiece(words) { pieces in
                withUnsafeTemporaryAllocation(of: Float.self, capacity: scratch) { buffer in
                    sf_wk_input_transform(
                        Int32(tile), input, inputMask, Int32(height), Int32(width),
                        Int32(group * pieces.lowerBound), Int32(min(cin, group * pieces.upperBound)),
                        Int32(ty0), Int32(ty0 + rows), v, Int32(cin), Int32(tiles),
                        buffer.baseAddress!, bf16)
                }
            }
            // Work items: one point's GEMM over a group of B's panels; the bits do not depend on
            // the grouping (each element of M is one kernel's sum over Cin), so it can follow the
            // thread count: every point's U is read once per item, so as few items as keep every
            // worker busy (on 2 cores, one per point: 0.82 s for 512² where 2 panels per item took 0.95).
            let panels = (tiles + columns - 1) / columns
            let groups = min(panels, max(1, (4 * parallel.threads + points - 1) / points))
            let group = (panels + groups - 1) / groups
            parallel.forEachPiece(points * groups) { items in
                for item in items {
                    let t = item / groups, first = (item % groups) * group
                    sf_wk_multiply(
                        u + t * uStride, v + t * vStride, m + t * cout * tiles,
                        Int32(cout), Int32(tiles), Int32(cin), tiles,
                        Int32(first), Int32(min(panels, first + group)), bf16)
                }
            }
            let b = bias.map { UnsafePointer($0.pointer) }
            parallel.forEachPiece(cout) { channels in
                withUnsafeTemporaryAllocation(of: Float.self, capacity: scratch) { buffer in
                    sf_wk_output_transform(
                        Int32(tile), m, Int32(cout), Int32(tiles), Int32(channels.lowerBound),
                        Int32(channels.upperBound), Int32(ty0), Int32(ty0 + rows), b,
                        relu ? 1 : 0, output, Int32(height), Int32(width), buffer.baseAddress!)
                }
            }
            ty0 += rows
        }
    }

    /// The Winograd kernels this process runs: "avx512-bf16", "avx512", "avx2" or "portable"
    /// (STYLEFILTER_KERNELS chooses among those the CPU runs).
    public static var kernelSet: String { String(cString: sf_wk_name()) }

    /// Every kernel set's name, widest first: the values `kernelSet` may take.
    public static let kernelSets: [String] = sequence(first: 0, next: { $0 + 1 })
        .lazy.map { sf_wk_set_name(Int32($0)) }.prefix { $0 != nil }.map { String(cString: $0!) }

    /// Rows of U's panels: `count` output channels rounded up to whole panels.
    static func packedRows(_ count: Int) -> Int {
        (count + Int(SF_WK_ROWS) - 1) / Int(SF_WK_ROWS) * Int(SF_WK_ROWS)
    }

    /// Columns of V's panels: `count` tiles rounded up to whole panels.
    static func packedColumns(_ count: Int) -> Int {
        let columns = Int(sf_wk_columns())
        return (count + columns - 1) / columns * columns
    }

    /// Floats (words) of U: (m + 2)² matrices of Cout × Cin in panels (Cout rounded up to a
    /// panel's rows), Cin in pairs in bfloat16.
    func transformedWeightsCount(_ precision: Precision = .float32) -> Int {
        (winogradTile + 2) * (winogradTile + 2) * Int(sf_wk_words(Int32(inChannels), precision.bf16))
            * Self.packedRows(outChannels)
    }

    /// U[s·a + b] = Σ_ky,kx G[a][ky]·G[b][kx]·W[3ky + kx] into `u` (`transformedWeightsCount`
    /// words) in the GEMM's panels, U's panels split over the workers.
    func transformWeights(into u: UnsafeMutablePointer<Float>, precision: Precision, parallel: Parallel) {
        let (cin, cout) = (inChannels, outChannels)
        // The pad rows.
        if cout % Int(SF_WK_ROWS) != 0 { u.update(repeating: 0, count: transformedWeightsCount(precision)) }
        let kp = UnsafePointer(kernel.pointer)
        parallel.forEachPiece(Self.packedRows(cout) / Int(SF_WK_ROWS)) { panels in
            sf_wk_weight_transform(
                Int32(winogradTile), kp, Int32(cin), Int32(cout),
                Int32(panels.lowerBound), Int32(panels.upperBound), u, precision.bf16)
        }
    }
}
