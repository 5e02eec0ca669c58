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
                let f = Conv3x3(inChannels: w.inChannels, outChannels: w.outChannels,
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
}

/// Buffers for running one `VGGNetwork` on images of one size, up to a given depth: every
/// stage's output is kept (the backward pass needs ReLU outputs and pooling inputs).
public final class NetworkWorkspace: @unchecked Sendable {
    struct Stage {
        enum Op { case conv(Int), pool }
        let op: Op
        let shape: Shape3
        let output: FloatBuffer
    }

    public let network: VGGNetwork
    public let inputShape: Shape3
    let parallel: Parallel
    let input: FloatBuffer
    var stages: [Stage] = []
    /// Stage index of each conv layer's (post-ReLU) output.
    var stageOfLayer: [String: Int] = [:]
    let gradientA: FloatBuffer
    let gradientB: FloatBuffer
    let scratch: FloatBuffer
    /// Forces one convolution algorithm (tests compare them); nil: each conv chooses by size.
    var convAlgorithm: Conv3x3.Algorithm?

    /// - Parameter depth: the deepest conv layer (index) the caller needs.
    public init(network: VGGNetwork, height: Int, width: Int, depth: Int, parallel: Parallel) {
        self.network = network
        self.parallel = parallel
        inputShape = Shape3(3, height, width)
        input = FloatBuffer(count: inputShape.count)
        var shape = inputShape
        var largest = shape.count
        var scratchCount = 0
        for i in 0...depth {
            if network.poolBefore.contains(i) {
                let (h, w) = Pool2x2.outputSize(height: shape.height, width: shape.width)
                shape = Shape3(shape.channels, h, w)
                stages.append(Stage(op: .pool, shape: shape, output: FloatBuffer(count: shape.count)))
            }
            let layer = network.layers[i]
            for conv in [layer.forward, layer.backward] {
                for algorithm in Conv3x3.Algorithm.allCases {
                    scratchCount = max(scratchCount, conv.workspaceCount(
                        height: shape.height, width: shape.width, algorithm: algorithm))
                }
            }
            shape = Shape3(layer.forward.outChannels, shape.height, shape.width)
            stageOfLayer[layer.name] = stages.count
            stages.append(Stage(op: .conv(i), shape: shape, output: FloatBuffer(count: shape.count)))
            largest = max(largest, shape.count)
        }
        gradientA = FloatBuffer(count: largest)
        gradientB = FloatBuffer(count: largest)
        scratch = FloatBuffer(count: scratchCount)
    }

    /// Shape of a layer's output at this size (nil if the layer is beyond this workspace's depth).
    public func shape(of layer: String) -> Shape3? { stageOfLayer[layer].map { stages[$0].shape } }

    /// A layer's post-ReLU output from the last `forward`.
    public func output(of layer: String) -> UnsafeMutablePointer<Float>? {
        stageOfLayer[layer].map { stages[$0].output.pointer }
    }

    /// Runs the network on `x` (3 × H × W in the model's convention).
    public func forward(_ x: UnsafePointer<Float>) {
        input.pointer.update(from: x, count: inputShape.count)
        var src = UnsafePointer(input.pointer)
        var srcShape = inputShape
        for stage in stages {
            switch stage.op {
            case .pool:
                Pool2x2.forward(network.pooling, input: src, channels: srcShape.channels,
                                height: srcShape.height, width: srcShape.width,
                                output: stage.output.pointer, parallel: parallel)
            case .conv(let i):
                let conv = network.layers[i].forward
                conv.apply(input: src, height: srcShape.height, width: srcShape.width,
                           output: stage.output.pointer, workspace: scratch.pointer,
                           parallel: parallel,
                           algorithm: convAlgorithm ?? conv.algorithm(height: srcShape.height,
                                                                      width: srcShape.width))
                ReLU.forward(stage.output.pointer, count: stage.shape.count, parallel: parallel)
            }
            src = UnsafePointer(stage.output.pointer)
            srcShape = stage.shape
        }
    }

    /// Back-propagates to the input. `inject(layer, gradient, shape)` is called for each conv
    /// layer from the deepest up, to add the loss's gradient with respect to that layer's output
    /// into `gradient`. The result (d loss / d x) is written to `inputGradient`.
    public func backward(inject: (String, UnsafeMutablePointer<Float>, Shape3) -> Void,
                         inputGradient: UnsafeMutablePointer<Float>) {
        var grad = gradientA.pointer
        var next = gradientB.pointer
        grad.update(repeating: 0, count: stages.last!.shape.count)
        for s in stages.indices.reversed() {
            let stage = stages[s]
            let below = s == 0 ? inputShape : stages[s - 1].shape
            let belowOutput = UnsafePointer(s == 0 ? input.pointer : stages[s - 1].output.pointer)
            let target = s == 0 ? inputGradient : next
            switch stage.op {
            case .conv(let i):
                let layer = network.layers[i]
                inject(layer.name, grad, stage.shape)
                ReLU.backward(output: stage.output.pointer, gradient: grad,
                              count: stage.shape.count, parallel: parallel)
                let (h, w) = (stage.shape.height, stage.shape.width)
                layer.backward.apply(input: grad, height: h, width: w, output: target,
                                     workspace: scratch.pointer, parallel: parallel,
                                     algorithm: convAlgorithm ?? layer.backward.algorithm(height: h, width: w))
            case .pool:
                Pool2x2.backward(network.pooling, input: belowOutput, channels: below.channels,
                                 height: below.height, width: below.width,
                                 outputGradient: grad, inputGradient: target, parallel: parallel)
            }
            swap(&grad, &next)
        }
    }
}
