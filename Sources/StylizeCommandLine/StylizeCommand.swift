import ArgumentParser
internal import CSignalCleanup
import StyleKernel

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// The `stylize` program's entry: the executable target (Sources/magick-delegate) is only a call
/// of this, so the command's parsing and settings live in a library the tests import.
public enum StylizeProgram {
    public static func main() { StylizeCommand.main() }
}

/// `stylize`: the root command. Without a subcommand name it stylizes (`stylize run` is the same);
/// `stylize model import` converts model files.
struct StylizeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stylize",
        abstract: "Repaint an image in the style of others (Gatys et al. neural style transfer).",
        discussion: """
            Run 'stylize --help' for the stylization options, 'stylize model import --help' for \
            converting a model file.
            """,
        version: StyleFilterVersion.string,
        subcommands: [
            RunCommand.self, ModelCommand.self, StylesCommand.self, ImageCopyCommand.self, DelegateCommand.self
        ],
        defaultSubcommand: RunCommand.self)

    /// Parses, runs, and turns every failure into one line `stylize: error: …` and a non-zero
    /// exit status (64 for usage errors, 1 otherwise).
    static func main() {
        // Closed standard descriptors are taken by /dev/null before any file is opened.
        StandardDescriptors.reserve()
        // SIGINT/SIGTERM/SIGHUP remove our temporary files and end the process as killed by the
        // signal; SIGPIPE and SIGXFSZ are ignored so that a closed output pipe or a file-size
        // limit is an error message (EPIPE, EFBIG).
        _ = sc_install()
        let status = run(arguments: Array(CommandLine.arguments.dropFirst()))
        MagickLibrary.stop()
        exitProcess(status)
    }

    static func run(arguments: [String]) -> Int32 {
        // `stylize --help` shows the options of the default command, which is what users want.
        if arguments == ["--help"] || arguments == ["-h"] || arguments == ["help"] {
            print(stylizeHelp)
            print(
                """

                OTHER COMMANDS:
                  stylize styles          List the styles -s finds by name (-s swirls) and their
                                          recommended options (see 'stylize styles --help').
                  stylize model fetch     Download and convert the default model into the user cache
                                          (see 'stylize model fetch --help').
                  stylize model import FILE.onnx -o FILE.safetensors
                                          Convert a VGG model file (see 'stylize model import --help').

                """)
            print(Documentation.helpSection())
            return 0
        }
        do {
            var command = try parsed(arguments)
            try command.run()
            return 0
        } catch {
            let code = exitCode(for: error)
            if code == .success {
                // `stylize run --help`, `stylize -s x --help`, …: the engine's options and where the
                // documents they cite are too; the completion scripts complete them too.
                let text = fullMessage(for: error)
                if text == helpMessage(for: RunCommand.self) {
                    print(stylizeHelp + "\n")
                    print(Documentation.helpSection())
                } else {
                    print(CompletionScripts.completed(text))
                }
                return 0
            }
            if let e = error as? ExitCode { return e.rawValue }
            let text = self.text(of: error)
            let usageHint = code == .validationFailure ? " (see 'stylize --help')" : ""
            StandardError.line("stylize: error: " + oneLine(text) + usageHint)
            return code.rawValue == 0 ? 1 : code.rawValue
        }
    }

    /// The command line parsed as ArgumentParser sees it once the option table's flags are carried
    /// (EngineOptionFlags): what `run` runs, and what the fuzzer and the tests parse.
    static func parsed(_ arguments: [String]) throws -> ParsableCommand {
        try parseAsRoot(EngineOptionFlags.carried(arguments))
    }

    /// The stylize command's help: ArgumentParser's, then the engine's options from the table.
    static var stylizeHelp: String {
        let own = helpMessage(for: RunCommand.self)
        return String(own.reversed().drop { $0 == "\n" }.reversed()) + "\n\n" + EngineOptionFlags.help
    }

    /// What an error says to the user (ArgumentParser's message for its own errors).
    static func text(of error: Error) -> String {
        switch error {
        case let e as CommandFailure: return e.message
        case let e as StyleError: return e.description
        default: return message(for: error)
        }
    }

    static func oneLine(_ text: String) -> String {
        var t = text
        if t.hasPrefix("Error: ") { t.removeFirst("Error: ".count) }
        let lines = t.split(whereSeparator: { $0 == "\n" || $0 == "\r" }).map { String($0).trimmingSpaces() }
        let joined = lines.filter { !$0.isEmpty }.joined(separator: "; ")
        return joined.isEmpty ? "failed" : joined
    }
}

/// The C library's `exit` (inside a ParsableCommand, `exit` names ArgumentParser's own).
private func exitProcess(_ status: Int32) -> Never { exit(status) }

/// Messages for the user go to standard error (standard output may carry the image).
enum StandardError {
    static func line(_ text: String) {
        write(text + "\n")
    }

    static func write(_ text: String) {
        Array(text.utf8).withUnsafeBytes { try? FileIO.writeAll(2, $0, name: "standard error") }
    }

    static var isTerminal: Bool { isatty(2) == 1 }
}
