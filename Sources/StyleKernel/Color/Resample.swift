/// Resizing planar images with a triangle (bilinear) filter widened by the reduction factor when
/// shrinking, so downscaling averages every source pixel (antialiased) instead of skipping some.
public enum Resample {
    /// Resizes `channels` planes of srcWidth × srcHeight to dstWidth × dstHeight.
    public static func resize(
        _ src: [Float], channels: Int, width srcWidth: Int, height srcHeight: Int,
        toWidth dstWidth: Int, height dstHeight: Int, cubic: Bool = false
    ) throws -> [Float] {
        if srcWidth == dstWidth && srcHeight == dstHeight { return src }
        let horizontal = weights(from: srcWidth, to: dstWidth, cubic: cubic)
        let vertical = weights(from: srcHeight, to: dstHeight, cubic: cubic)
        var mid = try CheckedMemory.floats(
            channels * srcHeight * dstWidth, what: "resizing an image to \(dstWidth)×\(dstHeight)")
        var out = try CheckedMemory.floats(
            channels * dstHeight * dstWidth, what: "resizing an image to \(dstWidth)×\(dstHeight)")
        src.withUnsafeBufferPointer { s in
            mid.withUnsafeMutableBufferPointer { m in
                for c in 0..<channels {
                    for y in 0..<srcHeight {
                        let row = s.baseAddress! + (c * srcHeight + y) * srcWidth
                        let dst = m.baseAddress! + (c * srcHeight + y) * dstWidth
                        for x in 0..<dstWidth {
                            let tap = horizontal[x]
                            var acc: Float = 0
                            for (k, w) in tap.weights.enumerated() { acc += w * row[tap.first + k] }
                            dst[x] = acc
                        }
                    }
                }
            }
        }
        mid.withUnsafeBufferPointer { m in
            out.withUnsafeMutableBufferPointer { o in
                for c in 0..<channels {
                    for y in 0..<dstHeight {
                        let tap = vertical[y]
                        let dst = o.baseAddress! + (c * dstHeight + y) * dstWidth
                        for (k, w) in tap.weights.enumerated() {
                            let row = m.baseAddress! + (c * srcHeight + tap.first + k) * dstWidth
                            for x in 0..<dstWidth { dst[x] += w * row[x] }
                        }
                    }
                }
            }
        }
        return out
    }

    public static func resize(_ image: PlanarImage, width: Int, height: Int, cubic: Bool = false) throws -> PlanarImage
    {
        let pixels = try resize(
            image.pixels, channels: 3, width: image.width, height: image.height,
            toWidth: width, height: height, cubic: cubic)
        // Sizes are positive and the count matches by construction.
        return PlanarImage(trusted: width, height, pixels)
    }

    /// The size whose longest side is `longest`, keeping the aspect ratio (each side ≥ 1).
    public static func fit(width: Int, height: Int, longest: Int) -> (width: Int, height: Int) {
        if width >= height {
            return (longest, max(1, Int((Double(height) * Double(longest) / Double(width)).rounded())))
        }
        return (max(1, Int((Double(width) * Double(longest) / Double(height)).rounded())), longest)
    }

    private struct Tap {
        var first: Int
        var weights: [Float]
    }

    /// For each destination sample, its contiguous source samples and normalised weights.
    private static func weights(from n: Int, to m: Int, cubic: Bool = false) -> [Tap] {
        let scale = Double(n) / Double(m)
        if cubic && scale < 1 { return cubicWeights(from: n, to: m) }
        let support = max(1, scale)  // triangle half-width in source pixels
        return (0..<m).map { i in
            let center = (Double(i) + 0.5) * scale - 0.5
            let lo = max(0, Int((center - support).rounded(.up)))
            let hi = min(n - 1, Int((center + support).rounded(.down)))
            var ws: [Float] = []
            var sum: Double = 0
            if lo <= hi {
                for j in lo...hi {
                    let w = max(0, 1 - abs(Double(j) - center) / support)
                    ws.append(Float(w))
                    sum += w
                }
            }
            if sum <= 0 {  // a destination sample between source samples at the edge
                let j = min(n - 1, max(0, Int(center.rounded())))
                return Tap(first: j, weights: [1])
            }
            return Tap(first: lo, weights: ws.map { $0 / Float(sum) })
        }
    }

    /// Enlarging with Keys's cubic (a = −0.5, Catmull–Rom): continuous slope, so an enlarged
    /// image has no creases at its source pixels (a triangle filter bends there).
    private static func cubicWeights(from n: Int, to m: Int) -> [Tap] {
        let scale = Double(n) / Double(m)
        func k(_ t: Double) -> Double {
            let x = abs(t)
            if x < 1 { return 1.5 * x * x * x - 2.5 * x * x + 1 }
            if x < 2 { return -0.5 * x * x * x + 2.5 * x * x - 4 * x + 2 }
            return 0
        }
        return (0..<m).map { i in
            let center = (Double(i) + 0.5) * scale - 0.5
            let lo = max(0, Int((center - 2).rounded(.up))), hi = min(n - 1, Int((center + 2).rounded(.down)))
            guard lo <= hi else { return Tap(first: min(n - 1, max(0, Int(center.rounded()))), weights: [1]) }
            var ws: [Float] = []
            var sum = 0.0
            for j in lo...hi {
                let w = k(Double(j) - center)
                ws.append(Float(w))
                sum += w
            }
            return Tap(first: lo, weights: ws.map { $0 / Float(sum) })
        }
    }
}
