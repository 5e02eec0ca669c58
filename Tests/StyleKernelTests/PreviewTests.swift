import XCTest

@testable import StyleKernel

/// `--preview on`: the schedule's first stage alone, for its first 12 iterations, upsampled to the
/// result's size.
final class PreviewTests: XCTestCase {
    /// The plan: one stage, the full run's first, for 12 iterations (fewer if the full run has
    /// fewer), and the full run's result size; its work is a fraction of the full run's.
    func testPreviewPlansTheFirstStageForTwelveIterations() {
        var o = StyleOptions()
        let full = ScaleSchedule(options: o, contentWidth: 1024, contentHeight: 768)
        o.preview = .on
        let preview = ScaleSchedule(options: o, contentWidth: 1024, contentHeight: 768)
        XCTAssertEqual(full.stages.map(\.longest), [362, 512])
        XCTAssertEqual(full.stages.map(\.iterations), [24, 24])
        XCTAssertEqual(preview.stages.map(\.longest), [362])
        XCTAssertEqual(preview.stages.map(\.iterations), [12])
        XCTAssertEqual(preview.stages[0].width, full.stages[0].width)
        XCTAssertEqual(preview.stages[0].height, full.stages[0].height)
        XCTAssertFalse(preview.stages[0].tiled)
        XCTAssertEqual(full.planned, 48)
        XCTAssertEqual(preview.planned, 12)
        for schedule in [full, preview] {
            XCTAssertEqual(schedule.result.width, 512)
            XCTAssertEqual(schedule.result.height, 384)
        }
        // The work the progress estimate counts (pixels times iterations, and each stage's setup).
        let previewWork = preview.work(tilePixels: [nil]).reduce(0) { $0 + $1.setup + $1.iterations }
        let fullWork = full.work(tilePixels: [nil, nil]).reduce(0) { $0 + $1.setup + $1.iterations }
        XCTAssertLessThan(previewWork, 0.2 * fullWork)
        XCTAssertGreaterThan(previewWork, 0.1 * fullWork)

        // Fewer iterations than 12: all of the first stage's.
        o.iterations = 5
        XCTAssertEqual(
            ScaleSchedule(options: o, contentWidth: 1024, contentHeight: 768).stages.map(\.iterations), [5])
        // One scale: the result's own size, for 12 of its iterations.
        o.iterations = 24
        o.scales = 1
        let single = ScaleSchedule(options: o, contentWidth: 1024, contentHeight: 768)
        XCTAssertEqual(single.stages.map(\.longest), [512])
        XCTAssertEqual(single.stages.map(\.iterations), [12])
        // Above the working size: the pyramid's first stage, no tiles, the large result's size.
        o.scales = 2
        o.size = 2048
        let large = ScaleSchedule(options: o, contentWidth: 4000, contentHeight: 3000)
        XCTAssertEqual(large.stages.map(\.longest), [362])
        XCTAssertEqual(large.result.width, 2048)
        XCTAssertEqual(large.result.height, 1536)
        o.preview = .off
        XCTAssertEqual(
            ScaleSchedule(options: o, contentWidth: 4000, contentHeight: 3000).stages.map(\.longest),
            [362, 512, 1024, 2048])
    }

    /// A painting-like style: diagonal strokes 10 px apart whose colours change over a large blob.
    static func strokes(width: Int, height: Int) -> PlanarImage {
        let n = width * height
        var p = [Float](repeating: 0, count: 3 * n)
        for y in 0..<height {
            for x in 0..<width {
                let stroke = sin(Float(x + 2 * y) / 10 * 2 * .pi)
                let blob = sin(Float(x) / Float(width) * .pi) * sin(Float(y) / Float(height) * .pi)
                p[y * width + x] = 0.5 + 0.35 * stroke * blob
                p[n + y * width + x] = 0.3 + 0.3 * blob
                p[2 * n + y * width + x] = 0.6 - 0.3 * stroke
            }
        }
        return try! PlanarImage(width: width, height: height, pixels: p)
    }

    /// Mean absolute difference, in 8-bit levels, of two images reduced to 32 px (their
    /// composition and palette, not their strokes); `b` is resized to `a`'s size first.
    static func coarseDifference(_ a: PlanarImage, _ b: PlanarImage) throws -> Double {
        let (w, h) = Resample.fit(width: a.width, height: a.height, longest: 32)
        let x = try Resample.resize(a, width: w, height: h).pixels
        let y = try Resample.resize(try Resample.resize(b, width: a.width, height: a.height), width: w, height: h)
            .pixels
        return 255 * zip(x, y).reduce(0) { $0 + Double(abs($1.0 - $1.1)) } / Double(x.count)
    }

    /// A preview is the full run's own image after its first 12 iterations, upsampled: the same
    /// size as the full result, a quarter of its iterations in one stage, progress planned for
    /// that, and close to the full result once both are reduced.
    func testPreviewIsTheFullRunsFirstIterationsUpsampled() throws {
        let engine = try StylizeTests.sharedEngine.get()
        let content = patternImage(width: 160, height: 120, phase: 0.5)
        let style = Self.strokes(width: 96, height: 96)
        var o = StyleOptions()
        o.size = 128  // 2 scales: 91 and 128 px, 24 iterations each
        o.threads = 2
        var twelfth: PlanarImage?
        let full = try engine.stylize(content: content, styles: [style], options: o, snapshotEvery: 12) {
            event, image in
            if event.completed == 12 { twelfth = image }
            return true
        }
        o.preview = .on
        var events: [ProgressEvent] = []
        let preview = try engine.stylize(content: content, styles: [style], options: o) { event, _ in
            events.append(event)
            return true
        }
        XCTAssertTrue(preview.preview)
        XCTAssertFalse(full.preview)
        XCTAssertEqual(preview.image.width, full.image.width)
        XCTAssertEqual(preview.image.height, full.image.height)
        XCTAssertEqual(full.image.width, 128)
        XCTAssertEqual(full.iterations, 48)
        XCTAssertEqual(preview.iterations, 12)
        XCTAssertEqual(full.stages.map(\.width), [91, 128])
        XCTAssertEqual(preview.stages.map(\.width), [91])
        XCTAssertEqual(preview.stages.map(\.iterations), [12])
        XCTAssertEqual(events.map(\.completed), Array(1...12))
        XCTAssert(events.allSatisfy { $0.planned == 12 && $0.scales == 1 && $0.iterations == 12 })
        XCTAssertEqual(events.last?.fractionDone ?? 0, 1, accuracy: 1e-9)

        // Exactly the full run's image at its 12th iteration (91 px), upsampled.
        let start = try XCTUnwrap(twelfth)
        XCTAssertEqual(start.width, 91)
        let upsampled = try Resample.resize(start, width: full.image.width, height: full.image.height)
        XCTAssertEqual(preview.image.pixels, upsampled.pixels)

        // Close to the full result at 32 px: measured 14.8 levels (of 255), against 74 for the
        // content (at 512 px on photographs, at 128 px: 13–14 against 28–70; bench/README.md).
        let previewDifference = try Self.coarseDifference(full.image, preview.image)
        let contentDifference = try Self.coarseDifference(full.image, content)
        XCTAssertLessThan(previewDifference, 20, "content: \(contentDifference)")
        XCTAssertLessThan(previewDifference, 0.3 * contentDifference)
    }

    /// A result above the working size: the preview runs the whole-image pyramid's first stage
    /// (no tile) and upsamples it to the large result's size.
    func testPreviewAboveTheWorkingSizeRunsNoTiles() throws {
        let engine = try StylizeTests.sharedEngine.get()
        let content = patternImage(width: 200, height: 150, phase: 0)
        var o = StyleOptions()
        o.size = 200
        o.workSize = 100  // full run: 71 and 100 px whole, then 200 px in tiles
        o.iterations = 3
        o.threads = 2
        o.preview = .on
        let result = try engine.stylize(content: content, styles: [Self.strokes(width: 64, height: 64)], options: o)
        XCTAssertEqual(result.image.width, 200)
        XCTAssertEqual(result.image.height, 150)
        XCTAssertEqual(result.stages.map(\.width), [71])
        XCTAssertNil(result.stages[0].tiles)
        XCTAssertEqual(result.iterations, 3)
    }
}
