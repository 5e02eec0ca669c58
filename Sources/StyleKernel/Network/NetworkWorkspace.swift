/// Buffers for running one `VGGNetwork` on images of one size, up to a given depth: every
/// stage's output is kept (the backward pass needs ReLU outputs and pooling inputs).
public final class NetworkWorkspace: @unchecked Sendable {
    struct Stage {
        enum Op { case conv(Int), pool }
        let op: Op
        let shape: Shape3
        let output: FloatBuffer
    }

    /// The shapes a workspace will hold, worked out before (or instead of) allocating them.
    struct Plan {
        var stages: [(op: Stage.Op, shape: Shape3)] = []
        var largest = 0
        var scratchCount = 0
        let height: Int, width: Int

        init(network: VGGNetwork, height: Int, width: Int, depth: Int) {
            self.height = height
            self.width = width
            var shape = Shape3(3, height, width)
            largest = shape.count
            for i in 0...depth {
                if network.poolBefore.contains(i) {
                    let (h, w) = Pool2x2.outputSize(height: shape.height, width: shape.width)
                    shape = Shape3(shape.channels, h, w)
                    stages.append((.pool, shape))
                }
                let layer = network.layers[i]
                for conv in [layer.forward, layer.backward] {
                    for algorithm in Conv3x3.Algorithm.allCases {
                        scratchCount = max(
                            scratchCount,
                            conv.workspaceCount(
                                height: shape.height, width: shape.width, algorithm: algorithm))
                    }
                }
                shape = Shape3(layer.forward.outChannels, shape.height, shape.width)
                stages.append((.conv(i), shape))
                largest = max(largest, shape.count)
            }
        }

        /// Floats of every buffer the workspace allocates: input, stage outputs, the two
        /// gradient buffers and the convolution scratch.
        var floatCount: Int {
            stages.reduce(3 * height * width) { $0 + $1.shape.count } + 2 * largest + scratchCount
        }
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
    /// What Winograd's GEMMs multiply (see `Conv3x3.Precision`).
    let precision: Conv3x3.Precision
    /// Winograd weights kept by the caller at that precision, used where present (see `TransformedWeights`).
    let transformed: TransformedWeights?
    /// Forces one convolution algorithm (tests compare them); nil: each conv chooses by size.
    var convAlgorithm: Conv3x3.Algorithm?

    /// Floats a workspace of this size and depth allocates (for memory planning).
    static func floatCount(network: VGGNetwork, height: Int, width: Int, depth: Int) -> Int {
        Plan(network: network, height: height, width: width, depth: depth).floatCount
    }

    /// - Parameter depth: the deepest conv layer (index) the caller needs.
    /// - Parameter precision: what Winograd's GEMMs multiply (floats unless asked).
    public convenience init(
        network: VGGNetwork, height: Int, width: Int, depth: Int, parallel: Parallel,
        precision: Conv3x3.Precision = .float32
    ) throws {
        try self.init(
            network: network, height: height, width: width, depth: depth, parallel: parallel,
            precision: precision, transformed: nil)
    }

    init(
        network: VGGNetwork, height: Int, width: Int, depth: Int, parallel: Parallel,
        precision: Conv3x3.Precision, transformed: TransformedWeights?
    ) throws {
        precondition(transformed == nil || transformed!.precision == precision, "kept weights of another precision")
        BLASCore.prepare()  // for users of the network alone (tests, the benchmark); see StyleEngine
        self.network = network
        self.parallel = parallel
        self.precision = precision
        self.transformed = transformed
        inputShape = Shape3(3, height, width)
        input = try FloatBuffer(checkedCount: inputShape.count)
        let plan = Plan(network: network, height: height, width: width, depth: depth)
        for (op, shape) in plan.stages {
            if case .conv(let i) = op { stageOfLayer[network.layers[i].name] = stages.count }
            stages.append(Stage(op: op, shape: shape, output: try FloatBuffer(checkedCount: shape.count)))
        }
        gradientA = try FloatBuffer(checkedCount: plan.largest)
        gradientB = try FloatBuffer(checkedCount: plan.largest)
        scratch = try FloatBuffer(checkedCount: plan.scratchCount)
    }

    /// Shape of a layer's output at this size (nil if the layer is beyond this workspace's depth).
    public func shape(of layer: String) -> Shape3? { stageOfLayer[layer].map { stages[$0].shape } }

    /// A layer's post-ReLU output from the last `forward`.
    public func output(of layer: String) -> UnsafeMutablePointer<Float>? {
        stageOfLayer[layer].map { stages[$0].output.pointer }
    }

    /// Conv layer `i` (its forward kernel, or its input-gradient kernel when `backward`) on a
    /// height × width input: the algorithm for that size, kept Winograd weights if any.
    private func convolution(layer i: Int, backward: Bool, height: Int, width: Int)
        -> (conv: Conv3x3, algorithm: Conv3x3.Algorithm, transformed: UnsafePointer<Float>?)
    {
        let conv = backward ? network.layers[i].backward : network.layers[i].forward
        let algorithm = convAlgorithm ?? conv.algorithm(height: height, width: width)
        return (conv, algorithm, algorithm == .winograd ? transformed?.weights(layer: i, backward: backward) : nil)
    }

    /// Conv layer `i` and its ReLU: `output` = ReLU(conv(`input`)) (fused into Winograd's output
    /// transform).
    func convolveForward(
        layer i: Int, input: UnsafePointer<Float>, height: Int, width: Int,
        output: UnsafeMutablePointer<Float>
    ) {
        let (conv, algorithm, kept) = convolution(layer: i, backward: false, height: height, width: width)
        conv.apply(
            input: input, height: height, width: width, output: output, workspace: scratch.pointer,
            parallel: parallel, algorithm: algorithm, transformed: kept, precision: precision, relu: true)
    }

    /// The backward pass of conv layer `i` and its ReLU: `target` = conv′(`gradient` where
    /// `activation` > 0). Winograd masks while it transforms (`gradient` is left as it was); the
    /// other algorithms mask `gradient` in place first.
    func convolveBackward(
        layer i: Int, gradient: UnsafeMutablePointer<Float>, activation: UnsafePointer<Float>,
        shape: Shape3, target: UnsafeMutablePointer<Float>
    ) {
        let (conv, algorithm, kept) = convolution(layer: i, backward: true, height: shape.height, width: shape.width)
        let fused = algorithm == .winograd
        if !fused { ReLU.backward(output: activation, gradient: gradient, count: shape.count, parallel: parallel) }
        conv.apply(
            input: gradient, height: shape.height, width: shape.width, output: target, workspace: scratch.pointer,
            parallel: parallel, algorithm: algorithm, transformed: kept, precision: precision,
            inputMask: fused ? activation : nil)
    }

    /// Runs the network on `x` (3 × H × W in the model's convention).
    public func forward(_ x: UnsafePointer<Float>) {
        input.pointer.update(from: x, count: inputShape.count)
        var src = UnsafePointer(input.pointer)
        var srcShape = inputShape
        for stage in stages {
            switch stage.op {
            case .pool:
                Pool2x2.forward(
                    network.pooling, input: src, channels: srcShape.channels,
                    height: srcShape.height, width: srcShape.width,
                    output: stage.output.pointer, parallel: parallel)
            case .conv(let i):
                convolveForward(
                    layer: i, input: src, height: srcShape.height, width: srcShape.width,
                    output: stage.output.pointer)
            }
            src = UnsafePointer(stage.output.pointer)
            srcShape = stage.shape
        }
    }

    /// Back-propagates to the input. `inject(layer, gradient, shape)` is called for each conv
    /// layer from the deepest up, to add the loss's gradient with respect to that layer's output
    /// into `gradient`. The result (d loss / d x) is written to `inputGradient`.
    public func backward(
        inject: (String, UnsafeMutablePointer<Float>, Shape3) -> Void,
        inputGradient: UnsafeMutablePointer<Float>
    ) {
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
                inject(network.layers[i].name, grad, stage.shape)
                convolveBackward(
                    layer: i, gradient: grad, activation: stage.output.pointer, shape: stage.shape,
                    target: target)
            case .pool:
                Pool2x2.backward(
                    network.pooling, input: belowOutput, channels: below.channels,
                    height: below.height, width: below.width,
                    outputGradient: grad, inputGradient: target, parallel: parallel)
            }
            swap(&grad, &next)
        }
    }
}
