import ArgumentParser
import StyleKernel

/// The default command: `stylize CONTENT -s STYLE [-s STYLE …] -o OUTPUT [options]`.
/// Every default shown in --help is read from `StyleOptions()`, the engine's own defaults.
struct StylizeImageCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Repaint CONTENT in the style of the STYLE images (the default command).",
        usage: "stylize CONTENT -s STYLE [-s STYLE ...] -o OUTPUT [<options>]",
        discussion: """
            Images: any format ImageMagick reads or writes; a prefix names the format \
            (png:out.dat); '-' (or ppm:-, png:-, …) is standard input or output. The output keeps \
            the content image's alpha, depth (16-bit in, 16-bit out where the format holds it), \
            profiles (ICC, EXIF, …) and comment. A content image of several frames (an animation, \
            a multi-page file) is refused: name one frame, e.g. anim.gif[0], or stylize every \
            frame with the ImageMagick filter module; a style image's first frame is used. A \
            regular output file (or a symlink's target) is replaced only when complete; devices, \
            FIFOs and /dev/stdout are written in place. Standard input and pipes are read up to \
            \(NumberFormat.bytes(FileDescriptorIO.maximumStreamBytes)).

            Intermediate results (--save-every N) are written next to the output with the \
            iteration count before the extension: out.png → out.iter0100.png, out.iter0200.png, …

            The model is found in this order: --model, $STYLEFILTER_MODEL, the installed one \
            (../share/stylefilter/ beside this command's directory), the user cache \
            (~/.cache/stylefilter/, filled by 'stylize model fetch'), models/ in a checkout.
            """)

    private static let defaults = StyleOptions()

    @Argument(help: ArgumentHelp("Content image (file, FORMAT:file, or '-' for standard input).", valueName: "content"))
    var content: String

    @Option(name: [.customShort("s"), .customLong("style")],
            help: ArgumentHelp("Style image; repeat for several.", valueName: "style"))
    var styles: [String] = []

    @Option(name: [.customShort("o"), .customLong("output")],
            help: ArgumentHelp("Output image (file, FORMAT:file, or '-' / FORMAT:- for standard output, PNG by default).",
                               valueName: "output"))
    var output: String

    @Option(name: .customLong("style-blend"),
            help: ArgumentHelp("Blend weights of the style images, one per -s (w1,w2,…; normalised). Default: equal.",
                               valueName: "w1,w2,…"))
    var styleBlend: String?

    @Option(parsing: .unconditional, help: ArgumentHelp("Longest side of the result in pixels.", valueName: "N"))
    var size: Int = defaults.size

    @Option(parsing: .unconditional, help: ArgumentHelp("Iterations at each scale.", valueName: "N"))
    var iterations: Int = defaults.iterations

    @Option(help: "Optimiser.")
    var optimizer: StyleOptions.Optimizer = defaults.optimizer

    @Option(parsing: .unconditional, help: ArgumentHelp("Adam's learning rate (in the model's pixel units).", valueName: "X"))
    var lr: Float = defaults.learningRate

    @Option(name: .customLong("content-weight"), parsing: .unconditional,
            help: ArgumentHelp("Weight of the content loss.", valueName: "X"))
    var contentWeight: Float = defaults.contentWeight

    @Option(name: .customLong("style-weight"), parsing: .unconditional,
            help: ArgumentHelp("Weight of the style loss.", valueName: "X"))
    var styleWeight: Float = defaults.styleWeight

    @Option(name: .customLong("tv-weight"), parsing: .unconditional,
            help: ArgumentHelp("Weight of the total-variation loss.", valueName: "X"))
    var tvWeight: Float = defaults.tvWeight

    @Option(name: .customLong("content-layers"),
            help: ArgumentHelp("Content layers.", valueName: "layer,…"))
    var contentLayers: String = defaults.contentLayers.joined(separator: ",")

    @Option(name: .customLong("style-layers"),
            help: ArgumentHelp("Style layers with weights (a layer without :weight weighs 1).",
                               valueName: "layer:weight,…"))
    var styleLayers: String = OptionLists.describe(defaults.styleLayers)

    @Option(help: "Pooling between the blocks of the network.")
    var pooling: StyleOptions.Pooling = defaults.pooling

    @Option(name: .customLong("init"),
            help: ArgumentHelp("Starting image: content, random (seeded noise), or an image file.",
                               valueName: "content|random|PATH"))
    var initialization: String = InitialImage.name(of: defaults.initialization)

    @Option(parsing: .unconditional, help: ArgumentHelp("Seed of the random initialisation.", valueName: "N"))
    var seed: UInt64 = defaults.seed

    @Option(help: ArgumentHelp("Model file (.safetensors). Default: see below.", valueName: "PATH"))
    var model: String?

    @Option(help: "Objective: default (size-independent) or tutorial (the PyTorch tutorials' numbers).")
    var objective: StyleOptions.Objective = defaults.objective

    @Option(parsing: .unconditional, help: ArgumentHelp("Scales of the coarse-to-fine pyramid (1: full size only).", valueName: "N"))
    var scales: Int = defaults.scales

    @Option(parsing: .unconditional, help: ArgumentHelp("Threads (0: all cores).", valueName: "N"))
    var threads: Int = defaults.threads

    @Option(help: ArgumentHelp("Write a JSON report (loss terms, iterations, timing, model, size) to FILE, "
                               + "only together with the output (FILE is checked before the run).",
                               valueName: "FILE"))
    var report: String?

    @Flag(help: "Show progress on standard error (scale, iteration, loss terms, elapsed time, ETA).")
    var progress = false

    @Option(name: .customLong("save-every"),
            parsing: .unconditional,
            help: ArgumentHelp("Every N iterations, save the current image next to the output as OUTPUT-NAME.iterNNNN.EXT.",
                               valueName: "N"))
    var saveEvery: Int?

    @Flag(help: "Print nothing but errors (overrides --progress).")
    var quiet = false

    mutating func validate() throws {
        do {
            _ = try makeSettings()
        } catch let failure as CommandFailure {
            throw ValidationError(failure.message)
        }
    }

    func run() throws {
        try StylizationRun(settings: makeSettings()).run()
    }
}

extension StyleOptions.Optimizer: ExpressibleByArgument {}
extension StyleOptions.Pooling: ExpressibleByArgument {}
extension StyleOptions.Objective: ExpressibleByArgument {}
