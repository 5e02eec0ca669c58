import StyleKernel

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// A run from checked settings: one content, or a batch of them in one style (a sequence of
/// frames is `SequenceRun`'s). In the order that keeps failures cheap:
/// 1. paths (inputs readable, outputs and reports writable, output formats encodable, no output
/// an input — any content of the batch — or another output, no snapshot name an input or output;
/// `RunOutputs`), all before the first image is read;
/// 2. for each content: the content read; at the first, the styles, masks and start image read
/// and the model located, loaded and checked against the layers asked for (`SharedInputs`,
/// once for the batch); the engine runs (progress, snapshots); the image and the report staged,
/// then committed as a pair (`OutputFile.commitPair`).
/// In a batch, a content that fails is reported and the others go on; the run then fails naming
/// it. What all contents share failing (a style, the model) stops the batch. A lone content found
/// to hold several frames, once read, is a sequence: `SequenceRun` checks its outputs anew.
struct CommandRun {
    let settings: StylizeSettings

    func run() throws {
        let s = settings
        let contents = try ContentList.expand(s.contents)
        if s.output.isSequence(contentCount: contents.count, sequenceFlag: s.sequence) {
            try SequenceRun(settings: s, contents: contents).run()
            return
        }
        let jobs = try StylizeJob.jobs(for: s, contents: contents)
        let batch = jobs.count > 1
        // A lone content is checked first, as it always was; a batch's at its turn.
        if !batch { try InputCheck.checkReadable(jobs[0].content, what: "content image") }
        for (location, what) in s.sharedInputs { try InputCheck.checkReadable(location, what: what) }
        let inputs = jobs.map {
            ($0.content, batch ? "content image '\($0.content.spec)' of this run" : "content image")
        }
        var outputs: [RunOutputs] = []
        for job in jobs {
            let checked = try job.checkOutputs(s, inputs: inputs + s.sharedInputs)
            if let other = outputs.firstIndex(where: { $0.sameImage(as: checked) }) {
                throw CommandFailure(
                    "'\(jobs[other].content.spec)' and '\(job.content.spec)' would both be written to "
                        + "'\(job.output.spec)': give -o a pattern that tells them apart (%f, %d)")
            }
            outputs.append(checked)
        }

        // Each image is pinged and refused before decoding if it would not fit --max-memory;
        // damaged files are refused unless --accept-damaged.
        let limits = ReadLimits(maxMemory: s.options.maxMemory, acceptDamaged: s.acceptDamaged)
        var shared: SharedInputs?
        guard batch else {
            // A content of several frames (an animation, a multi-page file) is a sequence.
            let frames = try FrameReader.open(jobs[0].content, limits: limits)
            if frames.count > 1 {
                try SequenceRun(settings: s, contents: contents, frames: frames).run()
                return
            }
            do {
                try stylize(jobs[0], content: frames.next(), outputs: outputs[0], shared: &shared, batch: nil)
            } catch let failure as SharedInputs.Failure {
                throw failure.error
            }
            return
        }
        var progress = BatchProgress(count: jobs.count)
        var failed: [String] = []
        for (i, job) in jobs.enumerated() {
            if !s.quiet { StandardError.line("stylize: [\(i + 1)/\(jobs.count)] '\(job.content.spec)'") }
            progress.start(i)
            do {
                try InputCheck.checkReadable(job.content, what: "content image")
                let content = try MagickImageReader.read(job.content, limits: limits)
                try content.requireSingleFrame(job.content.spec, inBatch: true)
                try stylize(job, content: content, outputs: outputs[i], shared: &shared, batch: progress)
            } catch let stop as SharedInputs.Failure {
                throw stop.error
            } catch {
                failed.append(job.content.spec)
                StandardError.line(
                    "stylize: error: '\(job.content.spec)': " + StylizeCommand.oneLine(StylizeCommand.text(of: error)))
            }
            progress.finish()
        }
        guard failed.isEmpty else {
            throw CommandFailure(
                "\(failed.count) of \(jobs.count) contents failed (\(failed.map { "'\($0)'" }.joined(separator: ", "))); "
                    + "the other results were written")
        }
        if !s.quiet {
            StandardError.line("stylize: wrote \(jobs.count) images in \(NumberFormat.duration(progress.elapsed))")
        }
    }

    /// One content, read: stylized with the shared inputs (read at the first content that gets
    /// this far), written with its report.
    private func stylize(
        _ job: StylizeJob, content: DecodedImage, outputs: RunOutputs, shared: inout SharedInputs?,
        batch: BatchProgress?
    ) throws {
        let s = settings
        let limits = ReadLimits(maxMemory: s.options.maxMemory, acceptDamaged: s.acceptDamaged)
        if shared == nil { shared = try SharedInputs.load(s, limits: limits) }
        let inputs = shared!
        let masks = try inputs.regionMasks(for: content.image)
        var options = s.options
        if let start = inputs.initial { options.initialization = .image(start) }

        let display = s.showProgress ? ProgressDisplay(isTerminal: StandardError.isTerminal, batch: batch) : nil
        let snapshots =
            s.saveEvery > 0
            ? SnapshotWriter(
                output: job.output, alpha: content.alpha, metadata: content.metadata,
                protected: outputs.protected, quiet: s.quiet) : nil
        let result = try inputs.engine.stylize(
            content: content.image, styles: inputs.styles, masks: masks, options: options,
            snapshotEvery: s.saveEvery,
            progress: { event, image in
                display?.show(event)
                if let image { snapshots?.save(image, completed: event.completed, planned: event.planned) }
                return true
            })
        display?.finish()

        // Both complete in temporary files first, then renamed together (the report last): an
        // image that cannot be written leaves no report, and a signal cannot fall between the two.
        let image = try MagickImageWriter.prepare(
            result.image, alpha: content.alpha, metadata: content.metadata, to: job.output)
        var report: PendingOutput?
        if let path = job.report, let target = outputs.report {
            report = try RunReport(result: result, model: inputs.modelPath).prepare(to: target, shownAs: path)
        }
        try OutputFile.commitPair(image: image, report: report)
        if !s.quiet {
            let destination = job.output.isStandardStream ? "standard output" : "'\(job.output.spec)'"
            StandardError.line(
                "stylize: wrote \(destination) (\(result.image.width)×\(result.image.height), "
                    + "\(result.iterations) iteration\(result.iterations == 1 ? "" : "s"), "
                    + "\(NumberFormat.duration(result.seconds)))" + (batch?.writtenText() ?? ""))
        }
    }
}

/// What every content of a run shares, read and loaded once: the style images, the masks, the
/// start image, and the model with its engine (whose style Grams are kept between contents).
struct SharedInputs {
    let styles: [PlanarImage]
    let masks: [(ImageLocation, DecodedImage)]
    let initial: PlanarImage?
    let engine: StyleEngine
    let modelPath: String

    /// The `--mask` images as the engine's region masks, each checked against the content's
    /// proportions.
    func regionMasks(for content: PlanarImage) throws -> [RegionMask] {
        try masks.map { location, mask -> RegionMask in
            try RegionMask.checkShape(
                width: mask.image.width, height: mask.image.height,
                contentWidth: content.width, contentHeight: content.height,
                what: "--mask '\(location.spec)'")
            return try RegionMask(mask.image, alpha: mask.alpha?.values)
        }
    }

    /// A failure of what all contents share: it stops a batch.
    struct Failure: Error {
        let error: Error
    }

    static func load(_ s: StylizeSettings, limits: ReadLimits) throws -> SharedInputs {
        do {
            let styles = try s.styles.map { try MagickImageReader.read($0, limits: limits).image }
            let masks = try s.masks.map { location -> (ImageLocation, DecodedImage) in
                let mask = try MagickImageReader.read(location, limits: limits)
                try mask.requireSingleFrame(location.spec)
                return (location, mask)
            }
            var initial: PlanarImage?
            if case .image(let location) = s.initial {
                initial = try MagickImageReader.read(location, limits: limits).image
            }
            let modelPath = try ModelLocator.locate(explicit: s.model)
            let model = try StyleModel.load(path: modelPath)
            try checkLayers(s.options, against: model.architecture, styleCount: styles.count)
            return SharedInputs(
                styles: styles, masks: masks, initial: initial, engine: StyleEngine(model: model),
                modelPath: modelPath)
        } catch {
            throw Failure(error: error)
        }
    }

    /// The layers were checked against VGG19's names before; now against the loaded network.
    private static func checkLayers(_ options: StyleOptions, against architecture: VGGArchitecture, styleCount: Int)
        throws
    {
        let names = architecture.layerNames
        for layer in options.contentLayers + options.styleLayers.map(\.name) where !names.contains(layer) {
            throw CommandFailure(
                "layer '\(layer)' is not in the model's network (\(architecture.rawValue): "
                    + "\(names.joined(separator: ", ")))")
        }
        try options.validate(for: architecture, styleCount: styleCount)
    }
}

/// Input locations checked before anything is read.
enum InputCheck {
    /// Files must exist and be readable. Standard input, and a `FORMAT:` prefix without an
    /// existing file (built-in images such as `rose:` or `gradient:red-blue`), are left to
    /// ImageMagick. A frame or size suffix (`anim.gif[0]`) is allowed on an existing file.
    static func checkReadable(_ location: ImageLocation, what: String) throws {
        if location.isStandardStream {
            // Else it would read /dev/null (StandardDescriptors) and call that a bad image.
            guard !StandardDescriptors.closedAtStart.contains(0) else {
                throw StyleError.io("\(what) '\(location.spec)': standard input was closed when stylize started")
            }
            return
        }
        let path = location.path
        if location.format != nil && (path.isEmpty || !FileChecks.exists(path)) { return }
        if !FileChecks.exists(path), path.hasSuffix("]"), let open = path.lastIndex(of: "["),
            FileChecks.exists(String(path[..<open]))
        {
            try FileChecks.checkReadable(String(path[..<open]), what: what)
            return
        }
        try FileChecks.checkReadable(path, what: what)
    }
}
