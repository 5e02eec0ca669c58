import Foundation
import XCTest

/// Issue 28, parts 3, 5 and 7: no output (image, report, snapshot) replaces an input or another
/// output, however the paths are spelled; a file the user cannot write is not replaced; `--report
/// -` is standard output; closed standard descriptors are not written through. The refusals come
/// before the model is loaded, so most of these need no model.
final class OutputSafetyTests: CommandTestCase {
    override func setUpWithError() throws {
        try super.setUpWithError()
        try makeTestImages()
    }

    func contents(_ name: String) throws -> Data { try Data(contentsOf: URL(fileURLWithPath: path(name))) }

    /// A run that would be refused before any work (the model is not needed to get there).
    func base(_ content: String = "rose.png", style: String = "plasma.png", output: String) -> [String] {
        [content, "-s", style, "-o", output, "--size", "32", "--scales", "1", "--iterations", "1"]
    }

    func assertRefused(
        _ arguments: [String], mentioning text: String, untouched names: [String],
        file: StaticString = #filePath, line: UInt = #line
    ) throws {
        var before: [String: Data] = [:]
        for name in names where exists(name) { before[name] = try contents(name) }
        let r = try stylize(arguments)
        assertOneLineError(r, arguments.joined(separator: " "), file: file, line: line)
        XCTAssertTrue(r.stderr.contains(text), "\(arguments): \(r.stderr)", file: file, line: line)
        for name in names {
            if let data = before[name] {
                XCTAssertEqual(try contents(name), data, "\(name) was changed", file: file, line: line)
            } else {
                XCTAssertFalse(exists(name), "\(name) was created", file: file, line: line)
            }
        }
        XCTAssertEqual(try temporaryFiles(), [], file: file, line: line)
    }

    func testReportAndOutputMustDiffer() throws {
        XCTAssertEqual(symlink("out.png", path("link.json")), 0)
        for existing in [false, true] {
            if existing { try Data("previous".utf8).write(to: URL(fileURLWithPath: path("out.png"))) }
            for report in ["out.png", "./out.png", "link.json", path("out.png")] {
                try assertRefused(
                    base(output: "out.png") + ["--report", report], mentioning: "are the same file",
                    untouched: ["out.png"])
            }
        }
    }

    func testOutputsNeverReplaceInputs() throws {
        XCTAssertEqual(symlink("plasma.png", path("style-link.json")), 0)
        XCTAssertEqual(link(path("rose.png"), path("hard.json")), 0)
        let inputs = ["rose.png", "plasma.png"]
        try assertRefused(
            base(output: "out.png") + ["--report", "./rose.png"], mentioning: "is the content image",
            untouched: inputs + ["out.png"])
        try assertRefused(
            base(output: "out.png") + ["--report", "style-link.json"], mentioning: "is the style image",
            untouched: inputs + ["out.png"])
        try assertRefused(
            base(output: "out.png") + ["--report", "hard.json"], mentioning: "is the content image",
            untouched: inputs + ["out.png"])
        try assertRefused(base(output: "./rose.png"), mentioning: "is the content image", untouched: inputs)
        try assertRefused(
            base(output: "png:" + path("plasma.png")), mentioning: "is the style image", untouched: inputs)
        try assertRefused(
            base(output: "gradient.png") + ["--mask", "gradient.png"], mentioning: "is the --mask image",
            untouched: inputs + ["gradient.png"])
    }

    func testSnapshotsNeverReplaceInputsOrOutputs() throws {
        // The issue's case: the content itself has a snapshot's name.
        try FileManager.default.copyItem(atPath: path("rose.png"), toPath: path("o.iter0001.png"))
        try assertRefused(
            base("o.iter0001.png", output: "o.png") + ["--save-every", "1"],
            mentioning: "would replace the content image", untouched: ["o.iter0001.png", "o.png"])
        try FileManager.default.removeItem(atPath: path("o.iter0001.png"))
        // A snapshot name that leads to the style, or to the report (not yet written).
        XCTAssertEqual(symlink("plasma.png", path("o.iter0002.png")), 0)
        try assertRefused(
            base(output: "./o.png") + ["--save-every", "1"], mentioning: "would replace the style image",
            untouched: ["plasma.png", "o.png"])
        try FileManager.default.removeItem(atPath: path("o.iter0002.png"))
        XCTAssertEqual(symlink("report.json", path("o.iter00003.png")), 0)
        try assertRefused(
            base(output: "o.png") + ["--save-every", "1", "--report", "report.json"],
            mentioning: "would replace the --report", untouched: ["report.json", "o.png"])
        try FileManager.default.removeItem(atPath: path("o.iter00003.png"))
        // The report itself named as a snapshot.
        try assertRefused(
            base(output: "o.png") + ["--save-every", "1", "--report", "o.iter0002.png"],
            mentioning: "would replace the report", untouched: ["o.iter0002.png", "o.png"])
    }

    /// The command prefix that runs as user nobody (root passes every permission check).
    func unprivileged() throws -> [String] {
        try XCTSkipUnless(geteuid() == 0, "not root: cannot make files owned by another user")
        try XCTSkipUnless(FileManager.default.isExecutableFile(atPath: "/usr/bin/setpriv"), "no setpriv")
        let prefix = ["/usr/bin/setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"]
        let probe = try run(
            prefix[0], Array(prefix.dropFirst()) + ["/usr/bin/test", "-x", Self.binary, "-a", "-r", "rose.png"])
        try XCTSkipUnless(probe.status == 0, "user nobody cannot run \(Self.binary)")
        return prefix
    }

    func testWriteProtectedFilesAreNotReplaced() throws {
        let prefix = try unprivileged()
        XCTAssertEqual(chmod(dir.path, 0o777), 0)
        let previous = Data("previous".utf8)
        // nobody's own mode-444 file, root's 644 file, nobody's 444 report: all refused, as
        // convert refuses them.
        for (name, mode, owner) in [("ro.png", 0o444, 65534), ("roots.png", 0o644, 0), ("ro.json", 0o444, 65534)] {
            try previous.write(to: URL(fileURLWithPath: path(name)))
            XCTAssertEqual(chmod(path(name), mode_t(mode)), 0)
            XCTAssertEqual(chown(path(name), uid_t(owner), gid_t(owner)), 0)
        }
        let command = prefix + [Self.binary]
        for arguments in [
            ["copy", "rose.png", "ro.png"], ["copy", "rose.png", "roots.png"],
            base(output: "new.png") + ["--report", "ro.json"]
        ] {
            let r = try run(command[0], Array(command.dropFirst()) + arguments)
            assertOneLineError(r, "\(arguments)")
            XCTAssertTrue(r.stderr.contains("is write-protected"), r.stderr)
        }
        for name in ["ro.png", "roots.png", "ro.json"] { XCTAssertEqual(try contents(name), previous, name) }
        XCTAssertFalse(exists("new.png"))

        // Root's file that nobody may write (666): written in place, so root still owns it.
        try previous.write(to: URL(fileURLWithPath: path("shared.png")))
        XCTAssertEqual(chmod(path("shared.png"), 0o666), 0)
        let r = try run(command[0], Array(command.dropFirst()) + ["copy", "rose.png", "shared.png"])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(try identify("%m %w %h", "shared.png"), "PNG 70 46")
        var st = stat()
        XCTAssertEqual(stat(path("shared.png"), &st), 0)
        XCTAssertEqual(st.st_uid, 0, "the file changed owner")
        XCTAssertEqual(st.st_mode & 0o777, 0o666)
        XCTAssertEqual(try temporaryFiles(), [])
    }

    func testReportDashOnStandardOutput() throws {
        // With the image on standard output (however named), refused.
        for output in ["-", "png:-", "png:/dev/stdout"] {
            try assertRefused(base(output: output) + ["--report", "-"], mentioning: "--report", untouched: ["-"])
        }
        for report in ["/dev/stdout", "/dev/fd/1", "/proc/self/fd/1"] {
            try assertRefused(base(output: "-") + ["--report", report], mentioning: "are the same file", untouched: [])
        }
        // A device written twice by name loses nothing: this run gets as far as the model.
        let null = try stylize(
            base(output: "png:/dev/null") + ["--report", "/dev/null", "--model", "missing.safetensors"])
        XCTAssertTrue(null.stderr.contains("missing.safetensors"), null.stderr)

        try TestModel.require()
        let r = try stylize(base(output: "out.png") + ["--report", "-", "--quiet", "--model", TestModel.path])
        XCTAssertEqual(r.status, 0, r.stderr)
        let json = try JSONSerialization.jsonObject(with: r.stdout) as? [String: Any]
        XCTAssertEqual(json?["width"] as? Int, 32)
        XCTAssertFalse(exists("-"), "a file named '-' was made")
        XCTAssertEqual(try identify("%m", "out.png"), "PNG")
    }

    func testClosedStandardDescriptors() throws {
        // Standard output closed: writing the image (or the report) there is an error, not
        // bytes given to whatever file took descriptor 1.
        for output in ["-", "png:/dev/stdout"] {
            let r = try shell("\"$STYLIZE\" copy rose.png \(output) >&- 2>err.txt; echo $?; cat err.txt")
            let lines = String(decoding: r.stdout, as: UTF8.self).split(separator: "\n").map(String.init)
            XCTAssertEqual(lines.first, "1", "\(output): \(lines)")
            XCTAssertTrue(lines.last?.contains("standard output was closed") ?? false, "\(output): \(lines)")
        }
        let r = try shell(
            "\"$STYLIZE\" \(base(output: "out.png").joined(separator: " ")) --report - >&- 2>err.txt; "
                + "echo $?; cat err.txt")
        let lines = String(decoding: r.stdout, as: UTF8.self).split(separator: "\n").map(String.init)
        XCTAssertEqual(lines.first, "1", "\(lines)")
        XCTAssertTrue(lines.last?.contains("standard output was closed") ?? false, "\(lines)")
        XCTAssertFalse(exists("out.png"))

        // A file output with all three closed: written, and nothing else is.
        let copied = try shell("\"$STYLIZE\" copy rose.png out.png <&- >&- 2>&-; echo $?")
        XCTAssertEqual(String(decoding: copied.stdout, as: UTF8.self), "0\n")
        XCTAssertEqual(try identify("%m %w %h", "out.png"), "PNG 70 46")
        XCTAssertEqual(try temporaryFiles(), [])
    }
}
