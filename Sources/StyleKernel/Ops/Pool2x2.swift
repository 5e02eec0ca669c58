/// 2×2 pooling with stride 2, as in VGG. Odd sizes round down (the last row/column is dropped
/// and gets zero gradient), like PyTorch's MaxPool2d(2, 2) and Caffe's VGG deploy files at even sizes.
///
/// One exception keeps every layer of the network non-empty: a side of 1 stays 1 (its window is
/// that single row or column). Rounding down would make it 0, and a thin panorama, a 1-pixel
/// image or a very wide style image would then reach the deep layers with no pixels at all —
/// no features, an empty Gram matrix, zero-sized GEMMs. Sides of 2 or more pool exactly as before,
/// so the network's activations there are unchanged (and still match the reference framework).
public enum Pool2x2 {
    public enum Kind: Sendable { case max, average }

    public static func outputSize(height: Int, width: Int) -> (height: Int, width: Int) {
        (height == 1 ? 1 : height / 2, width == 1 ? 1 : width / 2)
    }

    public static func forward(
        _ kind: Kind, input: UnsafePointer<Float>, channels: Int,
        height: Int, width: Int, output: UnsafeMutablePointer<Float>,
        parallel: Parallel
    ) {
        if height == 1 || width == 1 {
            return forwardThin(
                kind, input: input, channels: channels, height: height, width: width,
                output: output)
        }
        let (oh, ow) = outputSize(height: height, width: width)
        parallel.forEachPiece(channels, piece: 2) { range in
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
    public static func backward(
        _ kind: Kind, input: UnsafePointer<Float>, channels: Int,
        height: Int, width: Int, outputGradient: UnsafePointer<Float>,
        inputGradient: UnsafeMutablePointer<Float>, parallel: Parallel
    ) {
        if height == 1 || width == 1 {
            return backwardThin(
                kind, input: input, channels: channels, height: height, width: width,
                outputGradient: outputGradient, inputGradient: inputGradient)
        }
        let (oh, ow) = outputSize(height: height, width: width)
        parallel.forEachPiece(channels, piece: 2) { range in
            for c in range {
                let src = input + c * height * width
                let g = outputGradient + c * oh * ow
                let dst = inputGradient + c * height * width
                switch kind {
                case .average:
                    for y in 0..<oh {
                        let r0 = dst + 2 * y * width, r1 = r0 + width, gy = g + y * ow
                        for x in 0..<ow {
                            let q = 0.25 * gy[x]
                            r0[2 * x] = q
                            r0[2 * x + 1] = q
                            r1[2 * x] = q
                            r1[2 * x + 1] = q
                        }
                    }
                case .max:
                    // Branch-free: each of the window's four values gets the gradient only if it
                    // is the first maximal one (the same tie rule as before). Eight windows at a
                    // time in vectors (their even and odd columns split and merged again), the
                    // rest one by one.
                    for y in 0..<oh {
                        let s0 = src + 2 * y * width, s1 = s0 + width
                        let r0 = dst + 2 * y * width, r1 = r0 + width, gy = g + y * ow
                        var x0 = 0
                        while x0 + 8 <= ow {
                            maxBackward8(s0 + 2 * x0, s1 + 2 * x0, gy + x0, r0 + 2 * x0, r1 + 2 * x0)
                            x0 += 8
                        }
                        for x in x0..<ow {
                            let a = s0[2 * x], b = s0[2 * x + 1], c = s1[2 * x], d = s1[2 * x + 1]
                            let gv = gy[x]
                            let m = max(max(a, b), max(c, d))
                            let ta = a == m, tb = !ta && b == m, tc = !ta && !tb && c == m
                            let td = !ta && !tb && !tc
                            r0[2 * x] = ta ? gv : 0
                            r0[2 * x + 1] = tb ? gv : 0
                            r1[2 * x] = tc ? gv : 0
                            r1[2 * x + 1] = td ? gv : 0
                        }
                    }
                }
                // Odd sizes: the dropped last row / column get no gradient.
                if width % 2 == 1 { for y in 0..<(2 * oh) { dst[y * width + width - 1] = 0 } }
                if height % 2 == 1 { (dst + (height - 1) * width).update(repeating: 0, count: width) }
            }
        }
    }

    /// Max pooling's backward for eight windows side by side: rows `s0`, `s1` (16 values each),
    /// gradients `g` (8), into rows `r0`, `r1` (16 each); the scalar loop's rule exactly.
    @inline(__always)
    private static func maxBackward8(
        _ s0: UnsafePointer<Float>, _ s1: UnsafePointer<Float>,
        _ g: UnsafePointer<Float>, _ r0: UnsafeMutablePointer<Float>,
        _ r1: UnsafeMutablePointer<Float>
    ) {
        let top = UnsafeRawPointer(s0).loadUnaligned(as: SIMD16<Float>.self)
        let bottom = UnsafeRawPointer(s1).loadUnaligned(as: SIMD16<Float>.self)
        let gv = UnsafeRawPointer(g).loadUnaligned(as: SIMD8<Float>.self)
        let a = top.evenHalf, b = top.oddHalf, c = bottom.evenHalf, d = bottom.oddHalf
        // Swift's max(x, y) is y >= x ? y : x; the same selects, on the concrete vectors (the
        // generic pointwiseMax is not specialised here and costs a call per use).
        @inline(__always) func larger(_ x: SIMD8<Float>, _ y: SIMD8<Float>) -> SIMD8<Float> {
            x.replacing(with: y, where: y .>= x)
        }
        let m = larger(larger(a, b), larger(c, d))
        let ta = a .== m, tb = .!ta .& (b .== m), tc = .!ta .& .!tb .& (c .== m)
        let td = .!(ta .| tb .| tc)
        let zero = SIMD8<Float>(repeating: 0)
        var out0 = SIMD16<Float>(), out1 = SIMD16<Float>()
        out0.evenHalf = zero.replacing(with: gv, where: ta)
        out0.oddHalf = zero.replacing(with: gv, where: tb)
        out1.evenHalf = zero.replacing(with: gv, where: tc)
        out1.oddHalf = zero.replacing(with: gv, where: td)
        UnsafeMutableRawPointer(r0).storeBytes(of: out0, as: SIMD16<Float>.self)
        UnsafeMutableRawPointer(r1).storeBytes(of: out1, as: SIMD16<Float>.self)
    }

    // MARK: One row or one column

    /// The input rows (or columns) of output row `y`: 2y and 2y + 1, or only 0 for a side of 1.
    private static func window(_ y: Int, side: Int) -> [Int] { side == 1 ? [0] : [2 * y, 2 * y + 1] }

    /// The pooling of an input with a side of 1 (rare and tiny: a plain loop over the windows).
    private static func forwardThin(
        _ kind: Kind, input: UnsafePointer<Float>, channels: Int,
        height: Int, width: Int, output: UnsafeMutablePointer<Float>
    ) {
        let (oh, ow) = outputSize(height: height, width: width)
        for c in 0..<channels {
            let src = input + c * height * width
            for y in 0..<oh {
                for x in 0..<ow {
                    var values: [Float] = []
                    for r in window(y, side: height) {
                        for q in window(x, side: width) { values.append(src[r * width + q]) }
                    }
                    output[(c * oh + y) * ow + x] =
                        kind == .max
                        ? values.max()! : values.reduce(0, +) / Float(values.count)
                }
            }
        }
    }

    /// Backward of `forwardThin`, with the same tie rule as the 2×2 case (first maximal element).
    private static func backwardThin(
        _ kind: Kind, input: UnsafePointer<Float>, channels: Int,
        height: Int, width: Int, outputGradient: UnsafePointer<Float>,
        inputGradient: UnsafeMutablePointer<Float>
    ) {
        let (oh, ow) = outputSize(height: height, width: width)
        inputGradient.update(repeating: 0, count: channels * height * width)
        for c in 0..<channels {
            let src = input + c * height * width
            let dst = inputGradient + c * height * width
            for y in 0..<oh {
                for x in 0..<ow {
                    var cells: [Int] = []
                    for r in window(y, side: height) { for q in window(x, side: width) { cells.append(r * width + q) } }
                    let g = outputGradient[(c * oh + y) * ow + x]
                    switch kind {
                    case .average:
                        for i in cells { dst[i] = g / Float(cells.count) }
                    case .max:
                        let m = cells.map { src[$0] }.max()!
                        dst[cells.first { src[$0] == m }!] = g
                    }
                }
            }
        }
    }
}
