import Foundation
import StyleKernel
import XCTest

@testable import StylizeCommandLine

/// The style library (`-s NAME`, `stylize styles`): the folders' order, names against files,
/// options files through the option table, and the command's messages and listing.
final class StyleLibraryTests: CommandTestCase {
    /// A folder of the test directory, made with the given files (name → contents).
    func folder(_ name: String, _ files: [String: String] = [:]) throws -> String {
        let folder = path(name)
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        for (file, text) in files { try Data(text.utf8).write(to: URL(fileURLWithPath: folder + "/" + file)) }
        return folder
    }

    /// A small real image in `folder` (a style the command can read).
    func paint(_ folder: String, _ file: String) throws {
        try makeImage(folder + "/" + file, ["-seed", "5", "-size", "24x24", "plasma:red-blue", "-depth", "8"])
    }

    func library(_ paths: String...) -> StyleLibrary {
        StyleLibrary(folders: paths.map { StyleLibrary.Folder(path: $0, origin: "test") })
    }

    /// `stylize ARGS` with the library's folders set by the environment: the test's user folder
    /// (`home/.local/share/stylefilter/styles`) and one system folder (`sys/stylefilter/styles`).
    func stylizeWithLibrary(_ arguments: [String]) throws -> CommandResult {
        let quoted = arguments.map { "'" + $0.replacingOccurrences(of: "'", with: "'\\''") + "'" }
        return try shell(
            "HOME='\(path("home"))' XDG_DATA_HOME= XDG_DATA_DIRS='\(path("sys"))' \"$STYLIZE\" "
                + quoted.joined(separator: " "))
    }

    var userStyles: String { path("home") + "/.local/share/stylefilter/styles" }
    var systemStyles: String { path("sys") + "/stylefilter/styles" }

    func testFoldersFollowXDGThenInstalledThenCheckout() throws {
        let checkout = try folder("checkout/share/styles")
        try Data().write(to: URL(fileURLWithPath: path("checkout/Package.swift")))
        let code = [path("checkout/.build/release"), path("checkout/.build"), path("checkout"), dir.path]
        let folders = StyleLibrary.folders(
            environment: ["HOME": "/home/u", "XDG_DATA_DIRS": "/a:relative:/b/"],
            installedData: "/opt/sf/share/stylefilter", codeDirectories: code)
        XCTAssertEqual(
            folders.map(\.path),
            [
                "/home/u/.local/share/stylefilter/styles", "/a/stylefilter/styles", "/b/stylefilter/styles",
                "/opt/sf/share/stylefilter/styles", checkout
            ])
        XCTAssertEqual(folders.map(\.origin), ["the user's", "XDG_DATA_DIRS", "XDG_DATA_DIRS", "installed", "checkout"])
        // An absolute XDG_DATA_HOME replaces ~/.local/share; a relative one is ignored; the
        // default data dirs; a folder listed twice keeps its first place; no checkout, none.
        let other = StyleLibrary.folders(
            environment: ["HOME": "/home/u", "XDG_DATA_HOME": "/data/"], installedData: "/usr/local/share/stylefilter",
            codeDirectories: ["/usr/local/bin"])
        XCTAssertEqual(
            other.map(\.path),
            ["/data/stylefilter/styles", "/usr/local/share/stylefilter/styles", "/usr/share/stylefilter/styles"])
        let relative = StyleLibrary.folders(
            environment: ["HOME": "/home/u", "XDG_DATA_HOME": "data", "XDG_DATA_DIRS": ""], installedData: nil,
            codeDirectories: [])
        XCTAssertEqual(relative.first?.path, "/home/u/.local/share/stylefilter/styles")
        XCTAssertEqual(relative.count, 3)
    }

    func testFirstFolderWinsAndExtensionsHaveAnOrder() throws {
        let first = try folder("first", ["alpha.jpg": "", "beta.JPG": "", "beta.png": "", "notes.txt": ""])
        let second = try folder("second", ["alpha.png": "", "gamma.tiff": "", "two.dots.png": "", ".hidden.png": ""])
        let lib = library(first, second)
        XCTAssertEqual(lib.find("alpha")?.image, first + "/alpha.jpg")
        XCTAssertEqual(lib.find("beta")?.image, first + "/beta.png", "png comes before jpg, whatever the case")
        XCTAssertEqual(lib.find("gamma")?.image, second + "/gamma.tiff")
        XCTAssertNil(lib.find("notes"))
        XCTAssertNil(lib.find("two.dots"))
        let (styles, hidden) = lib.all()
        XCTAssertEqual(styles.map(\.name), ["alpha", "beta", "gamma"])
        XCTAssertEqual(hidden.map(\.image), [second + "/alpha.png"])
    }

    func testNamesAreArgumentsThatCannotBeImages() throws {
        for name in ["swirls", "my-style", "Starry_2"] { XCTAssertTrue(StyleLibrary.isName(name), name) }
        for argument in ["a.png", "dir/swirls", "-", "png:swirls", "rose:", "", ".swirls", "-x"] {
            XCTAssertFalse(StyleLibrary.isName(argument), argument)
        }
        let lib = library(try folder("lib", ["alpha.png": ""]))
        XCTAssertEqual(try lib.resolve("in/alpha.png").image, "in/alpha.png")
        XCTAssertNil(try lib.resolve("in/alpha.png").style)
    }

    func testAnExistingFileBeatsAName() throws {
        try paint(try folder("home/.local/share/stylefilter/styles"), "alpha.png")
        // A file named like the style, here: it is read (and refused, being no image), not the style.
        try Data("not an image".utf8).write(to: URL(fileURLWithPath: path("alpha")))
        try makeTestImages()
        let r = try stylizeWithLibrary(["rose.png", "-s", "alpha", "-o", "out.png", "--size", "32"])
        assertOneLineError(r, "a file named like a style")
        XCTAssertTrue(r.stderr.contains("'alpha'") && !r.stderr.contains("styles/alpha.png"), r.stderr)
    }

    func testAnUnknownNameListsTheStylesAndFolders() throws {
        try paint(try folder("home/.local/share/stylefilter/styles"), "alpha.png")
        try paint(try folder("sys/stylefilter/styles"), "beta.png")
        try makeTestImages()
        let r = try stylizeWithLibrary(["rose.png", "-s", "gamma", "-o", "out.png"])
        assertOneLineError(r, "an unknown style")
        for part in [
            "style 'gamma' is neither an image file nor a style in the library", "alpha", "beta",
            "\(userStyles) (the user's)", "\(systemStyles) (XDG_DATA_DIRS)", "'stylize styles' lists them"
        ] {
            XCTAssertTrue(r.stderr.contains(part), "\(part) missing: \(r.stderr)")
        }
        XCTAssertFalse(exists("out.png"))
    }

    /// The command's settings with `XDG_DATA_HOME` set to the test's `data` folder (in this
    /// process, where `makeSettings` reads it).
    func settingsWithLibrary(_ arguments: [String]) throws -> StylizeSettings {
        let saved = getenv("XDG_DATA_HOME").map { String(cString: $0) }
        setenv("XDG_DATA_HOME", path("data"), 1)
        defer { if let saved { setenv("XDG_DATA_HOME", saved, 1) } else { unsetenv("XDG_DATA_HOME") } }
        let command = try XCTUnwrap(StylizeCommand.parsed(arguments) as? RunCommand)
        return try command.makeSettings()
    }

    func testOptionsFileSetsOptionsThatTheCommandLineOverrides() throws {
        let styles = try folder(
            "data/stylefilter/styles",
            [
                "alpha.png": "",
                "alpha.options": "# Alpha: a test style\nstyle-scale=2   colors=luminance\n\n# more\nstyle-weight=3\n"
            ])
        let settings = try settingsWithLibrary(["c.png", "-s", "alpha", "-o", "o.png"])
        XCTAssertEqual(settings.styles, [ImageLocation(styles + "/alpha.png")])
        XCTAssertEqual(settings.options.styleScale, 2)
        XCTAssertEqual(settings.options.colors, .luminance)
        XCTAssertEqual(settings.options.styleWeight, 3)
        let overridden = try settingsWithLibrary(["c.png", "-s", "alpha", "-o", "o.png", "--style-scale", "0.5"])
        XCTAssertEqual(overridden.options.styleScale, 0.5)
        XCTAssertEqual(overridden.options.colors, .luminance)
        let recommendation = try StyleLibrary.recommendation(of: XCTUnwrap(library(styles).find("alpha")))
        XCTAssertEqual(recommendation.title, "Alpha: a test style")
        XCTAssertEqual(recommendation.text, "style-scale=2 colors=luminance style-weight=3")
        // A file's name is not a style's: its options file is not read.
        let byFile = try settingsWithLibrary(["c.png", "-s", styles + "/alpha.png", "-o", "o.png"])
        XCTAssertEqual(byFile.options.styleScale, StyleOptions().styleScale)
        // Two named styles: their options files in order, the later one's value winning.
        try Data("style-scale=3".utf8).write(to: URL(fileURLWithPath: styles + "/beta.options"))
        try Data().write(to: URL(fileURLWithPath: styles + "/beta.png"))
        let both = try settingsWithLibrary(["c.png", "-s", "alpha", "-s", "beta", "-o", "o.png"])
        XCTAssertEqual(both.options.styleScale, 3)
        XCTAssertEqual(both.options.colors, .luminance)
    }

    func testABadOptionsFileNamesTheFileAndTheKey() throws {
        let cases: [(String, [String])] = [
            ("# t\nstyle-scale=9\n", ["line 2", "style-scale: '9' is out of range; valid: a finite number 0.25…4"]),
            ("brush=3", ["line 1", "unknown option 'brush'; valid: iterations,"]),
            ("style-scale 2", ["line 1", "'style-scale' is not NAME=VALUE"]),
            ("=2", ["'=2' is not NAME=VALUE"])
        ]
        for (text, parts) in cases {
            let file = path("bad.options")
            XCTAssertThrowsError(try StyleLibrary.recommendation(text: text, file: file), text) { error in
                let message = StylizeCommand.text(of: error)
                XCTAssertTrue(message.hasPrefix("style options file \(file), "), message)
                for part in parts { XCTAssertTrue(message.contains(part), "\(part) missing: \(message)") }
            }
        }
        // The command: one line, nothing written.
        let styles = try folder("home/.local/share/stylefilter/styles", ["alpha.options": "colors=sepia\n"])
        try paint(styles, "alpha.png")
        try makeTestImages()
        let r = try stylizeWithLibrary(["rose.png", "-s", "alpha", "-o", "out.png"])
        assertOneLineError(r, "a bad options file")
        XCTAssertTrue(
            r.stderr.contains("style options file \(styles)/alpha.options, line 1: colors: 'sepia'"), r.stderr)
        XCTAssertFalse(exists("out.png"))
    }

    func testStylesListsNamesTitlesFoldersAndOptions() throws {
        let user = try folder(
            "home/.local/share/stylefilter/styles", ["alpha.options": "# Alpha, the user's\nstyle-scale=1.5\n"])
        try paint(user, "alpha.png")
        let system = try folder("sys/stylefilter/styles", ["beta.options": "brush=1"])
        try paint(system, "alpha.jpg")
        try paint(system, "beta.png")
        let r = try stylizeWithLibrary(["styles"])
        XCTAssertEqual(r.status, 0, r.stderr)
        let out = String(decoding: r.stdout, as: UTF8.self)
        let lines = out.split(separator: "\n").map(String.init)
        func titleLine(_ name: String) -> String? {
            lines.first { $0.hasPrefix(name + " ") }.map { String($0.dropFirst(name.count)).trimmingSpaces() }
        }
        XCTAssertEqual(titleLine("alpha"), "Alpha, the user's")
        XCTAssertEqual(titleLine("beta"), "(no title)")
        for part in [
            "\(user)/alpha.png (the user's); options: style-scale=1.5\n", "hides \(system)/alpha.jpg (XDG_DATA_DIRS)\n",
            "options file error: style options file \(system)/beta.options, line 1: unknown option 'brush'",
            "Folders searched, in this order", "  \(user) (the user's)\n", "  \(systemStyles) (XDG_DATA_DIRS)\n",
            "Add a style: put NAME.png (and, if you like, NAME.options) into \(user)."
        ] {
            XCTAssertTrue(out.contains(part), "\(part) missing:\n\(out)")
        }
        let one = try stylizeWithLibrary(["styles", "--path", "alpha"])
        XCTAssertEqual(String(decoding: one.stdout, as: UTF8.self), user + "/alpha.png\n")
        assertOneLineError(try stylizeWithLibrary(["styles", "--path", "gamma"]), "styles --path of an unknown name")
    }

    /// The checkout's own styles (share/styles) are found by the built command, and every one
    /// of them has a title and options the table takes, beside an image.
    func testTheShippedStylesAreFoundAndTheirOptionsRead() throws {
        let shipped = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("share/styles").path
        let styles = StyleLibrary.styles(in: StyleLibrary.Folder(path: shipped, origin: "checkout"))
        XCTAssertGreaterThanOrEqual(styles.count, 4)
        for style in styles {
            let recommendation = try StyleLibrary.recommendation(of: style)
            XCTAssertNotNil(recommendation.title, style.name)
            XCTAssertNotNil(style.optionsFile, "\(style.name) has no options file (a title at least)")
        }
        let r = try stylizeWithLibrary(["styles"])
        let out = String(decoding: r.stdout, as: UTF8.self)
        XCTAssertTrue(out.contains("  \(shipped) (checkout)\n"), out)
        for style in styles { XCTAssertTrue(out.contains("\(shipped)/\(style.name).png (checkout)"), out) }
        XCTAssertFalse(out.contains("options file error"), out)
    }

    func testANamedStyleStylizes() throws {
        try TestModel.require()
        try paint(try folder("home/.local/share/stylefilter/styles", ["alpha.options": "style-scale=2"]), "alpha.png")
        try makeTestImages()
        let r = try stylizeWithLibrary(["rose.png", "-s", "alpha", "-o", "out.png", "--size", "32", "--iterations", "1"]
        )
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(try identify("%w", "out.png"), "32")
    }
}
