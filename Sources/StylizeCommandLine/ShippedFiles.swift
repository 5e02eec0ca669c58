import StyleKernel

/// Files that come with the command, found from the executable's own location (never a
/// hard-coded prefix): installed under `PREFIX/share` beside its `PREFIX/bin` by `make install`,
/// or in the checkout above a `.build/…/stylize`.
enum ShippedFiles {
    /// `PREFIX/share/<installed>`, then `<checkout>` in the executable's directory and each of its
    /// parents (eight levels: a checkout's `.build/<triple>/release/stylize` is four below it).
    static func candidates(installed: String, checkout: String, executable: String) -> [String] {
        var list = [ModelLocator.installedSharePath(codePath: executable) + "/" + installed]
        var dir = directory(of: executable)
        for _ in 0..<8 {
            list.append(dir + "/" + checkout)
            let up = directory(of: dir)
            if up == dir { break }
            dir = up
        }
        return list
    }

    static func directory(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        return slash == path.startIndex ? "/" : String(path[..<slash])
    }
}

/// Where the documents that `stylize --help` cites (docs/quality.md) are: `make install` copies
/// README.md, CHANGELOG.md and docs/ into `PREFIX/share/doc/stylefilter`, keeping their layout,
/// so `docs/quality.md` names the same file in a checkout and in an install.
enum Documentation {
    static let installed = "doc/stylefilter"

    /// The directory holding README.md and docs/ for this copy of the command, or nil.
    static func directory(executable: String?) -> String? {
        guard let executable else { return nil }
        let marker = "docs/quality.md"
        let found = ShippedFiles.candidates(
            installed: installed + "/" + marker, checkout: marker, executable: executable
        ).first(where: FileChecks.exists)
        return found.map { ShippedFiles.directory(of: ShippedFiles.directory(of: $0)) }
    }

    /// The end of `stylize --help` for this copy of the command.
    static func helpSection() -> String { helpSection(directory: directory(executable: CodeLocation.path())) }

    /// The end of `stylize --help`, in its layout: the manual, and the directory of the documents
    /// it cites.
    static func helpSection(directory: String?) -> String {
        let documents = ["README.md, CHANGELOG.md and docs/ (the docs/… files", "named above)."]
        guard let directory else {
            return entries([
                ("man stylize", ["The manual."]),
                (
                    "(not found)",
                    documents + ["They come with stylefilter's sources; none were", "found beside this command."]
                )
            ])
        }
        // A checkout holds the page itself; an install has it in PREFIX/share/man, where man finds it.
        let checkoutPage = directory + "/docs/man/stylize.1"
        let manual = FileChecks.exists(checkoutPage) ? "man -l " + checkoutPage : "man stylize"
        return entries([(manual, ["The manual."]), (directory, documents)])
    }

    /// ArgumentParser's layout: the label in a 26-column field (or on a line of its own when
    /// longer), the text beside or below it.
    private static func entries(_ list: [(label: String, text: [String])]) -> String {
        let column = 26
        var lines = ["DOCUMENTATION:"]
        for (label, text) in list {
            var rest = text[...]
            let head = "  " + label
            if head.count < column - 1 {
                lines.append(head + String(repeating: " ", count: column - head.count) + (rest.popFirst() ?? ""))
            } else {
                lines.append(head)
            }
            lines += rest.map { String(repeating: " ", count: column) + $0 }
        }
        return lines.joined(separator: "\n")
    }
}
