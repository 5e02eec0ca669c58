import Foundation
import StyleKernel
import XCTest

/// Whole stylizations at a tiny size. They need the engine and the default model
/// (models/vgg16-imagenet.safetensors at the repository root); they skip without either.
final class EndToEndTests: CommandTestCase {
    static let modelPath = TestModel.path

    override func setUpWithError() throws {
        try super.setUpWithError()
        try TestModel.require()
        try makeTestImages()
    }

    /// Runs `stylize` with the repository's model.
    func stylizeWithModel(_ arguments: [String]) throws -> CommandResult {
        try stylize(arguments + ["--model", Self.modelPath])
    }

    /// Total loss of each `--progress` line (plain lines, as standard error is not a terminal).
    func progressTotals(_ stderr: String) -> [(iteration: Int, total: Double)] {
        stderr.split(separator: "\n").compactMap { line in
            let words = line.split(separator: " ")
            guard let i = words.firstIndex(of: "iteration"), i + 1 < words.count,
                let l = words.firstIndex(of: "loss"), l + 1 < words.count,
                let iteration = Int(words[i + 1].split(separator: "/")[0]),
                let total = Double(words[l + 1])
            else { return nil }
            return (iteration, total)
        }
    }

    func testSmallStylizationLossFallsAndReportIsComplete() throws {
        let r = try stylizeWithModel([
            "rose.png", "-s", "plasma.png", "-o", "out.png", "--size", "64",
            "--iterations", "8", "--progress", "--report", "report.json"
        ])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(try identify("%m %w %h", "out.png"), "PNG 64 42")

        let totals = progressTotals(r.stderr)
        XCTAssertGreaterThanOrEqual(totals.count, 2, "progress lines: \(r.stderr)")
        if let first = totals.first, let last = totals.last {
            XCTAssertEqual(first.iteration, 1)
            XCTAssertLessThan(last.total, first.total, "loss did not fall: \(r.stderr)")
        }

        let json = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path("report.json"))))
        let report = try XCTUnwrap(json as? [String: Any])
        let loss = try XCTUnwrap(report["loss"] as? [String: Any])
        for key in ["content", "style", "tv", "total"] { XCTAssertNotNil(loss[key] as? Double, "loss.\(key)") }
        for key in ["iterations", "seconds", "seconds_per_iteration", "width", "height"] {
            XCTAssertNotNil(report[key] as? NSNumber, key)
        }
        XCTAssertEqual(report["model"] as? String, Self.modelPath)
        XCTAssertFalse((report["blas_kernels"] as? String ?? "").isEmpty, "blas_kernels")
        XCTAssertTrue(
            Conv3x3.kernelSets.contains(report["convolution_kernels"] as? String ?? ""),
            "convolution_kernels")
        let stages = try XCTUnwrap(report["stages"] as? [[String: Any]], "stages")
        XCTAssertEqual(stages.last?["width"] as? Int, 64)
        XCTAssertEqual(stages.last?["height"] as? Int, 42)
        XCTAssert(stages.allSatisfy { $0["tiles"] is NSNull }, "a 64 px result has no tiled stage: \(stages)")
        XCTAssertEqual(report["width"] as? Int, 64)
        XCTAssertEqual(report["height"] as? Int, 42)
        XCTAssertEqual(report["preview"] as? Bool, false)
        XCTAssertGreaterThan(report["iterations"] as? Int ?? 0, 0)
        if let first = totals.first, let total = loss["total"] as? Double {
            XCTAssertLessThan(total, first.total)
        }
    }

    /// `--preview on`: the result at the requested size, from the first of two scales (91 px of
    /// 128) for its 3 iterations; the report says it was a preview.
    func testPreviewHasTheResultsSizeAndSaysSo() throws {
        let r = try stylizeWithModel([
            "rose.png", "-s", "plasma.png", "-o", "preview.png", "--size", "128", "--iterations", "3",
            "--preview", "on", "--progress", "--report", "preview.json"
        ])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(try identify("%w %h", "preview.png"), "128 84")
        XCTAssertEqual(progressTotals(r.stderr).last?.iteration, 3, r.stderr)
        XCTAssertTrue(r.stderr.contains("scale 1/1 (91×60)"), r.stderr)
        let json = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path("preview.json"))))
        let report = try XCTUnwrap(json as? [String: Any])
        XCTAssertEqual(report["preview"] as? Bool, true)
        XCTAssertEqual(report["iterations"] as? Int, 3)
        XCTAssertEqual(report["width"] as? Int, 128)
        let stages = try XCTUnwrap(report["stages"] as? [[String: Any]], "stages")
        XCTAssertEqual(stages.map { $0["width"] as? Int }, [91])
    }

    /// `--size full`: the result has the content's own size (rose: is 70×46).
    func testSizeFullKeepsTheContentSize() throws {
        let r = try stylizeWithModel([
            "rose.png", "-s", "plasma.png", "-o", "full.png", "--size", "full",
            "--iterations", "2", "--scales", "1", "--quiet"
        ])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(try identify("%w %h", "full.png"), "70 46")
    }

    func testAlphaPassesThrough() throws {
        try makeImage(
            "alpha.png",
            [
                "rose:", "(", "-size", "70x46", "gradient:white-black", ")", "-alpha", "off",
                "-compose", "CopyOpacity", "-composite", "-depth", "8"
            ])
        let r = try stylizeWithModel([
            "alpha.png", "-s", "plasma.png", "-o", "out.png", "--size", "64",
            "--iterations", "3", "--quiet"
        ])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(r.stderr, "", "--quiet printed something")
        XCTAssertEqual(try identify("%w %h", "out.png"), "64 42")
        XCTAssertNotEqual(try identify("%A", "out.png").lowercased(), "false")
        XCTAssertGreaterThan(Double(try identify("%[fx:p{32,0}.a]", "out.png")) ?? 0, 0.9)
        XCTAssertLessThan(Double(try identify("%[fx:p{32,41}.a]", "out.png")) ?? 1, 0.1)
    }

    /// A budget the result cannot fit in, even in the smallest tiles (the tiled stage's full-size
    /// images alone are larger): refused after the options and images are read but before any
    /// work (no progress line), exit status 1, one line naming the budget and the option to
    /// raise; no output, an existing output file left as it was, no temporary file.
    func testImpossibleBudgetIsRefusedWithoutOutput() throws {
        let arguments = [
            "rose.png", "-s", "plasma.png", "-o", "out.png", "--size", "8192", "--work-size", "128",
            "--max-memory", "256M", "--iterations", "1", "--progress"
        ]
        let before = try FileManager.default.contentsOfDirectory(atPath: dir.path).sorted()
        let r = try stylizeWithModel(arguments)
        assertOneLineError(r, "impossible budget")
        XCTAssertEqual(r.status, 1)
        XCTAssertTrue(r.stderr.contains("memory budget is 256 MiB") && r.stderr.contains("--max-memory"), r.stderr)
        XCTAssertEqual(
            try FileManager.default.contentsOfDirectory(atPath: dir.path).sorted(), before, "files left behind")

        let previous = Data("previous result".utf8)
        try previous.write(to: URL(fileURLWithPath: path("out.png")))
        let again = try stylizeWithModel(arguments)
        assertOneLineError(again, "impossible budget, existing output")
        XCTAssertEqual(
            try Data(contentsOf: URL(fileURLWithPath: path("out.png"))), previous, "changed the existing output")
        XCTAssertEqual(try temporaryFiles(), [])
    }

    func testStandardInputToStandardOutputPipeline() throws {
        let command =
            "convert rose: ppm:- | \"\(Self.binary)\" - -s plasma.png -o png:- --size 64 --iterations 3 "
            + "--quiet --model '\(Self.modelPath)' | convert - out.jpg"
        let r = try run("/bin/bash", ["-o", "pipefail", "-c", command])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(try identify("%m %w %h", "out.jpg"), "JPEG 64 42")
    }

    func testSeveralStylesBlendedAndSnapshots() throws {
        let r = try stylizeWithModel([
            "rose.png", "-s", "plasma.png", "-s", "gradient.png", "--style-blend", "0.7,0.3",
            "-o", "out.png", "--size", "48", "--iterations", "4", "--save-every", "2",
            "--seed", "3", "--init", "random"
        ])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(try identify("%m", "out.png"), "PNG")
        XCTAssertTrue(exists("out.iter0002.png"), "no snapshot at iteration 2")
        XCTAssertTrue(exists("out.iter0004.png"), "no snapshot at iteration 4")
    }

    func testLayerMissingFromTheModelFailsCleanly() throws {
        // conv3_4 exists in VGG19 only; the default model is VGG16.
        let r = try stylizeWithModel([
            "rose.png", "-s", "plasma.png", "-o", "out.png", "--size", "32",
            "--iterations", "1", "--style-layers", "conv1_1:1,conv3_4:1"
        ])
        assertOneLineError(r, "layer not in model")
        XCTAssertTrue(r.stderr.contains("conv3_4"), r.stderr)
        XCTAssertFalse(exists("out.png"))
    }

    /// The stylization itself keeps the content's depth and metadata (the I/O details are in
    /// ImageIOTests) and refuses a multi-frame content image before loading anything.
    func testDepthAndCommentKeptAndAnAnimationNotCutToOnePicture() throws {
        try makeImage(
            "deep.png",
            [
                "-size", "48x32", "gradient:tomato-steelblue", "-depth", "16",
                "-set", "comment", "from the content"
            ])
        let r = try stylizeWithModel([
            "deep.png", "-s", "plasma.png", "-o", "deep-out.png", "--size", "32",
            "--iterations", "1", "--scales", "1", "--quiet"
        ])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(try identify("%w %h %z %c", "deep-out.png"), "32 21 16 from the content")

        // An animation is a sequence (SequenceTests): its frames cannot go into one PNG.
        try makeImage("anim.gif", ["-size", "16x16", "xc:red", "-size", "8x8", "xc:blue"])
        let refused = try stylizeWithModel([
            "anim.gif", "-s", "plasma.png", "-o", "anim-out.png", "--size", "32",
            "--iterations", "1"
        ])
        assertOneLineError(refused, "animated content")
        XCTAssertTrue(refused.stderr.contains("2 frames cannot go into one PNG file"), refused.stderr)
        XCTAssertFalse(exists("anim-out.png"))
    }
}
