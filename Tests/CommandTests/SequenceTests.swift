import Foundation
import XCTest

/// Sequences: the frames of an animation, or a list of files with --sequence, stylized in order
/// (each tied to the ones before it, --temporal) into one file that holds frames or a file a
/// frame; frames of another size refused before any work; one report with an entry a frame;
/// a signal between or within frames leaves no temporary file. Tiny sizes, few iterations.
final class SequenceTests: CommandTestCase {
    override func setUpWithError() throws {
        try super.setUpWithError()
        try makeTestImages()
        // A texture moving a few pixels a frame, as a camera pan: three frames of 64×48.
        try makeImage("texture.png", ["-seed", "4", "-size", "96x80", "plasma:fractal", "-blur", "0x1", "-depth", "8"])
        try FileManager.default.createDirectory(atPath: path("frames"), withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: path("out"), withIntermediateDirectories: true)
        for i in 0..<3 {
            try makeImage("frames/f\(i).png", ["texture.png", "-crop", "64x48+\(3 * i)+\(2 * i)", "+repage"])
        }
        try makeImage(
            "anim.gif", ["-delay", "10", "frames/f0.png", "frames/f1.png", "frames/f2.png", "-loop", "2"])
    }

    /// Tiny, fast settings.
    func small(iterations: Int = 2) -> [String] {
        [
            "-s", "plasma.png", "--size", "64", "--iterations", String(iterations), "--scales", "1",
            "--threads", "1", "--model", TestModel.path
        ]
    }

    /// `identify -format` of every frame, one string.
    func frames(_ name: String, _ format: String = "%w %h|") throws -> String { try identify(format, name) }

    /// An animation's loop count (-loop; 0: forever), from `identify -verbose`.
    func loopCount(_ name: String) throws -> String {
        let r = try run("/usr/bin/identify", ["-verbose", name + "[0]"])
        XCTAssertEqual(r.status, 0, r.stderr)
        let line = String(decoding: r.stdout, as: UTF8.self).split(separator: "\n").first { $0.contains("Iterations:") }
        return line.map { String($0.split(separator: ":").last ?? "").trimmingCharacters(in: .whitespaces) } ?? "none"
    }

    /// The image's pixels as PPM bytes (through convert), to compare results.
    func pixels(_ name: String) throws -> Data {
        let r = try run("/usr/bin/convert", [path(name), "-depth", "8", "ppm:-"])
        XCTAssertEqual(r.status, 0, r.stderr)
        return r.stdout
    }

    func report(_ name: String) throws -> [String: Any] {
        let json = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path(name))))
        return try XCTUnwrap(json as? [String: Any])
    }

    func testAnAnimationBecomesAnAnimationOfItsFrames() throws {
        try TestModel.require()
        XCTAssertEqual(try frames("anim.gif"), "64 48|64 48|64 48|")
        let r = try stylize(["anim.gif", "-o", "out.gif"] + small())
        XCTAssertEqual(r.status, 0, r.stderr)
        // Every frame at the content's size, with its delay, the loop count kept.
        XCTAssertEqual(try frames("out.gif", "%w %h %W %H %T|"), "64 48 64 48 10|64 48 64 48 10|64 48 64 48 10|")
        XCTAssertEqual(try loopCount("out.gif"), "2")
        XCTAssertTrue(r.stderr.contains("stylize: wrote 3 frames to 'out.gif' (64×48"), r.stderr)
        XCTAssertNotEqual(try pixels("out.gif[0]"), try pixels("out.gif[1]"), "the frames are alike")
        XCTAssertEqual(try temporaryFiles(), [])
    }

    /// ImageMagick writes APNG (and video formats) only to a file, through ffmpeg: the output goes
    /// through a temporary file and is still written whole, atomically.
    func testAnAnimatedPNG() throws {
        try TestModel.require()
        try XCTSkipUnless(FileManager.default.isExecutableFile(atPath: "/usr/bin/ffmpeg"), "no ffmpeg (make test-deps)")
        let r = try stylize(["anim.gif", "-o", "out.apng", "--quiet"] + small())
        XCTAssertEqual(r.status, 0, r.stderr)
        let bytes = try Data(contentsOf: URL(fileURLWithPath: path("out.apng")))
        XCTAssertEqual(Array(bytes.prefix(4)), [0x89, 0x50, 0x4E, 0x47], "not a PNG")
        XCTAssertNotNil(bytes.range(of: Data("acTL".utf8)), "no animation control chunk: not an APNG")
        XCTAssertEqual(try temporaryFiles(), [])
    }

    func testFramesToAPattern() throws {
        try TestModel.require()
        let r = try stylize(["anim.gif", "-o", "out/%02d.png", "--quiet"] + small())
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(r.stderr, "")
        XCTAssertEqual(
            try FileManager.default.contentsOfDirectory(atPath: path("out")).sorted(),
            ["00.png", "01.png", "02.png"])
        for i in 0..<3 { XCTAssertEqual(try frames("out/0\(i).png"), "64 48|") }
    }

    func testAListOfFilesIsASequenceWithTheFlagOrIntoOneFileThatHoldsFrames() throws {
        try TestModel.require()
        let list = ["frames/f0.png", "frames/f1.png", "frames/f2.png"]
        var r = try stylize(list + ["--sequence", "-o", "out/%f-styled.png"] + small())
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(
            try FileManager.default.contentsOfDirectory(atPath: path("out")).sorted(),
            ["f0-styled.png", "f1-styled.png", "f2-styled.png"])
        XCTAssertTrue(r.stderr.contains("stylize: frame 2 → 'out/f1-styled.png'"), r.stderr)
        // A directory, in name order, into a file that holds frames: a sequence without the flag,
        // at 25 frames a second (a list's default delay), looping forever.
        r = try stylize(["frames", "-o", "list.gif"] + small())
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(try frames("list.gif", "%w %h %T|"), "64 48 4|64 48 4|64 48 4|")
        XCTAssertEqual(try loopCount("list.gif"), "0")
        // Without either, several contents stay a batch.
        r = try stylize(list + ["-o", "batch/%f.png"] + small())
        XCTAssertNotEqual(r.status, 0)
        XCTAssertTrue(r.stderr.contains("output directory 'batch' does not exist"), r.stderr)
        r = try stylize(list + ["-o", "out.png"] + small())
        XCTAssertEqual(r.status, 64)
        XCTAssertTrue(r.stderr.contains("need an output name each") && r.stderr.contains("--sequence"), r.stderr)
    }

    func testFramesOfAnotherSizeAreRefusedBeforeAnyWork() throws {
        try makeImage("frames/f1.png", ["texture.png", "-crop", "60x40+3+2", "+repage"])
        // The model is not even looked for: a missing one would be the error otherwise.
        let r = try stylize(
            ["frames/f0.png", "frames/f1.png", "frames/f2.png", "--sequence", "-o", "out.gif", "-s", "plasma.png"]
                + ["--model", path("missing.safetensors")])
        assertOneLineError(r, "frames of two sizes")
        XCTAssertTrue(
            r.stderr.contains("frame 2 ('frames/f1.png') is 60×40 but frame 1 ('frames/f0.png') is 64×48"),
            r.stderr)
        XCTAssertFalse(exists("out.gif"))
        XCTAssertEqual(try temporaryFiles(), [])
    }

    func testOutputsAreCheckedBeforeTheFirstFrame() throws {
        // An animation into one PNG: no file holds its frames there.
        var r = try stylize(["anim.gif", "-o", "one.png"] + small())
        assertOneLineError(r, "three frames into one PNG")
        XCTAssertTrue(r.stderr.contains("3 frames cannot go into one PNG file ('one.png')"), r.stderr)
        // %f names every frame of one file alike.
        r = try stylize(["anim.gif", "-o", "out/%f.gif"] + small())
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(try frames("out/anim.gif"), "64 48|64 48|64 48|")
        // A frame's output that is a content of the sequence.
        r = try stylize(["frames/f0.png", "frames/f1.png", "--sequence", "-o", "frames/f%d.png"] + small())
        assertOneLineError(r, "an output that is an input")
        XCTAssertTrue(r.stderr.contains("is the content image 'frames/f0.png'"), r.stderr)
        // Settings a sequence cannot take.
        r = try stylize(["anim.gif", "-o", "x.gif", "--save-every", "1"] + small())
        XCTAssertTrue(r.stderr.contains("--save-every is for single images and batches"), r.stderr)
        r = try stylize(["anim.gif", "-o", "x.gif", "--report", "r-%d.json"] + small())
        XCTAssertTrue(r.stderr.contains("a sequence has one report"), r.stderr)
        XCTAssertFalse(exists("x.gif"))
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: path("frames")).count, 3)
    }

    func testTemporalOffAndShortBothRunAndTheReportHasAnEntryAFrame() throws {
        try TestModel.require()
        try FileManager.default.createDirectory(atPath: path("short"), withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: path("off"), withIntermediateDirectories: true)
        var r = try stylize(
            ["anim.gif", "-o", "short/%d.png", "--temporal", "short", "--report", "short.json", "--progress"]
                + small(iterations: 4))
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stderr.contains("frame 2 of 3: scale 1/1 (64×48)"), r.stderr)
        XCTAssertTrue(r.stderr.contains("; sequence ETA "), r.stderr)
        r = try stylize(
            ["anim.gif", "-o", "off/%d.png", "--temporal", "off", "--report", "off.json"] + small(iterations: 4))
        XCTAssertEqual(r.status, 0, r.stderr)

        for (name, temporal) in [("short.json", "short"), ("off.json", "off")] {
            let json = try report(name)
            XCTAssertEqual(json["temporal"] as? String, temporal)
            XCTAssertEqual(json["frame_count"] as? Int, 3)
            let entries = try XCTUnwrap(json["frames"] as? [[String: Any]])
            XCTAssertEqual(entries.count, 3)
            for (i, entry) in entries.enumerated() {
                XCTAssertEqual(entry["frame"] as? Int, i)
                XCTAssertEqual(entry["source"] as? String, "anim.gif")
                XCTAssertEqual(entry["width"] as? Int, 64)
                XCTAssertNotNil(entry["seconds"] as? Double)
                XCTAssertEqual(entry["iterations"] as? Int, 4)
                let loss = try XCTUnwrap(entry["loss"] as? [String: Any])
                for key in ["content", "style", "tv", "temporal", "total"] {
                    XCTAssertNotNil(loss[key] as? Double, "\(name) frame \(i): loss.\(key)")
                }
                if temporal == "off" || i == 0 { XCTAssertEqual(loss["temporal"] as? Double, 0, "\(name) frame \(i)") }
            }
        }
        // The first frame is the same either way; the later ones continue from it only with short.
        XCTAssertEqual(try pixels("short/0.png"), try pixels("off/0.png"))
        XCTAssertNotEqual(try pixels("short/2.png"), try pixels("off/2.png"))
        // Off: every frame on its own, the result a run of its own gives.
        r = try stylize(["anim.gif[2]", "-o", "alone.png"] + small(iterations: 4))
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(try pixels("alone.png"), try pixels("off/2.png"))
    }

    func testASignalBetweenOrWithinFramesLeavesNoTemporaryFile() throws {
        try TestModel.require()
        for (output, kept) in [("out.gif", [String]()), ("out/%d.png", ["0.png"])] {
            let run = try start(
                ["anim.gif", "-o", output, "--progress", "--report", "report.json"] + small(iterations: 40))
            try run.waitUntil("the second frame") { run.stderr.contains("frame 2 of 3: ") }
            let bit = UInt64(1) << UInt64(SIGINT - 1)
            if run.signalMasks().ignored & bit != 0 {
                throw XCTSkip("SIGINT is ignored by the environment the tests run in")
            }
            let ended = run.signalAndWait(SIGINT)
            XCTAssertEqual(ended.reason, .uncaughtSignal, "\(output): exit status \(ended.status)")
            XCTAssertEqual(try temporaryFiles(), [], output)
            XCTAssertEqual(try temporaryFiles(in: "out"), [], output)
            XCTAssertFalse(exists("out.gif"), output)
            XCTAssertFalse(exists("report.json"), "\(output): a report without its last frame")
            // A file a frame: the frames done before the signal stay, each whole.
            XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: path("out")).sorted(), kept, output)
        }
    }
}
