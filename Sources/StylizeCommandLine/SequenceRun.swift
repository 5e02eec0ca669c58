import StyleKernel

/// Where a sequence's frames come from: the frames of one content (an animation, a multi-page
/// file: `FrameReader`), or one frame from each of several contents, each decoded at its turn.
/// Either way only the frame being stylized is held as the engine's floats.
final class SequenceFrames {
    let count: Int
    /// The content each frame comes from (for `%f`, `-O` and the report).
    let sources: [ImageLocation]
    /// The size every frame must have: the first frame's, from the headers before any work
    /// (nil only when the first is a stream, until it is read).
    private(set) var size: (width: Int, height: Int)?
    private let reader: FrameReader?
    private let limits: ReadLimits
    private var taken = 0

    /// The frames of one content, read (`FrameReader.open`); refused if they differ in size.
    init(content: ImageLocation, reader: FrameReader) throws {
        self.reader = reader
        limits = ReadLimits()
        count = reader.count
        sources = Array(repeating: content, count: reader.count)
        size = reader.sizes[0]
        for (i, frameSize) in reader.sizes.enumerated() where frameSize != reader.sizes[0] {
            throw mismatch(i, frameSize)
        }
    }

    /// One frame from each content: each is pinged now (its decode admitted under the limits,
    /// its frames and size read from its header), so that a content of several frames or of
    /// another size is refused before any work. A stream is checked when it is read.
    init(contents: [ImageLocation], limits: ReadLimits) throws {
        reader = nil
        self.limits = limits
        count = contents.count
        sources = contents
        for (i, content) in contents.enumerated() {
            guard let header = try MagickImageReader.probe(content, limits: limits) else { continue }
            guard header.frames == 1 else { throw Self.severalFrames(content, header.frames) }
            let frameSize = (header.width, header.height)
            if i == 0 { size = frameSize } else if let size, size != frameSize { throw mismatch(i, frameSize) }
        }
    }

    /// The next frame, decoded.
    func next() throws -> DecodedImage {
        let decoded: DecodedImage
        if let reader {
            decoded = try reader.next()
        } else {
            decoded = try MagickImageReader.read(sources[taken], limits: limits)
            guard decoded.frameCount == 1 else { throw Self.severalFrames(sources[taken], decoded.frameCount) }
        }
        // The headers said so already, unless the frame is a stream's or turned sideways on reading.
        let frameSize = (decoded.image.width, decoded.image.height)
        if let size, size != frameSize { throw mismatch(taken, frameSize) }
        if taken == 0 { size = frameSize }
        taken += 1
        return decoded
    }

    /// How long frame `index` shows and how it is disposed of: the content's own (an animation's
    /// delays, disposal), or a list's default (`FrameTiming.listDefault`).
    func timing(_ index: Int, alpha: Bool) -> FrameTiming {
        reader?.timings[index] ?? FrameTiming.listDefault(alpha: alpha)
    }

    /// The animation's loop count (a list's: 0, forever).
    var loop: Int { reader?.loop ?? 0 }

    /// "frame 3 of 'anim.gif'" or "frame 3 ('c.png')", counted from 1.
    func describe(_ index: Int) -> String {
        reader != nil
            ? "frame \(index + 1) of '\(sources[index].spec)'" : "frame \(index + 1) ('\(sources[index].spec)')"
    }

    private func mismatch(_ index: Int, _ frameSize: (width: Int, height: Int)) -> CommandFailure {
        let first = size ?? frameSize
        return CommandFailure(
            "\(describe(index)) is \(frameSize.width)×\(frameSize.height) but \(describe(0)) is "
                + "\(first.width)×\(first.height): every frame of a sequence must have the same size "
                + "(resize them first, e.g. mogrify -resize \(first.width)x\(first.height)! FILES)")
    }

    private static func severalFrames(_ content: ImageLocation, _ frames: Int) -> CommandFailure {
        CommandFailure(
            "'\(content.spec)' has \(frames) frames (an animation or a multi-page file), and a sequence of several "
                + "contents takes one frame from each: name one frame ('\(content.spec)[0]' is the first), or "
                + "stylize '\(content.spec)' on its own (its frames are then the sequence)")
    }
}

/// Where a sequence's frames are written, checked before the first frame is stylized: one
/// file that holds them all (every frame's name the same: `-o out.gif`, or `-O DIR` for one
/// animation), or a file a frame (`-o 'out/%04d.png'`; `-O DIR` for a list of files).
enum SequenceOutput {
    case oneFile(ImageLocation, RunOutputs)
    case perFrame([ImageLocation], [RunOutputs])

    static func check(_ s: StylizeSettings, frames: SequenceFrames) throws -> SequenceOutput {
        let names = frames.sources.enumerated().map { i, source in s.output.location(for: source, index: i) }
        var inputs: [(ImageLocation, String)] = []
        for source in frames.sources where !inputs.contains(where: { $0.0 == source }) {
            inputs.append((source, "content image"))
        }
        inputs += s.sharedInputs
        if names.allSatisfy({ $0 == names[0] }) {
            let location = names[0]
            let format = try MagickImageWriter.format(for: location)
            if frames.count > 1, !MagickImageWriter.holdsFrames(format) {
                throw CommandFailure(
                    "\(frames.count) frames cannot go into one \(format.uppercased()) file ('\(location.spec)'): "
                        + "name a format that holds frames (-o out.gif, out.webp, out.tiff, …) or a file for "
                        + "each frame with %d (-o 'frames/%04d.png')")
            }
            try MagickImageWriter.checkWritable(location)
            return .oneFile(
                location, try RunOutputs.check(output: location, report: s.report, saveEvery: 0, inputs: inputs))
        }
        var checked: [RunOutputs] = []
        for (i, location) in names.enumerated() {
            if let other = names[..<i].firstIndex(of: location) {
                throw collision(frames, other, i, location)
            }
            try MagickImageWriter.checkWritable(location)
            let outputs = try RunOutputs.check(output: location, report: s.report, saveEvery: 0, inputs: inputs)
            if let other = checked.firstIndex(where: { $0.sameImage(as: outputs) }) {
                throw collision(frames, other, i, location)
            }
            checked.append(outputs)
        }
        return .perFrame(names, checked)
    }

    private static func collision(_ frames: SequenceFrames, _ a: Int, _ b: Int, _ location: ImageLocation)
        -> CommandFailure
    {
        CommandFailure(
            "\(frames.describe(a)) and \(frames.describe(b)) would both be written to '\(location.spec)': "
                + "give -o a pattern with %d (-o 'frames/%04d.png'), or one file that holds frames (-o out.gif)")
    }
}

/// A run of a sequence: the frames of an animation, a multi-page file, or a list of files
/// (`--sequence`, or several contents written into one file that holds frames), stylized in
/// order by StyleKernel's `StyleSequence`, each tied to the frames before it by the optical flow
/// (`--temporal`; `off`: each frame on its own). In the order that keeps failures cheap:
/// 1. the settings a sequence cannot take (--save-every, --preview on, a --report pattern);
/// 2. the frames' sizes (a lone content is read whole, several are pinged) and every output
///    (`SequenceOutput`), before the model is loaded;
/// 3. the styles and the model (`SharedInputs`), then each frame: decoded, stylized, written.
///
/// A file a frame is written as each frame is done (each atomically, as any output; the report
/// with the last); one file that holds the frames is encoded and written, with the report, after
/// the last. Any failure stops the sequence (the frames after it would have nothing to continue
/// from); a signal leaves no temporary file, as for a single image.
struct SequenceRun {
    let settings: StylizeSettings
    let contents: [ImageLocation]
    /// A lone content already read and found to hold several frames.
    var frames: FrameReader? = nil

    func run() throws {
        let s = settings
        if s.saveEvery > 0 {
            throw CommandFailure("--save-every is for single images and batches, not the frames of a sequence")
        }
        if s.options.preview == .on {
            throw CommandFailure(
                "--preview on is for single images: preview one frame ('\(contents[0].spec)[0]'), "
                    + "or stylize the sequence without it")
        }
        if let report = s.report, NamePattern.namesEach(report) {
            throw CommandFailure(
                "--report: a sequence has one report, with an entry for each frame: name one file, not a pattern ('\(report)')"
            )
        }
        if frames == nil {
            for content in contents { try InputCheck.checkReadable(content, what: "content image") }
        }
        for (location, what) in s.sharedInputs { try InputCheck.checkReadable(location, what: what) }
        let limits = ReadLimits(maxMemory: s.options.maxMemory, acceptDamaged: s.acceptDamaged)
        let source: SequenceFrames
        if let frames {
            source = try SequenceFrames(content: contents[0], reader: frames)
        } else if contents.count == 1 {
            source = try SequenceFrames(content: contents[0], reader: FrameReader.open(contents[0], limits: limits))
        } else {
            source = try SequenceFrames(contents: contents, limits: limits)
        }
        let output = try SequenceOutput.check(s, frames: source)
        let shared: SharedInputs
        do {
            shared = try SharedInputs.load(s, limits: limits)
        } catch let failure as SharedInputs.Failure {
            throw failure.error
        }
        try stylize(source, output: output, shared: shared)
    }

    private func stylize(_ source: SequenceFrames, output: SequenceOutput, shared: SharedInputs) throws {
        let s = settings
        var options = s.options
        if let start = shared.initial { options.initialization = .image(start) }
        let n = source.count
        var progress = BatchProgress(count: n, frames: true, firstTakesLonger: options.temporal != .off)
        var report = SequenceReport(
            model: shared.modelPath, temporal: options.temporal, temporalWeight: options.temporalWeight)
        var writer: FrameListWriter? = nil
        var reportTarget: OutputTarget? = nil
        switch output {
        case .oneFile(let location, let outputs):
            writer = try FrameListWriter(location)
            reportTarget = outputs.report
        case .perFrame(_, let outputs):
            reportTarget = outputs.last?.report
        }
        var sequence: StyleSequence? = nil
        var written = 0
        for i in 0..<n {
            progress.start(i)
            do {
                let content = try source.next()
                if sequence == nil {
                    // The masks against the frames' size, known now for certain.
                    let masks = try shared.regionMasks(for: content.image)
                    sequence = try StyleSequence(
                        engine: shared.engine, styles: shared.styles, masks: masks, options: options)
                }
                let display =
                    s.showProgress ? ProgressDisplay(isTerminal: StandardError.isTerminal, batch: progress) : nil
                let result = try sequence!.stylize(
                    frame: content.image,
                    progress: { event, _ in
                        display?.show(event)
                        return true
                    })
                display?.finish()
                report.add(result, source: source.sources[i].spec)
                var destination = ""
                if let writer {
                    try writer.append(
                        result.image, alpha: content.alpha, metadata: content.metadata,
                        timing: source.timing(i, alpha: content.alpha != nil), loop: source.loop)
                } else if case .perFrame(let names, _) = output {
                    let image = try MagickImageWriter.prepare(
                        result.image, alpha: content.alpha, metadata: content.metadata, to: names[i])
                    if i == n - 1 {
                        try OutputFile.commitPair(image: image, report: try pendingReport(report, to: reportTarget))
                    } else {
                        try image.commit()
                    }
                    written += 1
                    destination = " → '\(names[i].spec)'"
                }
                if !s.quiet {
                    StandardError.line(
                        "stylize: frame \(i + 1)\(destination) (\(result.image.width)×\(result.image.height), "
                            + "\(result.iterations) iteration\(result.iterations == 1 ? "" : "s"), "
                            + "\(NumberFormat.duration(result.seconds)))" + progress.writtenText())
                }
            } catch {
                let kept =
                    written > 0 ? "; the \(written) frame\(written == 1 ? "" : "s") before it stay written" : ""
                throw CommandFailure(
                    "\(source.describe(i)): " + StylizeCommand.oneLine(StylizeCommand.text(of: error)) + kept)
            }
            progress.finish()
        }
        if let writer {
            try OutputFile.commitPair(image: try writer.prepare(), report: try pendingReport(report, to: reportTarget))
        }
        if !s.quiet {
            let size = report.frames.first.map { "\($0.run.width)×\($0.run.height)" } ?? ""
            let destination: String
            switch output {
            case .oneFile(let location, _):
                destination = location.isStandardStream ? "standard output" : "'\(location.spec)'"
            case .perFrame(let names, _):
                destination = "'\(names[0].spec)' … '\(names[n - 1].spec)'"
            }
            StandardError.line(
                "stylize: wrote \(n) frame\(n == 1 ? "" : "s") to \(destination) (\(size), "
                    + "\(NumberFormat.duration(progress.elapsed)))")
        }
    }

    /// The report, staged to be committed with the last output (nil without --report).
    private func pendingReport(_ report: SequenceReport, to target: OutputTarget?) throws -> PendingOutput? {
        guard let path = settings.report, let target else { return nil }
        return try report.prepare(to: target, shownAs: path)
    }
}
