import Foundation
import XCTest

@testable import StyleKernel

// What the import tests share: the repository's files, scratch directories, written inputs and
// the errors' messages.

/// The repository's root (Tests/StyleModelImportTests/… → ../..).
func repositoryRoot() -> String {
    URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().path
}

/// A fresh directory under the temporary directory, removed when `test` ends.
func makeTempDir(_ test: XCTestCase) throws -> String {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("stylefilter-import-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    test.addTeardownBlock { try? FileManager.default.removeItem(at: dir) }
    return dir.path
}

func writeBytes(_ bytes: [UInt8], to path: String) {
    XCTAssertTrue(FileManager.default.createFile(atPath: path, contents: Data(bytes)), "cannot write \(path)")
}

/// Asserts that `body` throws `StyleError.invalidModel` (`.io` if `io`) and that its message
/// contains every fragment.
func assertModelError(
    _ fragments: [String], io: Bool = false, file: StaticString = #filePath, line: UInt = #line,
    _ body: () throws -> Void
) {
    XCTAssertThrowsError(try body(), file: file, line: line) { error in
        let message: String?
        switch error as? StyleError {
        case .invalidModel(let m)? where !io: message = m
        case .io(let m)? where io: message = m
        default: message = nil
        }
        guard let message else { return XCTFail("not the expected StyleError: \(error)", file: file, line: line) }
        for fragment in fragments where !message.contains(fragment) {
            XCTFail("message \"\(message)\" lacks \"\(fragment)\"", file: file, line: line)
        }
    }
}
