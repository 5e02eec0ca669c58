import ArgumentParser
import StyleKernel

/// The engine's options on the command line, straight from the option table: every row is a flag
/// `--NAME VALUE` or `--NAME=VALUE` (the value taken as it is, even if it starts with `-`), shown
/// in `stylize --help` in ArgumentParser's layout. ArgumentParser declares its options one by one
/// in code; so that the rows stay the one list, `carried` rewrites each row's flag into the one
/// hidden option that carries them all (`--engine-option NAME=VALUE`) before ArgumentParser
/// parses, and `RunCommand.makeSettings` gives each to its row's parser.
enum EngineOptionFlags {
    /// The hidden option that carries them (never typed by users).
    static let carrier = "engine-option"

    /// `arguments` of the stylize command (the root command's when it runs the default command),
    /// with every row's flag carried; nothing after `--` is a flag. Other subcommands' arguments
    /// are left alone (`stylize copy --size N` is that command's own option).
    static func carried(_ arguments: [String]) -> [String] {
        if let first = arguments.first, otherCommands.contains(first) { return arguments }
        var out: [String] = []
        var i = 0
        while i < arguments.count {
            let argument = arguments[i]
            if argument == "--" { return out + arguments[i...] }
            let flag = argument.hasPrefix("--") ? argument.dropFirst(2) : ""
            let name = String(flag.prefix { $0 != "=" })
            guard !name.isEmpty, OptionTable.spec(named: name) != nil else {
                out.append(argument)
                i += 1
                continue
            }
            if flag.contains("=") {
                out += ["--" + carrier, String(flag)]
                i += 1
            } else if i + 1 < arguments.count {
                out += ["--" + carrier, name + "=" + arguments[i + 1]]
                i += 2
            } else {
                out += ["--" + carrier, name]  // no value: makeSettings says so
                i += 1
            }
        }
        return out
    }

    /// The subcommands whose arguments are their own.
    static var otherCommands: Set<String> {
        Set(
            StylizeCommand.configuration.subcommands.filter { $0 != RunCommand.self }
                .compactMap { $0.configuration.commandName } + ["help"])
    }

    /// The carried values by row name (a repeated flag: the last), or what is wrong with one.
    static func values(_ carried: [String]) throws -> [String: String] {
        var values: [String: String] = [:]
        for entry in carried {
            guard let equals = entry.firstIndex(of: "=") else {
                throw CommandFailure("--\(entry) needs a value (--\(entry) VALUE or --\(entry)=VALUE)")
            }
            values[String(entry[..<equals])] = String(entry[entry.index(after: equals)...])
        }
        return values
    }

    /// The rows as `stylize --help` lists them: ArgumentParser's layout (the flag and its value's
    /// name in a 26-column field, the help wrapped at 80 columns, the default last).
    static var help: String {
        let width = 80, column = 26
        var lines = ["ENGINE OPTIONS:"]
        for spec in OptionTable.all {
            let flag = "  --\(spec.name) <\(spec.valueName)>"
            var words = (spec.help + " (default: \(spec.defaultText))").split(separator: " ").map(String.init)
            // A flag too long for its field gets a line of its own, as ArgumentParser does.
            var line = flag.count < column - 1 ? flag + String(repeating: " ", count: column - flag.count) : ""
            if line.isEmpty {
                lines.append(flag)
                line = String(repeating: " ", count: column)
            }
            var filled = false
            while !words.isEmpty {
                let word = words.removeFirst()
                if filled && line.count + 1 + word.count > width {
                    lines.append(line)
                    line = String(repeating: " ", count: column) + word
                } else {
                    line += (filled ? " " : "") + word
                }
                filled = true
            }
            lines.append(line)
        }
        return lines.joined(separator: "\n")
    }
}
