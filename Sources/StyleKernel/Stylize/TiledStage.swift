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
///   written in). Tiles run in raster order, and each pixel is optimised by one tile only: a
///   tile's overlap with a neighbour is split in the middle. The half next to a tile done before
///   is its *context*: it takes part in the objective, so the tile's own pixels continue the
///   strokes there, but its gradient is held at zero and it is not written back. The half next to
///   a tile still to come is its *margin*: optimised, so the pixels written stay clear of the
///   tile's border effects (zero padding), then discarded — the next tile starts there from the
///   previous stage's image.
///   Measured on Tübingen + Starry Night at 2048 px: optimising the overlaps twice (the later tile
///   continuing the earlier one's result there, then a raised-cosine blend) left ~50 px bands of
///   denser, higher-contrast texture along every seam — high-frequency energy 1.39× that
///   elsewhere — as a Gram loss's gradient grows with the texture already there. Holding the
///   context fixed removed them (0.95×); writing the tiles' border pixels too left bands of border
///   effects instead (`testSeamsLeaveNoBandsOfTexture`). See docs/objective.md.
/// - The style images are taken at this stage's size, but never enlarged beyond their own: an
///   enlarged style has no finer detail, only its resampling's regular creases (bilinear: one
///   every source pixel), and the shallow layers that tiles match copy those — measured on
///   Tübingen + Starry Night (196×313) at 1024 px: a regular diagonal lattice of 6–7 px cells over
///   the whole sky; at the style's own size, fine brushwork instead.
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
    /// Least overlap of neighbouring tiles, in pixels: half of it is context, half margin (see the
    /// type's comment), each about conv3_1's receptive field (about 40 px across).
    static let overlap = 64

    /// The objective's layers at a tiled stage (see the type's comment).
    static func options(_ options: StyleOptions, architecture: VGGArchitecture) -> StyleOptions {
        let names = architecture.layerNames
        let limit = names.firstIndex(of: deepestLayer)!
        var o = options
        o.styleLayers = options.styleLayers.filter { names.firstIndex(of: $0.name)! <= limit }
        if !o.styleLayers.contains(where: { $0.weight > 0 }) {
            o.styleLayers = StyleOptions.defaultStyleLayers.filter { names.firstIndex(of: $0.name)! <= limit }
        }
        o.contentLayers = Array(Set(options.contentLayers.map { names.firstIndex(of: $0)! <= limit ? $0 : deepestLayer }))
            .sorted { names.firstIndex(of: $0)! < names.firstIndex(of: $1)! }
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

    /// Tile `k` of a row (or column) of tiles at `starts`, each `size` long: how many of its
    /// pixels at the start are context (the first half of its overlap with the tile before) and
    /// at the end margin (the second half of its overlap with the tile after).
    static func split(_ starts: [Int], _ k: Int, size: Int) -> (context: Int, margin: Int) {
        let before = k > 0 ? starts[k - 1] + size - starts[k] : 0
        let after = k + 1 < starts.count ? starts[k] + size - starts[k + 1] : 0
        return (before / 2, after - after / 2)
    }

    /// Holds a tile's context fixed: zeroes the gradient (3 × height × width) in its first `top`
    /// rows and `left` columns, the pixels that tiles done before it have finished. The
    /// optimisers never move a pixel whose gradient is always zero (L-BFGS's directions and Adam's
    /// steps are zero there).
    static func holdContext(_ gradient: UnsafeMutablePointer<Float>, width: Int, height: Int, left: Int, top: Int) {
        for c in 0..<3 {
            let plane = gradient + c * width * height
            plane.update(repeating: 0, count: min(top, height) * width)
            guard left > 0 else { continue }
            for y in min(top, height)..<height { (plane + y * width).update(repeating: 0, count: min(left, width)) }
        }
    }

    /// Raised-cosine weight of the pixel `offset` into a cross-fade of `width` pixels (near 0 at
    /// its start, near 1 at its end).
    static func ramp(_ offset: Int, width: Int) -> Float {
        guard width > 0 else { return 1 }
        let t = (Double(offset) + 0.5) / Double(width)
        return Float(0.5 - 0.5 * cos(Double.pi * min(1, max(0, t))))
    }

    /// Writes the given columns and rows of `tile` (its own pixels: neither context nor margin)
    /// into `image`, the tile's origin at (x0, y0). Where the tile before it in the row
    /// (`leftMargin`: that tile's margin, as high as this tile) or the one above (`aboveMargin`:
    /// as wide as this tile) also optimised this tile's first own pixels (in its margin, then
    /// discarded), those are cross-faded from the earlier tile's values to this tile's: both
    /// continue the same context, and the fade hides the step where the two optimisations meet.
    static func write(_ tile: PlanarImage, into image: inout PlanarImage, x0: Int, y0: Int,
                      columns: Range<Int>, rows: Range<Int>,
                      leftMargin: PlanarImage? = nil, aboveMargin: PlanarImage? = nil) {
        let w = image.width, h = image.height, tw = tile.width, th = tile.height
        guard !columns.isEmpty else { return }
        // The fade spans the margin's first half: its second half lies within the earlier tile's
        // border effects (measured: fading over the whole margin made the overlaps' texture
        // 10 % stronger than elsewhere, over half of it 8 %, no fade 7 % but with a visible step:
        // gradients 9 % above elsewhere where the tiles meet, 5 % with the fade).
        let leftWidth = leftMargin?.width ?? 0, aboveHeight = aboveMargin?.height ?? 0
        let fadeX = leftWidth / 2, fadeY = aboveHeight / 2
        let columnWeights = (0..<fadeX).map { ramp($0, width: fadeX) }
        let leftPixels = leftMargin?.pixels ?? [], abovePixels = aboveMargin?.pixels ?? []
        image.pixels.withUnsafeMutableBufferPointer { dst in
            tile.pixels.withUnsafeBufferPointer { src in
                leftPixels.withUnsafeBufferPointer { lp in
                    abovePixels.withUnsafeBufferPointer { ap in
                        for c in 0..<3 {
                            for y in rows {
                                let d = dst.baseAddress! + (c * h + y0 + y) * w + x0
                                let t = src.baseAddress! + (c * th + y) * tw
                                (d + columns.lowerBound).update(from: t + columns.lowerBound, count: columns.count)
                                for k in 0..<min(fadeX, columns.count) {
                                    let x = columns.lowerBound + k, a = columnWeights[k]
                                    d[x] = a * d[x] + (1 - a) * lp[(c * th + y) * leftWidth + k]
                                }
                                let k = y - rows.lowerBound
                                guard k < fadeY else { continue }
                                let a = ramp(k, width: fadeY)
                                for x in columns { d[x] = a * d[x] + (1 - a) * ap[(c * aboveHeight + k) * tw + x] }
                            }
                        }
                    }
                }
            }
        }
    }
}

extension PlanarImage {
    /// The width × height region at (x0, y0), which must lie inside the image.
    func crop(x0: Int, y0: Int, width: Int, height: Int) -> PlanarImage {
        if x0 == 0 && y0 == 0 && width == self.width && height == self.height { return self }
        var out = [Float](repeating: 0, count: 3 * width * height)
        pixels.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                for c in 0..<3 {
                    for y in 0..<height {
                        let s = src.baseAddress! + (c * self.height + y0 + y) * self.width + x0
                        (dst.baseAddress! + (c * height + y) * width).update(from: s, count: width)
                    }
                }
            }
        }
        return PlanarImage(trusted: width, height, out)
    }
}
