import XCTest

@testable import StyleKernel

/// Whole stylizations through the library with the default model, at tiny sizes.
final class StylizeTests: XCTestCase {
    static let sharedEngine = SharedEngine()
    final class SharedEngine: @unchecked Sendable {
        var engine: StyleEngine?
        func get() throws -> StyleEngine {
            if let engine { return engine }
            let e = StyleEngine(model: try StyleModel.load(path: try defaultModelPath()))
            engine = e
            return e
        }
    }

    var content: PlanarImage { patternImage(width: 48, height: 36, phase: 0) }
    var style: PlanarImage { randomImage(width: 40, height: 40, seed: 99) }

    func smallOptions() -> StyleOptions {
        var o = StyleOptions()
        o.size = 48
        o.iterations = 8
        o.scales = 1
        o.threads = 2
        return o
    }

    /// The default thread count is every core: a 64-core host must run a small image in the
    /// default budget (1.6 counted 16 MiB a thread and refused it above about 60 threads).
    func testManyThreadsFitTheDefaultBudget() throws {
        let engine = try Self.sharedEngine.get()
        for threads in [64, 256] {
            var o = smallOptions()
            o.iterations = 1
            o.threads = threads
            XCTAssertEqual(o.maxMemory, StyleOptions().maxMemory)
            let result = try engine.stylize(content: content, styles: [style], options: o)
            XCTAssertEqual(result.image.width, 48, "threads \(threads)")
        }
        // What a thread costs is still counted: a 256 MiB budget fits one thread, not 256.
        var o = smallOptions()
        o.iterations = 1
        o.maxMemory = 256 << 20
        o.threads = 1
        XCTAssertNoThrow(try engine.stylize(content: content, styles: [style], options: o))
        o.threads = 256
        XCTAssertThrowsError(try engine.stylize(content: content, styles: [style], options: o)) { error in
            XCTAssertTrue("\(error)".contains("memory budget"), "\(error)")
        }
    }

    func testLossFallsAndResultHasTheRequestedSize() throws {
        let engine = try Self.sharedEngine.get()
        var totals: [Double] = []
        let result = try engine.stylize(content: content, styles: [style], options: smallOptions()) { event, _ in
            totals.append(event.loss.total)
            return true
        }
        XCTAssertEqual(result.image.width, 48)
        XCTAssertEqual(result.image.height, 36)
        XCTAssertEqual(result.iterations, 8)
        XCTAssertEqual(totals.count, 8)
        XCTAssertLessThan(totals.last!, totals.first! * 0.9, "loss should fall: \(totals)")
        XCTAssertTrue(result.image.pixels.allSatisfy { $0 >= 0 && $0 <= 1 })
        // The reported loss is the returned image's, and total is the weighted sum.
        let o = smallOptions()
        XCTAssertEqual(
            result.loss.total,
            Double(o.contentWeight) * result.loss.content + Double(o.styleWeight) * result.loss.style
                + Double(o.tvWeight) * result.loss.tv, accuracy: 1e-9 * result.loss.total)
        XCTAssertEqual(result.loss.total, totals.last!, accuracy: 0.05 * totals.last!)
    }

    func testSameInputsAndSeedGiveTheSameBytes() throws {
        let engine = try Self.sharedEngine.get()
        var o = smallOptions()
        o.initialization = .random
        o.seed = 42
        o.iterations = 4
        o.styleBlend = [1, 3]
        let styles = [style, patternImage(width: 30, height: 50, phase: 1)]
        let a = try engine.stylize(content: content, styles: styles, options: o)
        let b = try engine.stylize(content: content, styles: styles, options: o)
        XCTAssertEqual(a.image, b.image)
        o.seed = 43
        let c = try engine.stylize(content: content, styles: styles, options: o)
        XCTAssertNotEqual(a.image, c.image)
    }

    func testAdamMultiScaleAndTutorialObjective() throws {
        let engine = try Self.sharedEngine.get()
        var o = smallOptions()
        o.optimizer = .adam
        o.learningRate = 5
        o.scales = 2
        o.iterations = 6
        o.size = 96  // scales: 68 and 96 px (none below 64)
        var scalesSeen = Set<Int>()
        var first = [Int: Double](), last = [Int: Double]()
        let result = try engine.stylize(content: content, styles: [style], options: o) { e, _ in
            scalesSeen.insert(e.scale)
            if first[e.scale] == nil { first[e.scale] = e.loss.total }
            last[e.scale] = e.loss.total
            return true
        }
        XCTAssertEqual(scalesSeen, [1, 2])
        XCTAssertEqual(result.image.width, 96)
        XCTAssertEqual(result.iterations, 6 + 6)  // every scale runs `iterations`
        XCTAssertLessThan(last[1]!, first[1]!)
        o.objective = .tutorial
        o.optimizer = .lbfgs
        o.scales = 1
        o.contentWeight = 1
        o.styleWeight = 1e-6
        o.tvWeight = 0
        let tutorial = try engine.stylize(content: content, styles: [style], options: o)
        XCTAssertGreaterThan(tutorial.loss.style, 0)
        XCTAssertTrue(tutorial.loss.total.isFinite)
    }

    /// Below 128 px the 64 px floor makes scales equal; each size runs once.
    func testScalesThatTheFloorMakesEqualRunOnce() throws {
        let engine = try Self.sharedEngine.get()
        var o = smallOptions()  // 48 px
        o.scales = 3
        o.iterations = 2
        var sizes = Set<Int>(), scales = Set<Int>()
        let result = try engine.stylize(content: content, styles: [style], options: o) { e, _ in
            sizes.insert(e.width)
            scales.insert(e.scales)
            return true
        }
        XCTAssertEqual(sizes, [48])
        XCTAssertEqual(scales, [1])
        XCTAssertEqual(result.iterations, 2)
    }

    func testCancellationAndSnapshots() throws {
        let engine = try Self.sharedEngine.get()
        var o = smallOptions()
        o.iterations = 50
        var calls = 0, snapshots = 0
        XCTAssertThrowsError(
            try engine.stylize(
                content: content, styles: [style], options: o,
                snapshotEvery: 2
            ) { _, image in
                calls += 1
                if image != nil { snapshots += 1 }
                return calls < 5
            }
        ) { XCTAssertEqual($0 as? StyleError, .cancelled) }
        XCTAssertEqual(calls, 5)
        XCTAssertEqual(snapshots, 2)
    }

    func testBadOptionsAreErrorsNotTraps() throws {
        let engine = try Self.sharedEngine.get()
        func expectInvalid(
            _ change: (inout StyleOptions) -> Void, styles: Int = 1, _ fragment: String,
            line: UInt = #line
        ) {
            var o = smallOptions()
            change(&o)
            let styles = Array(repeating: style, count: styles)
            XCTAssertThrowsError(try engine.stylize(content: content, styles: styles, options: o), line: line) {
                error in
                guard case .invalidArgument(let m) = error as? StyleError else {
                    return XCTFail("expected invalidArgument, got \(error)", line: line)
                }
                XCTAssertTrue(m.contains(fragment), "'\(m)' lacks '\(fragment)'", line: line)
            }
        }
        expectInvalid({ $0.iterations = 0 }, "iterations: '0' is out of range; valid: 1…1000000")
        expectInvalid({ $0.size = -5 }, "size")
        expectInvalid({ $0.scales = 0 }, "scales")
        expectInvalid({ $0.styleWeight = .nan }, "style-weight: 'nan' is not a number")
        expectInvalid({ $0.contentWeight = -1 }, "content-weight: '-1.0' is out of range")
        expectInvalid({ $0.tvWeight = .infinity }, "tv-weight")
        expectInvalid({ $0.learningRate = 0 }, "lr: '0.0' is out of range; valid: a finite number > 0")
        expectInvalid({ $0.contentLayers = ["conv9_9"] }, "content-layers: 'conv9_9' names an unknown layer")
        expectInvalid({ $0.styleLayers = [("conv3_4", 1)] }, "unknown style layer")  // VGG19 only
        expectInvalid({ $0.styleLayers = [("conv1_1", .nan)] }, "style-layers")
        expectInvalid({ $0.styleLayers = [] }, "style-layers: '' has an empty entry")
        expectInvalid({ $0.styleBlend = [1, 2] }, "blend")
        expectInvalid({ $0.maxMemory = StyleOptions.minimumMemory - 1 }, "max-memory")
        expectInvalid({ $0.styleScale = 5 }, "style-scale")
        expectInvalid({ $0.threads = -1 }, "threads")
        expectInvalid({ _ in }, styles: 0, "style image")
        var nanImage = content
        nanImage.pixels[3] = .nan
        XCTAssertThrowsError(try engine.stylize(content: nanImage, styles: [style], options: smallOptions()))
        XCTAssertThrowsError(try PlanarImage(width: 0, height: 3, pixels: []))
        XCTAssertThrowsError(try PlanarImage(width: 2, height: 2, pixels: [1, 2]))
        XCTAssertThrowsError(try PlanarImage(width: Int.max, height: 2, pixels: []))
    }
}
