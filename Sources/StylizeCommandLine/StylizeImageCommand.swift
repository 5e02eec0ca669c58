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
            damaged image (a truncated JPEG, a PNG whose data does not match its header) is an \
            error naming the file and ImageMagick's reason, unless --accept-damaged. Every image \
            is measured before it is decoded: one whose decode would need more than --max-memory \
            (about \(PingedImage.cacheBytesPerPixel + PingedImage.planeBytesPerPixel) bytes a pixel) is refused; resize it first or raise --max-memory. A \
            regular output file (or a symlink's target) is replaced only when complete; devices, \
            FIFOs and /dev/stdout are written in place. A file you could not open for writing is \
            not replaced (as with convert); another user's file you may write is written in \
            place, keeping its owner. No output may be an input or the other output (compared as \
            files, through symlinks and hard links). --report - is standard output, unless the \
            image goes there. The image and the report are renamed together, the report last, \
            with SIGINT, SIGTERM and SIGHUP held back in between. Standard input and pipes are \
            read up to \(NumberFormat.bytes(FileDescriptorIO.maximumStreamBytes)).

            Intermediate results (--save-every N) are written next to the output with the \
            iteration count before the extension: out.png → out.iter0100.png, out.iter0200.png, …; \
            the run is refused if one of those names is already an input, the output or the \
            report, and a snapshot that would replace one is skipped with a warning.

            The model is found in this order: --model, $STYLEFILTER_MODEL, the installed one \
            (../share/stylefilter/ beside this command's directory), the user cache \
            (~/.cache/stylefilter/, filled by 'stylize model fetch'), models/ in a checkout.
            """)

    /// An option table row's help for ArgumentParser (a name missing from the table shows as
    /// such in --help and fails HelpTests; it does not stop the command).
    static func help(_ name: String) -> ArgumentHelp {
        guard let spec = OptionTable.spec(named: name) else { return ArgumentHelp("(not in the option table)") }
        return ArgumentHelp(spec.help, valueName: spec.valueName)
    }

    static func defaultText(_ name: String) -> String { OptionTable.spec(named: name)?.defaultText ?? "" }

    /// The values of the options that are OptionTable rows, by name (parsed in makeSettings).
    var tableValues: [(name: String, value: String)] {
        [("iterations", iterations), ("optimizer", optimizer), ("preconditioner", preconditioner), ("padding", padding), ("lr", lr), ("content-weight", contentWeight),
         ("style-weight", styleWeight), ("tv-weight", tvWeight), ("content-layers", contentLayers),
         ("style-layers", styleLayers), ("style-scale", styleScale), ("colors", colors),
         ("normalize-gradients", normalizeGradients), ("pooling", pooling), ("init", initialization), ("seed", seed),
         ("scales", scales), ("objective", objective), ("size", size), ("work-size", workSize),
         ("max-memory", maxMemory), ("threads", threads)]
    }

    @Argument(help: ArgumentHelp("Content image (file, FORMAT:file, or '-' for standard input).", valueName: "content"))
    var content: String

    @Option(name: [.customShort("s"), .customLong("style")],
            help: ArgumentHelp("Style image; repeat for several.", valueName: "style"))
    var styles: [String] = []

    @Option(name: [.customShort("o"), .customLong("output")],
            help: ArgumentHelp("Output image (file, FORMAT:file, or '-' / FORMAT:- for standard output, PNG by default).",
                               valueName: "output"))
    var output: String

    @Option(name: .customLong("mask"),
            help: ArgumentHelp("Region of a style: white takes it, black none, grey blends; once per -s, in their order. Where no mask covers, the content is kept.",
                               valueName: "mask"))
    var masks: [String] = []

    @Option(name: .customLong("style-blend"),
            help: ArgumentHelp("Blend weights of the style images, one per -s (w1,w2,…; normalised). Default: equal.",
                               valueName: "w1,w2,…"))
    var styleBlend: String?

    // The engine's options: names, help, defaults and parsers are OptionTable's rows (StyleKernel);
    // ArgumentParser needs a static declaration for each, so HelpTests compares them with the table.

    @Option(name: .customLong("size"), parsing: .unconditional, help: Self.help("size"))
    var size: String = Self.defaultText("size")

    @Option(name: .customLong("work-size"), parsing: .unconditional, help: Self.help("work-size"))
    var workSize: String = Self.defaultText("work-size")

    @Option(name: .customLong("max-memory"), parsing: .unconditional, help: Self.help("max-memory"))
    var maxMemory: String = Self.defaultText("max-memory")

    @Option(name: .customLong("iterations"), parsing: .unconditional, help: Self.help("iterations"))
    var iterations: String = Self.defaultText("iterations")

    @Option(name: .customLong("optimizer"), parsing: .unconditional, help: Self.help("optimizer"))
    var optimizer: String = Self.defaultText("optimizer")

    @Option(name: .customLong("preconditioner"), parsing: .unconditional, help: Self.help("preconditioner"))
    var preconditioner: String = Self.defaultText("preconditioner")

    @Option(name: .customLong("padding"), parsing: .unconditional, help: Self.help("padding"))
    var padding: String = Self.defaultText("padding")

    @Option(name: .customLong("lr"), parsing: .unconditional, help: Self.help("lr"))
    var lr: String = Self.defaultText("lr")

    @Option(name: .customLong("content-weight"), parsing: .unconditional, help: Self.help("content-weight"))
    var contentWeight: String = Self.defaultText("content-weight")

    @Option(name: .customLong("style-weight"), parsing: .unconditional, help: Self.help("style-weight"))
    var styleWeight: String = Self.defaultText("style-weight")

    @Option(name: .customLong("tv-weight"), parsing: .unconditional, help: Self.help("tv-weight"))
    var tvWeight: String = Self.defaultText("tv-weight")

    @Option(name: .customLong("content-layers"), parsing: .unconditional, help: Self.help("content-layers"))
    var contentLayers: String = Self.defaultText("content-layers")

    @Option(name: .customLong("style-layers"), parsing: .unconditional, help: Self.help("style-layers"))
    var styleLayers: String = Self.defaultText("style-layers")

    @Option(name: .customLong("style-scale"), parsing: .unconditional, help: Self.help("style-scale"))
    var styleScale: String = Self.defaultText("style-scale")

    @Option(name: .customLong("colors"), parsing: .unconditional, help: Self.help("colors"))
    var colors: String = Self.defaultText("colors")

    @Option(name: .customLong("normalize-gradients"), parsing: .unconditional, help: Self.help("normalize-gradients"))
    var normalizeGradients: String = Self.defaultText("normalize-gradients")

    @Option(name: .customLong("pooling"), parsing: .unconditional, help: Self.help("pooling"))
    var pooling: String = Self.defaultText("pooling")

    @Option(name: .customLong("init"), parsing: .unconditional, help: Self.help("init"))
    var initialization: String = Self.defaultText("init")

    @Option(name: .customLong("seed"), parsing: .unconditional, help: Self.help("seed"))
    var seed: String = Self.defaultText("seed")

    @Option(help: ArgumentHelp("Model file (.safetensors). Default: see below.", valueName: "PATH"))
    var model: String?

    @Option(name: .customLong("objective"), parsing: .unconditional, help: Self.help("objective"))
    var objective: String = Self.defaultText("objective")

    @Option(name: .customLong("scales"), parsing: .unconditional, help: Self.help("scales"))
    var scales: String = Self.defaultText("scales")

    @Option(name: .customLong("threads"), parsing: .unconditional, help: Self.help("threads"))
    var threads: String = Self.defaultText("threads")

    @Option(help: ArgumentHelp("Write a JSON report (loss terms, iterations, timing, model, size) to FILE "
                               + "('-': standard output), only together with the output (FILE is checked before the run).",
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

    // An I/O option, not an engine option (the engine never sees files): not in the option table.
    @Flag(name: .customLong("accept-damaged"),
          help: "Use what ImageMagick can read of a damaged image (a truncated JPEG's missing part is grey) instead of refusing it.")
    var acceptDamaged = false

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
