/// How a model wants its input pixels (from the model file's metadata).
/// A pixel in 0...1 RGB becomes: channels reordered (`order`), times `scale`, minus `mean`,
/// divided by `std` — mean and std listed in the model's channel order.
public struct InputConvention: Sendable, Equatable {
    public enum ChannelOrder: String, Sendable { case rgb, bgr }
    public var order: ChannelOrder
    public var scale: Float
    public var mean: [Float]
    public var std: [Float]

    public init(order: ChannelOrder, scale: Float, mean: [Float], std: [Float]) {
        self.order = order
        self.scale = scale
        self.mean = mean
        self.std = std
    }

    /// Caffe / Keras ImageNet VGG: BGR, 0...255, mean (B, G, R) subtracted, no std.
    public static let caffe = InputConvention(
        order: .bgr, scale: 255, mean: [103.939, 116.779, 123.68], std: [1, 1, 1])
    /// torchvision ImageNet models: RGB, 0...1, mean/std normalised.
    public static let torchvision = InputConvention(
        order: .rgb, scale: 1, mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225])
}

/// One frozen 3×3 convolution: weights (outChannels, inChannels, 3, 3) row-major (OIHW), bias.
public struct ConvWeights: Sendable {
    public let inChannels: Int
    public let outChannels: Int
    public let weight: [Float]
    public let bias: [Float]

    public init(inChannels: Int, outChannels: Int, weight: [Float], bias: [Float]) throws {
        guard inChannels > 0, outChannels > 0, weight.count == outChannels * inChannels * 9,
            bias.count == outChannels
        else {
            throw StyleError.invalidModel(
                "convolution weights do not match \(outChannels)×\(inChannels)×3×3 (+\(outChannels) biases)")
        }
        guard weight.allSatisfy(\.isFinite), bias.allSatisfy(\.isFinite) else {
            throw StyleError.invalidModel("convolution weights contain NaN or infinity")
        }
        self.inChannels = inChannels
        self.outChannels = outChannels
        self.weight = weight
        self.bias = bias
    }
}

/// A loaded network: its topology, its input convention and the weights of every conv layer
/// (keyed by the paper's names, conv1_1 …). Immutable and shareable between threads.
public final class StyleModel: Sendable {
    public let architecture: VGGArchitecture
    public let convention: InputConvention
    public let layers: [String: ConvWeights]
    /// Free-form metadata from the model file (source, licence, attribution, …).
    public let metadata: [String: String]

    /// Bytes of every conv layer's weights and biases.
    public var weightBytes: Int {
        layers.values.reduce(0) { $0 + ($1.weight.count + $1.bias.count) * MemoryLayout<Float>.size }
    }

    /// Checks that every conv of the topology is present with the right shape.
    public init(
        architecture: VGGArchitecture, convention: InputConvention,
        layers: [String: ConvWeights], metadata: [String: String] = [:]
    ) throws {
        for spec in architecture.convLayers {
            guard let w = layers[spec.name] else {
                throw StyleError.invalidModel("model has no weights for \(spec.name) of \(architecture.rawValue)")
            }
            guard w.inChannels == spec.inChannels, w.outChannels == spec.outChannels else {
                throw StyleError.invalidModel(
                    "\(spec.name) is \(w.outChannels)×\(w.inChannels), \(architecture.rawValue) needs \(spec.outChannels)×\(spec.inChannels)"
                )
            }
        }
        guard convention.mean.count == 3, convention.std.count == 3,
            convention.std.allSatisfy({ $0.isFinite && $0 > 0 }),
            convention.mean.allSatisfy(\.isFinite), convention.scale.isFinite, convention.scale > 0
        else {
            throw StyleError.invalidModel("model's input convention is malformed")
        }
        self.architecture = architecture
        self.convention = convention
        self.layers = layers
        self.metadata = metadata
    }
}
