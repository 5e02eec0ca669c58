import ArgumentParser

/// `stylize styles`: the style library (StyleLibrary) — each style's name, title, image and
/// recommended options, then the folders searched; `--path NAME` prints one style's image.
struct StylesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "styles",
        abstract: "List the styles -s finds by name (-s swirls), with their recommended options.",
        discussion: """
            A style is an image NAME.png (or .jpg, …) in one of the folders listed at the end, the \
            first that has NAME winning: the user's ($XDG_DATA_HOME/stylefilter/styles, default \
            ~/.local/share/stylefilter/styles), each of $XDG_DATA_DIRS (default \
            /usr/local/share:/usr/share) + /stylefilter/styles, the installed styles \
            (../share/stylefilter/styles beside this command's directory), a checkout's \
            share/styles. Beside it, NAME.options may hold recommended options as NAME=VALUE \
            settings (style-scale=2 colors=luminance: the engine options, as -process and \
            sf_options_parse take them) and a first '# title' line; options given on the \
            command line override them.
            """)

    @Option(
        help: ArgumentHelp(
            "Print only the image file of the style NAME (e.g. for -process style=FILE).", valueName: "NAME"))
    var path: String?

    func run() throws {
        let library = StyleLibrary.standard()
        if let path {
            let style = try library.resolve(path).style
            guard let style else {
                throw CommandFailure("'\(path)' is not a style's name (a name has no '/', '.' or ':')")
            }
            print(style.image)
            return
        }
        print(Self.listing(library), terminator: "")
    }

    /// The listing: two lines a style (name and title; image, folder and options), then the folders.
    static func listing(_ library: StyleLibrary) -> String {
        let (styles, hidden) = library.all()
        let width = max(12, (styles.map(\.name.count).max() ?? 0) + 2)
        let indent = String(repeating: " ", count: width)
        var lines: [String] = []
        for style in styles {
            let options: String
            var title = "(no title)"
            do {
                let recommendation = try StyleLibrary.recommendation(of: style)
                title = recommendation.title ?? title
                options = recommendation.settings.isEmpty ? "no options" : "options: " + recommendation.text
            } catch {
                options = "options file error: " + StylizeCommand.text(of: error)
            }
            lines.append(style.name + String(repeating: " ", count: width - style.name.count) + title)
            lines.append(indent + "\(style.image) (\(style.folder.origin)); \(options)")
            for other in hidden where other.name == style.name {
                lines.append(indent + "hides \(other.image) (\(other.folder.origin))")
            }
        }
        if styles.isEmpty { lines.append("No styles found.") }
        lines.append("")
        lines.append("Folders searched, in this order (the first with a name wins):")
        for folder in library.folders {
            let missing = FileChecks.isDirectory(folder.path) ? "" : "; none"
            lines.append("  \(folder.path) (\(folder.origin)\(missing))")
        }
        if let own = library.folders.first, own.origin == StyleLibrary.userOrigin {
            lines.append("Add a style: put NAME.png (and, if you like, NAME.options) into \(own.path).")
        }
        return lines.joined(separator: "\n") + "\n"
    }
}
