/// Deterministic reductions: fixed chunks summed in Float, chunks combined in Double in order,
/// so a given input and thread count always gives the same bits.
enum Reductions {
    static let chunk = 4096

    /// Σ (a[i] − b[i])².
    static func sumSquaredDifference(
        _ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>,
        count: Int, parallel: Parallel
    ) -> Double {
        chunked(count: count, parallel: parallel) { r in
            var s: Float = 0
            for i in r {
                let d = a[i] - b[i]
                s += d * d
            }
            return s
        }
    }

    /// Σ a[i]².
    static func sumSquares(_ a: UnsafePointer<Float>, count: Int, parallel: Parallel) -> Double {
        chunked(count: count, parallel: parallel) { r in
            var s: Float = 0
            for i in r { s += a[i] * a[i] }
            return s
        }
    }

    /// Σ |a[i]|.
    static func sumAbsolute(_ a: UnsafePointer<Float>, count: Int, parallel: Parallel) -> Double {
        chunked(count: count, parallel: parallel) { r in
            var s: Float = 0
            for i in r { s += abs(a[i]) }
            return s
        }
    }

    /// Σ |a[i] − b[i]|.
    static func sumAbsoluteDifference(
        _ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>,
        count: Int, parallel: Parallel
    ) -> Double {
        chunked(count: count, parallel: parallel) { r in
            var s: Float = 0
            for i in r { s += abs(a[i] - b[i]) }
            return s
        }
    }

    /// Σ w[i]·a[i]².
    static func weightedSumSquares(
        _ a: UnsafePointer<Float>, weights w: UnsafePointer<Float>,
        count: Int, parallel: Parallel
    ) -> Double {
        chunked(count: count, parallel: parallel) { r in
            var s: Float = 0
            for i in r { s += w[i] * a[i] * a[i] }
            return s
        }
    }

    static func chunked(
        count: Int, parallel: Parallel,
        _ body: (Range<Int>) -> Float
    ) -> Double {
        let chunks = (count + chunk - 1) / chunk
        guard chunks > 0 else { return 0 }
        var partial = [Float](repeating: 0, count: chunks)
        partial.withUnsafeMutableBufferPointer { out in
            parallel.forEach(chunks, minimumPerThread: 16) { range in
                for c in range {
                    out[c] = body(c * chunk..<min(count, (c + 1) * chunk))
                }
            }
        }
        var total: Double = 0
        for p in partial { total += Double(p) }
        return total
    }
}

extension Reductions {
    /// Σ a[i]·b[i].
    static func dot(
        _ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, count: Int,
        parallel: Parallel
    ) -> Double {
        chunked(count: count, parallel: parallel) { r in
            var s: Float = 0
            for i in r { s += a[i] * b[i] }
            return s
        }
    }

    /// Σ g[i]·(a[i] − b[i]).
    static func dotDifference(
        _ g: UnsafePointer<Float>, _ a: UnsafePointer<Float>,
        _ b: UnsafePointer<Float>, count: Int, parallel: Parallel
    ) -> Double {
        chunked(count: count, parallel: parallel) { r in
            var s: Float = 0
            for i in r { s += g[i] * (a[i] - b[i]) }
            return s
        }
    }
}
