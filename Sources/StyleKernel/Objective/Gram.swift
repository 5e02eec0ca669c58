import COpenBLAS

/// Gram matrices G = F·Fᵀ · scale of a feature map F (C × N, N = H·W), and the gradient of
/// a loss through them: if dL/dG = D (symmetric), dL/dF = 2·scale·D·F.
///
/// When OpenBLAS runs single-threaded (the engine's setting) the work is split statically over
/// `parallel`'s workers: the forward as row blocks of the upper triangle (`ssyrk` on each
/// diagonal block, `sgemm` right of it — half the multiplications of a full F·Fᵀ), with block
/// boundaries chosen so every worker gets the same area; the backward by columns of F.
public enum Gram {
    /// gram (C × C) = scale · F Fᵀ.
    public static func compute(features: UnsafePointer<Float>, channels: Int, positions: Int,
                               scale: Float, gram: UnsafeMutablePointer<Float>,
                               parallel: Parallel = Parallel(threads: 1)) {
        let c = channels, n = positions
        guard c > 0 else { return }
        guard n > 0 else { gram.update(repeating: 0, count: c * c); return }  // BLAS refuses n = 0
        let workers = Conv3x3.splitsGEMMs(parallel) ? min(parallel.threads, c) : 1
        // Row r's share of the upper triangle is c − r; boundary k solves area(0..<b) = k/W of it.
        var bounds = [0]
        let total = Double(c) * Double(c + 1) / 2
        for k in 1..<max(workers, 1) {
            let target = total * Double(k) / Double(workers)
            // area(b) = b·c − b(b−1)/2 ≈ target
            let cc = Double(c) + 0.5
            let b = Int((cc - (cc * cc - 2 * target).squareRoot()).rounded())
            bounds.append(min(c, max(bounds.last!, b)))
        }
        bounds.append(c)
        let blocks = bounds.count - 1
        parallel.forEach(blocks, minimumPerThread: 1) { range in
            for k in range {
                let r0 = bounds[k], r1 = bounds[k + 1]
                guard r1 > r0 else { continue }
                cblas_ssyrk(CblasRowMajor, CblasUpper, CblasNoTrans, Int32(r1 - r0), Int32(n),
                            scale, features + r0 * n, Int32(n), 0, gram + r0 * c + r0, Int32(c))
                if r1 < c {
                    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans,
                                Int32(r1 - r0), Int32(c - r1), Int32(n),
                                scale, features + r0 * n, Int32(n), features + r1 * n, Int32(n),
                                0, gram + r0 * c + r1, Int32(c))
                }
            }
        }
        // Mirror the upper triangle into the lower one.
        parallel.forEach(c, minimumPerThread: 64) { rows in
            for i in rows { for j in 0..<i { gram[i * c + j] = gram[j * c + i] } }
        }
    }

    /// gradient (C × N) += 2 · scale · D · F, for a symmetric D = dL/dG.
    public static func backward(dLossdGram: UnsafePointer<Float>, features: UnsafePointer<Float>,
                                channels: Int, positions: Int, scale: Float,
                                gradient: UnsafeMutablePointer<Float>,
                                parallel: Parallel = Parallel(threads: 1)) {
        let c = channels, n = positions
        guard c > 0, n > 0 else { return }
        let run = { (cols: Range<Int>) in
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans,
                        Int32(c), Int32(cols.count), Int32(c),
                        2 * scale, dLossdGram, Int32(c), features + cols.lowerBound, Int32(n),
                        1, gradient + cols.lowerBound, Int32(n))
        }
        if Conv3x3.splitsGEMMs(parallel) {
            parallel.forEach(n, minimumPerThread: 256, run)
        } else {
            run(0..<n)
        }
    }
}
