import StyleKernel

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// Styles found by name (`-s swirls`): a painting `NAME.png` (or any image extension), with an
/// optional `NAME.options` beside it holding recommended engine options. The folders, first match
/// wins:
/// 1. `$XDG_DATA_HOME/stylefilter/styles` (default `~/.local/share/stylefilter/styles`): the user's;
/// 2. `DIR/stylefilter/styles` for each DIR of `$XDG_DATA_DIRS` (default `/usr/local/share:/usr/share`);
/// 3. the installed styles, `styles/` in the installed data directory (`ModelLocator`'s
///    `PREFIX/share/stylefilter`, found from the running code, as the model is);
/// 4. a checkout's `share/styles` (beside a `Package.swift` in the code's directory or a parent,
///    so `.build/release/stylize` finds the styles it would install).
/// An argument is a name only when it could not be an image location (`isName`); an existing
/// file always wins over a name.
///
/// An options file: `#` lines are comments, the first one the style's title; the rest are
/// `NAME=VALUE` settings separated by spaces or lines — the C API's `sf_options_parse` syntax —
/// each checked by the option table's row of that name, as the command's own flags are.
struct StyleLibrary {
    /// A folder searched, and why (shown by messages and `stylize styles`).
    struct Folder: Equatable {
        let path: String
        let origin: String
    }

    /// A style found in a folder.
    struct Style: Equatable {
        let name: String
        let image: String
        /// `NAME.options` beside the image, if there is one.
        let optionsFile: String?
        let folder: Folder
    }

    /// What an options file says.
    struct Recommendation: Equatable {
        /// The options file (nil: the style has none).
        var file: String?
        var title: String?
        var settings: [Setting] = []

        /// Sets each setting in `options` by its option table row, in order.
        func apply(to options: inout StyleOptions) throws {
            for setting in settings {
                let place = "style options file \(file ?? "-"), line \(setting.line)"
                guard let spec = OptionTable.spec(named: setting.name) else {
                    throw CommandFailure(
                        "\(place): unknown option '\(setting.name)'; valid: \(OptionTable.names.joined(separator: ", "))"
                    )
                }
                do {
                    try spec.set(setting.value, in: &options)
                } catch {
                    throw CommandFailure("\(place): \(error.description)")
                }
            }
        }

        /// The settings as written: "style-scale=2 colors=luminance".
        var text: String { settings.map { "\($0.name)=\($0.value)" }.joined(separator: " ") }
    }

    struct Setting: Equatable {
        let name: String
        let value: String
        let line: Int
    }

    static let optionsExtension = "options"
    /// The origin of the user's own folder (where `stylize styles` says to add styles).
    static let userOrigin = "the user's"
    /// The image extensions a style is found by, in the order they are tried for one name.
    static let imageExtensions = ["png", "jpg", "jpeg", "webp", "tif", "tiff", "gif", "bmp", "ppm"]
    /// An options file is a few lines; anything larger is not one.
    static let maximumOptionsBytes = 65536

    let folders: [Folder]

    /// The folders for this process: its environment and the running code's location.
    static func standard() -> StyleLibrary {
        var environment: [String: String] = [:]
        for key in ["HOME", "XDG_DATA_HOME", "XDG_DATA_DIRS"] {
            if let value = getenv(key) { environment[key] = String(cString: value) }
        }
        return StyleLibrary(
            folders: folders(
                environment: environment, installedData: ModelLocator.installedDataPath(),
                codeDirectories: ModelLocator.codeDirectories()))
    }

    /// The search order (see the type's description); a folder listed twice keeps its first place.
    static func folders(environment: [String: String], installedData: String?, codeDirectories: [String]) -> [Folder] {
        var list: [Folder] = []
        // The XDG Base Directory rules: relative paths are ignored, unset or empty means the default.
        if let home = environment["XDG_DATA_HOME"], home.hasPrefix("/") {
            list.append(Folder(path: trimmed(home) + "/stylefilter/styles", origin: userOrigin))
        } else if let home = environment["HOME"], home.hasPrefix("/") {
            list.append(Folder(path: trimmed(home) + "/.local/share/stylefilter/styles", origin: userOrigin))
        }
        let dirs = environment["XDG_DATA_DIRS"].flatMap { $0.isEmpty ? nil : $0 } ?? "/usr/local/share:/usr/share"
        for dir in dirs.split(separator: ":").map(String.init) where dir.hasPrefix("/") {
            list.append(Folder(path: trimmed(dir) + "/stylefilter/styles", origin: "XDG_DATA_DIRS"))
        }
        if let installedData {
            list.append(Folder(path: installedData + "/styles", origin: "installed"))
        }
        if let checkout = codeDirectories.first(where: {
            FileChecks.isRegularFile($0 + "/Package.swift") && FileChecks.isDirectory($0 + "/share/styles")
        }) {
            list.append(Folder(path: trimmed(checkout) + "/share/styles", origin: "checkout"))
        }
        var seen = Set<String>()
        return list.filter { seen.insert($0.path).inserted }
    }

    /// `dir` without its trailing slashes (the root: "").
    private static func trimmed(_ dir: String) -> String {
        String(dir.reversed().drop { $0 == "/" }.reversed())
    }

    /// Whether an `-s` argument names a style rather than an image: not an existing file, no
    /// path separator, no extension, no `FORMAT:` prefix, not `-` (standard input).
    static func isName(_ argument: String) -> Bool {
        isNameForm(argument) && !FileChecks.exists(argument)
    }

    /// A name's form: not empty, no `/`, `.` or `:`, not starting with `-`.
    static func isNameForm(_ text: some StringProtocol) -> Bool {
        !text.isEmpty && !text.hasPrefix("-") && !text.contains { $0 == "/" || $0 == "." || $0 == ":" }
    }

    /// The style called `name` in the first folder that has it.
    func find(_ name: String) -> Style? {
        for folder in folders {
            if let style = Self.styles(in: folder).first(where: { $0.name == name }) { return style }
        }
        return nil
    }

    /// Every style by name, each as found first; `hidden` holds the ones a folder before hides.
    func all() -> (styles: [Style], hidden: [Style]) {
        var found: [String: Style] = [:]
        var hidden: [Style] = []
        for folder in folders {
            for style in Self.styles(in: folder) {
                if found[style.name] == nil { found[style.name] = style } else { hidden.append(style) }
            }
        }
        return (found.values.sorted { $0.name < $1.name }, hidden)
    }

    /// An `-s` argument as an image to read: itself, or a named style's image (with the style).
    func resolve(_ argument: String) throws -> (image: String, style: Style?) {
        guard Self.isName(argument) else { return (argument, nil) }
        if let style = find(argument) { return (style.image, style) }
        let names = all().styles.map(\.name)
        let known = names.isEmpty ? "the library has no styles" : "styles: " + names.joined(separator: ", ")
        throw CommandFailure(
            "style '\(argument)' is neither an image file nor a style in the library (\(known); "
                + "looked in \(describedFolders)); 'stylize styles' lists them")
    }

    /// "/a (the user's), /b (XDG_DATA_DIRS), …".
    var describedFolders: String {
        folders.map { "\($0.path) (\($0.origin))" }.joined(separator: ", ")
    }

    /// The styles in one folder, by name: an image with one of `imageExtensions` (any case); for
    /// a name with several, the first extension in that list.
    static func styles(in folder: Folder) -> [Style] {
        guard FileChecks.isDirectory(folder.path), let images = try? ContentList.directoryImages(folder.path) else {
            return []
        }
        var byName: [String: (rank: Int, path: String)] = [:]
        for path in images {
            let (stem, ext) = NamePattern.split(String(path.split(separator: "/").last ?? ""))
            guard let ext, let rank = imageExtensions.firstIndex(of: ext.lowercased()), isNameForm(stem),
                byName[stem].map({ rank < $0.rank }) ?? true
            else { continue }
            byName[stem] = (rank, path)
        }
        return byName.keys.sorted().map { name in
            let options = folder.path + "/" + name + "." + optionsExtension
            return Style(
                name: name, image: byName[name]!.path,
                optionsFile: FileChecks.isRegularFile(options) ? options : nil, folder: folder)
        }
    }

    /// What a style's options file says, each setting checked by its option table row; a
    /// style without one recommends nothing.
    static func recommendation(of style: Style) throws -> Recommendation {
        guard let path = style.optionsFile else { return Recommendation() }
        return try recommendation(text: readOptionsFile(path), file: path)
    }

    static func recommendation(text: String, file: String) throws -> Recommendation {
        var result = Recommendation(file: file)
        for (index, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let content = line.drop { $0 == " " || $0 == "\t" }
            if content.hasPrefix("#") {
                let title = String(content.dropFirst()).trimmingSpaces()
                if result.title == nil, !title.isEmpty { result.title = title }
                continue
            }
            for token in content.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\r" }) {
                guard let equals = token.firstIndex(of: "="), equals != token.startIndex else {
                    throw CommandFailure(
                        "style options file \(file), line \(index + 1): '\(token)' is not NAME=VALUE (e.g. style-scale=2)"
                    )
                }
                result.settings.append(
                    Setting(
                        name: String(token[..<equals]), value: String(token[token.index(after: equals)...]),
                        line: index + 1))
            }
        }
        var scratch = StyleOptions()
        try result.apply(to: &scratch)
        return result
    }

    private static func readOptionsFile(_ path: String) throws -> String {
        guard let file = fopen(path, "r") else {
            throw CommandFailure("style options file \(path): \(String(cString: strerror(errno)))")
        }
        defer { fclose(file) }
        var bytes = [UInt8](repeating: 0, count: maximumOptionsBytes + 1)
        let count = fread(&bytes, 1, bytes.count, file)
        guard ferror(file) == 0 else {
            throw CommandFailure("style options file \(path): \(String(cString: strerror(errno)))")
        }
        guard count <= maximumOptionsBytes else {
            throw CommandFailure(
                "style options file \(path) is larger than \(maximumOptionsBytes / 1024) KiB: it is not an options file"
            )
        }
        return String(decoding: bytes[..<count], as: UTF8.self)
    }
}
