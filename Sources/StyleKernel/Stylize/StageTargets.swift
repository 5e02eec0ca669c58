/// What a stage's objective matches: the style images' Gram matrices (blended) and the content's
/// features. Style Grams are global at every stage: taken from the whole style image at once
/// when its workspace fits, else accumulated over tiles of it (a Gram is a sum over positions).
enum StageTargets {
    /// Σ_k blend_k · A_k for each of `options.styleLayers`, each style image at `sizes[k]`,
    /// through tiles of at most `tile` pixels a side (nil: whole images).
    static func styleGrams(
        styles: [PlanarImage], sizes: [(width: Int, height: Int)], blend: [Float],
        network: VGGNetwork, options: StyleOptions, convention: InputConvention,
        tile: Int?, parallel: Parallel, precision: Conv3x3.Precision,
        transformed: TransformedWeights?
    ) throws -> [String: [Float]] {
        let each = try perStyleGrams(
            styles: styles, sizes: sizes, network: network, options: options,
            convention: convention, tile: tile, parallel: parallel, precision: precision,
            transformed: transformed)
        return blended(each, blend: blend)
    }

    /// Σ_k blend_k · A_k, layer by layer, in the order of the styles.
    static func blended(_ each: [[String: [Float]]], blend: [Float]) -> [String: [Float]] {
        var grams: [String: [Float]] = [:]
        for (k, g) in each.enumerated() {
            for (name, value) in g {
                if var acc = grams[name] {
                    for i in acc.indices { acc[i] += blend[k] * value[i] }
                    grams[name] = acc
                } else {
                    grams[name] = value.map { $0 * blend[k] }
                }
            }
        }
        return grams
    }

    /// A_k for each style image and each of `options.styleLayers` (see `styleGrams`).
    static func perStyleGrams(
        styles: [PlanarImage], sizes: [(width: Int, height: Int)],
        network: VGGNetwork, options: StyleOptions, convention: InputConvention,
        tile: Int?, parallel: Parallel, precision: Conv3x3.Precision,
        transformed: TransformedWeights?, smoothEnlargement: Bool = false
    ) throws -> [[String: [Float]]] {
        let deepest = options.deepestLayer(in: network)
        var all: [[String: [Float]]] = []
        for (k, style) in styles.enumerated() {
            let resized = try Resample.resize(
                style, width: sizes[k].width, height: sizes[k].height, cubic: smoothEnlargement)
            if let tile, max(resized.width, resized.height) > tile {
                all.append(
                    try tiledGrams(
                        resized, tile: tile, network: network, deepest: deepest, options: options,
                        convention: convention, parallel: parallel, precision: precision))
            } else {
                let ws = try NetworkWorkspace(
                    network: network, height: resized.height, width: resized.width,
                    depth: deepest, parallel: parallel, precision: precision,
                    transformed: transformed)
                ws.forward(try convention.toModel(resized))
                var one: [String: [Float]] = [:]
                for (name, _) in options.styleLayers {
                    let shape = ws.shape(of: name)!
                    let (mx, my) = edgeMargins(
                        network: network, layer: name, options: options,
                        width: shape.width, height: shape.height)
                    if mx == 0 && my == 0 {
                        one[name] = gram(
                            ws.output(of: name)!, channels: shape.channels, positions: shape.plane,
                            scale: StyleObjective.gramScale(objective: options.objective, shape: shape),
                            parallel: parallel)
                    } else {
                        let cw = shape.width - 2 * mx, ch = shape.height - 2 * my
                        let sum = try windowGramSum(
                            ws.output(of: name)!, shape: shape, x0: mx, y0: my, width: cw, height: ch,
                            parallel: parallel)
                        one[name] = sum.map { Float($0 / Double(cw * ch)) }
                    }
                    if options.objective == .standard {
                        for spec in ShiftedGram.specs(for: options) where spec.layer == name {
                            one[spec.key] = try ShiftedGram.window(
                                ws.output(of: name)!, shape: shape, x0: mx, y0: my,
                                width: shape.width - 2 * mx, height: shape.height - 2 * my,
                                dx: spec.dx, dy: spec.dy, parallel: parallel)
                        }
                    }
                }
                all.append(one)
            }
        }
        return all
    }

    static func gram(
        _ features: UnsafePointer<Float>, channels: Int, positions: Int, scale: Float,
        parallel: Parallel
    ) -> [Float] {
        var g = [Float](repeating: 0, count: channels * channels)
        g.withUnsafeMutableBufferPointer { gp in
            Gram.compute(
                features: features, channels: channels, positions: positions, scale: scale,
                gram: gp.baseAddress!, parallel: parallel)
        }
        return g
    }

    /// The size-normalised Grams (G = F·Fᵀ / positions) of a large image, tile by tile: each tile
    /// is run with a halo around its core, and only the core's positions are summed, so every
    /// position of the image counts once with (nearly) the features the whole image would give it.
    /// Cores and halos are multiples of 16 px, so a core's edges fall on whole positions of every
    /// layer down to conv5 (four 2×2 poolings).
    static func tiledGrams(
        _ image: PlanarImage, tile: Int, network: VGGNetwork, deepest: Int,
        options: StyleOptions, convention: InputConvention,
        parallel: Parallel, precision: Conv3x3.Precision
    ) throws -> [String: [Float]] {
        let halo = 32
        let core = max(16, (tile - 2 * halo) / 16 * 16)
        var sums: [String: [Double]] = [:]
        var positions: [String: Int] = [:]
        var y0 = 0
        while y0 < image.height {
            let y1 = min(image.height, y0 + core)
            var x0 = 0
            while x0 < image.width {
                let x1 = min(image.width, x0 + core)
                let rx0 = max(0, x0 - halo), ry0 = max(0, y0 - halo)
                let rx1 = min(image.width, x1 + halo), ry1 = min(image.height, y1 + halo)
                let region = try image.crop(x0: rx0, y0: ry0, width: rx1 - rx0, height: ry1 - ry0)
                let ws = try NetworkWorkspace(
                    network: network, height: region.height, width: region.width,
                    depth: deepest, parallel: parallel, precision: precision, transformed: nil)
                ws.forward(try convention.toModel(region))
                for (name, _) in options.styleLayers {
                    let shape = ws.shape(of: name)!
                    let stride = network.stride(of: name)
                    // The core, in this layer's positions, less the image's edge margin (as for a
                    // whole style image; the region's origin is a multiple of 16, so of `stride`).
                    let ox = rx0 / stride, oy = ry0 / stride
                    let (fullW, fullH) = (image.width / stride, image.height / stride)
                    let (mx, my) = edgeMargins(
                        network: network, layer: name, options: options,
                        width: fullW, height: fullH)
                    let cx0 = max((x0 - rx0) / stride, mx - ox), cy0 = max((y0 - ry0) / stride, my - oy)
                    let cx1 = min(shape.width, x1 == image.width ? shape.width : (x1 - rx0) / stride, fullW - mx - ox)
                    let cy1 = min(
                        shape.height, y1 == image.height ? shape.height : (y1 - ry0) / stride, fullH - my - oy)
                    let cw = max(0, cx1 - cx0), ch = max(0, cy1 - cy0)
                    guard cw > 0, ch > 0 else { continue }
                    let g = try windowGramSum(
                        ws.output(of: name)!, shape: shape, x0: cx0, y0: cy0, width: cw, height: ch,
                        parallel: parallel)
                    var acc = sums[name] ?? [Double](repeating: 0, count: shape.channels * shape.channels)
                    for i in acc.indices { acc[i] += g[i] }
                    sums[name] = acc
                    positions[name, default: 0] += cw * ch
                }
                x0 = x1
            }
            y0 = y1
        }
        var grams: [String: [Float]] = [:]
        for (name, acc) in sums {
            let n = Float(max(1, positions[name] ?? 1))
            grams[name] = acc.map { Float($0) / n }
        }
        return grams
    }

    /// Floats of the band `windowGramSum` copies at most (the memory plan counts it).
    static let bandFloats = 1 << 22

    /// F·Fᵀ (unscaled, in doubles) over a window of a feature map's positions, copied out in bands
    /// of rows (at most `bandFloats`) and summed band by band, so the copy stays small beside the
    /// workspace.
    static func windowGramSum(
        _ f: UnsafePointer<Float>, shape: Shape3, x0: Int, y0: Int, width cw: Int, height ch: Int,
        parallel: Parallel
    ) throws -> [Double] {
        var acc = [Double](repeating: 0, count: shape.channels * shape.channels)
        let bandRows = max(1, min(ch, bandFloats / max(1, shape.channels * cw)))
        var window = try CheckedMemory.floats(shape.channels * cw * bandRows, what: "a band of a style's features")
        var b0 = 0
        while b0 < ch {
            let rows = min(bandRows, ch - b0)
            window.withUnsafeMutableBufferPointer { wp in
                for c in 0..<shape.channels {
                    for y in 0..<rows {
                        (wp.baseAddress! + (c * rows + y) * cw).update(
                            from: f + (c * shape.height + y0 + b0 + y) * shape.width + x0, count: cw)
                    }
                }
            }
            let g = window.withUnsafeBufferPointer {
                gram($0.baseAddress!, channels: shape.channels, positions: cw * rows, scale: 1, parallel: parallel)
            }
            for i in acc.indices { acc[i] += Double(g[i]) }
            b0 += rows
        }
        return acc
    }

    /// Positions at each edge of `layer`'s feature map whose receptive field reaches past the image
    /// into the network's zero padding, left out of the style's Grams with the default objective
    /// at the layers from conv4_1 on (`edgeMarginFromBlock`).
    ///
    /// There a painting's own edge — a frame, tape, the unpainted strip that The Scream has down
    /// its right side — sits beside features that only occur at an image border, and the Gram ties
    /// the two together: the optimiser then paints that strip down the same edge of the result (an
    /// orange band down Golden Gate's right edge, named by blind judges; flipping the style moved
    /// it to the left edge, cropping the strip off removed it). Leaving out conv4_1's border
    /// positions (5 of them, 40 px) removes the band; conv3_1's too changed nothing more there,
    /// so the shallower layers keep every position. The result's Grams keep every position:
    /// leaving its border out too was judged worse (a flat, unpainted band along an edge;
    /// docs/quality.md, 1.4.0). The radius grows by
    /// the current stride at each 3×3 conv and each 2×2 pool. The tutorial objective keeps every
    /// position, as the tutorials do. `edgeMargins` caps it for a map's size.
    static func edgeMargin(network: VGGNetwork, layer name: String, options: StyleOptions) -> Int {
        guard options.objective == .standard, let index = network.layerIndex(name),
            network.poolCount(before: name) >= edgeMarginFromBlock - 1
        else { return 0 }
        var radius = 0, stride = 1
        for i in 0...index {
            if network.poolBefore.contains(i) {
                radius += stride
                stride *= 2
            }
            radius += stride
        }
        return (radius + stride - 1) / stride
    }

    /// `edgeMargin` across and down a feature map of this size, never more than a quarter of a
    /// side, so that at least half of each side counts.
    static func edgeMargins(
        network: VGGNetwork, layer: String, options: StyleOptions,
        width: Int, height: Int
    ) -> (x: Int, y: Int) {
        let m = edgeMargin(network: network, layer: layer, options: options)
        return (min(m, max(0, width - 1) / 4), min(m, max(0, height - 1) / 4))
    }

    /// The first block (conv4_x) whose style Grams leave out the border (`edgeMargin`).
    static let edgeMarginFromBlock = 4

    /// Content features at each content layer of a workspace that has just run forward.
    static func features(_ workspace: NetworkWorkspace, layers: [String]) -> [String: [Float]] {
        var out: [String: [Float]] = [:]
        for name in layers {
            let shape = workspace.shape(of: name)!
            out[name] = Array(UnsafeBufferPointer(start: workspace.output(of: name)!, count: shape.count))
        }
        return out
    }
}
