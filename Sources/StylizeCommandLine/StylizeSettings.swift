import StyleKernel

/// `--init`: where the optimisation starts — one of the option table's start images (content,
/// random, …), which the table sets, or any other value: an image file to read.
enum InitialImage: Equatable {
    case named(String)
    case image(ImageLocation)

    static var words: [String] { OptionTable.spec(named: "init")?.choices ?? [] }

    init(_ text: String) {
        // Exactly a word, as the table (and the ImageMagick module) take it; anything else is a file.
        self = Self.words.contains(text) ? .named(text) : .image(ImageLocation(text))
    }

    /// How errors name an --init value read as a file: a mistyped start word reads as a missing
    /// file, so the message lists the words too.
    static var fileRole: String { "--init image (or one of \(words.joined(separator: ", ")))" }
}

/// Everything one `stylize` run was told, checked: the parsed command line turned into
/// locations and engine options. Built by `validate()` (so bad values fail before any work) and
/// again by `run()`.
struct StylizeSettings {
    /// The contents as given: files, FORMAT:file, `-`, directories, globs (`ContentList` expands
    /// them when the run starts).
    var contents: [String]
    var styles: [ImageLocation]
    /// One region mask per style (`--mask`), or none.
    var masks: [ImageLocation]
    /// `-o` or `-O`: each content's output (`StylizeJob`).
    var output: OutputNaming
    var initial: InitialImage
    /// The engine's options; an `--init` image is read later (`initialization` is then the
    /// default here).
    var options: StyleOptions
    var model: String?
    /// `--report`: a name, or for several contents a pattern like `-o`'s.
    var report: String?
    var saveEvery: Int
    /// `--accept-damaged`: use what ImageMagick made of a damaged image instead of refusing it.
    var acceptDamaged: Bool
    var showProgress: Bool
    var quiet: Bool
    /// `--sequence`: the contents are the frames of one sequence, not a batch.
    var sequence = false

    /// The images every content shares (styles, masks, a start image), with their roles.
    var sharedInputs: [(ImageLocation, String)] {
        var inputs = styles.map { ($0, "style image") } + masks.map { ($0, "--mask image") }
        if case .image(let location) = initial { inputs.append((location, InitialImage.fileRole)) }
        return inputs
    }
}

extension RunCommand {
    /// Checks every value that can be checked without reading an image, and builds the settings:
    /// a style's name becomes its image in the style library, whose options file's settings come
    /// before the command line's (which override them).
    func makeSettings() throws -> StylizeSettings {
        var o = StyleOptions()
        guard !styles.isEmpty else { throw CommandFailure("no style image: give one or more with -s STYLE") }
        if let saveEvery, saveEvery <= 0 {
            throw CommandFailure("--save-every must be at least 1 (got \(saveEvery))")
        }
        let library = StyleLibrary.standard()
        let resolved = try styles.map(library.resolve)
        // Several named styles: their options files in the order of -s, a later one's value winning.
        for style in resolved.compactMap(\.style) {
            try StyleLibrary.recommendation(of: style).apply(to: &o)
        }
        let given = try EngineOptionFlags.values(engineOptions)
        let initial = given["init"].map(InitialImage.init) ?? .named(OptionTable.spec(named: "init")?.defaultText ?? "")
        for spec in OptionTable.all {
            guard let value = given[spec.name] else { continue }
            // An --init image is read later; the table knows only the named start images.
            if spec.name == "init", case .image = initial { continue }
            do {
                try spec.set(value, in: &o)
            } catch {
                throw CommandFailure("--" + error.description)
            }
        }
        guard masks.isEmpty || masks.count == styles.count else {
            throw CommandFailure(
                "--mask: \(masks.count) mask\(masks.count == 1 ? "" : "s") for \(styles.count) style image\(styles.count == 1 ? "" : "s"); give one --mask per -s, in the same order"
            )
        }
        if let styleBlend {
            o.styleBlend = try OptionLists.styleBlend(styleBlend, styleCount: styles.count)
        }

        // The engine's own limits (size, scales, threads, …), against the largest network's layers;
        // the loaded model's network is checked again after loading.
        do {
            try o.validate(for: .vgg19, styleCount: styles.count)
        } catch let error as StyleError {
            throw CommandFailure(error.description)
        }

        guard !contents.isEmpty else { throw CommandFailure("no content image: give the image to repaint") }
        let output: OutputNaming
        switch (self.output, outputDirectory) {
        case (let name?, nil): output = .name(name)
        case (nil, let directory?): output = .directory(directory)
        case (nil, nil):
            throw CommandFailure("no output: give -o OUTPUT (or -O DIR for several content images)")
        case (_?, _?): throw CommandFailure("give -o OUTPUT or -O DIR, not both")
        }
        try output.check(contentCount: contents.count, report: report, sequence: sequence)
        if case .name(let name) = output, ImageLocation(name).isStandardStream, saveEvery != nil {
            throw CommandFailure("--save-every needs an output file to save next to, not standard output")
        }
        let styleImages = resolved.map { ImageLocation($0.image) }
        var inputs = contents.map(ImageLocation.init) + styleImages + masks.map(ImageLocation.init)
        if case .image(let location) = initial { inputs.append(location) }
        guard inputs.filter(\.isStandardStream).count <= 1 else {
            throw CommandFailure("only one image can be read from standard input ('-')")
        }
        for location in inputs + [ImageLocation(output.given)] where location.path.isEmpty && location.format == nil {
            throw CommandFailure("an image name is empty")
        }
        if let report, report.isEmpty { throw CommandFailure("--report needs a file name") }
        return StylizeSettings(
            contents: contents, styles: styleImages,
            masks: masks.map(ImageLocation.init), output: output,
            initial: initial, options: o, model: model, report: report, saveEvery: saveEvery ?? 0,
            acceptDamaged: acceptDamaged, showProgress: progress && !quiet, quiet: quiet, sequence: sequence)
    }
}
