import ArgumentParser
import StyleKernel

/// `stylize copy IN OUT [--size N]` (hidden): reads and writes an image through exactly the
/// command's image I/O — formats, prefixes, standard streams, alpha, depth, metadata, frames,
/// atomic output — without the engine. For tests and for checking what ImageMagick makes of a file.
struct ImageCopyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "copy",
        abstract: "Read an image and write it back through stylize's image I/O (no stylization).",
        shouldDisplay: false)

    @Argument(help: "Input image.") var input: String
    @Argument(help: "Output image.") var output: String
    @Option(help: ArgumentHelp("Resize so the longest side is N (colours and alpha).", valueName: "N"))
    var size: Int?

    func run() throws {
        if let size, size <= 0 { throw CommandFailure("--size must be at least 1 (got \(size))") }
        let source = ImageLocation(input), destination = ImageLocation(output)
        try InputCheck.checkReadable(source, what: "input image")
        try MagickImageWriter.checkWritable(destination)
        let decoded = try MagickImageReader.read(source)
        try decoded.requireSingleFrame(source.spec)
        var image = decoded.image
        if let size {
            // The engine's resize, as `stylize` resizes a content (the alpha follows in the writer).
            let fitted = Resample.fit(width: image.width, height: image.height, longest: size)
            image = try Resample.resize(image, width: fitted.width, height: fitted.height)
        }
        try MagickImageWriter.write(image, alpha: decoded.alpha, metadata: decoded.metadata, to: destination)
    }
}
