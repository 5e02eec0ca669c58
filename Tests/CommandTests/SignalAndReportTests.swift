import Foundation
import XCTest

/// Whole runs that are stopped by a signal, or whose output or report cannot be written: never a
/// temporary file or a partial output left behind, a report only together with its image.
/// They need the model (skipped without it, except under `make test`).
final class SignalAndReportTests: CommandTestCase {
    override func setUpWithError() throws {
        try super.setUpWithError()
        try TestModel.require()
        try makeTestImages()
    }

    /// Tiny, fast settings; `iterations` large keeps the run in the optimisation until signalled.
    func arguments(output: String, iterations: Int = 1) -> [String] {
        [
            "rose.png", "-s", "plasma.png", "-o", output, "--size", "32", "--scales", "1",
            "--iterations", String(iterations), "--model", TestModel.path
        ]
    }

    /// Skips when the signal was ignored before stylize started (a shell's background job
    /// ignores SIGINT), which stylize rightly keeps; otherwise stylize must catch it.
    func requireCaught(_ signal: Int32, by run: RunningCommand) throws {
        let bit = UInt64(1) << UInt64(signal - 1)
        let masks = run.signalMasks()
        if masks.ignored & bit != 0 {
            throw XCTSkip("signal \(signal) is ignored by the environment the tests run in")
        }
        XCTAssertNotEqual(masks.caught & bit, 0, "stylize does not catch signal \(signal)")
    }

    func assertKilled(
        _ ended: (reason: Process.TerminationReason, status: Int32), by signal: Int32,
        file: StaticString = #filePath, line: UInt = #line
    ) {
        XCTAssertEqual(
            ended.reason, .uncaughtSignal,
            "stylize exited (status \(ended.status)) instead of dying by signal \(signal)",
            file: file, line: line)
        XCTAssertEqual(ended.status, signal, file: file, line: line)
    }

    func testSignalsDuringTheOptimisation() throws {
        for signal in [SIGTERM, SIGINT] {
            // Snapshots every iteration: their temporary files come and go all the time.
            let run = try start(
                arguments(output: "out.png", iterations: 1_000_000)
                    + ["--progress", "--save-every", "1", "--report", "report.json"])
            try run.waitUntil("the first progress line") { run.stderr.contains("iteration 1/") }
            try requireCaught(signal, by: run)
            assertKilled(run.signalAndWait(signal), by: signal)
            XCTAssertEqual(try temporaryFiles(), [], "signal \(signal)")
            XCTAssertFalse(exists("out.png"), "signal \(signal): an output appeared")
            XCTAssertFalse(exists("report.json"), "signal \(signal): a report appeared")
        }
    }

    func testSignalWhileTheOutputIsBeingWritten() throws {
        // The output is a FIFO nobody reads: stylize blocks opening it, with the report complete
        // in its temporary file, waiting to be renamed once the image is written.
        XCTAssertEqual(mkfifo(path("fifo"), 0o644), 0)
        for signal in [SIGTERM, SIGINT] {
            let run = try start(arguments(output: "png:fifo") + ["--report", "report.json"])
            try run.waitUntil("the report's temporary file") {
                try self.temporaryFiles().contains { $0.hasPrefix(".report.json.tmp-") }
            }
            try requireCaught(signal, by: run)
            assertKilled(run.signalAndWait(signal), by: signal)
            XCTAssertEqual(try temporaryFiles(), [], "signal \(signal)")
            XCTAssertFalse(exists("report.json"), "signal \(signal): a report without its image")
            var st = stat()
            XCTAssertEqual(lstat(path("fifo"), &st), 0)
            XCTAssertEqual(st.st_mode & S_IFMT, S_IFIFO, "the FIFO was replaced")
        }
    }

    /// strace, if it is installed and may trace here; else the test is skipped.
    func requireStrace() throws {
        try XCTSkipUnless(FileManager.default.isExecutableFile(atPath: "/usr/bin/strace"), "no strace")
        let probe = try run("/usr/bin/strace", ["-o", "/dev/null", "/bin/true"])
        try XCTSkipUnless(probe.status == 0, "strace cannot trace here: \(probe.stderr)")
    }

    /// After a run stopped by SIGTERM at the renames: the new image and the new report, no
    /// temporary file, and the shell's status of a death by SIGTERM.
    func assertNewPair(_ r: CommandResult, _ context: String, file: StaticString = #filePath, line: UInt = #line) throws
    {
        let status = String(decoding: r.stdout, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        XCTAssertEqual(status, "143", "\(context): \(r.stderr)", file: file, line: line)
        XCTAssertEqual(try identify("%m %w", "out.png"), "PNG 32", context, file: file, line: line)
        let json = try? JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path("report.json"))))
        XCTAssertEqual(
            (json as? [String: Any])?["width"] as? Int, 32, "\(context): the report is not the new one",
            file: file, line: line)
        XCTAssertEqual(try temporaryFiles(), [], context, file: file, line: line)
    }

    func testSignalAtTheRenamesLeavesTheNewPair() throws {
        // The reproduction: SIGTERM sent to the thread as it enters the image's rename
        // (when=1) or the report's (when=2). Held back until both are renamed.
        try requireStrace()
        let command = (["\"$STYLIZE\""] + arguments(output: "out.png") + ["--report", "report.json", "--quiet"])
            .joined(separator: " ")
        for when in [1, 2] {
            for name in ["out.png", "report.json"] {
                try Data("previous".utf8).write(to: URL(fileURLWithPath: path(name)))
            }
            let r = try shell(
                "strace -f -o /dev/null -e trace=rename,renameat,renameat2 "
                    + "-e inject=rename,renameat,renameat2:signal=TERM:when=\(when) \(command); echo $?")
            try assertNewPair(r, "signal at rename \(when)")
        }
    }

    func testSignalToAnotherThreadDuringTheRenames() throws {
        // The report's rename (the second) is made to take two seconds, the image being renamed
        // already; a SIGTERM for the process meanwhile is taken by a thread other than the
        // renaming one (which holds the signals back: the engine's worker threads do not), and
        // its handler must wait for the report's rename, not remove its temporary file and end
        // the process with the new image beside the old report.
        try requireStrace()
        for name in ["out.png", "report.json"] { try Data("previous".utf8).write(to: URL(fileURLWithPath: path(name))) }
        // stylize's own process ID, through a shell that writes it and then becomes stylize.
        let command =
            (["sh -c 'echo $$ >stylize.pid; exec \"$0\" \"$@\"' \"$STYLIZE\""] + arguments(output: "out.png")
            + ["--report", "report.json", "--quiet"]).joined(separator: " ")
        // The moment: both temporary files exist and stylize's main thread blocks SIGTERM (bit
        // 0x4000 of SigBlk), twice 50 ms apart (a temporary file's creation also blocks it, for
        // microseconds). Ten seconds at most, so that a stylize that never holds fails, not hangs.
        let r = try shell(
            "strace -f -o /dev/null -e trace=rename -e inject=rename:delay_enter=2000000:when=2 \(command) & "
                + "P=$!; held() { ls .report.json.tmp-* >/dev/null 2>&1 && C=$(cat stylize.pid) && "
                + "m=$(awk '/^SigBlk/ {print $2}' /proc/$C/status 2>/dev/null) && [ $(( 0x${m:-0} & 0x4000 )) -ne 0 ]; }; "
                + "n=0; until held && sleep 0.05 && held || [ $n -ge 1000 ]; do sleep 0.01; n=$((n+1)); done; "
                + "kill -TERM $C; wait $P; echo $?")
        try assertNewPair(r, "signal to the process during the renames")
    }

    func testFailedOutputLeavesNoReport() throws {
        try XCTSkipUnless(FileManager.default.fileExists(atPath: "/dev/full"), "no /dev/full")
        let r = try stylize(arguments(output: "png:/dev/full") + ["--report", "report.json", "--quiet"])
        assertOneLineError(r, "output to /dev/full")
        XCTAssertTrue(r.stderr.contains("No space left on device"), r.stderr)
        XCTAssertFalse(exists("report.json"), "a report without its image")
        XCTAssertEqual(try temporaryFiles(), [])
    }

    func testFailedReportAfterTheOutputIsExplained() throws {
        try XCTSkipUnless(FileManager.default.fileExists(atPath: "/dev/full"), "no /dev/full")
        // A device cannot be written in advance: the image is written, then the report fails.
        let r = try stylize(arguments(output: "out.png") + ["--report", "/dev/full", "--quiet"])
        assertOneLineError(r, "report to /dev/full")
        XCTAssertTrue(r.stderr.contains("wrote the output image, but not the report"), r.stderr)
        XCTAssertEqual(try identify("%m", "out.png"), "PNG")
        XCTAssertEqual(try temporaryFiles(), [])
    }

    func testReportThroughASymlinkAndAnUnwritableReportFailsFirst() throws {
        XCTAssertEqual(symlink("reports/latest.json", path("report.json")), 0)
        // The link leads into a directory that does not exist: refused before the run.
        let refused = try stylize(arguments(output: "out.png") + ["--report", "report.json"])
        assertOneLineError(refused, "report directory missing")
        XCTAssertTrue(refused.stderr.contains("reports"), refused.stderr)
        XCTAssertFalse(exists("out.png"), "the run went ahead")

        try FileManager.default.createDirectory(atPath: path("reports"), withIntermediateDirectories: false)
        let r = try stylize(arguments(output: "out.png") + ["--report", "report.json", "--quiet"])
        XCTAssertEqual(r.status, 0, r.stderr)
        let json = try JSONSerialization.jsonObject(
            with: Data(contentsOf: URL(fileURLWithPath: path("reports/latest.json"))))
        XCTAssertEqual((json as? [String: Any])?["width"] as? Int, 32)
        var st = stat()
        XCTAssertEqual(lstat(path("report.json"), &st), 0)
        XCTAssertEqual(st.st_mode & S_IFMT, S_IFLNK, "the report's symlink was replaced")
    }
}
