import XCTest

@testable import StyleKernel

final class TransformedWeightsTests: XCTestCase {
    /// Forward activations and input gradients of VGG16 (random weights): kept Winograd weights
    /// give exactly the bits that transforming in every call gives (same arithmetic, done once),
    /// in floats and, where the CPU has it, in bfloat16.
    func testKeptWeightsGiveIdenticalResults() throws {
        try keptWeightsGiveIdenticalResults(precision: .float32)
        if Conv3x3.Precision.fastest == .bfloat16 { try keptWeightsGiveIdenticalResults(precision: .bfloat16) }
    }

    func keptWeightsGiveIdenticalResults(precision: Conv3x3.Precision) throws {
        let model = try randomModel(seed: 31)
        let network = VGGNetwork(model: model, pooling: .max)
        let (w, h) = (72, 56)
        let depth = network.layerIndex("conv5_1")!
        let parallel = Parallel(threads: 2)
        let kept = TransformedWeights(network: network, parallel: parallel, precision: precision)
        let plan = NetworkWorkspace.Plan(network: network, height: h, width: w, depth: depth)
        kept.keep(for: plan, budget: .max)
        // Every layer that runs Winograd at this size is kept, in both directions.
        let winogradLayers = plan.stages.compactMap { stage -> Int? in
            guard case .conv(let i) = stage.op,
                network.layers[i].forward.algorithm(height: stage.shape.height, width: stage.shape.width) == .winograd
            else { return nil }
            return i
        }.sorted()
        XCTAssertFalse(winogradLayers.isEmpty)
        XCTAssertEqual(kept.keptLayers, winogradLayers)

        let x = try model.convention.toModel(randomImage(width: w, height: h, seed: 32))
        var results: [([Float], [Float])] = []
        for transformed in [nil, kept] {
            let ws = try NetworkWorkspace(
                network: network, height: h, width: w, depth: depth,
                parallel: parallel, precision: precision, transformed: transformed)
            ws.forward(x)
            let shape = ws.shape(of: "conv4_2")!
            let f = Array(UnsafeBufferPointer(start: ws.output(of: "conv4_2")!, count: shape.count))
            results.append((f, halfSquaredNormGradient(ws, layer: "conv4_2", features: f)))
        }
        XCTAssertGreaterThan(results[0].1.map(abs).max()!, 0)
        XCTAssertEqual(results[0].0, results[1].0)
        XCTAssertEqual(results[0].1, results[1].1)
    }

    /// The budget: nothing at 0, the deepest layers first, both directions of a layer counted,
    /// and a smaller budget keeps a subset of the same buffers (nothing transformed twice).
    func testBudgetKeepsDeepestLayersFirst() throws {
        let model = try randomModel(seed: 33)
        let network = VGGNetwork(model: model, pooling: .max)
        let depth = network.layerIndex("conv5_1")!
        let kept = TransformedWeights(network: network, parallel: Parallel(threads: 1), precision: .float32)
        let plan = NetworkWorkspace.Plan(network: network, height: 128, width: 96, depth: depth)
        kept.keep(for: plan, budget: 0)
        XCTAssertEqual(kept.floatCount, 0)

        let conv51 = network.layers[depth].forward.transformedWeightsCount()
        let conv43 = network.layers[depth - 1].forward.transformedWeightsCount()
        kept.keep(for: plan, budget: 2 * conv51 + 2 * conv43 + 1)
        XCTAssertEqual(kept.keptLayers, [depth - 1, depth])
        XCTAssertEqual(kept.floatCount, 2 * conv51 + 2 * conv43)
        let before = try XCTUnwrap(kept.weights(layer: depth, backward: true))

        kept.keep(for: plan, budget: 2 * conv51)
        XCTAssertEqual(kept.keptLayers, [depth])
        XCTAssertEqual(kept.weights(layer: depth, backward: true), before)
        XCTAssertNil(kept.weights(layer: depth - 1, backward: false))

        // The backward weights are those of the flipped, transposed convolution.
        var expected = [Float](repeating: 0, count: conv51)
        network.layers[depth].backward.transformWeights(
            into: &expected, precision: .float32, parallel: Parallel(threads: 1))
        XCTAssertEqual(Array(UnsafeBufferPointer(start: before, count: conv51)), expected)
    }

    /// A stylization's memory plan: the final scale keeps nothing; each coarser scale may keep
    /// exactly what it leaves free under the final scale's peak.
    func testEngineBudgetStaysUnderTheFinalScalePeak() throws {
        let model = try randomModel(seed: 35)
        let network = VGGNetwork(model: model, pooling: .max)
        var options = StyleOptions()
        options.size = 160
        options.scales = 5  // four coarser scales, one of them merged by the 64 px floor
        var run = StylizeRun(
            model: model, network: network, options: options, snapshotEvery: 0,
            progress: nil)
        let content = randomImage(width: 160, height: 120, seed: 36)
        let deepest = options.deepestLayer(in: network)
        let sizes = ScaleSchedule.wholeImageSizes(size: options.size, scales: options.scales)
        XCTAssertEqual(sizes, [64, 80, 113, 160])  // the 64 px floor merges the two smallest
        let peaks = sizes.map {
            run.peakFloats(content: content, styles: [content], masks: 0, longest: $0, deepest: deepest)
        }
        XCTAssertEqual(peaks, peaks.sorted())
        try run.plan(content: content, styles: [content])
        let budgets = run.memory.transformBudgets
        XCTAssertEqual(budgets.last, 0)
        for s in 0..<(sizes.count - 1) { XCTAssertEqual(budgets[s] + peaks[s], peaks.last!) }
        // The workspace estimate is what a workspace allocates.
        let ws = try NetworkWorkspace(
            network: network, height: 120, width: 160, depth: deepest,
            parallel: Parallel(threads: 1))
        let allocated = ws.stages.reduce(ws.input.count + ws.gradientA.count + ws.gradientB.count + ws.scratch.count) {
            $0 + $1.output.count
        }
        XCTAssertEqual(
            NetworkWorkspace.floatCount(network: network, height: 120, width: 160, depth: deepest), allocated)
    }
}
