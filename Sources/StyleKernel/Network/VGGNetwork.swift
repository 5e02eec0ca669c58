/// The frozen feature extractor: VGG's convolutions (each followed by ReLU) and 2×2 pooling,
/// built from a `StyleModel`. Immutable; per-size buffers live in `NetworkWorkspace`.
public final class VGGNetwork: @unchecked Sendable {
    public let architecture: VGGArchitecture
    public let pooling: Pool2x2.Kind
    /// Per conv layer in order: its name, forward kernel and input-gradient kernel.
    let layers: [(name: String, forward: Conv3x3, backward: Conv3x3)]
    /// Index of the first conv of each block after the first (a pool stands before it).
    let poolBefore: Set<Int>

    public init(model: StyleModel, pooling: Pool2x2.Kind) {
        architecture = model.architecture
        self.pooling = pooling
        var layers: [(String, Conv3x3, Conv3x3)] = []
        var pools = Set<Int>()
        var index = 0
        for (b, n) in model.architecture.convsPerBlock.enumerated() {
            if b > 0 { pools.insert(index) }
            for c in 1...n {
                let name = "conv\(b + 1)_\(c)"
                let w = model.layers[name]!  // StyleModel.init checked every layer is present
                let f = Conv3x3(
                    inChannels: w.inChannels, outChannels: w.outChannels,
                    weights: w.weight, bias: w.bias)
                layers.append((name, f, f.inputGradient()))
                index += 1
            }
        }
        self.layers = layers
        poolBefore = pools
    }

    /// Index of a conv layer by its paper name, or nil.
    public func layerIndex(_ name: String) -> Int? { layers.firstIndex { $0.name == name } }

    /// The 2×2 poolings before a conv layer (its stride relative to the input is 2 to this power);
    /// 0 for an unknown name.
    func poolCount(before name: String) -> Int {
        guard let index = layerIndex(name) else { return 0 }
        return poolBefore.filter { $0 <= index }.count
    }

    /// A conv layer's stride relative to the input (1, 2, 4, 8 or 16).
    func stride(of name: String) -> Int { 1 << poolCount(before: name) }
}
