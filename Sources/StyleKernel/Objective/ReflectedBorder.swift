/// The image under optimisation, seen by the network with a mirrored border around it, and the
/// losses taken over the image's own positions only.
///
/// Why: the network pads every convolution with zeros, so the features of a position near the
/// image's edge differ from those of the same pattern inside. The style's Grams leave the style
/// image's border out from conv4_1 on (`StageTargets.edgeMargins`), so nothing in them matches
/// those border features, and the optimiser repaints the result's outer few pixels until their
/// features fit — a dark frame of about 5 px that blind judges named (docs/quality.md, "The
/// frame"). With the image mirrored `width` px outwards before the network, every position of the
/// image itself sees image-like surroundings; the mirrored pixels are not variables of their own
/// (each is a copy of an image pixel, so its gradient is added back to that pixel: `fold`), and
/// the losses' masks (`interiorMask`) leave them out of every Gram and content term.
///
/// Mirroring is "reflect-101" (…, 2, 1 | 0, 1, 2, … | n−2, n−3, …), folded again for images
/// narrower than the border.
public struct ReflectedBorder: Sendable {
    /// Pixels of mirrored border on each side: a multiple of 8, so the image starts on a whole
    /// position at conv4_1 (stride 8), where the style's Grams start to leave the border out.
    public static let defaultWidth = 16

    public let width: Int
    /// The image's size, and the size the network sees (the image plus the border).
    public let imageWidth: Int
    public let imageHeight: Int
    public var paddedWidth: Int { imageWidth + 2 * width }
    public var paddedHeight: Int { imageHeight + 2 * width }
    /// For each padded column and row, the image column and row it copies.
    private let sourceColumn: [Int]
    private let sourceRow: [Int]

    public init(width: Int = ReflectedBorder.defaultWidth, imageWidth: Int, imageHeight: Int) {
        precondition(width >= 0 && imageWidth > 0 && imageHeight > 0)
        self.width = width
        self.imageWidth = imageWidth
        self.imageHeight = imageHeight
        sourceColumn = (0..<(imageWidth + 2 * width)).map { Self.reflect($0 - width, count: imageWidth) }
        sourceRow = (0..<(imageHeight + 2 * width)).map { Self.reflect($0 - width, count: imageHeight) }
    }

    /// The index in 0..<count that position `i` (any integer) mirrors.
    static func reflect(_ i: Int, count: Int) -> Int {
        guard count > 1 else { return 0 }
        let period = 2 * (count - 1)
        var j = i % period
        if j < 0 { j += period }
        return j < count ? j : period - j
    }

    /// Floats a whole-image stage holds for the border: the padded image and its gradient.
    public var floatCount: Int { 2 * 3 * paddedWidth * paddedHeight }

    /// `padded` ← the image `x` (channels × imageHeight × imageWidth) with its mirrored border.
    public func pad(
        _ x: UnsafePointer<Float>, into padded: UnsafeMutablePointer<Float>, channels: Int = 3,
        parallel: Parallel
    ) {
        let (w, h, pw, ph) = (imageWidth, imageHeight, paddedWidth, paddedHeight)
        sourceColumn.withUnsafeBufferPointer { cols in
            sourceRow.withUnsafeBufferPointer { rows in
                parallel.forEach(channels * ph, minimumPerThread: 64) { range in
                    for r in range {
                        let c = r / ph, y = r % ph
                        let src = x + c * w * h + rows[y] * w, dst = padded + c * pw * ph + y * pw
                        for xx in 0..<pw { dst[xx] = src[cols[xx]] }
                    }
                }
            }
        }
    }

    /// `values` (channels × imageHeight × imageWidth: an image, or one plane such as a region
    /// mask) with its mirrored border, as a new array.
    public func padded(_ values: [Float], channels: Int = 1, parallel: Parallel = Parallel(threads: 1)) throws
        -> [Float]
    {
        precondition(values.count == channels * imageWidth * imageHeight)
        var out = try CheckedMemory.floats(
            channels * paddedWidth * paddedHeight,
            what: "an image with its mirrored border (\(paddedWidth)×\(paddedHeight))")
        values.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                pad(src.baseAddress!, into: dst.baseAddress!, channels: channels, parallel: parallel)
            }
        }
        return out
    }

    /// `gradient` (the image's, channels × imageHeight × imageWidth) ← the padded image's gradient
    /// with each mirrored pixel's share added to the pixel it copies: the adjoint of `pad`.
    public func fold(
        _ paddedGradient: UnsafePointer<Float>, into gradient: UnsafeMutablePointer<Float>,
        channels: Int = 3, parallel: Parallel
    ) {
        let (w, h, pw, ph) = (imageWidth, imageHeight, paddedWidth, paddedHeight)
        sourceColumn.withUnsafeBufferPointer { cols in
            sourceRow.withUnsafeBufferPointer { rows in
                // One channel per task: the rows of a channel add into the same image rows.
                parallel.forEach(channels, minimumPerThread: 1) { range in
                    for c in range {
                        let g = gradient + c * w * h
                        g.update(repeating: 0, count: w * h)
                        for y in 0..<ph {
                            let src = paddedGradient + c * pw * ph + y * pw, dst = g + rows[y] * w
                            for xx in 0..<pw { dst[cols[xx]] += src[xx] }
                        }
                    }
                }
            }
        }
    }

    /// The positions of a layer of `stride` (1, 2, 4, …) and that size whose input pixels all lie
    /// in the image: a rectangle, the rest is border.
    public func interior(stride: Int, width layerWidth: Int, height layerHeight: Int) -> (
        x0: Int, y0: Int, width: Int, height: Int
    ) {
        // i·stride ≥ width and (i + 1)·stride ≤ width + side.
        func inside(_ side: Int, _ count: Int) -> Range<Int> {
            let lo = min(count, (width + stride - 1) / stride)
            return lo..<max(lo, min(count, (width + side) / stride))
        }
        let xs = inside(imageWidth, layerWidth), ys = inside(imageHeight, layerHeight)
        return (xs.lowerBound, ys.lowerBound, xs.count, ys.count)
    }

    /// The mask of every loss term at a layer of `stride` and that size: 1 over its `interior`,
    /// 0 over the border.
    public func interiorMask(stride: Int, width layerWidth: Int, height layerHeight: Int) throws -> [Float] {
        let r = interior(stride: stride, width: layerWidth, height: layerHeight)
        var m = try CheckedMemory.floats(
            layerWidth * layerHeight, what: "a layer's interior mask (\(layerWidth)×\(layerHeight))")
        for y in r.y0..<(r.y0 + r.height) {
            for x in r.x0..<(r.x0 + r.width) { m[y * layerWidth + x] = 1 }
        }
        return m
    }
}
