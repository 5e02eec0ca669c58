import StyleKernel

/// Where a run's results go: `-o OUTPUT` (a name, which may hold `NamePattern`'s tokens) or
/// `-O DIR` (DIR/<the content's file name>).
enum OutputNaming: Equatable {
    case name(String)
    case directory(String)

    /// The name or the directory as given.
    var given: String {
        switch self {
        case .name(let text), .directory(let text): return text
        }
    }

    /// Whether each content gets a name of its own, as a batch needs.
    var namesEach: Bool {
        switch self {
        case .name(let pattern): return NamePattern.namesEach(pattern)
        case .directory: return true
        }
    }

    /// `-o` names one file (no pattern) in a format that holds frames (GIF, TIFF, WebP, …):
    /// several contents written there are the frames of one sequence.
    var isOneFileHoldingFrames: Bool {
        guard case .name(let name) = self, !NamePattern.namesEach(name),
            let format = try? MagickImageWriter.format(for: ImageLocation(name))
        else { return false }
        return MagickImageWriter.holdsFrames(format)
    }

    /// Whether `contentCount` contents are the frames of one sequence rather than a batch:
    /// `--sequence`, or several written into one file that holds frames.
    func isSequence(contentCount: Int, sequenceFlag: Bool) -> Bool {
        sequenceFlag || (contentCount > 1 && isOneFileHoldingFrames)
    }

    /// Several contents of a batch need a name each, for their images and their reports (a
    /// sequence's are checked by `SequenceOutputs`).
    func check(contentCount: Int, report: String?, sequence: Bool = false) throws {
        guard contentCount > 1, !isSequence(contentCount: contentCount, sequenceFlag: sequence) else { return }
        guard namesEach else {
            throw CommandFailure(
                "\(contentCount) content images need an output name each: give -o a pattern "
                    + "with %f or %d (-o 'out/%f-painted.png') or an output directory (-O DIR); for the "
                    + "frames of one sequence, --sequence, or -o one file that holds frames (out.gif)")
        }
        if let report, !NamePattern.namesEach(report) {
            throw CommandFailure(
                "--report: \(contentCount) content images need a report each: give a pattern "
                    + "with %f or %d (--report 'out/%f.json')")
        }
    }

    func location(for content: ImageLocation, index: Int) -> ImageLocation {
        switch self {
        case .name(let pattern):
            return ImageLocation(NamePattern.expand(pattern, content: content, index: index))
        case .directory(let directory):
            var name = NamePattern.fileName(of: content)
            // Standard input, or a file without an extension, has no format to keep: PNG.
            if NamePattern.split(name).ext == nil { name += ".png" }
            return ImageLocation((directory.hasSuffix("/") ? directory : directory + "/") + name)
        }
    }
}

/// One content of a run, and where its result and its report go.
struct StylizeJob {
    let content: ImageLocation
    let output: ImageLocation
    let report: String?

    /// The run's contents (`ContentList.expand`: directories and globs expanded), each with its
    /// names.
    static func jobs(for s: StylizeSettings, contents: [ImageLocation]) throws -> [StylizeJob] {
        try s.output.check(contentCount: contents.count, report: s.report)
        return contents.enumerated().map { i, content in
            StylizeJob(
                content: content, output: s.output.location(for: content, index: i),
                report: s.report.map { NamePattern.expand($0, content: content, index: i) })
        }
    }

    /// The output and report checked (`RunOutputs`) against `inputs`, every input of the run.
    func checkOutputs(_ s: StylizeSettings, inputs: [(ImageLocation, String)]) throws -> RunOutputs {
        try MagickImageWriter.checkWritable(output)
        // Snapshots go beside the output file (out.iter0100.png), not beside /dev/stdout.
        if s.saveEvery > 0, try !OutputTarget.resolve(output.path, what: "output").isFile {
            throw CommandFailure(
                "--save-every needs an output file to save next to, not a device, FIFO or "
                    + "descriptor ('\(output.spec)')")
        }
        return try RunOutputs.check(output: output, report: report, saveEvery: s.saveEvery, inputs: inputs)
    }
}
