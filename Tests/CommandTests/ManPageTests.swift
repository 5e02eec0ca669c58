import Foundation
import XCTest

/// docs/man/stylize.1 (installed as PREFIX/share/man/man1/stylize.1) is made by ManPage from the
/// command's definitions and docs/man/stylize-sections.mdoc, never written by hand: this test
/// fails when the checked-in page differs from a fresh one, and `make man`
/// (STYLEFILTER_WRITE_DOCS=1) writes it anew. The page keeps its date until its text changes.
final class ManPageTests: XCTestCase {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()
    static let page = root.appendingPathComponent("docs/man/stylize.1")
    static let sections = root.appendingPathComponent("docs/man/stylize-sections.mdoc")

    func testTheCheckedInManPageIsMadeFromTheCommand() throws {
        let sections = try String(contentsOf: Self.sections, encoding: .utf8)
        let existing = try? String(contentsOf: Self.page, encoding: .utf8)
        let date = existing.flatMap(Self.date(of:)) ?? Self.today()
        let made = try ManPage.render(date: date, sections: sections)
        if ProcessInfo.processInfo.environment["STYLEFILTER_WRITE_DOCS"] == "1" {
            guard made != existing else { return }
            try ManPage.render(date: Self.today(), sections: sections).write(
                to: Self.page, atomically: true, encoding: .utf8)
            return
        }
        XCTAssertEqual(existing, made, "docs/man/stylize.1 is not what the command's definitions make: run make man")
    }

    /// The page reads as mdoc, without warnings, where a checker is installed (mandoc -T lint).
    func testTheManPageIsCleanMdoc() throws {
        let mandoc = ["/usr/bin/mandoc", "/usr/local/bin/mandoc"].first {
            FileManager.default.isExecutableFile(atPath: $0)
        }
        guard let mandoc else { throw XCTSkip("mandoc is not installed") }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: mandoc)
        process.arguments = ["-T", "lint", "-W", "warning", Self.page.path]
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        XCTAssertEqual(process.terminationStatus, 0, text)
    }

    static func date(of page: String) -> String? {
        page.split(separator: "\n").first { $0.hasPrefix(".Dd ") }.map { String($0.dropFirst(4)) }
    }

    static func today() -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "MMMM d, yyyy"
        return formatter.string(from: Date())
    }
}
