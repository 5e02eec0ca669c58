import XCTest

/// docs/architecture.md against the sources: the targets import only the targets its table lets
/// them use, and the engine's folders use each other only downwards, in the order it gives
/// ("layers: Tensor Support …"): a type named in a folder's code (comments and strings aside) is
/// declared in that folder or one before it.
final class ArchitectureTests: XCTestCase {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    /// The files ending in `.extension` below `path` (relative to the repository's root).
    func files(under path: String, extension: String = "swift") -> [URL] {
        let base = Self.root.appendingPathComponent(path)
        guard let walker = FileManager.default.enumerator(at: base, includingPropertiesForKeys: nil) else { return [] }
        return walker.compactMap { $0 as? URL }.filter { $0.pathExtension == `extension` }
    }

    func swiftFiles(in folder: String) throws -> [URL] { files(under: "Sources/StyleKernel/\(folder)") }

    /// The table under "## Targets": every folder of Sources/ with code has a row, and its Swift
    /// files import no other target of the package than the row's "uses" names (SwiftPM builds
    /// every module into one directory, where an import it was not told of can still succeed).
    func testTheTargetsImportOnlyWhatTheTableLists() throws {
        let document = try String(contentsOf: Self.root.appendingPathComponent("docs/architecture.md"), encoding: .utf8)
        let section = try XCTUnwrap(document.components(separatedBy: "\n## Targets\n").dropFirst().first)
            .components(separatedBy: "\n## ")[0]
        let quoted = try NSRegularExpression(pattern: "`([^`]+)`")
        func names(_ text: String) -> Set<String> {
            Set(
                quoted.matches(in: text, range: NSRange(text.startIndex..., in: text))
                    .map { String(text[Range($0.range(at: 1), in: text)!]) })
        }
        var uses: [String: Set<String>] = [:]
        for row in section.split(separator: "\n") where row.hasPrefix("| `") {
            let cells = row.split(separator: "|").map(String.init)
            guard cells.count >= 3, let target = names(cells[0]).first else { continue }
            uses[target] = names(cells[cells.count - 1])
        }
        let targets = try FileManager.default.contentsOfDirectory(
            atPath: Self.root.appendingPathComponent("Sources").path)
        XCTAssertGreaterThanOrEqual(uses.count, 8)
        // SwiftPM's module name of a target: its name with "-" as "_".
        let module = Dictionary(uniqueKeysWithValues: targets.map { ($0.replacingOccurrences(of: "-", with: "_"), $0) })
        let importLine = try NSRegularExpression(
            pattern: #"^(?:@testable |@_implementationOnly |public |package |internal )?import (\w+)"#,
            options: .anchorsMatchLines)
        for target in targets.sorted() {
            let sources = files(under: "Sources/\(target)")
            guard let allowed = uses[target] else {
                XCTAssertTrue(
                    sources.isEmpty && files(under: "Sources/\(target)", extension: "c").isEmpty,
                    "Sources/\(target) has no row in docs/architecture.md's table of targets")
                continue
            }
            for file in sources {
                let text = try String(contentsOf: file, encoding: .utf8)
                for m in importLine.matches(in: text, range: NSRange(text.startIndex..., in: text)) {
                    guard let used = module[String(text[Range(m.range(at: 1), in: text)!])], used != target else {
                        continue
                    }
                    XCTAssertTrue(
                        allowed.contains(used),
                        "\(target)/\(file.lastPathComponent) imports \(used), which docs/architecture.md does not list")
                }
            }
        }
    }

    /// Code without comments and string literals (so a word in a message or a comment is no use).
    func code(_ text: String) -> String {
        text.split(separator: "\n", omittingEmptySubsequences: false).map { line -> String in
            var out = "", inString = false, previous: Character = " "
            for c in line {
                if !inString && c == "/" && previous == "/" {
                    out.removeLast()
                    break
                }
                if c == "\"" && previous != "\\" {
                    inString.toggle()
                    previous = c
                    continue
                }
                if !inString { out.append(c) }
                previous = c
            }
            return out
        }.joined(separator: "\n")
    }

    func testTheEnginesFoldersUseOnlyTheFoldersBelowThem() throws {
        let document = try String(contentsOf: Self.root.appendingPathComponent("docs/architecture.md"), encoding: .utf8)
        let line = try XCTUnwrap(
            document.split(separator: "\n").first { $0.trimmingCharacters(in: .whitespaces).hasPrefix("layers:") })
        let layers = line.split(separator: " ").dropFirst().map(String.init)
        XCTAssertGreaterThanOrEqual(layers.count, 8)
        // Every folder of the engine is in the line.
        let folders = try FileManager.default.contentsOfDirectory(
            atPath: Self.root.appendingPathComponent("Sources/StyleKernel").path
        )
        .filter { !$0.hasSuffix(".swift") }
        XCTAssertEqual(Set(folders), Set(layers), "docs/architecture.md's layers are not the engine's folders")

        // Top-level declarations only: nested types (Pool2x2.Kind, …) are named through their parent.
        let declaration = try NSRegularExpression(
            pattern:
                #"^(?:public |internal |private |fileprivate )?(?:final )?(?:struct|enum|class|protocol) ([A-Z]\w*)"#,
            options: .anchorsMatchLines)
        var home: [String: Int] = [:]
        var sources: [(layer: Int, file: String, code: String)] = []
        for (index, folder) in layers.enumerated() {
            for file in try swiftFiles(in: folder) {
                let text = try String(contentsOf: file, encoding: .utf8)
                for m in declaration.matches(in: text, range: NSRange(text.startIndex..., in: text)) {
                    home[String(text[Range(m.range(at: 1), in: text)!])] = index
                }
                sources.append((index, "\(folder)/\(file.lastPathComponent)", code(text)))
            }
        }
        XCTAssertGreaterThan(home.count, 50)
        let word = try NSRegularExpression(pattern: #"\b[A-Z]\w*\b"#)
        for source in sources {
            let used = Set(
                word.matches(in: source.code, range: NSRange(source.code.startIndex..., in: source.code))
                    .map { String(source.code[Range($0.range, in: source.code)!]) })
            for type in used {
                guard let layer = home[type], layer > source.layer else { continue }
                XCTFail("\(source.file) uses \(type) of \(layers[layer]), a folder above \(layers[source.layer])")
            }
        }
    }
}
