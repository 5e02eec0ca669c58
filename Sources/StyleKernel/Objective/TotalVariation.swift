/// Total variation: Σ over channels and pixels of the squared differences between horizontally
/// and vertically neighbouring values (the smoothness prior of Mahendran & Vedaldi 2015 with
/// β = 2, as in the tutorials).
public enum TotalVariation {
    /// Returns Σ (x[y][x+1]−x[y][x])² + (x[y+1][x]−x[y][x])², and adds `weight` × its gradient
    /// to `gradient` when given.
    public static func evaluate(
        _ x: UnsafePointer<Float>, shape: Shape3, weight: Float,
        gradient: UnsafeMutablePointer<Float>?, parallel: Parallel
    ) -> Double {
        let h = shape.height, w = shape.width
        var partial = [Double](repeating: 0, count: shape.channels)
        partial.withUnsafeMutableBufferPointer { sums in
            parallel.forEach(shape.channels) { channels in
                for c in channels {
                    let p = x + c * h * w
                    let g = gradient.map { $0 + c * h * w }
                    var total: Double = 0
                    for y in 0..<h {
                        var rowSum: Float = 0
                        for xx in 0..<w {
                            let i = y * w + xx
                            if xx + 1 < w {
                                let d = p[i + 1] - p[i]
                                rowSum += d * d
                                if let g {
                                    g[i + 1] += 2 * weight * d
                                    g[i] -= 2 * weight * d
                                }
                            }
                            if y + 1 < h {
                                let d = p[i + w] - p[i]
                                rowSum += d * d
                                if let g {
                                    g[i + w] += 2 * weight * d
                                    g[i] -= 2 * weight * d
                                }
                            }
                        }
                        total += Double(rowSum)
                    }
                    sums[c] = total
                }
            }
        }
        return partial.reduce(0, +)
    }
}
