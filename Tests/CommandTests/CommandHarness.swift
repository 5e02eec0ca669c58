import Foundation
import XCTest

/// Runs the `stylize` binary built next to the test bundle, and `convert`/`identify`, in a
/// fresh temporary directory per test.
struct CommandResult {
    var status: Int32
    var stdout: Data
    var stderr: String
    var stderrLines: [String] { stderr.split(separator: "\n", omittingEmptySubsequences: true).map(String.init) }
}

class CommandTestCase: XCTestCase {
    var dir: URL!

    /// The `stylize` executable: $STYLIZE_BINARY, else beside this test bundle in the build products.
    static var binary: String {
        if let path = ProcessInfo.processInfo.environment["STYLIZE_BINARY"] { return path }
        let products = Bundle.main.bundleURL.deletingLastPathComponent()
        let candidates = [
            products, URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent(),
            Bundle(for: CommandTestCase.self).bundleURL.deletingLastPathComponent()
        ]
        for c in candidates {
            let path = c.appendingPathComponent("stylize").path
            if FileManager.default.isExecutableFile(atPath: path) { return path }
        }
        return products.appendingPathComponent("stylize").path
    }

    override func setUpWithError() throws {
        try XCTSkipUnless(
            FileManager.default.isExecutableFile(atPath: Self.binary),
            "stylize binary not found at \(Self.binary)")
        try XCTSkipUnless(
            FileManager.default.isExecutableFile(atPath: "/usr/bin/convert"),
            "ImageMagick's convert is not installed")
        dir = FileManager.default.temporaryDirectory
            .appendingPathComponent("stylize-tests-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        if let dir { try? FileManager.default.removeItem(at: dir) }
    }

    func path(_ name: String) -> String { dir.appendingPathComponent(name).path }

    /// Runs a program with arguments in the test directory; stdin from `input` (or empty).
    @discardableResult
    func run(_ executable: String, _ arguments: [String], input: Data = Data()) throws -> CommandResult {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.currentDirectoryURL = dir
        let stdinFile = path(".stdin-\(UUID().uuidString)")
        let stdoutFile = path(".stdout-\(UUID().uuidString)")
        let stderrFile = path(".stderr-\(UUID().uuidString)")
        defer { for f in [stdinFile, stdoutFile, stderrFile] { try? FileManager.default.removeItem(atPath: f) } }
        try input.write(to: URL(fileURLWithPath: stdinFile))
        _ = FileManager.default.createFile(atPath: stdoutFile, contents: nil)
        _ = FileManager.default.createFile(atPath: stderrFile, contents: nil)
        let inHandle = try FileHandle(forReadingFrom: URL(fileURLWithPath: stdinFile))
        let outHandle = try FileHandle(forWritingTo: URL(fileURLWithPath: stdoutFile))
        let errHandle = try FileHandle(forWritingTo: URL(fileURLWithPath: stderrFile))
        process.standardInput = inHandle
        process.standardOutput = outHandle
        process.standardError = errHandle
        try process.run()
        process.waitUntilExit()
        try inHandle.close()
        try outHandle.close()
        try errHandle.close()
        return CommandResult(
            status: process.terminationStatus,
            stdout: try Data(contentsOf: URL(fileURLWithPath: stdoutFile)),
            stderr: String(decoding: try Data(contentsOf: URL(fileURLWithPath: stderrFile)), as: UTF8.self))
    }

    @discardableResult
    func stylize(_ arguments: [String], input: Data = Data()) throws -> CommandResult {
        try run(Self.binary, arguments, input: input)
    }

    /// A shell pipeline in the test directory (`$STYLIZE` is the binary).
    @discardableResult
    func shell(_ command: String) throws -> CommandResult {
        try run("/bin/sh", ["-c", "STYLIZE='\(Self.binary)'; " + command])
    }

    /// Makes an image with ImageMagick (`convert ARGS... name`); asserts that it worked.
    func makeImage(_ name: String, _ arguments: [String], file: StaticString = #filePath, line: UInt = #line) throws {
        let r = try run("/usr/bin/convert", arguments + [name])
        XCTAssertEqual(r.status, 0, "convert failed: \(r.stderr)", file: file, line: line)
    }

    /// `identify -format FORMAT file`, trimmed.
    func identify(_ format: String, _ name: String) throws -> String {
        let r = try run("/usr/bin/identify", ["-format", format, name])
        XCTAssertEqual(r.status, 0, "identify \(name) failed: \(r.stderr)")
        return String(decoding: r.stdout, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    func exists(_ name: String) -> Bool { FileManager.default.fileExists(atPath: path(name)) }

    /// The standard small test images (8 bits a channel, like the command's output).
    func makeTestImages() throws {
        try makeImage("rose.png", ["rose:", "-depth", "8"])
        try makeImage("gradient.png", ["-size", "64x48", "gradient:red-blue", "-depth", "8"])
        try makeImage("plasma.png", ["-seed", "7", "-size", "40x40", "plasma:fractal", "-depth", "8"])
    }

    /// Names in the test directory that look like our temporary files (`.NAME.tmp-XXXXXX`).
    func temporaryFiles(in subdirectory: String? = nil) throws -> [String] {
        let where_ = subdirectory.map(path) ?? dir.path
        return try FileManager.default.contentsOfDirectory(atPath: where_).filter { $0.contains(".tmp-") }
    }

    /// Starts `stylize` in the background (stdin empty, stdout to a file), for tests that signal it.
    func start(_ arguments: [String]) throws -> RunningCommand {
        try RunningCommand(binary: Self.binary, arguments: arguments, directory: dir)
    }

    /// Asserts the failure shape every bad input must have: non-zero exit, one line on stderr
    /// starting `stylize: error:`, nothing on stdout.
    func assertOneLineError(_ r: CommandResult, _ context: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertNotEqual(r.status, 0, "\(context): exit status 0", file: file, line: line)
        XCTAssertEqual(
            r.stderrLines.count, 1, "\(context): stderr is not one line: \(r.stderr)", file: file, line: line)
        XCTAssertTrue(
            r.stderr.hasPrefix("stylize: error: "), "\(context): stderr is \(r.stderr)", file: file, line: line)
        XCTAssertFalse(r.stderr.contains("Fatal error"), "\(context): crashed: \(r.stderr)", file: file, line: line)
        XCTAssertTrue(r.stdout.isEmpty, "\(context): wrote to stdout", file: file, line: line)
    }
}

/// The repository's model for tests that run whole stylizations: they skip without it, except
/// under `make test` (STYLEFILTER_REQUIRE_SETUP=1), where the set-up has run and it must exist.
enum TestModel {
    static let path = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("models/vgg16-imagenet.safetensors").path

    static func require() throws {
        guard !FileManager.default.fileExists(atPath: path) else { return }
        let message = "no model at \(path): run `make setup` first"
        if ProcessInfo.processInfo.environment["STYLEFILTER_REQUIRE_SETUP"] == "1" { XCTFail(message) }
        throw XCTSkip(message)
    }
}

/// A `stylize` process running in the background; its standard error goes to a file that can be
/// read while it runs (to wait for a progress line before signalling it).
final class RunningCommand {
    let process = Process()
    let stderrPath: String
    private let handles: [FileHandle]

    init(binary: String, arguments: [String], directory: URL) throws {
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = arguments
        process.currentDirectoryURL = directory
        stderrPath = directory.appendingPathComponent(".stderr-\(UUID().uuidString)").path
        let stdoutPath = directory.appendingPathComponent(".stdout-\(UUID().uuidString)").path
        for f in [stderrPath, stdoutPath] { _ = FileManager.default.createFile(atPath: f, contents: nil) }
        let input = try FileHandle(forReadingFrom: URL(fileURLWithPath: "/dev/null"))
        let output = try FileHandle(forWritingTo: URL(fileURLWithPath: stdoutPath))
        let error = try FileHandle(forWritingTo: URL(fileURLWithPath: stderrPath))
        handles = [input, output, error]
        process.standardInput = input
        process.standardOutput = output
        process.standardError = error
        try process.run()
        try FileManager.default.removeItem(atPath: stdoutPath)
    }

    deinit {
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
        for h in handles { try? h.close() }
        try? FileManager.default.removeItem(atPath: stderrPath)
    }

    var stderr: String {
        String(decoding: (try? Data(contentsOf: URL(fileURLWithPath: stderrPath))) ?? Data(), as: UTF8.self)
    }

    /// Polls until `condition` holds. The deadline only keeps a broken build from hanging the
    /// suite; the test does not depend on how long anything takes.
    func waitUntil(_ what: String, _ condition: () throws -> Bool) throws {
        let deadline = Date().addingTimeInterval(600)
        while try !condition() {
            guard process.isRunning else {
                throw HarnessError("stylize ended (status \(process.terminationStatus)) before \(what): \(stderr)")
            }
            guard Date() < deadline else { throw HarnessError("gave up waiting for \(what): \(stderr)") }
            usleep(20_000)
        }
    }

    /// The signals the process ignores (inherited from whoever started the tests) and catches.
    func signalMasks() -> (ignored: UInt64, caught: UInt64) {
        let status = (try? String(contentsOfFile: "/proc/\(process.processIdentifier)/status", encoding: .utf8)) ?? ""
        func mask(_ key: String) -> UInt64 {
            for line in status.split(separator: "\n") where line.hasPrefix(key + ":") {
                return UInt64(line.dropFirst(key.count + 1).trimmingCharacters(in: .whitespaces), radix: 16) ?? 0
            }
            return 0
        }
        return (mask("SigIgn"), mask("SigCgt"))
    }

    /// Sends `signal` and waits for the process to end; returns how it ended.
    func signalAndWait(_ signal: Int32) -> (reason: Process.TerminationReason, status: Int32) {
        kill(process.processIdentifier, signal)
        process.waitUntilExit()
        return (process.terminationReason, process.terminationStatus)
    }
}

struct HarnessError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
