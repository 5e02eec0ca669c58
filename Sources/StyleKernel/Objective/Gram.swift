import COpenBLAS

/// Gram matrices G = F·Fᵀ · scale of a feature map F (C × N, N = H·W), and the gradient of
/// a loss through them: if dL/dG = D (symmetric), dL/dF = 2·scale·D·F.
///
/// The work is cut into pieces of a fixed size — row blocks of the upper triangle forward
/// (`ssyrk` on each diagonal block, `sgemm` right of it: half the multiplications of a full
/// F·Fᵀ), blocks of columns of F backward — whatever the number of threads, and the workers take
/// the pieces in turn. OpenBLAS's result for an entry depends on the call it is computed in
/// (syrk or gemm, where a split falls), so fixed pieces are what make the bits the same for every
/// thread count.
public enum Gram {
    /// Rows of the upper triangle per piece, and columns of F per backward piece.
    static let rowBlock = 32
    static let columnBlock = 512

    /// gram (C × C) = scale · F Fᵀ.
    public static func compute(
        features: UnsafePointer<Float>, channels: Int, positions: Int,
        scale: Float, gram: UnsafeMutablePointer<Float>,
        parallel: Parallel = Parallel(threads: 1)
    ) {
        let c = channels, n = positions
        guard c > 0 else { return }
        guard n > 0 else {
            gram.update(repeating: 0, count: c * c)
            return
        }  // BLAS refuses n = 0
        let blocks = (c + rowBlock - 1) / rowBlock
        let block = { (k: Int) in
            let r0 = k * rowBlock, r1 = min(c, r0 + rowBlock)
            cblas_ssyrk(
                CblasRowMajor, CblasUpper, CblasNoTrans, Int32(r1 - r0), Int32(n),
                scale, features + r0 * n, Int32(n), 0, gram + r0 * c + r0, Int32(c))
            if r1 < c {
                cblas_sgemm(
                    CblasRowMajor, CblasNoTrans, CblasTrans,
                    Int32(r1 - r0), Int32(c - r1), Int32(n),
                    scale, features + r0 * n, Int32(n), features + r1 * n, Int32(n),
                    0, gram + r0 * c + r1, Int32(c))
            }
        }
        if Conv3x3.splitsGEMMs(parallel) {
            parallel.forEachPiece(blocks) { range in for k in range { block(k) } }
        } else {
            for k in 0..<blocks { block(k) }
        }
        // Mirror the upper triangle into the lower one.
        parallel.forEach(c, minimumPerThread: 64) { rows in
            for i in rows { for j in 0..<i { gram[i * c + j] = gram[j * c + i] } }
        }
    }

    /// gradient (C × N) += 2 · scale · D · F, for a symmetric D = dL/dG.
    public static func backward(
        dLossdGram: UnsafePointer<Float>, features: UnsafePointer<Float>,
        channels: Int, positions: Int, scale: Float,
        gradient: UnsafeMutablePointer<Float>,
        parallel: Parallel = Parallel(threads: 1)
    ) {
        let c = channels, n = positions
        guard c > 0, n > 0 else { return }
        let run = { (cols: Range<Int>) in
            cblas_sgemm(
                CblasRowMajor, CblasNoTrans, CblasNoTrans,
                Int32(c), Int32(cols.count), Int32(c),
                2 * scale, dLossdGram, Int32(c), features + cols.lowerBound, Int32(n),
                1, gradient + cols.lowerBound, Int32(n))
        }
        if Conv3x3.splitsGEMMs(parallel) {
            parallel.forEachPiece(n, piece: columnBlock, run)
        } else {
            var lo = 0
            while lo < n {
                run(lo..<min(n, lo + columnBlock))
                lo += columnBlock
            }
        }
    }
}
