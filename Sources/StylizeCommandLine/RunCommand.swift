import ArgumentParser
import StyleKernel

/// The default command: `stylize CONTENT -s STYLE [-s STYLE …] -o OUTPUT [options]`.
/// Every default shown in --help is read from `StyleOptions()`, the engine's own defaults.
struct RunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Repaint CONTENT in the style of the STYLE images (the default command).",
        usage: "stylize CONTENT... -s STYLE [-s STYLE ...] -o OUTPUT [<options>]",
        discussion: """
            Images: any format ImageMagick reads or writes; a prefix names the format \
            (png:out.dat); '-' (or ppm:-, png:-, …) is standard input or output. The output keeps \
            the content image's alpha, depth (16-bit in, 16-bit out where the format holds it), \
            profiles (ICC, EXIF, …) and comment. A content image of several frames (an animation, \
            a multi-page file) is a sequence (below; name one frame, e.g. anim.gif[0], for one \
            picture); a style image's first frame is used. A \
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

            Several content images (files, directories — the images in them — or globs) are one \
            batch: the model and the style are loaded once, each content gets its own output, named \
            by -o with %f (the content's file name without its extension), %e (its extension), %d \
            or %04d (its number in the batch, from 0) and %% (a percent sign) — e.g. -o \
            'out/%f-starry.png' — or by -O DIR (DIR/the content's file name). Every output is \
            checked before the first image is read. A content that fails is reported and the \
            others go on; the exit status is then 1, naming the ones that failed. --report takes \
            the same patterns.

            A sequence is the frames of an animation or a video, stylized in order, each tied to \
            the ones before it by the optical flow (--temporal short, the default, or long; off: \
            each frame on its own) so that the strokes stay where the picture stays instead of \
            flickering. A content of several frames (GIF, APNG, WebP, multi-page TIFF, MIFF) is \
            one, the parts of an animation coalesced first (as convert -coalesce) so that each frame is a whole \
            picture; several contents are one with --sequence, or when -o names one file in a \
            format that holds frames (GIF, WebP, APNG, MNG, TIFF, MIFF, …: what ImageMagick \
            writes as several frames). Every frame must have the first one's size: a list with \
            a frame of another size is refused before any work, naming that frame. -o one file \
            that holds frames gets them all, in order, written when the last is done (an \
            animation keeps its delays, loop count and disposal; a list of files plays at 25 \
            frames a second, -delay 4, and loops forever); -o with %d (counting frames from 0) or \
            %f (a list's file names), or -O DIR for a list, writes a file a frame as each is \
            done, each one whole. Every output is checked before the first frame is stylized; a \
            failure stops the sequence. --progress shows the frame (frame k of n), its progress \
            and the sequence's ETA; --report writes one JSON with an entry a frame (its loss terms \
            with the temporal term, iterations, seconds). --save-every and --preview on are for \
            single images. Frames are decoded one at a time: a list's files at their turn; a \
            file's frames are read by ImageMagick at once and held in its pixel cache (8 bytes a \
            pixel, on disk beyond --max-memory), each turned into the engine's floats only when \
            its turn comes.

            Intermediate results (--save-every N) are written next to the output with the \
            iteration count before the extension: out.png → out.iter0100.png, out.iter0200.png, …; \
            the run is refused if one of those names is already an input, the output or the \
            report, and a snapshot that would replace one is skipped with a warning.

            A style given by name (-s swirls: no '/', no extension, no FORMAT: prefix, and no \
            file of that name here) is a painting of the style library, with the recommended \
            options of its NAME.options file, which options on the command line override. \
            'stylize styles' lists the styles and the folders searched, 'stylize styles --help' \
            says in which order.

            The model is found in this order: --model, $STYLEFILTER_MODEL, the installed one \
            (../share/stylefilter/ beside this command's directory), the user cache \
            (~/.cache/stylefilter/, filled by 'stylize model fetch'), models/ in a checkout.
            """)

    // Every file named on the command line completes as a file (ArgumentParser's completion scripts).
    @Argument(
        help: ArgumentHelp(
            "Content image (file, FORMAT:file, or '-' for standard input); several, a directory or a glob for a batch or a sequence.",
            valueName: "content"),
        completion: .file())
    var contents: [String] = []

    @Option(
        name: [.customShort("s"), .customLong("style")],
        help: ArgumentHelp(
            "Style image, or a style's name (-s swirls; 'stylize styles' lists them); repeat for several.",
            valueName: "style"), completion: .file())
    var styles: [String] = []

    @Option(
        name: [.customShort("o"), .customLong("output")],
        help: ArgumentHelp(
            "Output image (file, FORMAT:file, or '-' / FORMAT:- for standard output, PNG by default); a pattern with %f or %d for a batch or a sequence's frames; a format that holds frames (out.gif) for a sequence in one file.",
            valueName: "output"), completion: .file())
    var output: String?

    @Option(
        name: [.customShort("O"), .customLong("output-dir")],
        help: ArgumentHelp(
            "Directory for the results, each named as its content image (an existing directory).",
            valueName: "dir"), completion: .directory)
    var outputDirectory: String?

    @Option(
        name: .customLong("mask"),
        help: ArgumentHelp(
            "Region of a style: white takes it, black none, grey blends; once per -s, in their order. Where no mask covers, the content is kept.",
            valueName: "mask"), completion: .file())
    var masks: [String] = []

    @Option(
        name: .customLong("style-blend"),
        help: ArgumentHelp(
            "Blend weights of the style images, one per -s (w1,w2,…; normalised). Default: equal.",
            valueName: "w1,w2,…"))
    var styleBlend: String?

    // The engine's options: the option table's rows, carried here by EngineOptionFlags (each
    // `--NAME VALUE` of a row becomes `--engine-option NAME=VALUE`); listed in --help by StylizeCommand.
    @Option(
        name: .customLong(EngineOptionFlags.carrier), parsing: .unconditionalSingleValue,
        help: ArgumentHelp(visibility: .private))
    var engineOptions: [String] = []

    @Option(
        help: ArgumentHelp("Model file (.safetensors). Default: see below.", valueName: "PATH"),
        completion: .file(extensions: ["safetensors"]))
    var model: String?

    @Option(
        help: ArgumentHelp(
            "Write a JSON report (loss terms, iterations, timing, model, size) to FILE "
                + "('-': standard output), only together with the output (FILE is checked before the run).",
            valueName: "FILE"), completion: .file())
    var report: String?

    @Flag(help: "Show progress on standard error (scale, iteration, loss terms, elapsed time, ETA).")
    var progress = false

    @Option(
        name: .customLong("save-every"),
        parsing: .unconditional,
        help: ArgumentHelp(
            "Every N iterations, save the current image next to the output as OUTPUT-NAME.iterNNNN.EXT.",
            valueName: "N"))
    var saveEvery: Int?

    // A command option, not an engine option: which contents make one sequence is the command's.
    @Flag(
        help: ArgumentHelp(
            "Stylize several contents as the frames of one sequence (a video's frames, in order), each tied to the ones before it (--temporal), not as a batch."
        ))
    var sequence = false

    @Flag(help: "Print nothing but errors (overrides --progress).")
    var quiet = false

    // An I/O option, not an engine option (the engine never sees files): not in the option table.
    @Flag(
        name: .customLong("accept-damaged"),
        help:
            "Use what ImageMagick can read of a damaged image (a truncated JPEG's missing part is grey) instead of refusing it."
    )
    var acceptDamaged = false

    mutating func validate() throws {
        do {
            _ = try makeSettings()
        } catch let failure as CommandFailure {
            throw ValidationError(failure.message)
        }
    }

    func run() throws {
        try CommandRun(settings: makeSettings()).run()
    }
}
