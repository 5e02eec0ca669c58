import XCTest

@testable import StyleKernel

/// The engine keeps style Grams between runs (`StyleGramCache`): a kept Gram must be exactly the
/// one a run would compute, so a result never depends on what the engine ran before.
final class StyleGramCacheTests: XCTestCase {
    /// Two whole-image scales and a tiled stage: every kind of stage takes Grams from the cache.
    func options(threads: Int = 2) -> StyleOptions {
        var o = StyleOptions()
        o.size = 150
        o.workSize = 97
        o.scales = 2
        o.iterations = 3
        o.maximumTile = 96
        o.threads = threads
        return o
    }

    func testAKeptGramGivesTheBytesOfAFreshEngine() throws {
        let model = try StyleModel.load(path: try defaultModelPath())
        let style = randomImage(width: 50, height: 61, seed: 12)
        let first = patternImage(width: 97, height: 71, phase: 0.4)
        let second = patternImage(width: 80, height: 90, phase: 1.1)

        let fresh = StyleEngine(model: model)
        let alone = try fresh.stylize(content: second, styles: [style], options: options()).image.pixels

        let reused = StyleEngine(model: model)
        _ = try reused.stylize(content: first, styles: [style], options: options())
        let kept = reused.gramCache.count
        XCTAssertGreaterThan(kept, 0, "the first run keeps its style Grams")
        let after = try reused.stylize(content: second, styles: [style], options: options(threads: 1)).image.pixels
        XCTAssert(after == alone, "a run after another gives other bytes than on a fresh engine")
        // The second content's stages have other sizes only where its aspect differs: here the
        // style sizes follow the stages' longest sides, which are the same, so nothing is added.
        XCTAssertEqual(reused.gramCache.count, kept, "the second run computed Grams it had")
    }

    func testOtherPixelsOrSettingsAreOtherEntries() throws {
        let engine = StyleEngine(model: try StyleModel.load(path: try defaultModelPath()))
        let content = patternImage(width: 48, height: 36, phase: 0)
        var style = randomImage(width: 40, height: 40, seed: 99)
        var o = StyleOptions()
        o.size = 48
        o.iterations = 2
        o.scales = 1
        _ = try engine.stylize(content: content, styles: [style], options: o)
        XCTAssertEqual(engine.gramCache.count, 1)
        _ = try engine.stylize(content: content, styles: [style], options: o)
        XCTAssertEqual(engine.gramCache.count, 1, "the same style and settings: kept")
        style.pixels[7] += 1e-3
        _ = try engine.stylize(content: content, styles: [style], options: o)
        XCTAssertEqual(engine.gramCache.count, 2, "one value changed: another style")
        o.styleLayers = [("conv1_1", 1), ("conv2_1", 1)]
        _ = try engine.stylize(content: content, styles: [style], options: o)
        XCTAssertEqual(engine.gramCache.count, 3, "other layers: another entry")
        o.styleScale = 2
        _ = try engine.stylize(content: content, styles: [style], options: o)
        XCTAssertEqual(engine.gramCache.count, 4, "another style size: another entry")
    }

    func testTheLeastRecentlyUsedGoFirstAndTheBytesStayBounded() throws {
        let cache = StyleGramCache()
        let quarter = StyleGramCache.capacityBytes / 4 / MemoryLayout<Float>.size
        func key(_ n: Int) throws -> StyleGramCache.Key {
            let image = try PlanarImage(width: 1, height: 1, red: Float(n), green: 0, blue: 0)
            return StyleGramCache.Key(
                style: StyleDigest(image), width: 1, height: 1, layers: ["conv1_1"], objective: .standard,
                pooling: .max, precision: .float32, tile: nil)
        }
        var computed: [Int] = []
        func fetch(_ n: Int, count: Int = quarter - 16) throws {
            _ = cache.grams(for: try key(n)) {
                computed.append(n)
                return ["conv1_1": [Float](repeating: Float(n), count: count)]
            }
        }
        for n in 0..<4 { try fetch(n) }
        try fetch(0)  // 0 becomes the most recent
        try fetch(4)  // evicts 1, the least recent
        XCTAssertEqual(computed, [0, 1, 2, 3, 4])
        try fetch(0)
        try fetch(1)
        XCTAssertEqual(computed, [0, 1, 2, 3, 4, 1], "0 was kept, 1 was evicted")
        XCTAssertLessThanOrEqual(cache.bytes, StyleGramCache.capacityBytes)
        try fetch(9, count: StyleGramCache.capacityBytes)  // larger than the cache: not kept
        XCTAssertLessThanOrEqual(cache.bytes, StyleGramCache.capacityBytes)
        try fetch(9, count: StyleGramCache.capacityBytes)
        XCTAssertEqual(computed.suffix(2), [9, 9])
    }
}
