import Foundation
import XCTest

/// Images read from streams (standard input, pipes behind paths, named FIFOs) through the hidden
/// `stylize copy`: they work, and an endless stream is a clear error at 1 GiB, not a crash.
final class StreamInputTests: CommandTestCase {
    override func setUpWithError() throws {
        try super.setUpWithError()
        try makeTestImages()
    }

    func testPipesBehindPathsAreRead() throws {
        // ImageMagick's policy refuses to open these paths itself; stylize reads them.
        for (what, command) in [
            ("/dev/stdin on a pipe", "convert rose.png png:- | \"$STYLIZE\" copy /dev/stdin out.png"),
            ("process substitution", "\"$STYLIZE\" copy <(convert rose.png ppm:-) out.png"),
            ("format prefix on a pipe", "convert rose.png ppm:- | \"$STYLIZE\" copy ppm:/proc/self/fd/0 out.png"),
            (
                "named FIFO",
                "mkfifo in.fifo && { convert rose.png png:- > in.fifo & } && \"$STYLIZE\" copy in.fifo out.png; "
                    + "status=$?; wait; exit $status"
            )
        ] {
            let r = try run("/bin/bash", ["-c", "STYLIZE='\(Self.binary)'; " + command])
            XCTAssertEqual(r.status, 0, "\(what): \(r.stderr)")
            XCTAssertEqual(try identify("%m %w %h", "out.png"), "PNG 70 46", what)
            try FileManager.default.removeItem(atPath: path("out.png"))
        }
        let empty = try run("/bin/bash", ["-c", "STYLIZE='\(Self.binary)'; \"$STYLIZE\" copy <(true) out.png"])
        assertOneLineError(empty, "empty pipe")
        XCTAssertTrue(empty.stderr.contains("is empty"), empty.stderr)
    }

    func testEndlessStandardInputIsBounded() throws {
        // An endless stream: read up to the limit (1 GiB), then a clear error, not a crash.
        let r = try shell("\"$STYLIZE\" copy - out.png < /dev/zero")
        assertOneLineError(r, "/dev/zero on standard input")
        XCTAssertTrue(r.stderr.contains("standard input is longer than 1 GiB"), r.stderr)
        XCTAssertFalse(exists("out.png"))

        // A regular file that is too large is refused from its size, without reading it.
        let big = path("big.ppm")
        _ = FileManager.default.createFile(atPath: big, contents: nil)
        XCTAssertEqual(truncate(big, off_t(1 << 30) + 1), 0)
        let file = try shell("\"$STYLIZE\" copy - out.png < big.ppm")
        assertOneLineError(file, "huge file on standard input")
        XCTAssertTrue(file.stderr.contains("1 GiB"), file.stderr)
    }
}
