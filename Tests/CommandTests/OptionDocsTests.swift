import StyleKernel
import XCTest

/// docs/c-api.md's table of options is made from the option table's rows, never written by hand:
/// this test fails when the document's copy differs from what the rows give, and
/// `make docs-options` (STYLEFILTER_WRITE_DOCS=1) writes it anew.
final class OptionDocsTests: XCTestCase {
    static let document = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("docs/c-api.md")
    static let begin = "<!-- options: made from the option table by `make docs-options`; do not edit -->"
    static let end = "<!-- end of options -->"

    /// One line per row: its name, type, the C API's and the command's defaults, what it accepts
    /// and its help line.
    static func table() -> String {
        let cell = { (text: String) in text.replacingOccurrences(of: "|", with: "\\|") }
        var lines = [
            "| name | type | C API default | command default | accepts | what it does |",
            "|---|---|---|---|---|---|"
        ]
        for spec in OptionTable.all {
            lines.append(
                "| `\(spec.name)` | \(spec.kind.rawValue) | \(cell(spec.text(of: StyleOptions.filterDefaults))) | "
                    + "\(cell(spec.defaultText)) | \(cell(spec.accepted)) | \(cell(spec.help)) |")
        }
        return lines.joined(separator: "\n")
    }

    func testTheDocumentsOptionTableIsTheRows() throws {
        let text = try String(contentsOf: Self.document, encoding: .utf8)
        guard let start = text.range(of: Self.begin), let stop = text.range(of: Self.end),
            start.upperBound <= stop.lowerBound
        else {
            return XCTFail("docs/c-api.md lacks the markers \(Self.begin) … \(Self.end)")
        }
        let made = "\n\n" + Self.table() + "\n\n"
        if ProcessInfo.processInfo.environment["STYLEFILTER_WRITE_DOCS"] == "1" {
            try (text[..<start.upperBound] + made + text[stop.lowerBound...]).write(
                to: Self.document, atomically: true,
                encoding: .utf8)
            return
        }
        XCTAssertEqual(
            String(text[start.upperBound..<stop.lowerBound]), made,
            "docs/c-api.md's option table is not the option table's rows: run make docs-options")
    }
}
