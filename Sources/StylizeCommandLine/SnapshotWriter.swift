import StyleKernel

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

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
        let names = FileChecks.names(in: dir) ?? []
        return names.map { prefix + $0 }.filter { isSnapshotName($0, head: head, tail: tail) }.sorted()
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
