import XCTest

@testable import StyleKernel

/// The artistic controls, each measured by its effect on the result (with the default model, at
/// small sizes): `colors`, `style-scale`, the named start images.
final class ControlTests: XCTestCase {
    var content: PlanarImage { patternImage(width: 96, height: 72, phase: 0) }

    /// Diagonal colour stripes of `period` px: a style whose stroke size is known.
    func stripes(side: Int, period: Float) -> PlanarImage {
        let n = side * side
        var p = [Float](repeating: 0, count: 3 * n)
        for y in 0..<side {
            for x in 0..<side {
                let t = sin(2 * Float.pi * Float(x + y) / period)
                p[y * side + x] = 0.5 + 0.45 * t
                p[n + y * side + x] = 0.3 + 0.2 * t
                p[2 * n + y * side + x] = 0.6 - 0.35 * t
            }
        }
        return try! PlanarImage(width: side, height: side, pixels: p)
    }

    func options(_ change: (inout StyleOptions) -> Void = { _ in }) -> StyleOptions {
        var o = StyleOptions()
        o.size = 96
        o.iterations = 12
        o.scales = 1
        o.threads = 2
        change(&o)
        return o
    }

    func stylize(_ style: PlanarImage, _ o: StyleOptions) throws -> PlanarImage {
        try StylizeTests.sharedEngine.get().stylize(content: content, styles: [style], options: o).image
    }

    /// YIQ's I and Q planes (BT.601).
    func chroma(_ image: PlanarImage) -> (i: [Float], q: [Float]) {
        let n = image.width * image.height, p = image.pixels
        let i = (0..<n).map { 0.596 * p[$0] - 0.274 * p[n + $0] - 0.322 * p[2 * n + $0] }
        let q = (0..<n).map { 0.211 * p[$0] - 0.523 * p[n + $0] + 0.312 * p[2 * n + $0] }
        return (i, q)
    }

    func meanAbsoluteDifference(_ a: [Float], _ b: [Float]) -> Float {
        zip(a, b).reduce(0) { $0 + abs($1.0 - $1.1) } / Float(a.count)
    }

    // MARK: colors

    func testLuminanceKeepsTheContentsChromaAndStylizesItsLuminance() throws {
        let style = randomImage(width: 64, height: 64, seed: 5)
        let kept = try stylize(style, options { $0.colors = .luminance })
        let painted = try stylize(style, options())
        let original = try Resample.resize(content, width: kept.width, height: kept.height)
        let (ci, cq) = chroma(original)
        let (ki, kq) = chroma(kept), (pi, pq) = chroma(painted)
        let keptChroma = (meanAbsoluteDifference(ki, ci) + meanAbsoluteDifference(kq, cq)) / 2
        let paintedChroma = (meanAbsoluteDifference(pi, ci) + meanAbsoluteDifference(pq, cq)) / 2
        // Only clamping to 0…1 moves the chroma (the pattern's blue disc is at 1).
        XCTAssertLessThan(keptChroma, 0.01, "luminance mode should keep the content's chroma")
        XCTAssertGreaterThan(paintedChroma, 5 * keptChroma, "the style mode takes the painting's colours")
        let lumaChange = meanAbsoluteDifference(try ColorControl.luminance(kept), try ColorControl.luminance(original))
        XCTAssertGreaterThan(lumaChange, 0.03, "the luminance should be stylized")
    }

    func testHistogramGivesTheStyleTheContentsMeanAndCovariance() throws {
        // Colours well inside 0…1, so clamping does not blur the comparison.
        var rng = TestRandom(seed: 3)
        let n = 50 * 40
        let base = rng.array(n, 0.4, 0.6)
        let style = try PlanarImage(
            width: 50, height: 40,
            pixels:
                base.map { $0 * 0.5 + 0.1 } + zip(base, rng.array(n, 0, 0.1)).map { $0 * 0.3 + $1 }
                + rng.array(n, 0.2, 0.3))
        let target = ColorStatistics(randomImage(width: 30, height: 30, seed: 8).scaled(0.4, 0.3))
        let recolored = ColorStatistics(try target.recolor(style, from: ColorStatistics(style)))
        for c in 0..<3 { XCTAssertEqual(recolored.mean[c], target.mean[c], accuracy: 1e-3) }
        for k in 0..<9 { XCTAssertEqual(recolored.covariance[k], target.covariance[k], accuracy: 2e-4) }
    }

    func testSymmetricEigenPowers() {
        let m: [Double] = [4, 1, 0.5, 1, 3, 0.2, 0.5, 0.2, 2]
        let root = SymmetricEigen3(m).power(0.5)
        let square = root.multiplied(by: root)
        for k in 0..<9 { XCTAssertEqual(square[k], m[k], accuracy: 1e-9) }
        let identity = SymmetricEigen3(m).power(-0.5).multiplied(by: root)
        for k in 0..<9 { XCTAssertEqual(identity[k], k % 4 == 0 ? 1 : 0, accuracy: 1e-9) }
    }

    func testHistogramMovesTheResultsColoursTowardsTheContents() throws {
        let style = stripes(side: 64, period: 10)
        let matched = try stylize(style, options { $0.colors = .histogram })
        let painted = try stylize(style, options())
        let target = ColorStatistics(try Resample.resize(content, width: matched.width, height: matched.height)).mean
        func distance(_ image: PlanarImage) -> Double {
            let m = ColorStatistics(image).mean
            return (0..<3).reduce(0) { $0 + abs(m[$1] - target[$1]) }
        }
        XCTAssertLessThan(
            distance(matched), 0.5 * distance(painted),
            "histogram mode: mean colour \(distance(matched)) from the content's, style mode \(distance(painted))")
    }

    // MARK: style-scale

    /// The power-weighted mean spatial frequency (cycles per pixel) of an image's luminance, its
    /// mean removed: lower when the texture is coarser.
    func spectralCentroid(_ image: PlanarImage) throws -> Double {
        let (w, h) = (image.width, image.height)
        var y = try ColorControl.luminance(image).map(Double.init)
        let mean = y.reduce(0, +) / Double(y.count)
        for i in y.indices { y[i] -= mean }
        // Separable DFT: rows, then columns.
        var re = [Double](repeating: 0, count: w * h), im = re
        for r in 0..<h {
            for u in 0..<w {
                var a = 0.0, b = 0.0
                for x in 0..<w {
                    let t = -2 * Double.pi * Double(u * x) / Double(w)
                    a += y[r * w + x] * cos(t)
                    b += y[r * w + x] * sin(t)
                }
                re[r * w + u] = a
                im[r * w + u] = b
            }
        }
        var weighted = 0.0, total = 0.0
        for u in 0..<w {
            for v in 0..<h {
                var a = 0.0, b = 0.0
                for r in 0..<h {
                    let t = -2 * Double.pi * Double(v * r) / Double(h)
                    a += re[r * w + u] * cos(t) - im[r * w + u] * sin(t)
                    b += re[r * w + u] * sin(t) + im[r * w + u] * cos(t)
                }
                let fu = Double(min(u, w - u)) / Double(w), fv = Double(min(v, h - v)) / Double(h)
                let power = a * a + b * b
                weighted += power * (fu * fu + fv * fv).squareRoot()
                total += power
            }
        }
        return weighted / max(total, 1e-30)
    }

    // MARK: grey paintings

    /// The largest spread of R, G and B over an image's pixels.
    func largestChroma(_ image: PlanarImage) -> Float {
        let n = image.width * image.height, p = image.pixels
        return (0..<n).map { max(p[$0], p[n + $0], p[2 * n + $0]) - min(p[$0], p[n + $0], p[2 * n + $0]) }.max()!
    }

    /// `stripes`' luminance in all three channels, with each channel moved by up to ±`noise`
    /// (a greyscale scan saved as colour JPEG) and the red one by `tint`.
    func greyStripes(noise: Float, tint: Float = 0) -> PlanarImage {
        let colour = stripes(side: 64, period: 12)
        let n = 64 * 64
        let y = try! ColorControl.luminance(colour)
        var rng = SplitMix64(state: 3)
        var p = [Float](repeating: 0, count: 3 * n)
        for c in 0..<3 {
            for i in 0..<n {
                let jitter = (Float(rng.next() % 2001) / 1000 - 1) * noise
                p[c * n + i] = min(1, max(0, y[i] + jitter + (c == 0 ? tint : 0)))
            }
        }
        return try! PlanarImage(width: 64, height: 64, pixels: p)
    }

    func testAGreyStyleGivesAGreyResultFromAColourStart() throws {
        XCTAssertTrue(ColorControl.isGrey(greyStripes(noise: 0)))
        XCTAssertTrue(ColorControl.isGrey(greyStripes(noise: 0.006)))
        XCTAssertFalse(ColorControl.isGrey(greyStripes(noise: 0, tint: 0.05)))
        XCTAssertFalse(ColorControl.isGrey(stripes(side: 64, period: 12)))
        // Started from the colour content, so only the constraint can make the result grey.
        let result = try stylize(greyStripes(noise: 0.006), options { $0.initialization = .content })
        XCTAssertLessThan(largestChroma(result), 1e-4)
        // A faintly tinted painting is not grey: the content's colours are free to stay.
        let tinted = try stylize(greyStripes(noise: 0, tint: 0.05), options { $0.initialization = .content })
        XCTAssertGreaterThan(largestChroma(tinted), 0.1)
    }

    func testStyleScaleTwoCoarsensTheStrokes() throws {
        let style = stripes(side: 64, period: 8)
        let one = try spectralCentroid(try stylize(style, options { $0.iterations = 30 }))
        let two = try spectralCentroid(
            try stylize(
                style,
                options {
                    $0.iterations = 30
                    $0.styleScale = 2
                }))
        let half = try spectralCentroid(
            try stylize(
                style,
                options {
                    $0.iterations = 30
                    $0.styleScale = 0.5
                }))
        XCTAssertLessThan(two, 0.85 * one, "style scale 2: spectral centroid \(two) against \(one) at scale 1")
        XCTAssertGreaterThan(half, one, "style scale 0.5: spectral centroid \(half) against \(one) at scale 1")
    }

    /// A style scale above 1 takes the style larger than the scale; its Grams are then gathered
    /// in tiles, so the smallest budget still fits (a 1024 px style's whole workspace alone
    /// would need about 1.7 GiB).
    func testLargeStyleScaleFitsTheSmallestBudget() throws {
        let engine = try StylizeTests.sharedEngine.get()
        let result = try engine.stylize(
            content: content, styles: [stripes(side: 256, period: 8)],
            options: options {
                $0.size = 256
                $0.styleScale = 4
                $0.maxMemory = StyleOptions.minimumMemory
                $0.iterations = 1
            })
        XCTAssertEqual(result.image.width, 256)
    }

    func testStyleScaleIsCheckedAndRefusedWithTheTutorialObjective() throws {
        let engine = try StylizeTests.sharedEngine.get()
        for bad: Float in [0.2, 5, .nan] {
            XCTAssertThrowsError(
                try engine.stylize(content: content, styles: [content], options: options { $0.styleScale = bad }))
        }
        XCTAssertThrowsError(
            try engine.stylize(
                content: content, styles: [content],
                options: options {
                    $0.styleScale = 2
                    $0.objective = .tutorial
                })
        ) { error in XCTAssertTrue("\(error)".contains("tutorial")) }
        var o = StyleOptions()
        XCTAssertThrowsError(try OptionTable.spec(named: "style-scale")!.set("8", in: &o))
        try OptionTable.spec(named: "style-scale")!.set("0.5", in: &o)
        XCTAssertEqual(o.styleScale, 0.5)
    }

    // MARK: masks

    /// A mask whose left half is black and right half white: the left stays within a small
    /// distance of the content, the right is stylized; with no mask at all both change alike.
    func testMaskKeepsTheBlackRegionAndStylizesTheWhiteOne() throws {
        let style = stripes(side: 64, period: 8)
        let (w, h) = (96, 72)
        let half = RegionMask(width: w, height: h, values: (0..<w * h).map { $0 % w < w / 2 ? 0 : 1 })
        let engine = try StylizeTests.sharedEngine.get()
        let o = options { $0.iterations = 20 }
        let masked = try engine.stylize(content: content, styles: [style], masks: [half], options: o).image
        let whole = try engine.stylize(content: content, styles: [style], options: o).image
        // Mean absolute change per value in columns [x0, x1), away from the middle (the
        // network's receptive field spreads the border).
        func change(_ image: PlanarImage, _ x0: Int, _ x1: Int) -> Float {
            var sum: Float = 0
            for c in 0..<3 {
                for y in 0..<h {
                    for x in x0..<x1 {
                        let i = (c * h + y) * w + x
                        sum += abs(image.pixels[i] - content.pixels[i])
                    }
                }
            }
            return sum / Float(3 * h * (x1 - x0))
        }
        let left = change(masked, 0, 30), right = change(masked, 66, 96)
        XCTAssertLessThan(left, 0.02, "black region: mean change \(left)")
        XCTAssertGreaterThan(right, 4 * left, "white region: mean change \(right) against \(left)")
        XCTAssertGreaterThan(change(whole, 0, 30), 4 * left, "without a mask the left half is stylized too")
        // One mask per style, values in 0…1.
        XCTAssertThrowsError(try engine.stylize(content: content, styles: [style, style], masks: [half], options: o))
        let bad = RegionMask(width: 2, height: 1, values: [0, 2])
        XCTAssertThrowsError(try engine.stylize(content: content, styles: [style], masks: [bad], options: o))
    }

    /// A mask's alpha multiplies its luminance; its proportions must be the content's to within a
    /// pixel of rounding.
    func testMaskAlphaAndShape() throws {
        let white = try PlanarImage(width: 2, height: 1, red: 1, green: 1, blue: 1)
        XCTAssertEqual(try RegionMask(white, alpha: [0, 0.5]).values, [0, 0.5])
        XCTAssertEqual(try RegionMask(white).values.map { ($0 * 1000).rounded() }, [1000, 1000])
        for (w, h) in [(70, 46), (35, 24), (35, 23), (140, 91), (71, 46), (700, 461), (700, 470)] {
            XCTAssertNoThrow(
                try RegionMask.checkShape(
                    width: w, height: h, contentWidth: 70, contentHeight: 46,
                    what: "mask"), "\(w)×\(h)")
        }
        for (w, h) in [(64, 64), (35, 26), (46, 70), (700, 480)] {
            XCTAssertThrowsError(
                try RegionMask.checkShape(
                    width: w, height: h, contentWidth: 70, contentHeight: 46,
                    what: "mask"), "\(w)×\(h)")
        }
    }

    // MARK: init

    func testGrayAndStyleMeanStartWhereTheySay() throws {
        let style = stripes(side: 64, period: 10)
        let styleMean = ColorStatistics(style).mean
        for (initialization, start) in [
            (StyleOptions.Initialization.gray, [0.5, 0.5, 0.5]),
            (.styleMean, styleMean)
        ] {
            // One L-BFGS step moves pixels by about 1 % of their range.
            let result = try stylize(
                style,
                options {
                    $0.initialization = initialization
                    $0.iterations = 1
                })
            let n = result.width * result.height
            for c in 0..<3 {
                let plane = result.pixels[c * n..<(c + 1) * n]
                let deviation = plane.reduce(0.0) { $0 + abs(Double($1) - start[c]) } / Double(n)
                XCTAssertLessThan(deviation, 0.03, "\(initialization), channel \(c)")
            }
        }
        var o = StyleOptions()
        for word in ["gray", "style-mean", "style-colors", "content", "random"] {
            try OptionTable.spec(named: "init")!.set(word, in: &o)
            XCTAssertEqual(OptionTable.spec(named: "init")!.text(of: o), word)
        }
    }

    /// Colours well inside 0…1 (so clamping does not blur comparisons of statistics).
    func innerColors(width: Int, height: Int, seed: UInt64) -> PlanarImage {
        randomImage(width: width, height: height, seed: seed).scaled(0.5, 0.25)
    }

    func testStyleColorsStartsWithTheStylesColourStatistics() throws {
        let photo = innerColors(width: 40, height: 30, seed: 11)
        let a = innerColors(width: 30, height: 30, seed: 12).scaled(0.6, 0.3)
        let b = innerColors(width: 20, height: 50, seed: 13).scaled(0.5, 0.05)
        // One style: its mean and covariance.
        let one = ColorStatistics(try ColorControl.styleColored(photo, styles: [a], blend: [1], masks: []))
        let target = ColorStatistics(a)
        for c in 0..<3 { XCTAssertEqual(one.mean[c], target.mean[c], accuracy: 1e-3) }
        for k in 0..<9 { XCTAssertEqual(one.covariance[k], target.covariance[k], accuracy: 2e-4) }
        // Two styles blended 3 : 1: the statistics of their mixed pixels, as the Grams blend.
        let mixed = ColorStatistics(
            try ColorControl.styleColored(photo, styles: [a, b], blend: [0.75, 0.25], masks: []))
        let pooled = ColorStatistics(blending: [ColorStatistics(a), ColorStatistics(b)], weights: [3, 1])
        for c in 0..<3 {
            XCTAssertEqual(mixed.mean[c], pooled.mean[c], accuracy: 1e-3)
            XCTAssertEqual(
                pooled.mean[c], 0.75 * ColorStatistics(a).mean[c] + 0.25 * ColorStatistics(b).mean[c],
                accuracy: 1e-9)
        }
        for k in 0..<9 { XCTAssertEqual(mixed.covariance[k], pooled.covariance[k], accuracy: 2e-4) }
        // A mask: its black half keeps the photo exactly, its white half takes the style's colours.
        let (w, h) = (photo.width, photo.height)
        let right = (0..<w * h).map { Float($0 % w < w / 2 ? 0 : 1) }
        let masked = try ColorControl.styleColored(photo, styles: [b], blend: [1], masks: [right])
        let whole = try ColorControl.styleColored(
            photo, styles: [b], blend: [1], masks: [[Float](repeating: 1, count: w * h)])
        let single = try ColorControl.styleColored(photo, styles: [b], blend: [1], masks: [])
        for c in 0..<3 {
            for y in 0..<h {
                for x in 0..<w {
                    let i = (c * h + y) * w + x
                    XCTAssertEqual(masked.pixels[i], x < w / 2 ? photo.pixels[i] : single.pixels[i], accuracy: 1e-6)
                    XCTAssertEqual(whole.pixels[i], single.pixels[i], accuracy: 1e-6)
                }
            }
        }
    }

    func testStyleColorsIsTheDefaultStart() throws {
        XCTAssertEqual(StyleOptions().initialization, .styleColors)
        // After one step the result is still the content in the style's colours: its mean colour
        // is the style's, not the content's.
        let style = stripes(side: 64, period: 10)
        let result = try stylize(style, options { $0.iterations = 1 })
        let got = ColorStatistics(result).mean, want = ColorStatistics(style).mean
        let photo = ColorStatistics(content).mean
        for c in 0..<3 {
            XCTAssertEqual(got[c], want[c], accuracy: 0.03, "channel \(c)")
            if abs(photo[c] - want[c]) > 0.1 { XCTAssertGreaterThan(abs(got[c] - photo[c]), 0.07, "channel \(c)") }
        }
    }
}

extension PlanarImage {
    /// Each value times `k` plus `b` (for test images with a chosen range).
    func scaled(_ k: Float, _ b: Float) -> PlanarImage {
        PlanarImage(trusted: width, height, pixels.map { $0 * k + b })
    }
}
