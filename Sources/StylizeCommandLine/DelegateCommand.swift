import ArgumentParser
import StyleKernel

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// `stylize delegate INPUT OUTPUT` (hidden): what share/delegates.xml runs for
/// `convert photo.jpg stylize:out.jpg`. ImageMagick 6 writes the image as PNG to INPUT (%i, a
/// temporary file) and passes as OUTPUT (%o) a temporary name that is a symbolic link to the file
/// the user named; after the command it copies OUTPUT to that file byte for byte. So the result
/// is written to the link's target, in the format of its extension, and ImageMagick's copy is then
/// a copy of the file onto itself. Its settings come from the environment (delegates cannot pass
/// -define values): STYLIZE_STYLE (required), STYLIZE_ITERATIONS, STYLIZE_SIZE (the command's
/// defaults when unset), STYLIZE_OPTIONS (more options, split on spaces).
struct DelegateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "delegate",
        abstract:
            "Run by ImageMagick's stylize: delegate (PREFIX/share/stylefilter/delegates.xml); settings from STYLIZE_* variables.",
        shouldDisplay: false)

    @Argument(help: "The PNG file ImageMagick wrote (%i).") var input: String
    @Argument(help: "The name ImageMagick copies the result from (%o).") var output: String

    func run() throws {
        do {
            let arguments = try Self.stylizeArguments(input: input, output: output, environment: Self.variable)
            var command = try StylizeCommand.parsed(arguments)
            try command.run()
        } catch {
            throw Self.explained(error, output: output)
        }
    }

    /// After a failure OUTPUT still links to a file that does not exist, and ImageMagick's copy
    /// from it fails next: Debian's ImageMagick 6.9.11 says "not allowed by the security policy
    /// `/tmp/magick-…'", others "delegate failed". Both are right that there is no result, but read
    /// like a different problem, so the command's own message says so. (Leaving something else at
    /// OUTPUT is worse: ImageMagick then exits 0 without an output, or copies it to the user's file.)
    static func explained(_ error: Error, output: String) -> Error {
        guard linkTarget(output) != nil, !FileChecks.exists(output) else { return error }
        let text = StylizeCommand.text(of: error)
        return CommandFailure(
            text + " (nothing was written; convert's next message, about a security policy "
                + "or a failed delegate, only reports that)")
    }

    static func variable(_ name: String) -> String? {
        guard let value = getenv(name) else { return nil }
        let text = String(cString: value)
        return text.isEmpty ? nil : text
    }

    /// The `stylize` command line for one delegate call.
    static func stylizeArguments(input: String, output: String, environment: (String) -> String?) throws -> [String] {
        guard let style = environment("STYLIZE_STYLE") else {
            throw CommandFailure(
                "STYLIZE_STYLE is not set: the stylize: delegate takes its style image from the "
                    + "environment, e.g. STYLIZE_STYLE=starry.png convert photo.jpg stylize:out.png")
        }
        var arguments = ["png:" + input, "-s", style, "--quiet"]
        if let iterations = environment("STYLIZE_ITERATIONS") { arguments += ["--iterations", iterations] }
        if let size = environment("STYLIZE_SIZE") { arguments += ["--size", size] }
        if let options = environment("STYLIZE_OPTIONS") {
            arguments += options.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
        }
        return arguments + ["-o", try destination(of: output)]
    }

    /// Where to write: the file OUTPUT links to, or OUTPUT itself as PNG when ImageMagick made a
    /// plain temporary file (its "system:shred" policy does that), which leaves the format unknown.
    static func destination(of output: String) throws -> String {
        guard let target = linkTarget(output) else {
            StandardError.line(
                "stylize: warning: ImageMagick did not say which file it writes (no link at '\(output)'): "
                    + "writing PNG")
            return "png:" + output
        }
        guard ImageLocation(target).format == nil, ImageLocation(target).outputFormat != nil else {
            throw CommandFailure(
                "cannot tell the image format of '\(target)': the stylize: delegate writes the "
                    + "format of the output's extension (stylize:out.jpg)")
        }
        return target
    }

    static func linkTarget(_ path: String) -> String? {
        var st = stat()
        guard lstat(path, &st) == 0, (st.st_mode & S_IFMT) == S_IFLNK else { return nil }
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        let length = readlink(path, &buffer, buffer.count - 1)
        guard length > 0 else { return nil }
        return String(decoding: buffer[0..<length].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
