import XCTest

@testable import StyleKernel

/// The same inputs give the same bytes with any number of threads (the GEMMs are cut into pieces
/// of a fixed size, reductions sum fixed chunks in order), through whole-image and tiled stages.
final class DeterminismTests: XCTestCase {
    func testEveryThreadCountGivesTheSameBytes() throws {
        let engine = try StylizeTests.sharedEngine.get()
        let content = patternImage(width: 97, height: 71, phase: 0.4)
        let style = randomImage(width: 50, height: 61, seed: 12)
        var options = StyleOptions()
        options.size = 150
        options.workSize = 97  // two whole-image scales, then one tiled stage
        options.scales = 2
        options.iterations = 4
        options.maximumTile = 96
        var results: [Int: [Float]] = [:]
        for threads in [1, 2, 3, 4] {
            options.threads = threads
            results[threads] = try engine.stylize(content: content, styles: [style], options: options).image.pixels
        }
        for threads in [2, 3, 4] {
            XCTAssert(results[threads]! == results[1]!, "\(threads) threads differ from 1")
        }
    }
}
