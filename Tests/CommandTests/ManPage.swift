import ArgumentParser
import Foundation
import StyleKernel

@testable import StylizeCommandLine

/// stylize(1) in mdoc, written from the command's own definitions so that it cannot drift from
/// them: ArgumentParser's description of every command and argument (the JSON of
/// `--experimental-dump-help`), each command's usage line, and the option table's rows (the engine
/// options, which stylize hands to ArgumentParser through one hidden option); then the
/// hand-written sections of docs/man/stylize-sections.mdoc (ENVIRONMENT, FILES, EXIT STATUS,
/// EXAMPLES, SEE ALSO). ManPageTests compares docs/man/stylize.1 with it; `make man` writes it.
enum ManPage {
    /// What the page uses of ArgumentParser's dump (ToolInfoV0; other fields are ignored).
    struct Dump: Decodable { var command: Command }
    struct Command: Decodable {
        var commandName: String
        var arguments: [Argument]?
        var subcommands: [Command]?
    }
    struct Argument: Decodable {
        struct Name: Decodable {
            var kind: String
            var name: String
        }
        var kind: String
        var shouldDisplay: Bool
        var names: [Name]?
        var valueName: String?
        var abstract: String?
        var discussion: String?
        var defaultValue: String?

        var isVersionOrHelp: Bool { names?.contains { $0.name == "version" || $0.name == "help" } ?? false }
    }

    /// The whole page, dated `date` ("December 7, 2026"), with `sections` appended.
    static func render(date: String, sections: String) throws -> String {
        let dump = try JSONDecoder().decode(Dump.self, from: Data(StylizeCommand._dumpHelp().utf8))
        let commands = leaves(StylizeCommand.self, dump.command, path: [])
        guard let run = commands.first(where: { $0.type == RunCommand.self }) else {
            throw CommandFailure("the dump has no run command")
        }
        var page = [
            ".\\\" stylize(1), written by `make man` (Tests/CommandTests/ManPage.swift) from the command's",
            ".\\\" definitions and docs/man/stylize-sections.mdoc. Do not edit: change those, run make man.",
            ".Dd \(date)", ".Dt STYLIZE 1", ".Os stylefilter \(StyleFilterVersion.string)",
            ".Sh NAME", ".Nm stylize",
            ".Nd " + macroText(String(StylizeCommand.configuration.abstract.reversed().drop { $0 == "." }.reversed())),
            ".Sh SYNOPSIS"
        ]
        for command in commands {
            page += [".Nm"] + synopsis(command).map { "." + $0 }
        }
        page += [".Sh DESCRIPTION", text(run.type.configuration.abstract)]
        page += paragraphs(run.type.configuration.discussion)
        page += [".Pp", "The arguments and options of", ".Nm Cm run ,", "the default command:"]
        page += list(run.dump.arguments ?? [])
        page += [".Sh ENGINE OPTIONS", engineOptionsIntroduction]
        page += engineOptions()
        page += [".Sh COMMANDS", ".Bl -tag -width Ds"]
        for command in commands where command.type != RunCommand.self {
            page += [".It " + (["Nm"] + synopsis(command)).joined(separator: " ")]
            page += [text(command.type.configuration.abstract)] + paragraphs(command.type.configuration.discussion)
            // Their --version and --help are the default command's, listed once there.
            page += list((command.dump.arguments ?? []).filter { !$0.isVersionOrHelp })
        }
        page += [".El"]
        return page.joined(separator: "\n") + "\n" + sections
    }

    static let engineOptionsIntroduction = text(
        "The engine's options, the same for the command, the C API (sf_options_set) and the "
            + "ImageMagick module (-process 'stylize NAME=VALUE ...'); each is --NAME VALUE or --NAME=VALUE.")

    /// The commands a user runs, with their place in ArgumentParser's dump: the default command
    /// first, then every visible command without subcommands (not ArgumentParser's `help`).
    struct Leaf {
        var type: ParsableCommand.Type
        var dump: Command
        var path: [String]
    }

    static func leaves(_ type: ParsableCommand.Type, _ dump: Command, path: [String]) -> [Leaf] {
        let configuration = type.configuration
        guard !configuration.subcommands.isEmpty else { return [Leaf(type: type, dump: dump, path: path)] }
        var found: [Leaf] = []
        for sub in configuration.subcommands where sub.configuration.shouldDisplay {
            guard let name = sub.configuration.commandName,
                let subDump = dump.subcommands?.first(where: { $0.commandName == name })
            else { continue }
            found += leaves(sub, subDump, path: path + [name])
        }
        return found
    }

    /// A command's usage line (ArgumentParser's, or the command's own) as mdoc macros after `Nm`:
    /// `stylize model import <FILE> --output <FILE.safetensors> [--quiet]` becomes
    /// `Cm model import`, `Ar FILE`, `Fl -output`, `Ar FILE.safetensors`, `Oo`, `Fl -quiet`, `Oc`.
    static func synopsis(_ command: Leaf) -> [String] {
        var words = StylizeCommand.usageString(for: command.type).split(separator: " ").map(String.init)
        words.removeFirst()  // the command's name
        var macros: [String] = []
        if command.type != RunCommand.self {
            words.removeFirst(command.path.count)
            macros.append("Cm " + command.path.joined(separator: " "))
        }
        for word in words {
            var core = Substring(word)
            while core.hasPrefix("[") {
                macros.append("Oo")
                core = core.dropFirst()
            }
            var closing = 0
            while core.hasSuffix("]") {
                closing += 1
                core = core.dropLast()
            }
            if core == "..." {
                macros.append("No ...")
            } else if core.hasPrefix("-") {
                macros.append("Fl " + macroText(String(core.dropFirst())))
            } else {
                macros.append("Ar " + macroText(String(core.trimmingCharacters(in: CharacterSet(charactersIn: "<>")))))
            }
            macros += Array(repeating: "Oc", count: closing)
        }
        return macros
    }

    /// An argument list: each visible argument's names and value, its help and its default.
    static func list(_ arguments: [Argument]) -> [String] {
        var lines = [".Bl -tag -width Ds"]
        for argument in arguments where argument.shouldDisplay {
            let value = argument.valueName.map { "Ar " + macroText($0) }
            var head: [String]
            if argument.kind == "positional" {
                head = value.map { [$0] } ?? []
            } else {
                let names = (argument.names ?? []).map { name in
                    "Fl " + (name.kind == "long" ? "\\-" : "") + macroText(name.name)
                }
                head = [names.joined(separator: " , ")]
                if argument.kind == "option", let value { head.append(value) }
            }
            lines.append(".It " + head.joined(separator: " "))
            if let abstract = argument.abstract, !abstract.isEmpty { lines.append(text(abstract)) }
            lines += paragraphs(argument.discussion ?? "")
            if argument.kind == "option", let value = argument.defaultValue {
                lines.append(text("Default: \(value)."))
            }
        }
        return lines + [".El"]
    }

    /// The option table's rows as `stylize --help` lists them (EngineOptionFlags.help).
    static func engineOptions() -> [String] {
        var lines = [".Bl -tag -width Ds"]
        for spec in OptionTable.all {
            lines.append(".It Fl \\-\(macroText(spec.name)) Ar \(macroText(spec.valueName))")
            lines += [text(spec.help), text("Default: \(spec.defaultText).")]
        }
        return lines + [".El"]
    }

    /// Paragraphs (blank-line separated) as text lines, each after `.Pp`.
    static func paragraphs(_ discussion: String) -> [String] {
        discussion.components(separatedBy: "\n\n").filter { !$0.isEmpty }.flatMap { [".Pp", text($0)] }
    }

    /// Text lines: roff's escape character, hyphens as minus signs (so that options typed from
    /// the page work), everything else beyond ASCII as a `\[uXXXX]` character, each sentence on a
    /// line of its own (so roff knows where sentences end), no line starting with a control
    /// character.
    static func text(_ plain: String) -> String {
        let sentenceEnd = try! NSRegularExpression(pattern: "(?<=[.?!]|[.?!]\\)) +(?=[A-Z]|\\\\-)")
        return plain.split(separator: "\n", omittingEmptySubsequences: true).flatMap { line in
            let escaped = escape(Substring(line.trimmingCharacters(in: .whitespaces)))
            let range = NSRange(escaped.startIndex..., in: escaped)
            return sentenceEnd.stringByReplacingMatches(in: escaped, range: range, withTemplate: "\n")
                .split(separator: "\n").map { $0.hasPrefix(".") || $0.hasPrefix("'") ? "\\&" + $0 : String($0) }
        }.joined(separator: "\n")
    }

    /// Words on a macro line: escaped as text, and a word that mdoc would take for a macro
    /// (`Ar`, `No`, …) kept as a word.
    static func macroText(_ plain: String) -> String {
        plain.split(separator: " ").map { word in
            let w = escape(Substring(word))
            return w.range(of: "^[A-Z][a-z]{1,2}$", options: .regularExpression) != nil ? "\\&" + w : w
        }.joined(separator: " ")
    }

    static func escape(_ s: Substring) -> String {
        var out = ""
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\\": out += "\\e"
            case "-": out += "\\-"
            // Those with no glyph in roff's ASCII output: as the ASCII they stand for.
            case "\u{2026}": out += "..."
            case "\u{2192}": out += "\\(->"
            case _ where scalar.value > 0x7e || scalar.value < 0x20:
                out += "\\[u" + String(format: "%04X", scalar.value) + "]"
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out
    }
}
