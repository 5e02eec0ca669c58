/// stylefilter's model file: safetensors with, for every conv of the architecture,
/// `convB_C.weight` (Cout, Cin, 3, 3) OIHW F32 and `convB_C.bias` (Cout), and metadata:
///   stylefilter.format = "1", architecture = "vgg16" | "vgg19",
///   input.order = "bgr" | "rgb", input.scale (e.g. "255"),
///   input.mean / input.std = three comma-separated numbers in the model's channel order,
///   plus free text: source, license, attribution.
extension StyleModel {
    /// The value of `stylefilter.format` this version reads and writes.
    public static let fileFormatVersion = "1"

    /// Metadata keys that describe the network and are written by `save(path:)` itself.
    static let structuralKeys: Set<String> = [
        "stylefilter.format", "architecture", "input.order", "input.scale", "input.mean", "input.std"
    ]

    /// Loads and validates a stylefilter model file.
    public static func load(path: String) throws -> StyleModel {
        // The tensors as read and the checked copies the model keeps: twice the file's size at
        // the peak. Refused here, before either is made (a failed allocation would trap the host).
        if let size = FileIO.fileSize(path) {
            try MemoryEstimate.require(
                resident: 2 * size, what: "loading the model '\(path)'",
                hint: "free memory, or raise the process's memory limit")
        }
        let file = try SafeTensors.read(path: path)
        return try fromSafeTensors(file, path: path)
    }

    static func fromSafeTensors(_ file: SafeTensors.File, path: String) throws -> StyleModel {
        let md = file.metadata
        func bad(_ what: String) -> StyleError {
            .invalidModel("not a usable stylefilter model (\(what)); re-create it with `stylize model import`: \(path)")
        }
        guard let format = md["stylefilter.format"] else { throw bad("metadata has no stylefilter.format") }
        guard format == fileFormatVersion else {
            throw bad("stylefilter.format is \"\(format)\"; this version reads format \(fileFormatVersion)")
        }
        guard let archName = md["architecture"] else { throw bad("metadata has no architecture") }
        guard let arch = VGGArchitecture(rawValue: archName) else {
            throw bad(
                "unknown architecture \"\(archName)\"; expected one of \(VGGArchitecture.allCases.map(\.rawValue).joined(separator: ", "))"
            )
        }
        let convention = try parseConvention(md, bad: bad)

        var layers: [String: ConvWeights] = [:]
        for spec in arch.convLayers {
            guard let w = file.tensors[spec.name + ".weight"] else { throw bad("no tensor \(spec.name).weight") }
            guard let b = file.tensors[spec.name + ".bias"] else { throw bad("no tensor \(spec.name).bias") }
            let wantW = [spec.outChannels, spec.inChannels, 3, 3]
            guard w.shape == wantW else {
                throw bad("\(spec.name).weight has shape \(w.shape), \(arch.rawValue) needs \(wantW)")
            }
            guard b.shape == [spec.outChannels] else {
                throw bad("\(spec.name).bias has shape \(b.shape), \(arch.rawValue) needs [\(spec.outChannels)]")
            }
            do {
                layers[spec.name] = try ConvWeights(
                    inChannels: spec.inChannels, outChannels: spec.outChannels,
                    weight: w.values, bias: b.values)
            } catch StyleError.invalidModel(let m) {
                throw bad("\(spec.name): \(m)")
            }
        }
        let extra = md.filter { !structuralKeys.contains($0.key) }
        do {
            return try StyleModel(architecture: arch, convention: convention, layers: layers, metadata: extra)
        } catch StyleError.invalidModel(let m) {
            throw bad(m)
        }
    }

    static func parseConvention(_ md: [String: String], bad: (String) -> StyleError) throws -> InputConvention {
        guard let orderText = md["input.order"] else { throw bad("metadata has no input.order") }
        guard let order = InputConvention.ChannelOrder(rawValue: orderText) else {
            throw bad("input.order is \"\(orderText)\"; expected bgr or rgb")
        }
        guard let scaleText = md["input.scale"] else { throw bad("metadata has no input.scale") }
        guard let scale = Float(scaleText.trimmingSpaces()), scale.isFinite, scale > 0 else {
            throw bad("input.scale \"\(scaleText)\" is not a positive number")
        }
        func triple(_ key: String, positive: Bool) throws -> [Float] {
            guard let text = md[key] else { throw bad("metadata has no \(key)") }
            let parts = text.split(separator: ",", omittingEmptySubsequences: false).map { Float($0.trimmingSpaces()) }
            guard parts.count == 3, parts.allSatisfy({ $0 != nil && $0!.isFinite && (!positive || $0! > 0) }) else {
                throw bad("\(key) \"\(text)\" is not three comma-separated \(positive ? "positive " : "")numbers")
            }
            return parts.map { $0! }
        }
        return InputConvention(
            order: order, scale: scale,
            mean: try triple("input.mean", positive: false),
            std: try triple("input.std", positive: true))
    }

    /// The metadata `save(path:)` writes: the structural keys plus this model's free-text metadata.
    public var fileMetadata: [String: String] {
        var md = metadata.filter { !Self.structuralKeys.contains($0.key) }
        md["stylefilter.format"] = Self.fileFormatVersion
        md["architecture"] = architecture.rawValue
        md["input.order"] = convention.order.rawValue
        md["input.scale"] = Self.formatNumber(convention.scale)
        md["input.mean"] = convention.mean.map(Self.formatNumber).joined(separator: ",")
        md["input.std"] = convention.std.map(Self.formatNumber).joined(separator: ",")
        return md
    }

    /// "255" rather than "255.0"; otherwise the shortest text that reads back to the same Float.
    static func formatNumber(_ x: Float) -> String {
        if x == x.rounded(), abs(x) < 1e7 { return String(Int(x)) }
        return "\(x)"
    }

    /// Writes this model as a stylefilter model file, atomically (temporary file + rename).
    public func save(path: String) throws {
        var tensors: [(name: String, tensor: SafeTensors.Tensor)] = []
        for spec in architecture.convLayers {
            guard let w = layers[spec.name] else { continue }  // init guarantees presence
            tensors.append(
                (
                    spec.name + ".weight",
                    SafeTensors.Tensor(shape: [w.outChannels, w.inChannels, 3, 3], values: w.weight)
                ))
            tensors.append((spec.name + ".bias", SafeTensors.Tensor(shape: [w.outChannels], values: w.bias)))
        }
        try SafeTensors.write(path: path, tensors: tensors, metadata: fileMetadata)
    }
}
