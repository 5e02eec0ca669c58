import XCTest

@testable import StyleKernel

/// Results larger than the working size: the schedule, the tile grid and step weights, global style
/// Grams accumulated over tiles, tiled against single-piece results, seams.
final class TiledStageTests: XCTestCase {
    func testScheduleDoublesAboveTheWorkingSizeAndKeepsTheDefaultPyramid() {
        var o = StyleOptions()
        let small = ScaleSchedule(options: o, contentWidth: 640, contentHeight: 480)
        XCTAssertEqual(small.stages.map(\.longest), [362, 512])
        XCTAssertFalse(small.stages.contains(where: \.tiled))
        o.size = 6000
        let big = ScaleSchedule(options: o, contentWidth: 6000, contentHeight: 4000)
        XCTAssertEqual(big.stages.map(\.longest), [362, 512, 1024, 2048, 4096, 6000])
        XCTAssertEqual(big.stages.map(\.tiled), [false, false, true, true, true, true])
        XCTAssertEqual(big.stages.map(\.iterations), [24, 24, 12, 8, 6, 4])
        XCTAssertEqual(big.stages.last!.width, 6000)
        XCTAssertEqual(big.stages.last!.height, 4000)
        o.size = 1200  // 1024 would leave a step of under 1.25× to 1200: merged into it
        XCTAssertEqual(
            ScaleSchedule(options: o, contentWidth: 1200, contentHeight: 900).stages.map(\.longest).suffix(2),
            [512, 1200])
    }

    func testGridCoversTheImageWithEqualTilesAndEnoughOverlap() {
        for (w, h, tile) in [(1000, 700, 256), (257, 256, 256), (5000, 90, 512), (300, 300, 1024), (2048, 1536, 1024)] {
            let grid = TiledStage.Grid(width: w, height: h, tile: tile, overlap: 64)
            for (starts, side, size) in [(grid.xs, w, grid.tileWidth), (grid.ys, h, grid.tileHeight)] {
                XCTAssertLessThanOrEqual(size, min(side, tile))
                // As few tiles as `tile` allows, and no larger than they must be to cover the
                // side with 64 px overlaps.
                let fewest = side <= tile ? 1 : (side - 64 + tile - 64 - 1) / (tile - 64)
                XCTAssertEqual(starts.count, fewest, "\(w)×\(h) tile \(tile)")
                XCTAssertLessThan(starts.count * size - (starts.count - 1) * 64, side + starts.count)
                XCTAssertEqual(starts.first, 0)
                XCTAssertEqual(starts.last! + size, side)
                for (a, b) in zip(starts, starts.dropFirst()) {
                    XCTAssertGreaterThanOrEqual(a + size - b, 64, "\(w)×\(h) tile \(tile)")
                    XCTAssertLessThan(a, b)
                }
            }
        }
    }

    /// Each overlap is shared between its two tiles: their step weights add up to 1 everywhere
    /// (so each pixel is optimised once in all), a tile's interior is free, and its edges inside
    /// the image are held (they keep the neighbours' pixels, so writing the tile back needs no
    /// blend).
    func testStepWeightsShareEachOverlapBetweenItsTiles() {
        for (side, tile) in [(1000, 256), (300, 200), (2048, 736)] {
            let grid = TiledStage.Grid(width: side, height: 10, tile: tile, overlap: 64)
            let starts = grid.xs, size = grid.tileWidth
            var total = [Float](repeating: 0, count: side)
            for (i, x0) in starts.enumerated() {
                let (before, _, after, _) = grid.overlaps(column: i, row: 0)
                let w = TiledStage.stepWeights(size: size, before: before, after: after)
                for (p, v) in w.enumerated() { total[x0 + p] += v }
                if before > 0 { XCTAssertLessThan(w[0], 1e-3) }
                if after > 0 { XCTAssertLessThan(w[size - 1], 1e-3) }
                XCTAssertEqual(w[before + (size - before - after) / 2], 1, "interior of tile \(i)")
            }
            for (x, v) in total.enumerated() { XCTAssertEqual(v, 1, accuracy: 1e-6, "\(side) px at \(x)") }
        }
        // In two dimensions the four tiles at a corner share it too.
        func weights(left: Int, top: Int, right: Int, bottom: Int) -> [Float] {
            let buffer = FloatBuffer(count: 3 * 36)
            TiledStage.stepWeights(
                into: buffer, width: 6, height: 6, left: left, top: top, right: right, bottom: bottom)
            let all = Array(UnsafeBufferPointer(start: buffer.pointer, count: buffer.count))
            XCTAssertEqual(all[0..<36], all[36..<72])
            XCTAssertEqual(all[0..<36], all[72..<108])
            return all
        }
        let a = weights(left: 0, top: 0, right: 4, bottom: 4)
        let b = weights(left: 4, top: 0, right: 0, bottom: 4)
        let c = weights(left: 0, top: 4, right: 4, bottom: 0)
        let d = weights(left: 4, top: 4, right: 0, bottom: 0)
        for y in 0..<4 {
            for x in 0..<4 {
                // (x, y) of the 4 × 4 corner: in a at (2 + x, 2 + y), b at (x, 2 + y), c at (2 + x, y), d at (x, y).
                let sum = a[(2 + y) * 6 + 2 + x] + b[(2 + y) * 6 + x] + c[y * 6 + 2 + x] + d[y * 6 + x]
                XCTAssertEqual(sum, 1, accuracy: 1e-6)
            }
        }
    }

    /// A tile keeps the detail it added and loses its change in tone: a uniform shift is
    /// removed everywhere, a one-pixel checkerboard stays.
    func testTileKeepsItsDetailButNotItsToneChange() throws {
        let (w, h, tw, th, x0, y0) = (110, 90, 80, 70, 20, 10)
        let start = try PlanarImage(
            width: w, height: h, pixels: (0..<(3 * w * h)).map { i in 0.3 + 0.2 * Float(i % w) / Float(w) })
        var tile = try start.crop(x0: x0, y0: y0, width: tw, height: th)
        let expected = tile.pixels.enumerated().map { i, v in v + ((i % tw + i / tw) % 2 == 0 ? 0.05 : -0.05) }
        tile.pixels = zip(expected, 0...).map { v, i in v + (i < tw * th ? 0.2 : -0.1) }  // red up, green and blue down
        TiledStage.keepDetail(&tile, of: start, x0: x0, y0: y0, change: FloatBuffer(count: 3 * tw * th))
        // Inside (the box filter's reach from the edges), the checkerboard averages out exactly.
        let r = TiledStage.toneRadius * 2
        for c in 0..<3 {
            for y in r..<(th - r) {
                for x in r..<(tw - r) {
                    let i = (c * th + y) * tw + x
                    XCTAssertEqual(tile.pixels[i], expected[i], accuracy: 0.01, "channel \(c) at \(x), \(y)")
                }
            }
        }
        let mean = { (a: [Float]) in a.reduce(0, +) / Float(a.count) }
        XCTAssertEqual(mean(tile.pixels), mean(expected), accuracy: 0.01, "no tone change left")
        XCTAssert(tile.pixels.allSatisfy { (0...1).contains($0) })
    }

    func testTileIsWrittenBackWhole() {
        var image = try! PlanarImage(width: 8, height: 2, red: 0, green: 0, blue: 0)
        let tile = try! PlanarImage(width: 5, height: 1, red: 1, green: 1, blue: 1)
        TiledStage.write(tile, into: &image, x0: 2, y0: 1)
        for c in 0..<3 {
            XCTAssertEqual(
                Array(image.pixels[(2 * c) * 8..<(2 * c + 2) * 8]),
                [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 0], "channel \(c)")
        }
    }

    /// A result larger than the working size runs with the same layers as one of the working
    /// size (since 1.11.0: its whole-image stages are that result); its tiled stages keep those up
    /// to conv3_1, with their weights, a deeper content layer becomes conv3_1, and the TV weight
    /// grows with the square of the enlargement.
    func testTiledStagesKeepTheirLayersToConv3_1() {
        func layers(_ o: StyleOptions) -> [String] { o.styleLayers.map { "\($0.name):\($0.weight)" } }
        var small = StyleOptions()
        small.size = small.workSize
        XCTAssertEqual(layers(small.resolvingDefaultLayers()), layers(StyleOptions()))
        var large = StyleOptions()
        large.size = 2 * large.workSize
        XCTAssertEqual(layers(large.resolvingDefaultLayers()), layers(StyleOptions()))
        let byDefault = TiledStage.options(large.resolvingDefaultLayers(), architecture: .vgg16)
        XCTAssertEqual(layers(byDefault), ["conv1_1:0.2", "conv2_1:0.5", "conv3_1:1.0"])
        XCTAssertEqual(byDefault.contentLayers, ["conv3_1"])
        XCTAssertEqual(byDefault.tvWeight, large.tvWeight)
        XCTAssertEqual(TiledStage.options(large, architecture: .vgg16, enlargement: 4).tvWeight, 16 * large.tvWeight)

        var own = large
        own.styleLayers = [("conv1_1", 0.2), ("conv2_2", 0.5), ("conv4_1", 1)]
        XCTAssertEqual(layers(own.resolvingDefaultLayers()), layers(own))
        own.contentLayers = ["conv2_2", "conv5_1"]
        let kept = TiledStage.options(own, architecture: .vgg16)
        XCTAssertEqual(layers(kept), ["conv1_1:0.2", "conv2_2:0.5"])
        XCTAssertEqual(kept.contentLayers, ["conv2_2", "conv3_1"])

        var deepOnly = StyleOptions()
        deepOnly.styleLayers = [("conv1_1", 0), ("conv4_1", 1)]
        XCTAssertEqual(
            layers(TiledStage.options(deepOnly, architecture: .vgg16)), ["conv1_1:1.0", "conv2_1:0.75", "conv3_1:0.2"])
    }

    /// Grams accumulated over tiles (with a halo) equal the whole image's, to conv3_1.
    func testTiledGramsMatchTheWholeImage() throws {
        let model = try randomModel(seed: 41)
        let network = VGGNetwork(model: model, pooling: .max)
        var options = TiledStage.options(StyleOptions(), architecture: .vgg16)
        options.styleLayers = [("conv1_1", 1), ("conv2_1", 1), ("conv3_1", 1)]
        let image = patternImage(width: 200, height: 150, phase: 0.7)
        let parallel = Parallel(threads: 2)
        let whole = try StageTargets.styleGrams(
            styles: [image], sizes: [(200, 150)], blend: [1], network: network,
            options: options, convention: model.convention, tile: nil,
            parallel: parallel, precision: .float32, transformed: nil)
        let tiled = try StageTargets.styleGrams(
            styles: [image], sizes: [(200, 150)], blend: [1], network: network,
            options: options, convention: model.convention, tile: 112,
            parallel: parallel, precision: .float32, transformed: nil)
        for name in ["conv1_1", "conv2_1", "conv3_1"] {
            XCTAssertLessThan(maxRelativeError(tiled[name]!, whole[name]!), 2e-3, name)
        }
    }

    /// With the default objective, conv4_1's style Gram leaves out the 5 positions at each edge
    /// whose receptive field reaches the zero padding (`StageTargets.edgeMargin`), whole or tiled;
    /// shallower layers and the tutorial objective keep every position.
    func testStyleGramsLeaveOutTheBorderFromConv4() throws {
        let model = try randomModel(seed: 43)
        let network = VGGNetwork(model: model, pooling: .max)
        var options = StyleOptions()
        options.styleLayers = [("conv3_1", 1), ("conv4_1", 1)]
        var tutorial = options
        tutorial.objective = .tutorial
        let margins = ["conv1_1", "conv2_1", "conv3_1", "conv3_3", "conv4_1", "conv5_1"].map {
            StageTargets.edgeMargin(network: network, layer: $0, options: options)
        }
        XCTAssertEqual(margins, [0, 0, 0, 0, 5, 5])
        XCTAssertEqual(StageTargets.edgeMargin(network: network, layer: "conv4_1", options: tutorial), 0)

        // conv4_1 is 28 × 24 positions: the full margin of 5 fits (at most a quarter of a side).
        let (w, h) = (224, 192)
        let image = patternImage(width: w, height: h, phase: 0.3)
        let parallel = Parallel(threads: 2)
        func grams(tile: Int?) throws -> [String: [Float]] {
            try StageTargets.styleGrams(
                styles: [image], sizes: [(w, h)], blend: [1], network: network, options: options,
                convention: model.convention, tile: tile, parallel: parallel, precision: .float32, transformed: nil)
        }
        let whole = try grams(tile: nil)
        let ws = try NetworkWorkspace(
            network: network, height: h, width: w, depth: network.layerIndex("conv4_1")!,
            parallel: parallel)
        ws.forward(try model.convention.toModel(image))
        // Naive Grams over a window of positions, normalised by their count.
        func naive(_ name: String, margin m: Int) -> [Float] {
            let shape = ws.shape(of: name)!, f = ws.output(of: name)!
            let (c, fw, fh) = (shape.channels, shape.width, shape.height)
            var g = [Float](repeating: 0, count: c * c)
            let count = Double((fw - 2 * m) * (fh - 2 * m))
            for a in 0..<c {
                for b in a..<c {
                    var sum = 0.0
                    for y in m..<fh - m {
                        for x in m..<fw - m {
                            sum += Double(f[(a * fh + y) * fw + x]) * Double(f[(b * fh + y) * fw + x])
                        }
                    }
                    g[a * c + b] = Float(sum / count)
                    g[b * c + a] = g[a * c + b]
                }
            }
            return g
        }
        XCTAssertLessThan(maxRelativeError(whole["conv4_1"]!, naive("conv4_1", margin: 5)), 1e-4)
        XCTAssertGreaterThan(
            maxRelativeError(whole["conv4_1"]!, naive("conv4_1", margin: 0)), 1e-2,
            "the border positions should make a difference on this image")
        XCTAssertLessThan(maxRelativeError(whole["conv3_1"]!, naive("conv3_1", margin: 0)), 1e-4)
        // Tiled (cores of 48 px with 32 px halos, so conv4_1 sees nearly what it sees whole): the
        // same positions left out.
        let tiled = try grams(tile: 112)
        for name in ["conv3_1", "conv4_1"] {
            XCTAssertLessThan(maxRelativeError(tiled[name]!, whole[name]!), 2e-2, name)
        }
    }

    func tiledOptions(tile: Int) -> StyleOptions {
        var o = StyleOptions()
        o.size = 256
        o.workSize = 128
        o.scales = 2
        o.iterations = 6
        o.threads = 2
        o.maximumTile = tile
        return o
    }

    /// A run forced into small tiles stays close to the same stage in one piece, and its tile
    /// borders do not show: relative to the one-piece result at the same columns (so that the
    /// content's own edges cancel out), the gradient magnitude along tile edges and overlap centres is
    /// within 10 % of that elsewhere. On the bundled examples; `make seam-check` runs it on a real
    /// photo and painting (STYLEFILTER_SEAM_CONTENT, STYLEFILTER_SEAM_STYLE).
    func testTiledRunIsCloseToOnePieceAndSeamless() throws {
        let engine = try StylizeTests.sharedEngine.get()
        let (content, style) = try seamImages()
        let one = try engine.stylize(content: content, styles: [style], options: tiledOptions(tile: 2048))
        let tiled = try engine.stylize(content: content, styles: [style], options: tiledOptions(tile: 160))
        if let dir = ProcessInfo.processInfo.environment["STYLEFILTER_TEST_IMAGES"] {
            writePPM(one.image, dir + "/one.ppm")
            writePPM(tiled.image, dir + "/tiled.ppm")
        }
        XCTAssertEqual(one.image.width, 256)
        XCTAssertEqual(tiled.image.width, one.image.width)
        XCTAssertEqual(tiled.image.height, one.image.height)
        // Measured: 0.049 (of the 0…1 range) with 2×2 tiles of 160 × 128 px, most pixels in an
        // overlap; the texture differs, the layout and colours agree.
        let meanDifference =
            zip(one.image.pixels, tiled.image.pixels).reduce(0.0) { $0 + Double(abs($1.0 - $1.1)) }
            / Double(one.image.pixels.count)
        print("tiled against one piece: mean difference \(meanDifference)")
        XCTAssertLessThan(meanDifference, 0.08)
        // Where the tiles lay, as the run reports them (several, of at most 160 px).
        let grid = try XCTUnwrap(tiled.stages.last?.tiles, "the last stage was tiled")
        XCTAssertEqual(one.stages.last?.tiles.map { $0.xs.count * $0.ys.count }, 1, "one piece")
        XCTAssertGreaterThan(grid.xs.count * grid.ys.count, 2)
        XCTAssertLessThanOrEqual(max(grid.width, grid.height), 160)
        let columns = borders(grid.xs, grid.width), rows = borders(grid.ys, grid.height)
        let ratio = relative(tiled.image, one.image) { gradients($0, columns: columns, rows: rows) }
        print("seams: gradient ratio \(ratio)")
        XCTAssertLessThan(abs(ratio - 1), 0.10)
    }

    /// A measure's ratio (at the seams against elsewhere) in the tiled image, relative to the
    /// same ratio in the one-piece image, so that the content's own edges and texture cancel out.
    func relative(
        _ tiled: PlanarImage, _ one: PlanarImage,
        _ measure: (PlanarImage) -> (border: Double, interior: Double)
    ) -> Double {
        let t = measure(tiled), o = measure(one)
        return (t.border / t.interior) / (o.border / o.interior)
    }

    /// No bands of different texture along the seams: the fine texture's energy (each pixel's
    /// distance from its 3 × 3 mean) in the tiles' overlaps against elsewhere, relative to a
    /// one-piece run's at the same places, within 10 %. Two tiles a side, so that most pixels lie
    /// outside the overlaps. Optimising each overlap in full by both its tiles (the later one
    /// continuing the earlier one's result) failed this: 1.15 on the bundled examples (1.39× in
    /// the sky of Tübingen at 2048 px).
    func testSeamsLeaveNoBandsOfTexture() throws {
        let engine = try StylizeTests.sharedEngine.get()
        let (content, style) = try seamImages()
        var options = tiledOptions(tile: 2048)
        options.size = 384
        options.workSize = 192
        let one = try engine.stylize(content: content, styles: [style], options: options)
        options.maximumTile = 224
        let tiled = try engine.stylize(content: content, styles: [style], options: options)
        let grid = try XCTUnwrap(tiled.stages.last?.tiles, "the last stage was tiled")
        XCTAssertEqual(grid.xs.count, 2)
        func overlaps(_ starts: [Int], _ size: Int) -> Set<Int> {
            Set(zip(starts, starts.dropFirst()).flatMap { a, b in b..<(a + size) })
        }
        let columns = overlaps(grid.xs, grid.width), rows = overlaps(grid.ys, grid.height)
        let ratio = relative(tiled.image, one.image) { textureEnergy($0, columns: columns, rows: rows) }
        print("seam bands: texture energy ratio \(ratio)")
        XCTAssertLessThan(abs(ratio - 1), 0.10)
        let lines = (borders(grid.xs, grid.width), borders(grid.ys, grid.height))
        let step = relative(tiled.image, one.image) { gradients($0, columns: lines.0, rows: lines.1) }
        print("seams at 224 px tiles: gradient ratio \(step)")
        XCTAssertLessThan(abs(step - 1), 0.10)
    }

    /// The seam tests' content and style: the bundled examples, or the images named by
    /// STYLEFILTER_SEAM_CONTENT and STYLEFILTER_SEAM_STYLE (`make seam-check`).
    func seamImages() throws -> (content: PlanarImage, style: PlanarImage) {
        let environment = ProcessInfo.processInfo.environment
        let content = try XCTUnwrap(
            environment["STYLEFILTER_SEAM_CONTENT"].flatMap(decodedImage) ?? bundledExample("content.png"),
            "the content image")
        let style = try XCTUnwrap(
            environment["STYLEFILTER_SEAM_STYLE"].flatMap(decodedImage) ?? bundledExample("style.png"),
            "the style image")
        return (content, style)
    }

    /// Mean distance of each pixel from its 3 × 3 neighbourhood's mean (channels averaged), in
    /// the given columns or rows and elsewhere.
    func textureEnergy(_ image: PlanarImage, columns: Set<Int>, rows: Set<Int>) -> (border: Double, interior: Double) {
        var sums = [0.0, 0.0], counts = [0.0, 0.0]
        let w = image.width, h = image.height, plane = w * h
        image.pixels.withUnsafeBufferPointer { pixels in
            for y in 1..<(h - 1) {
                for x in 1..<(w - 1) {
                    var energy = 0.0
                    for c in 0..<3 {
                        let p = pixels.baseAddress! + c * plane
                        var mean: Float = 0
                        for dy in -1...1 { for dx in -1...1 { mean += p[(y + dy) * w + x + dx] } }
                        energy += Double(abs(p[y * w + x] - mean / 9))
                    }
                    let k = columns.contains(x) || rows.contains(y) ? 0 : 1
                    sums[k] += energy / 3
                    counts[k] += 1
                }
            }
        }
        return (sums[0] / counts[0], sums[1] / counts[1])
    }

    /// Every tile edge inside the image and every overlap's centre, with a pixel either side.
    func borders(_ starts: [Int], _ size: Int) -> Set<Int> {
        var lines = Set<Int>()
        for (a, b) in zip(starts, starts.dropFirst()) { lines.formUnion([b, a + size - 1, (b + a + size) / 2]) }
        return Set(lines.flatMap { [$0 - 1, $0, $0 + 1] })
    }

    /// Mean gradient magnitude across the given columns (|∂x|) and rows (|∂y|), and elsewhere.
    func gradients(_ image: PlanarImage, columns: Set<Int>, rows: Set<Int>) -> (border: Double, interior: Double) {
        var sums = [0.0, 0.0], counts = [0.0, 0.0]
        let w = image.width, h = image.height
        for c in 0..<3 {
            for y in 0..<(h - 1) {
                for x in 0..<(w - 1) {
                    let i = (c * h + y) * w + x
                    let dx = Double(abs(image.pixels[i + 1] - image.pixels[i]))
                    let dy = Double(abs(image.pixels[i + w] - image.pixels[i]))
                    sums[columns.contains(x) ? 0 : 1] += dx
                    counts[columns.contains(x) ? 0 : 1] += 1
                    sums[rows.contains(y) ? 0 : 1] += dy
                    counts[rows.contains(y) ? 0 : 1] += 1
                }
            }
        }
        return (sums[0] / counts[0], sums[1] / counts[1])
    }

    /// A refusal names what the whole run needs at the least, so a budget raised to that figure
    /// is enough (it used to name the first stage that failed: raising the budget to it only
    /// moved the refusal to the next stage).
    func testRefusalNamesABudgetThatFits() throws {
        let model = try randomModel(seed: 41)
        let network = VGGNetwork(model: model, pooling: .max)
        var options = StyleOptions()
        options.size = 4096
        options.workSize = 128
        options.maxMemory = StyleOptions.minimumMemory
        let content = randomImage(width: 96, height: 72, seed: 42)
        func plan(_ budget: Int) throws {
            var o = options
            o.maxMemory = budget
            var run = StylizeRun(model: model, network: network, options: o, snapshotEvery: 0, progress: nil)
            try run.plan(content: content, styles: [content])
        }
        var named = 0
        XCTAssertThrowsError(try plan(StyleOptions.minimumMemory)) { error in
            guard case .outOfMemory(let message)? = error as? StyleError,
                let figure = message.split(separator: " ").firstIndex(of: "needs").map({
                    message.split(separator: " ")[$0 + 2]
                }),
                let mebibytes = Int(figure)
            else { return XCTFail("\(error)") }
            named = mebibytes
        }
        XCTAssertGreaterThan(named, 256)
        XCTAssertNoThrow(try plan((named + 1) << 20), "a budget of the \(named) MiB named is refused too")
    }

    /// A tiled stage's budget: an impossible one is refused before any work, with the figures.
    func testImpossibleBudgetIsRefusedUpFront() throws {
        let engine = try StylizeTests.sharedEngine.get()
        var o = tiledOptions(tile: 2048)
        o.size = 8000
        o.maxMemory = StyleOptions.minimumMemory
        XCTAssertThrowsError(
            try engine.stylize(
                content: patternImage(width: 80, height: 60, phase: 0),
                styles: [randomImage(width: 32, height: 32, seed: 1)], options: o)
        ) { error in
            guard case .outOfMemory(let message)? = error as? StyleError else { return XCTFail("\(error)") }
            XCTAssert(message.contains("memory budget is 256 MiB"), message)
        }
    }
}
