import StyleKernel

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// Where a run writes (the image, the report, the snapshots), resolved and checked before the
/// run against each other and against the inputs, as files (`FileIdentity`: device and inode,
/// through symlinks and any spelling of the path), so that no output replaces an input or
/// another output.
struct RunOutputs {
    let image: OutputTarget
    let report: OutputTarget?
    /// What no snapshot may replace: the inputs and the outputs that are files, with how
    /// messages name them.
    let protected: [(identity: FileIdentity, role: String)]

    /// The report's target: `-` is standard output.
    static func reportTarget(_ report: String) throws -> OutputTarget {
        report == "-" ? .descriptor(1) : try OutputTarget.resolve(report, what: "report")
    }

    /// Checks (image output writability and format are MagickImageWriter.checkWritable's):
    /// the report can be written; neither output is an input; the report is not the image's
    /// file or stream (`--report -` with the image on standard output); no existing snapshot
    /// name (out.iterNNNN.png) is an input or an output. `inputs` are the run's image inputs
    /// with their roles ("content image").
    static func check(
        output: ImageLocation, report reportName: String?, saveEvery: Int, inputs: [(ImageLocation, String)]
    ) throws -> RunOutputs {
        let image = try MagickImageWriter.target(of: output)
        let report = try reportName.map(reportTarget)
        if let path = reportName, let report { try FileChecks.checkWritable(report, shownAs: path, what: "report") }

        var inputFiles: [(identity: FileIdentity, role: String)] = []
        for (location, role) in inputs {
            // Only files can be replaced; reading from and writing to one pipe, socket or
            // terminal is no loss.
            if let identity = FileIdentity.of(input: location), identity.isFile {
                inputFiles.append((identity, "\(role) '\(location.spec)'"))
            }
        }
        let imageIdentity = FileIdentity.of(image)
        let reportIdentity = report.flatMap(FileIdentity.of)
        let outputs = [
            (imageIdentity, "output '\(output.spec)'"),
            (reportIdentity, "--report '\(reportName ?? "")'")
        ]
        for case let (identity?, role) in outputs where identity.isFile {
            if let input = inputFiles.first(where: { $0.identity == identity }) {
                throw CommandFailure("\(role) is the \(input.role): stylize does not replace its inputs")
            }
        }

        if let path = reportName, let report {
            let sameStream: Bool
            if case .descriptor(let a) = image, case .descriptor(let b) = report {
                sameStream = a == b
            } else {
                sameStream = false
            }
            if path == "-" && sameStream {
                throw CommandFailure(
                    "--report - writes to standard output, where the image goes: "
                        + "name a file for the report")
            }
            // Two writes to one file or stream would leave one inside or after the other; a
            // character device written by name twice (/dev/null) loses nothing.
            var oneDevice = false
            if case .special = image, case .special = report, imageIdentity?.isCharacterDevice == true {
                oneDevice = true
            }
            if sameStream || (imageIdentity != nil && imageIdentity == reportIdentity && !oneDevice) {
                throw CommandFailure("--report '\(path)' and the output '\(output.spec)' are the same file")
            }
        }

        var protected = inputFiles
        for case let (identity?, role) in outputs where identity.isFile { protected.append((identity, role)) }
        if saveEvery > 0 {
            for candidate in SnapshotWriter.existingNames(for: output) {
                guard let target = try? OutputTarget.resolve(candidate, what: "snapshot"),
                    let identity = FileIdentity.of(target),
                    let hit = protected.first(where: { $0.identity == identity })
                else { continue }
                throw CommandFailure(
                    "--save-every would replace the \(hit.role) with the snapshot '\(candidate)': "
                        + "choose another output name")
            }
            if case .name(let name)? = reportIdentity?.key, SnapshotWriter.isSnapshotName(name, for: output) {
                throw CommandFailure(
                    "--save-every would replace the report '\(reportName ?? "")' with a snapshot: "
                        + "choose another report name")
            }
        }
        return RunOutputs(image: image, report: report, protected: protected)
    }

    /// Whether both write their image to the same file.
    func sameImage(as other: RunOutputs) -> Bool {
        guard let a = FileIdentity.of(image), let b = FileIdentity.of(other.image) else { return false }
        return a == b
    }
}
