import Foundation
import XCTest

/// Where outputs go (through the hidden `stylize copy`, which writes exactly as a stylization
/// does, so no model is needed): regular files replaced atomically, symlinks written through,
/// devices and FIFOs written in place and never replaced, a closed pipe reported as an error.
final class OutputTargetTests: CommandTestCase {
    override func setUpWithError() throws {
        try super.setUpWithError()
        try makeTestImages()
    }

    func fileType(_ path: String) -> mode_t? {
        var st = stat()
        return lstat(path, &st) == 0 ? st.st_mode & S_IFMT : nil
    }

    func permissions(_ name: String) -> mode_t {
        var st = stat()
        XCTAssertEqual(stat(path(name), &st), 0, name)
        return st.st_mode & 0o7777
    }

    func contents(_ name: String) throws -> Data { try Data(contentsOf: URL(fileURLWithPath: path(name))) }

    func testFullDeviceIsAnErrorAndStaysADevice() throws {
        try XCTSkipUnless(fileType("/dev/full") == S_IFCHR, "no /dev/full")
        for output in ["png:/dev/full", "/dev/full"] {
            let r = try stylize(["copy", "rose.png", output])
            if output.hasPrefix("png:") {
                assertOneLineError(r, output)
                XCTAssertTrue(r.stderr.contains("No space left on device"), r.stderr)
            } else {
                // No extension: refused before anything is written.
                assertOneLineError(r, output)
            }
            XCTAssertEqual(fileType("/dev/full"), S_IFCHR, "/dev/full is no longer a character device")
            XCTAssertEqual(try temporaryFiles(), [])
        }
        // A symlink to the device: written through, the device stays.
        XCTAssertEqual(symlink("/dev/full", path("full.png")), 0)
        assertOneLineError(try stylize(["copy", "rose.png", "full.png"]), "symlink to /dev/full")
        XCTAssertEqual(fileType(path("full.png")), S_IFLNK)
        XCTAssertEqual(fileType("/dev/full"), S_IFCHR)
    }

    func testFIFOReaderGetsTheWholeImageAndTheFIFOStays() throws {
        XCTAssertEqual(mkfifo(path("fifo"), 0o644), 0)
        let r = try shell(
            "cat fifo > received.png & \"$STYLIZE\" copy rose.png png:fifo; status=$?; wait; exit $status")
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(fileType(path("fifo")), S_IFIFO, "the FIFO was replaced")
        XCTAssertEqual(try identify("%m %w %h", "received.png"), "PNG 70 46")
        XCTAssertEqual(try temporaryFiles(), [])
    }

    func testSymlinkIsWrittenThrough() throws {
        try Data("old".utf8).write(to: URL(fileURLWithPath: path("target.png")))
        XCTAssertEqual(chmod(path("target.png"), 0o640), 0)
        XCTAssertEqual(symlink("target.png", path("link.png")), 0)
        let r = try stylize(["copy", "rose.png", "link.png"])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(fileType(path("link.png")), S_IFLNK, "the link was replaced")
        XCTAssertEqual(try identify("%m %w %h", "target.png"), "PNG 70 46")
        XCTAssertEqual(permissions("target.png"), 0o640, "the target's permissions changed")
        XCTAssertEqual(try temporaryFiles(), [])
    }

    func testSymlinkChainAcrossDirectories() throws {
        // chain.png → sub/hop.png → ../real/final.png (relative links, resolved from each link's directory)
        for d in ["sub", "real"] {
            try FileManager.default.createDirectory(atPath: path(d), withIntermediateDirectories: false)
        }
        try Data("old".utf8).write(to: URL(fileURLWithPath: path("real/final.png")))
        XCTAssertEqual(symlink("../real/final.png", path("sub/hop.png")), 0)
        XCTAssertEqual(symlink("sub/hop.png", path("chain.png")), 0)
        let r = try stylize(["copy", "gradient.png", "chain.png"])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(fileType(path("chain.png")), S_IFLNK)
        XCTAssertEqual(fileType(path("sub/hop.png")), S_IFLNK)
        XCTAssertEqual(try identify("%m %w %h", "real/final.png"), "PNG 64 48")
        for d in [nil, "sub", "real"] { XCTAssertEqual(try temporaryFiles(in: d), [], d ?? ".") }

        // A loop is an error, not a hang.
        XCTAssertEqual(symlink("loop-b.png", path("loop-a.png")), 0)
        XCTAssertEqual(symlink("loop-a.png", path("loop-b.png")), 0)
        assertOneLineError(try stylize(["copy", "gradient.png", "loop-a.png"]), "symlink loop")
    }

    func testDanglingSymlinkCreatesItsTarget() throws {
        XCTAssertEqual(symlink("made/new.png", path("dangling.png")), 0)
        let missing = try stylize(["copy", "rose.png", "dangling.png"])
        assertOneLineError(missing, "target directory missing")
        XCTAssertTrue(missing.stderr.contains("made"), missing.stderr)

        try FileManager.default.createDirectory(atPath: path("made"), withIntermediateDirectories: false)
        let r = try stylize(["copy", "rose.png", "dangling.png"])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(fileType(path("dangling.png")), S_IFLNK)
        XCTAssertEqual(try identify("%m", "made/new.png"), "PNG")
    }

    func testNewAndReplacedFilesPermissions() throws {
        let mask = umask(0o022)
        umask(mask)
        XCTAssertEqual(try stylize(["copy", "rose.png", "new.png"]).status, 0)
        XCTAssertEqual(permissions("new.png"), 0o666 & ~mask, "a new file's mode is not 0666 less the umask")
        XCTAssertEqual(chmod(path("new.png"), 0o600), 0)
        XCTAssertEqual(try stylize(["copy", "gradient.png", "new.png"]).status, 0)
        XCTAssertEqual(permissions("new.png"), 0o600, "replacing a file changed its permissions")
        XCTAssertEqual(try identify("%w %h", "new.png"), "64 48")
    }

    func testReadOnlyDirectoryIsAClearErrorAndLeavesNothing() throws {
        try FileManager.default.createDirectory(atPath: path("ro"), withIntermediateDirectories: false)
        let previous = Data("previous".utf8)
        try previous.write(to: URL(fileURLWithPath: path("ro/out.png")))
        XCTAssertEqual(chmod(path("ro"), 0o555), 0)
        defer { chmod(path("ro"), 0o755) }
        // Root may write anywhere: run the command as nobody then.
        var prefix: [String] = []
        if geteuid() == 0 {
            try XCTSkipUnless(
                FileManager.default.isExecutableFile(atPath: "/usr/bin/setpriv"),
                "running as root without setpriv to drop privileges")
            prefix = ["/usr/bin/setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"]
            let probe = try run(
                prefix[0], Array(prefix.dropFirst()) + ["/usr/bin/test", "-x", Self.binary, "-a", "-r", "rose.png"])
            try XCTSkipUnless(probe.status == 0, "running as root, and user nobody cannot run \(Self.binary)")
        }
        let command = prefix + [Self.binary]
        for output in ["ro/out.png", "ro/new.png"] {
            let r = try run(command[0], Array(command.dropFirst()) + ["copy", "rose.png", output])
            assertOneLineError(r, output)
            XCTAssertTrue(r.stderr.contains("not writable"), r.stderr)
        }
        XCTAssertEqual(try contents("ro/out.png"), previous)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: path("ro")), ["out.png"])
    }

    func testOwnDescriptorsAreWrittenInPlace() throws {
        for output in ["png:/dev/stdout", "png:/proc/self/fd/1", "png:/dev/fd/1"] {
            let r = try stylize(["copy", "rose.png", output])
            XCTAssertEqual(r.status, 0, "\(output): \(r.stderr)")
            try r.stdout.write(to: URL(fileURLWithPath: path("from-stdout.png")))
            XCTAssertEqual(try identify("%m %w %h", "from-stdout.png"), "PNG 70 46", output)
        }
        // A descriptor that is not open.
        assertOneLineError(try stylize(["copy", "rose.png", "png:/dev/fd/9"]), "closed descriptor")
    }

    func testClosedPipeIsAnErrorNotASilentDeath() throws {
        // A pipe whose reading end is closed before stylize starts: the first write fails (EPIPE).
        let pipe = Pipe()
        try pipe.fileHandleForReading.close()
        let process = Process()
        process.executableURL = URL(fileURLWithPath: Self.binary)
        process.arguments = ["copy", "rose.png", "ppm:-"]
        process.currentDirectoryURL = dir
        process.standardOutput = pipe.fileHandleForWriting
        let errorPath = path("stderr.txt")
        _ = FileManager.default.createFile(atPath: errorPath, contents: nil)
        let errorFile = try FileHandle(forWritingTo: URL(fileURLWithPath: errorPath))
        process.standardError = errorFile
        try process.run()
        process.waitUntilExit()
        try errorFile.close()
        XCTAssertEqual(process.terminationReason, .exit, "killed by signal \(process.terminationStatus)")
        XCTAssertEqual(process.terminationStatus, 1)
        let message = try String(contentsOfFile: errorPath, encoding: .utf8)
        XCTAssertTrue(message.hasPrefix("stylize: error: cannot write standard output"), message)
        XCTAssertTrue(message.contains("closed"), message)

        // The pipeline: `| head -c 10`. The image (1.4 MB) is larger than any pipe
        // buffer, so head has exited before stylize has written it all.
        try makeImage("big.png", ["-size", "700x700", "xc:red"])
        let r = try run(
            "/bin/bash",
            [
                "-c",
                "\"\(Self.binary)\" copy big.png ppm:- 2>err.txt | head -c 10 >/dev/null; "
                    + "echo ${PIPESTATUS[0]}; cat err.txt"
            ])
        let lines = String(decoding: r.stdout, as: UTF8.self).split(separator: "\n")
        XCTAssertEqual(lines.first, "1", "stylize's status (141 is death by SIGPIPE): \(lines)")
        XCTAssertTrue(
            lines.dropFirst().first?.hasPrefix("stylize: error: cannot write standard output") ?? false, "\(lines)")
    }

    func testFileSizeLimitIsAnErrorAndLeavesNothing() throws {
        // `ulimit -f 4`: files stop at 4 KiB; the PPM is about 9.5 KiB (SIGXFSZ would kill).
        try Data("previous".utf8).write(to: URL(fileURLWithPath: path("out.ppm")))
        let r = try run("/bin/bash", ["-c", "ulimit -f 4 && exec \"\(Self.binary)\" copy rose.png out.ppm"])
        assertOneLineError(r, "file-size limit")
        XCTAssertTrue(r.stderr.contains("File too large"), r.stderr)
        XCTAssertEqual(try contents("out.ppm"), Data("previous".utf8))
        XCTAssertEqual(try temporaryFiles(), [])
    }

    func testModelImportNeverReplacesADevice() throws {
        try XCTSkipUnless(fileType("/dev/full") == S_IFCHR, "no /dev/full")
        let r = try stylize(["model", "import", "rose.png", "-o", "/dev/full"])
        assertOneLineError(r, "model import to /dev/full")
        XCTAssertTrue(r.stderr.contains("not a regular file"), r.stderr)
        XCTAssertEqual(fileType("/dev/full"), S_IFCHR)
    }
}
