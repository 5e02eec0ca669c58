import ArgumentParser
import StyleKernel

/// `stylize model …`: model file tools.
struct ModelCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "model",
        abstract: "Model file tools.",
        subcommands: [ModelImportCommand.self])
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
        if !quiet { StandardError.line("stylize: wrote '\(output)': \(summary)") }
    }
}
