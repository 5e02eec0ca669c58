import XCTest

/// The engine's folders use each other only downwards, in the order docs/architecture.md gives
/// ("layers: Tensor Support …"): a type named in a folder's code (comments and strings aside) is
/// declared in that folder or one before it.
final class ArchitectureTests: XCTestCase {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    func swiftFiles(in folder: String) throws -> [URL] {
        let base = Self.root.appendingPathComponent("Sources/StyleKernel/\(folder)")
        guard let walker = FileManager.default.enumerator(at: base, includingPropertiesForKeys: nil) else { return [] }
        return walker.compactMap { $0 as? URL }.filter { $0.pathExtension == "swift" }
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
