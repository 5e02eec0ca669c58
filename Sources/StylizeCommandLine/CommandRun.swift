import StyleKernel

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// One stylization from checked settings, in the order that keeps failures cheap:
/// 1. paths (inputs readable, output and report writable, output format encodable, no output
/// an input or the other output, no snapshot name an input or output; `RunOutputs`),
/// 2. images read, 3. model located, loaded and checked against the layers asked for,
/// 4. the engine runs (progress, snapshots), 5. the image and the report staged, then
/// committed as a pair (`OutputFile.commitPair`).
struct CommandRun {
    let settings: StylizeSettings

    func run() throws {
        let s = settings
        var inputs =
            [(s.content, "content image")] + s.styles.map { ($0, "style image") }
            + s.masks.map { ($0, "--mask image") }
        if case .image(let location) = s.initial { inputs.append((location, InitialImage.fileRole)) }
        for (location, what) in inputs { try InputCheck.checkReadable(location, what: what) }
        try MagickImageWriter.checkWritable(s.output)
        // Snapshots go beside the output file (out.iter0100.png), not beside /dev/stdout.
        if s.saveEvery > 0, try !OutputTarget.resolve(s.output.path, what: "output").isFile {
            throw CommandFailure(
                "--save-every needs an output file to save next to, not a device, FIFO or "
                    + "descriptor ('\(s.output.spec)')")
        }
        let outputs = try RunOutputs.check(s, inputs: inputs)

        // Each image is pinged and refused before decoding if it would not fit --max-memory;
        // damaged files are refused unless --accept-damaged.
        let limits = ReadLimits(maxMemory: s.options.maxMemory, acceptDamaged: s.acceptDamaged)
        let content = try MagickImageReader.read(s.content, limits: limits)
        try content.requireSingleFrame(s.content.spec)
        let styles = try s.styles.map { try MagickImageReader.read($0, limits: limits).image }
        let masks = try s.masks.map { location -> RegionMask in
            let mask = try MagickImageReader.read(location, limits: limits)
            try mask.requireSingleFrame(location.spec)
            try RegionMask.checkShape(
                width: mask.image.width, height: mask.image.height,
                contentWidth: content.image.width, contentHeight: content.image.height,
                what: "--mask '\(location.spec)'")
            return try RegionMask(mask.image, alpha: mask.alpha?.values)
        }
        var options = s.options
        if case .image(let location) = s.initial {
            options.initialization = .image(try MagickImageReader.read(location, limits: limits).image)
        }

        let modelPath = try ModelLocator.locate(explicit: s.model)
        let model = try StyleModel.load(path: modelPath)
        try checkLayers(options, against: model.architecture, styleCount: styles.count)

        let display = s.showProgress ? ProgressDisplay(isTerminal: StandardError.isTerminal) : nil
        let snapshots =
            s.saveEvery > 0
            ? SnapshotWriter(
                output: s.output, alpha: content.alpha, metadata: content.metadata,
                protected: outputs.protected, quiet: s.quiet) : nil
        let engine = StyleEngine(model: model)
        let result = try engine.stylize(
            content: content.image, styles: styles, masks: masks, options: options, snapshotEvery: s.saveEvery,
            progress: { event, image in
                display?.show(event)
                if let image { snapshots?.save(image, completed: event.completed, planned: event.planned) }
                return true
            })
        display?.finish()

        // Both complete in temporary files first, then renamed together (the report last): an
        // image that cannot be written leaves no report, and a signal cannot fall between the two.
        let image = try MagickImageWriter.prepare(
            result.image, alpha: content.alpha, metadata: content.metadata,
            to: s.output)
        var report: PendingOutput?
        if let path = s.report, let target = outputs.report {
            report = try RunReport(result: result, model: modelPath).prepare(to: target, shownAs: path)
        }
        try OutputFile.commitPair(image: image, report: report)
        if !s.quiet {
            let destination = s.output.isStandardStream ? "standard output" : "'\(s.output.spec)'"
            StandardError.line(
                "stylize: wrote \(destination) (\(result.image.width)×\(result.image.height), "
                    + "\(result.iterations) iteration\(result.iterations == 1 ? "" : "s"), \(NumberFormat.duration(result.seconds)))"
            )
        }
    }

    /// The layers were checked against VGG19's names before; now against the loaded network.
    private func checkLayers(_ options: StyleOptions, against architecture: VGGArchitecture, styleCount: Int) throws {
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

/// `--save-every`: writes the engine's snapshots next to the output (out.iter0100.png).
/// A snapshot that cannot be written is reported once and does not stop the run; one that would
/// replace an input or an output (a name that leads to one) is not written, with a warning.
final class SnapshotWriter {
    let output: ImageLocation
    let alpha: AlphaPlane?
    let metadata: ImageMetadata
    let protected: [(identity: FileIdentity, role: String)]
    let quiet: Bool
    private var warned = false

    init(
        output: ImageLocation, alpha: AlphaPlane?, metadata: ImageMetadata,
        protected: [(identity: FileIdentity, role: String)], quiet: Bool
    ) {
        self.output = output
        self.alpha = alpha
        self.metadata = metadata
        self.protected = protected
        self.quiet = quiet
    }

    static func location(for output: ImageLocation, completed: Int, planned: Int) -> ImageLocation {
        let digits = max(4, String(planned).count)
        let number = String(completed)
        return output.inserting(".iter" + String(repeating: "0", count: max(0, digits - number.count)) + number)
    }

    /// A snapshot path is `head` + four or more digits + `tail` (out.iter + 0100 + .png).
    static func pattern(for output: ImageLocation) -> (head: String, tail: String) {
        // `inserting` puts the number before the file name's extension, if it has one: the
        // tail is that extension, or nothing.
        let marked = output.inserting(".iter").path, path = output.path
        let nameStart = path.lastIndex(of: "/").map { path.index(after: $0) } ?? path.startIndex
        let dot = path[nameStart...].lastIndex(of: ".")
        let tail = dot.map { String(path[$0...]) } ?? ""
        return marked.hasSuffix(tail) ? (String(marked.dropLast(tail.count)), tail) : (marked, "")
    }

    static func isSnapshotName(_ path: String, head: String, tail: String) -> Bool {
        guard path.count >= head.count + tail.count + 4, path.hasPrefix(head), path.hasSuffix(tail) else {
            return false
        }
        let digits = path.dropFirst(head.count).dropLast(tail.count)
        return digits.count >= 4 && digits.allSatisfy { $0.isASCII && $0.isNumber }
    }

    /// Whether `resolved` (a directory's real path and a name, `FileIdentity.resolvedName`) is
    /// one of the output's snapshot names.
    static func isSnapshotName(_ resolved: String, for output: ImageLocation) -> Bool {
        let (head, tail) = pattern(for: output)
        guard let resolvedHead = FileIdentity.resolvedName(head) else { return false }
        return isSnapshotName(resolved, head: resolvedHead, tail: tail)
    }

    /// The names in the output's directory that snapshots could take, as paths to open.
    static func existingNames(for output: ImageLocation) -> [String] {
        let (head, tail) = pattern(for: output)
        let dir = AtomicFile.directory(of: head)
        let prefix = head.contains("/") ? String(head[...head.lastIndex(of: "/")!]) : ""
        guard let stream = opendir(dir) else { return [] }
        defer { closedir(stream) }
        var names: [String] = []
        while let entry = readdir(stream) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(cString: raw.bindMemory(to: CChar.self).baseAddress!)
            }
            if isSnapshotName(prefix + name, head: head, tail: tail) { names.append(prefix + name) }
        }
        return names.sorted()
    }

    func save(_ image: PlanarImage, completed: Int, planned: Int) {
        let location = Self.location(for: output, completed: completed, planned: planned)
        do {
            // Checked again here: the names checked before the run were those that existed then.
            let target = try OutputTarget.resolve(location.path, what: "snapshot")
            if let identity = FileIdentity.of(target), let hit = protected.first(where: { $0.identity == identity }) {
                throw StyleError.io("it would replace the \(hit.role)")
            }
            try MagickImageWriter.write(image, alpha: alpha, metadata: metadata, to: location)
        } catch {
            if !warned && !quiet {
                StandardError.line("stylize: warning: cannot save '\(location.spec)': \(error)")
            }
            warned = true
        }
    }
}
