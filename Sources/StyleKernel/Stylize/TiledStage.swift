#if canImport(Glibc)
    import Glibc
#endif

/// A stage above the working size, optimised in overlapping tiles in bounded memory.
///
/// - Style targets (Gram matrices) are taken once per stage, globally: a Gram is a sum over
///   positions, so it is accumulated tile by tile over the style image (`StageTargets`); never
///   per tile, or every tile would get its own style statistics and the seams would show.
/// - Each tile is optimised on its own against those targets and its own content features,
///   starting from the current image (the previous stage upsampled, with the tiles already done
///   written in). Tiles run in raster order, so each one starts from its neighbours' results in
///   the overlap and continues them; step weights share each overlap between its two tiles
///   (`stepWeights`), so each pixel is optimised once in all and a tile's edges stay as its
///   neighbours left them.
/// - The style images are taken at this stage's size times the style scale, as at the
///   whole-image stages, so the painting's strokes keep their size relative to the image and a
///   large result looks like the working-size result enlarged. Enlarged beyond their own size,
///   they are resampled with a cubic (`Resample`, `smoothEnlargement`): a triangle filter's
///   creases (one every source pixel) became a diagonal lattice of 6–7 px cells over the sky, and
///   1.2–1.10's answer, the style at its own size, made the painting's fine texture at its pixel
///   scale: a "knitted" lattice of 8–10 px at 100 % and strokes far smaller than at 512 px
///   (docs/quality.md, "One look at every size").
/// - The network runs only to `deepestLayer` here: at full resolution the start image already
///   has the layout and the large strokes from the whole-image stages, and the tiles add the
///   fine texture that the shallow layers describe, at about 40 % of the cost per pixel.
struct TiledStage {
    /// The deepest layer a tiled stage uses; deeper style layers are dropped and a deeper content
    /// layer is replaced by this one.
    static let deepestLayer = "conv3_1"
    /// Cost of a tile's iteration per pixel relative to a whole-image stage's (for the progress
    /// estimate). VGG16's multiply-adds to conv3_1 are only 40 % of those to conv5_1, but each
    /// tile also runs its content's forward pass and the optimiser's first evaluation, and its
    /// few iterations take more line-search steps: measured on a 4000×3000 run, 3.2 s per
    /// megapixel-iteration in tiles against 3.7 at the 512 px whole stage. (0.4 made the ETA
    /// at the end of the whole stages half the time really left.)
    static let relativeCost = 0.85
    /// Overlap of neighbouring tiles, in pixels: well over conv3_1's receptive field (about 40
    /// px), so a tile's border effects fall where its step weights are low.
    static let overlap = 64

    /// The objective's layers at a tiled stage (see the type's comment), and its TV weight for a
    /// stage `enlargement` times the last whole-image stage's size: times enlargement², since an
    /// image enlarged k times has 1/k² of the mean squared neighbour difference, so the same
    /// weight would smooth k² times less than at the size whose look the stage enlarges.
    static func options(
        _ options: StyleOptions, architecture: VGGArchitecture, enlargement: Float = 1
    ) -> StyleOptions {
        let names = architecture.layerNames
        let limit = names.firstIndex(of: deepestLayer)!
        var o = options
        o.styleLayers = options.styleLayers.filter { names.firstIndex(of: $0.name)! <= limit }
        if !o.styleLayers.contains(where: { $0.weight > 0 }) {
            o.styleLayers = StyleOptions.tileFallbackStyleLayers.filter { names.firstIndex(of: $0.name)! <= limit }
        }
        o.contentLayers = Array(
            Set(options.contentLayers.map { names.firstIndex(of: $0)! <= limit ? $0 : deepestLayer })
        )
        .sorted { names.firstIndex(of: $0)! < names.firstIndex(of: $1)! }
        o.tvWeight *= enlargement * enlargement
        return o
    }

    /// Tiles covering a width × height image: as few as tiles of at most `tile` per side allow,
    /// all of one size — the smallest that covers the side with `overlap` between neighbours, so
    /// no work is spent on wider overlaps than needed (a 2048 px side in 1024 px tiles takes three
    /// of 736 px, not three of 1024) — the last ones flush with the image's edge.
    struct Grid {
        let tileWidth: Int, tileHeight: Int
        let xs: [Int], ys: [Int]
        var count: Int { xs.count * ys.count }

        /// How far the tile in column i, row j overlaps its neighbours on each side (0: none).
        func overlaps(column i: Int, row j: Int) -> (left: Int, top: Int, right: Int, bottom: Int) {
            (
                i > 0 ? xs[i - 1] + tileWidth - xs[i] : 0, j > 0 ? ys[j - 1] + tileHeight - ys[j] : 0,
                i + 1 < xs.count ? xs[i] + tileWidth - xs[i + 1] : 0,
                j + 1 < ys.count ? ys[j] + tileHeight - ys[j + 1] : 0
            )
        }

        init(width: Int, height: Int, tile: Int, overlap: Int) {
            func starts(_ side: Int) -> (size: Int, starts: [Int]) {
                if side <= tile { return (side, [0]) }
                let n = (side - overlap + tile - overlap - 1) / (tile - overlap)
                let size = min(tile, (side + (n - 1) * overlap + n - 1) / n)
                return (size, (0..<n).map { i in Int((Double(i) * Double(side - size) / Double(n - 1)).rounded()) })
            }
            (tileWidth, xs) = starts(width)
            (tileHeight, ys) = starts(height)
        }
    }

    /// Raised-cosine weight of a tile's pixel at `offset` into an overlap of `width` pixels
    /// (0 at the overlap's outer edge, 1 where the tile's own pixels start).
    static func ramp(_ offset: Int, width: Int) -> Float {
        guard width > 0 else { return 1 }
        let t = (Double(offset) + 0.5) / Double(width)
        return Float(0.5 - 0.5 * cos(Double.pi * min(1, max(0, t))))
    }

    /// How far each pixel of a tile may move (`PixelOptimizer`'s step weights), along one side
    /// of `size` pixels overlapping the tile before it by `before` pixels and the tile after it
    /// by `after`: across an overlap the later tile's weight rises as `ramp` over the overlap's
    /// middle half (0 in the outer quarter, 1 in the inner one) and the earlier tile's falls as 1
    /// minus that. The two add up to 1, so each pixel is optimised once in all: an overlap
    /// optimised in full by both tiles came out with bands of denser texture, since a Gram loss's
    /// gradient grows with the texture already there (sky texture energy in the overlaps 1.52×
    /// elsewhere on Tübingen at 2048 px; a ramp over the whole overlap 1.15×, over its middle
    /// half 1.05×). A tile's outer quarters stay as its neighbours left them — context for its
    /// objective, where its own border effects fall — so tones run on with no step.
    static func stepWeights(size: Int, before: Int, after: Int) -> [Float] {
        func share(_ offset: Int, _ width: Int) -> Float { ramp(offset - width / 4, width: width - 2 * (width / 4)) }
        return (0..<size).map { p in
            (before > 0 ? share(p, before) : 1) * (after > 0 ? 1 - share(p - (size - after), after) : 1)
        }
    }

    /// Writes a tile's step weights for its three planes into `weights` (3 · width · height
    /// floats, one buffer reused by every tile of a stage): the product of its columns' and
    /// rows' weights.
    static func stepWeights(
        into weights: FloatBuffer, width: Int, height: Int,
        left: Int, top: Int, right: Int, bottom: Int
    ) {
        let columns = stepWeights(size: width, before: left, after: right)
        let rows = stepWeights(size: height, before: top, after: bottom)
        let plane = width * height
        for c in 0..<3 {
            for (y, r) in rows.enumerated() {
                let dst = weights.pointer + c * plane + y * width
                for (x, w) in columns.enumerated() { dst[x] = r * w }
            }
        }
    }

    /// Radius of the box filter (run twice: a triangle about 2·12 px wide, σ ≈ 10 px) that
    /// splits a tile's change into tone (its low-pass) and detail.
    static let toneRadius = 12

    /// Keeps only the detail a tile added to the image: from `tile` (the tile's result at (x0, y0)
    /// of `image`, which still holds its start) removes the low-pass of its change, then clamps to
    /// 0…1. The tone and the large strokes come from the stages below, optimised with more of the
    /// image in view; a tile left to itself drifts in tone (its Grams are pulled towards the whole
    /// style's statistics by what it alone contains), and at 12 MP, 6 iterations per tile, a tile
    /// of sky came out visibly bluer than its neighbours, a rectangle in the whole image.
    /// `change`: scratch of at least 3 · tile's pixels, one buffer reused by every tile of a stage.
    static func keepDetail(_ tile: inout PlanarImage, of image: PlanarImage, x0: Int, y0: Int, change: FloatBuffer) {
        let tw = tile.width, th = tile.height, w = image.width, h = image.height, plane = tw * th
        precondition(change.count >= 3 * plane)
        let d = change.pointer
        image.pixels.withUnsafeBufferPointer { start in
            tile.pixels.withUnsafeBufferPointer { result in
                for c in 0..<3 {
                    for y in 0..<th {
                        let s = start.baseAddress! + (c * h + y0 + y) * w + x0
                        let r = result.baseAddress! + (c * th + y) * tw
                        let o = d + c * plane + y * tw
                        for x in 0..<tw { o[x] = r[x] - s[x] }
                    }
                }
            }
        }
        var line = [Float](repeating: 0, count: max(tw, th))
        var sums = [Double](repeating: 0, count: max(tw, th) + 1)
        /// `count` values at `base` with `stride`: each replaced by the mean of those within
        /// `toneRadius` of it (fewer at the ends), twice.
        func smooth(_ base: UnsafeMutablePointer<Float>, count: Int, stride: Int) {
            for _ in 0..<2 {
                sums[0] = 0
                for i in 0..<count { sums[i + 1] = sums[i] + Double(base[i * stride]) }
                for i in 0..<count {
                    let lo = max(0, i - toneRadius), hi = min(count, i + toneRadius + 1)
                    line[i] = Float((sums[hi] - sums[lo]) / Double(hi - lo))
                }
                for i in 0..<count { base[i * stride] = line[i] }
            }
        }
        for c in 0..<3 {
            for y in 0..<th { smooth(d + c * plane + y * tw, count: tw, stride: 1) }
            for x in 0..<tw { smooth(d + c * plane + x, count: th, stride: tw) }
        }
        tile.pixels.withUnsafeMutableBufferPointer { result in
            for i in 0..<(3 * plane) { result[i] = min(1, max(0, result[i] - d[i])) }
        }
    }

    /// Writes `tile` into `image` at (x0, y0). No blend is needed: the tile's edges, held by
    /// their step weights, still hold the neighbours' pixels.
    static func write(_ tile: PlanarImage, into image: inout PlanarImage, x0: Int, y0: Int) {
        let w = image.width, h = image.height, tw = tile.width, th = tile.height
        image.pixels.withUnsafeMutableBufferPointer { dst in
            tile.pixels.withUnsafeBufferPointer { src in
                for c in 0..<3 {
                    for y in 0..<th {
                        (dst.baseAddress! + (c * h + y0 + y) * w + x0)
                            .update(from: src.baseAddress! + (c * th + y) * tw, count: tw)
                    }
                }
            }
        }
    }
}

extension PlanarImage {
    /// The width × height region at (x0, y0), which must lie inside the image.
    func crop(x0: Int, y0: Int, width: Int, height: Int) throws -> PlanarImage {
        if x0 == 0 && y0 == 0 && width == self.width && height == self.height { return self }
        return PlanarImage(
            trusted: width, height,
            try Self.crop(
                pixels, channels: 3, width: self.width, height: self.height,
                x0: x0, y0: y0, toWidth: width, height: height))
    }

    /// The region of `channels` planes of width × height at (x0, y0), of toWidth × toHeight.
    static func crop(
        _ planes: [Float], channels: Int, width: Int, height: Int,
        x0: Int, y0: Int, toWidth w: Int, height h: Int
    ) throws -> [Float] {
        var out = try CheckedMemory.floats(channels * w * h, what: "a tile of \(w)×\(h)")
        planes.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                for c in 0..<channels {
                    for y in 0..<h {
                        let s = src.baseAddress! + (c * height + y0 + y) * width + x0
                        (dst.baseAddress! + (c * h + y) * w).update(from: s, count: w)
                    }
                }
            }
        }
        return out
    }
}
