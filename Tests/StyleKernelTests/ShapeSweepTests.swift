import COpenBLAS
import XCTest

@testable import StyleKernel

/// Every shape and size: thin panoramas, 1-pixel images and extreme styles stylize (no empty
/// layer, no BLAS error, a finite result of the right size); misuse is refused with an error.
final class ShapeSweepTests: XCTestCase {
    /// Short sides around the pooling boundaries (the network pools four times before conv5_1)
    /// against long sides up to 2048, both orientations.
    static let shortSides = [1, 2, 3, 5, 8, 15, 16, 17, 33, 64]
    static let longSides = [64, 2048]

    func sweepOptions() -> StyleOptions {
        var o = StyleOptions()
        o.size = 96  // two scales: 68 and 96 px, so the coarse one is thinner still
        o.scales = 2
        o.iterations = 1
        o.threads = 2
        return o
    }

    func shapes() -> [(width: Int, height: Int)] {
        Self.shortSides.flatMap { s in Self.longSides.flatMap { l in [(l, s), (s, l)] } }
    }

    func assertStylizes(
        _ engine: StyleEngine, content: PlanarImage, style: PlanarImage,
        _ what: String
    ) {
        let errorsBefore = BLASErrors.count
        do {
            let result = try engine.stylize(content: content, styles: [style], options: sweepOptions())
            let (w, h) = Resample.fit(width: content.width, height: content.height, longest: 96)
            XCTAssertEqual(result.image.width, w, what)
            XCTAssertEqual(result.image.height, h, what)
            XCTAssert(result.image.pixels.allSatisfy { $0.isFinite && $0 >= 0 && $0 <= 1 }, what)
            XCTAssert(result.loss.total.isFinite, what)
        } catch {
            XCTFail("\(what): \(error)")
        }
        XCTAssertEqual(BLASErrors.count, errorsBefore, "\(what): OpenBLAS rejected an argument")
    }

    func testEveryContentShapeStylizes() throws {
        let engine = try StylizeTests.sharedEngine.get()
        let style = randomImage(width: 40, height: 40, seed: 5)
        for (w, h) in shapes() {
            assertStylizes(
                engine, content: patternImage(width: w, height: h, phase: 0.3), style: style,
                "content \(w)×\(h)")
        }
    }

    func testEveryStyleShapeStylizes() throws {
        let engine = try StylizeTests.sharedEngine.get()
        let content = patternImage(width: 48, height: 36, phase: 0)
        for (w, h) in shapes() {
            assertStylizes(
                engine, content: content, style: randomImage(width: w, height: h, seed: 6),
                "style \(w)×\(h)")
        }
    }

    /// The smallest result sizes, one-pixel inputs, and the tutorial objective (style resized to
    /// the content's own, thin, size).
    func testTinyResultsAndOnePixelImages() throws {
        let engine = try StylizeTests.sharedEngine.get()
        var options = sweepOptions()
        let onePixel = randomImage(width: 1, height: 1, seed: 7)
        for size in [16, 17, 24, 31] {
            options.size = size
            for objective in StyleOptions.Objective.allCases {
                options.objective = objective
                let errorsBefore = BLASErrors.count
                let result = try engine.stylize(
                    content: onePixel, styles: [randomImage(width: 1000, height: 40, seed: 8)],
                    options: options)
                XCTAssertEqual(result.image.width, size)
                XCTAssertEqual(result.image.height, size)
                XCTAssert(result.image.pixels.allSatisfy(\.isFinite))
                XCTAssertEqual(BLASErrors.count, errorsBefore, "size \(size) \(objective)")
            }
        }
    }

    /// A stylization started from inside the same engine's progress handler is refused with an
    /// error (it would deadlock, or trap on the lock); the outer one completes.
    func testReentrantCallFromTheProgressHandlerIsRefused() throws {
        let engine = try StylizeTests.sharedEngine.get()
        let content = patternImage(width: 32, height: 24, phase: 0)
        let style = randomImage(width: 32, height: 32, seed: 9)
        var inner: Error? = nil
        var options = sweepOptions()
        options.size = 32
        let result = try engine.stylize(content: content, styles: [style], options: options) { _, _ in
            if inner == nil {
                do { _ = try engine.stylize(content: content, styles: [style], options: options) } catch {
                    inner = error
                }
            }
            return true
        }
        XCTAssertEqual(result.image.width, 32)
        guard case .invalidArgument(let message)? = inner as? StyleError else {
            return XCTFail("expected invalidArgument, got \(String(describing: inner))")
        }
        XCTAssert(message.contains("progress handler"), message)
    }

    /// An illegal BLAS argument is recorded (not printed to standard output) and turns the run
    /// into an internal error, through the `xerbla_` that replaces OpenBLAS's.
    func testBLASArgumentErrorsBecomeInternalErrors() {
        var a: [Float] = [1, 2], c: [Float] = [0]
        XCTAssertThrowsError(
            try BLASErrors.checking {
                // lda = 0 < max(1, k): SSYRK's parameter 7.
                cblas_ssyrk(CblasRowMajor, CblasUpper, CblasNoTrans, 1, 2, 1, &a, 0, 0, &c, 1)
            }
        ) { error in
            guard case .internal(let message)? = error as? StyleError else { return XCTFail("\(error)") }
            XCTAssert(message.contains("SSYRK"), message)
        }
    }

    /// The estimate refuses, before any work, what the memory cannot hold, with the figures.
    func testImpossibleSizeIsRefusedUpFront() throws {
        XCTAssertThrowsError(try MemoryEstimate.require(resident: Int.max / 2, what: "this test", hint: "none")) {
            error in
            guard case .outOfMemory(let message)? = error as? StyleError else { return XCTFail("\(error)") }
            XCTAssert(message.contains("this test needs about"), message)
        }
        XCTAssertNoThrow(try MemoryEstimate.require(resident: 1 << 20, what: "a MiB", hint: ""))
        let engine = try StylizeTests.sharedEngine.get()
        var options = sweepOptions()
        options.size = StyleOptions.maximumSize
        options.scales = 1
        // The largest result (32768 × 24576) in one piece needs terabytes, and in tiles its
        // full-size images alone (about 18 GB) exceed a 512 MiB budget: both refused from the
        // plan, before anything large is made.
        for (workSize, budget) in [(StyleOptions.maximumSize, options.maxMemory), (512, 512 << 20)] {
            options.workSize = workSize
            options.maxMemory = budget
            XCTAssertThrowsError(
                try engine.stylize(
                    content: patternImage(width: 96, height: 72, phase: 0),
                    styles: [randomImage(width: 40, height: 40, seed: 1)],
                    options: options)
            ) { error in
                guard case .outOfMemory(let message)? = error as? StyleError else { return XCTFail("\(error)") }
                let (w, h) = Resample.fit(width: 96, height: 72, longest: StyleOptions.maximumSize)
                XCTAssert(message.contains("\(w)×\(h)"), message)
            }
        }
    }
}
