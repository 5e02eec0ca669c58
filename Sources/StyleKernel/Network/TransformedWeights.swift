/// Winograd's transformed weights U = G W Gᵀ (see `Conv3x3` and `Winograd.swift`), computed once
/// and kept across calls — forward and backward, every evaluation, every scale — for as many conv
/// layers as a memory budget allows.
///
/// Why: a Winograd call otherwise transforms its weights first, writing 36·Cin·Cout floats (F4)
/// (38 MB for a 512 × 512 layer) before its GEMMs read them back. On a large image the GEMMs
/// amortise that; on the coarse scales of a stylization (conv4 at 16 × 12 has 12 tiles) the
/// transform is most of the call. Keeping U for all of VGG16 to conv5_1 costs ~320 MB in floats,
/// half that in bfloat16 (both directions), which the coarse scales can afford because their
/// activations are small: the engine sizes the budget so the cache never lifts the run's peak
/// above the final scale's own (`StylizeRun.transformBudgets(peaks:)`), and frees it entirely
/// before the final scale and the tiled stages.
///
/// Layers are kept deepest first: per float kept the saving is the same everywhere (the transform
/// is linear in the weights), and the deep layers have the fewest tiles, so there it matters most.
final class TransformedWeights: @unchecked Sendable {
    let network: VGGNetwork
    let parallel: Parallel
    /// What the kept weights are in: the precision of the workspaces that use them.
    let precision: Conv3x3.Precision
    private var forward: [FloatBuffer?]
    private var backward: [FloatBuffer?]

    init(network: VGGNetwork, parallel: Parallel, precision: Conv3x3.Precision) {
        self.network = network
        self.parallel = parallel
        self.precision = precision
        forward = Array(repeating: nil, count: network.layers.count)
        backward = forward
    }

    /// Frees every kept weight (before a stage that keeps none).
    func release() {
        for i in network.layers.indices {
            forward[i] = nil
            backward[i] = nil
        }
    }

    /// Floats held now.
    var floatCount: Int {
        (forward + backward).reduce(0) { $0 + ($1?.count ?? 0) }
    }

    /// Conv layers (indices) that have kept weights, in either direction.
    var keptLayers: [Int] {
        network.layers.indices.filter { forward[$0] != nil || backward[$0] != nil }
    }

    /// U of layer `layer` in one direction, if kept.
    func weights(layer: Int, backward isBackward: Bool) -> UnsafePointer<Float>? {
        (isBackward ? backward[layer] : forward[layer]).map { UnsafePointer($0.pointer) }
    }

    /// Keeps, deepest first, the Winograd weights of the layers `plan` runs with Winograd, as long
    /// as the total stays within `budget` floats; frees everything else and transforms what is
    /// newly kept. Budgets that shrink from call to call keep a subset of what was kept, so
    /// nothing is transformed twice over a run.
    func keep(for plan: NetworkWorkspace.Plan, budget: Int) {
        var wanted: [(layer: Int, backward: Bool)] = []
        var total = 0
        planning: for (op, shape) in plan.stages.reversed() {
            guard case .conv(let i) = op else { continue }
            for isBackward in [false, true] {
                let conv = isBackward ? network.layers[i].backward : network.layers[i].forward
                guard conv.algorithm(height: shape.height, width: shape.width) == .winograd else { continue }
                total += conv.transformedWeightsCount(precision)
                if total > budget { break planning }
                wanted.append((i, isBackward))
            }
        }
        for i in network.layers.indices {
            if !wanted.contains(where: { $0.layer == i && !$0.backward }) { forward[i] = nil }
            if !wanted.contains(where: { $0.layer == i && $0.backward }) { backward[i] = nil }
        }
        for (i, isBackward) in wanted {
            let conv = isBackward ? network.layers[i].backward : network.layers[i].forward
            if isBackward ? backward[i] != nil : forward[i] != nil { continue }
            // Kept weights only save time: if the memory is not there, transform per call instead.
            guard let u = try? FloatBuffer(checkedCount: conv.transformedWeightsCount(precision)) else { return }
            conv.transformWeights(into: u.pointer, precision: precision, parallel: parallel)
            if isBackward { backward[i] = u } else { forward[i] = u }
        }
    }
}
