/// ReLU in place, and its backward: the gradient passes where the forward output was positive.
/// Branch-free selects (NaN and −0 map to 0 as before): about half the values are negative, so
/// a branch per value mispredicts constantly, while a select vectorises.
public enum ReLU {
    public static func forward(_ x: UnsafeMutablePointer<Float>, count: Int, parallel: Parallel) {
        parallel.forEachPiece(count, piece: 1 << 15) { r in
            for i in r {
                let v = x[i]
                x[i] = v > 0 ? v : 0
            }
        }
    }

    /// gradient[i] = 0 where output[i] ≤ 0 (output is the ReLU's forward result).
    public static func backward(
        output: UnsafePointer<Float>, gradient: UnsafeMutablePointer<Float>,
        count: Int, parallel: Parallel
    ) {
        parallel.forEachPiece(count, piece: 1 << 15) { r in
            for i in r {
                let g = gradient[i]
                gradient[i] = output[i] > 0 ? g : 0
            }
        }
    }
}
