import COpenBLAS

/// A frozen 3×3 convolution, stride 1, zero padding 1: out[o] = Σ_i W[o,i] ∗ in[i] + bias[o].
///
/// This is the engine's one convolution seam. The network uses it twice per layer: forward with
/// the layer's weights, and backward (gradient with respect to the input) with the weights
/// flipped 180° and transposed — the gradient of a stride-1 "same" convolution is itself such a
/// convolution. A faster algorithm (e.g. Winograd) replaces the body of `apply` only.
///
/// Current algorithm: im2col over bands of rows, then one `cblas_sgemm` per band writing straight
/// into the output planes (ldc = H·W), so the column buffer stays small at any image size.
public final class Conv3x3: @unchecked Sendable {
    public let inChannels: Int
    public let outChannels: Int
    /// outChannels × (inChannels·9), row-major: the GEMM's A operand.
    let weights: FloatBuffer
    let bias: FloatBuffer?

    /// `weights` in OIHW order (outChannels × inChannels × 3 × 3).
    public init(inChannels: Int, outChannels: Int, weights: [Float], bias: [Float]?) {
        precondition(weights.count == inChannels * outChannels * 9)
        precondition(bias == nil || bias!.count == outChannels)
        self.inChannels = inChannels
        self.outChannels = outChannels
        self.weights = FloatBuffer(weights)
        self.bias = bias.map(FloatBuffer.init)
    }

    /// The convolution whose output is the gradient of this one's input: weights transposed
    /// (in ↔ out) and flipped 180° spatially, no bias.
    public func inputGradient() -> Conv3x3 {
        var flipped = [Float](repeating: 0, count: weights.count)
        let w = weights.pointer
        for o in 0..<outChannels {
            for i in 0..<inChannels {
                for k in 0..<9 {
                    flipped[(i * outChannels + o) * 9 + (8 - k)] = w[(o * inChannels + i) * 9 + k]
                }
            }
        }
        return Conv3x3(inChannels: outChannels, outChannels: inChannels, weights: flipped, bias: nil)
    }

    /// Floats of scratch space `apply` needs for an image of this size.
    public func workspaceCount(height: Int, width: Int) -> Int {
        let rows = bandRows(height: height, width: width)
        return inChannels * 9 * rows * width
    }

    /// Rows per band: the column buffer holds about 4 M floats (16 MB), at least one row.
    func bandRows(height: Int, width: Int) -> Int {
        let perRow = inChannels * 9 * width
        return max(1, min(height, (1 << 22) / max(perRow, 1)))
    }

    /// output (outChannels × H × W) = conv(input (inChannels × H × W)).
    /// `workspace` must hold `workspaceCount(height:width:)` floats.
    public func apply(input: UnsafePointer<Float>, height: Int, width: Int,
                      output: UnsafeMutablePointer<Float>,
                      workspace: UnsafeMutablePointer<Float>, parallel: Parallel) {
        let plane = height * width
        let k = inChannels * 9
        let band = bandRows(height: height, width: width)
        var r0 = 0
        while r0 < height {
            let r1 = min(height, r0 + band)
            let n = (r1 - r0) * width
            im2col(input: input, height: height, width: width, rows: r0..<r1,
                   columns: workspace, parallel: parallel)
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans,
                        Int32(outChannels), Int32(n), Int32(k),
                        1, weights.pointer, Int32(k), workspace, Int32(n),
                        0, output + r0 * width, Int32(plane))
            r0 = r1
        }
        if let bias {
            let b = bias.pointer
            parallel.forEach(outChannels, minimumPerThread: 8) { range in
                for o in range {
                    let p = output + o * plane
                    let v = b[o]
                    for j in 0..<plane { p[j] += v }
                }
            }
        }
    }

    /// Column matrix for output rows `rows`: row (i·9 + ky·3 + kx) holds input channel i shifted
    /// by (ky−1, kx−1), zero outside the image.
    func im2col(input: UnsafePointer<Float>, height: Int, width: Int, rows: Range<Int>,
                columns: UnsafeMutablePointer<Float>, parallel: Parallel) {
        let n = rows.count * width
        let plane = height * width
        parallel.forEach(inChannels, minimumPerThread: 4) { channels in
            for i in channels {
                let src = input + i * plane
                for ky in 0..<3 {
                    for kx in 0..<3 {
                        var dst = columns + ((i * 9 + ky * 3 + kx) * n)
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
