/// 2×2 pooling with stride 2, as in VGG. Odd sizes round down (the last row/column is dropped
/// and gets zero gradient), like PyTorch's MaxPool2d(2, 2) and Caffe's VGG deploy files at even sizes.
public enum Pool2x2 {
    public enum Kind: Sendable { case max, average }

    public static func outputSize(height: Int, width: Int) -> (height: Int, width: Int) {
        (height / 2, width / 2)
    }

    public static func forward(_ kind: Kind, input: UnsafePointer<Float>, channels: Int,
                               height: Int, width: Int, output: UnsafeMutablePointer<Float>,
                               parallel: Parallel) {
        let (oh, ow) = outputSize(height: height, width: width)
        parallel.forEach(channels, minimumPerThread: 2) { range in
            for c in range {
                let src = input + c * height * width
                let dst = output + c * oh * ow
                for y in 0..<oh {
                    let r0 = src + 2 * y * width, r1 = r0 + width
                    let d = dst + y * ow
                    switch kind {
                    case .max:
                        for x in 0..<ow {
                            d[x] = max(max(r0[2 * x], r0[2 * x + 1]), max(r1[2 * x], r1[2 * x + 1]))
                        }
                    case .average:
                        for x in 0..<ow {
                            d[x] = 0.25 * ((r0[2 * x] + r0[2 * x + 1]) + (r1[2 * x] + r1[2 * x + 1]))
                        }
                    }
                }
            }
        }
    }

    /// inputGradient = backward of the pool for outputGradient. Max pooling sends each gradient
    /// to the first maximal element of its window (the same one the forward pass chose).
    public static func backward(_ kind: Kind, input: UnsafePointer<Float>, channels: Int,
                                height: Int, width: Int, outputGradient: UnsafePointer<Float>,
                                inputGradient: UnsafeMutablePointer<Float>, parallel: Parallel) {
        let (oh, ow) = outputSize(height: height, width: width)
        parallel.forEach(channels, minimumPerThread: 2) { range in
            for c in range {
                let src = input + c * height * width
                let g = outputGradient + c * oh * ow
                let dst = inputGradient + c * height * width
                dst.update(repeating: 0, count: height * width)
                for y in 0..<oh {
                    let i0 = 2 * y * width, i1 = i0 + width
                    for x in 0..<ow {
                        let gv = g[y * ow + x]
                        switch kind {
                        case .average:
                            let q = 0.25 * gv
                            dst[i0 + 2 * x] = q; dst[i0 + 2 * x + 1] = q
                            dst[i1 + 2 * x] = q; dst[i1 + 2 * x + 1] = q
                        case .max:
                            var best = i0 + 2 * x
                            if src[i0 + 2 * x + 1] > src[best] { best = i0 + 2 * x + 1 }
                            if src[i1 + 2 * x] > src[best] { best = i1 + 2 * x }
                            if src[i1 + 2 * x + 1] > src[best] { best = i1 + 2 * x + 1 }
                            dst[best] = gv
                        }
                    }
                }
            }
        }
    }
}
