// libFuzzer harness: the `stylize` command's argument parsing and checks — ArgumentParser on the
// root command (subcommands, defaults, types), RunCommand.validate/makeSettings (the
// conversion to StyleOptions and settings) and the one-line error text — without running
// anything: Sources/StylizeCommandLine, the command's library (no entry point of its own, so
// libFuzzer's main is the program's), through @testable.
// Input: the arguments, one per line (newline or NUL separated).
import ArgumentParser
import FuzzSupport
@testable import StyleKernel
@testable import StylizeCommandLine

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOptions(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    let bytes = UnsafeBufferPointer(start: data, count: size)
    let arguments = bytes.split(separator: 0x0A, omittingEmptySubsequences: false)
        .flatMap { $0.split(separator: 0, omittingEmptySubsequences: false) }
        .prefix(64)
        .map { String(decoding: $0, as: UTF8.self) }
    do {
        let command = try StylizeCommand.parsed(arguments)
        if let run = command as? RunCommand {
            let settings = try run.makeSettings()
            // What makeSettings accepted, the engine accepts (checked again for the loaded model).
            do {
                try settings.options.validate(for: .vgg19, styleCount: settings.styles.count)
            } catch {
                fatalError("makeSettings accepted options the engine refuses: \(error) for \(arguments)")
            }
            expectStyleErrorsOnly("validate(vgg16)") {
                try settings.options.validate(for: .vgg16, styleCount: settings.styles.count)
            }
            guard settings.styles.count >= 1,
                  settings.options.size >= 16 || settings.options.size == StyleOptions.fullSize else {
                fatalError("makeSettings accepted \(arguments)")
            }
        }
    } catch {
        // The text the command prints for it: must be one line, never empty.
        let code = StylizeCommand.exitCode(for: error)
        let text = code == .success ? StylizeCommand.fullMessage(for: error)
                                    : StylizeCommand.oneLine((error as? CommandFailure)?.message ?? StylizeCommand.message(for: error))
        guard code == .success || (!text.isEmpty && !text.contains("\n")) else {
            fatalError("error text for \(arguments) is not one line: \(text)")
        }
    }
    return 0
}
