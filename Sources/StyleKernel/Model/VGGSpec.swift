/// The VGG topologies (Simonyan & Zisserman 2014) with the Gatys paper's layer names.
/// Every conv is 3×3, stride 1, pad 1, followed by a ReLU; each block ends with 2×2 pooling.
public enum VGGArchitecture: String, Sendable, CaseIterable {
    case vgg16, vgg19

    /// Convolutions per block (5 blocks).
    public var convsPerBlock: [Int] {
        switch self {
        case .vgg16: return [2, 2, 3, 3, 3]
        case .vgg19: return [2, 2, 4, 4, 4]
        }
    }

    /// Output channels of every conv in block b (0-based).
    static let blockChannels = [64, 128, 256, 512, 512]

    /// All conv layers in order: name (`conv{block}_{index}`), input and output channels.
    public var convLayers: [(name: String, inChannels: Int, outChannels: Int)] {
        var layers: [(String, Int, Int)] = []
        var cin = 3
        for (b, n) in convsPerBlock.enumerated() {
            let cout = Self.blockChannels[b]
            for c in 1...n {
                layers.append(("conv\(b + 1)_\(c)", cin, cout))
                cin = cout
            }
        }
        return layers
    }

    /// Names users may ask for as content or style layers (a conv's output after its ReLU).
    public var layerNames: [String] { convLayers.map(\.name) }
}
