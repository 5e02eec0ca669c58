/// ReLU in place, and its backward: the gradient passes where the forward output was positive.
public enum ReLU {
    public static func forward(_ x: UnsafeMutablePointer<Float>, count: Int, parallel: Parallel) {
        parallel.forEach(count, minimumPerThread: 1 << 15) { r in
            for i in r where !(x[i] > 0) { x[i] = 0 }
        }
    }

    /// gradient[i] = 0 where output[i] ≤ 0 (output is the ReLU's forward result).
    public static func backward(output: UnsafePointer<Float>, gradient: UnsafeMutablePointer<Float>,
                                count: Int, parallel: Parallel) {
        parallel.forEach(count, minimumPerThread: 1 << 15) { r in
            for i in r where !(output[i] > 0) { gradient[i] = 0 }
        }
    }
}
