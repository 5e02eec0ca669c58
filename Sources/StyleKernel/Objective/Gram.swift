import COpenBLAS

/// Gram matrices G = F·Fᵀ · scale of a feature map F (C × N, N = H·W), and the gradient of
/// a loss through them: if dL/dG = D (symmetric), dL/dF = 2·scale·D·F.
public enum Gram {
    /// gram (C × C) = scale · F Fᵀ.
    public static func compute(features: UnsafePointer<Float>, channels: Int, positions: Int,
                               scale: Float, gram: UnsafeMutablePointer<Float>) {
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans,
                    Int32(channels), Int32(channels), Int32(positions),
                    scale, features, Int32(positions), features, Int32(positions),
                    0, gram, Int32(channels))
    }

    /// gradient (C × N) += 2 · scale · D · F, for a symmetric D = dL/dG.
    public static func backward(dLossdGram: UnsafePointer<Float>, features: UnsafePointer<Float>,
                                channels: Int, positions: Int, scale: Float,
                                gradient: UnsafeMutablePointer<Float>) {
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans,
                    Int32(channels), Int32(positions), Int32(channels),
                    2 * scale, dLossdGram, Int32(channels), features, Int32(positions),
                    1, gradient, Int32(positions))
    }
}
