import Foundation
import XCTest

@testable import StylizeCommandLine

/// Several contents in one run: names from -o patterns or -O, every output checked before the
/// first image, a bad content reported while the others are written, one model load.
final class BatchTests: CommandTestCase {
    override func setUpWithError() throws {
        try super.setUpWithError()
        try makeTestImages()
        try FileManager.default.createDirectory(atPath: path("in"), withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: path("out"), withIntermediateDirectories: true)
        try makeImage("in/a.png", ["-size", "40x30", "gradient:red-blue", "-depth", "8"])
        try makeImage("in/b.jpg", ["-seed", "3", "-size", "36x44", "plasma:fractal"])
        try makeImage("in/c.gif", ["rose:", "-resize", "40x"])
    }

    let small = ["-s", "plasma.png", "--size", "32", "--iterations", "2", "--scales", "1"]

    func testPatternNames() {
        let photo = ImageLocation("dir/holiday.photo.jpg[0]")
        XCTAssertEqual(NamePattern.expand("out/%f-x.%e", content: photo, index: 3), "out/holiday.photo-x.jpg")
        XCTAssertEqual(NamePattern.expand("f%04d.png", content: photo, index: 7), "f0007.png")
        XCTAssertEqual(NamePattern.expand("%d-%f.png", content: ImageLocation("-"), index: 12), "12-stdin.png")
        XCTAssertEqual(NamePattern.expand("100%%-%q%.png", content: photo, index: 0), "100%-%q%.png")
        XCTAssertEqual(NamePattern.expand("png:%f", content: ImageLocation("jpg:a/b"), index: 0), "png:b")
        XCTAssertTrue(NamePattern.namesEach("o/%f.png"))
        XCTAssertTrue(NamePattern.namesEach("o/%03d.png"))
        XCTAssertFalse(NamePattern.namesEach("o/%e.png"))
        XCTAssertFalse(NamePattern.namesEach("o/100%%.png"))
        XCTAssertFalse(NamePattern.namesEach("o/%5d.png"), "a width without 0 is not a token")
        XCTAssertEqual(OutputNaming.directory("o").location(for: ImageLocation("-"), index: 0).spec, "o/stdin.png")
        XCTAssertEqual(OutputNaming.directory("o/").location(for: photo, index: 0).spec, "o/holiday.photo.jpg")
    }

    func testADirectoryIsItsImagesByName() throws {
        try Data("x".utf8).write(to: URL(fileURLWithPath: path("in/notes.txt")))
        try Data("x".utf8).write(to: URL(fileURLWithPath: path("in/.hidden.png")))
        try FileManager.default.createDirectory(atPath: path("in/sub.png"), withIntermediateDirectories: true)
        let expanded = try ContentList.expand([path("in"), path("in/*.gif")]).map(\.spec)
        XCTAssertEqual(expanded, ["a.png", "b.jpg", "c.gif", "c.gif"].map { path("in/" + $0) })
        XCTAssertThrowsError(try ContentList.expand([path("out")])) { error in
            XCTAssertTrue("\(error)".contains("holds no images"), "\(error)")
        }
        // A frame of a file that exists is that image, not a glob.
        XCTAssertEqual(try ContentList.expand([path("in/c.gif[0]")]).map(\.spec), [path("in/c.gif[0]")])
        XCTAssertThrowsError(try ContentList.expand([path("in/*.tiff")])) { error in
            XCTAssertTrue("\(error)".contains("matches no file"), "\(error)")
        }
    }

    func testABatchWritesEachResultAndGoesOnPastABadOne() throws {
        try TestModel.require()
        try Data("not an image".utf8).write(to: URL(fileURLWithPath: path("in/bad.png")))
        let r = try stylize(["in", "-o", "out/%f-styled.png", "--model", TestModel.path] + small)
        XCTAssertEqual(r.status, 1, r.stderr)
        for name in ["a", "b", "c"] {
            XCTAssertTrue(FileManager.default.fileExists(atPath: path("out/\(name)-styled.png")), r.stderr)
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: path("out/bad-styled.png")))
        XCTAssertTrue(r.stderr.contains("stylize: [1/4] 'in/a.png'"), r.stderr)
        XCTAssertTrue(r.stderr.contains("stylize: error: 'in/bad.png'"), r.stderr)
        XCTAssertEqual(
            r.stderrLines.last, "stylize: error: 1 of 4 contents failed ('in/bad.png'); the other results were written")
        // Each result is the one a run of its own gives (the kept style Grams change nothing).
        let alone = try stylize(["in/b.jpg", "-o", "alone.png", "--model", TestModel.path] + small)
        XCTAssertEqual(alone.status, 0, alone.stderr)
        XCTAssertEqual(try pixels("alone.png"), try pixels("out/b-styled.png"))
    }

    func testOutputsAreCheckedBeforeTheFirstImage() throws {
        // Two contents whose names collide under %f, and an output that is another content.
        try FileManager.default.createDirectory(atPath: path("in2"), withIntermediateDirectories: true)
        try makeImage("in2/a.png", ["-size", "40x30", "gradient:red-blue", "-depth", "8"])
        var r = try stylize(["in/a.png", "in2/a.png", "-o", "out/%f.png"] + small)
        XCTAssertEqual(r.status, 1)
        XCTAssertTrue(r.stderr.contains("would both be written to 'out/a.png'"), r.stderr)
        r = try stylize(["in/a.png", "in/c.gif", "-o", "in/%f.gif"] + small)
        XCTAssertEqual(r.status, 1)
        XCTAssertTrue(r.stderr.contains("is the content image 'in/c.gif' of this run"), r.stderr)
        r = try stylize(["in/a.png", "in/c.gif", "-o", "out/same.png"] + small)
        XCTAssertEqual(r.status, 64)
        XCTAssertTrue(r.stderr.contains("need an output name each"), r.stderr)
        r = try stylize(["in", "-o", "out/same.png"] + small)
        XCTAssertEqual(r.status, 1)
        XCTAssertTrue(r.stderr.contains("3 content images need an output name each"), r.stderr)
        r = try stylize(["in", "-O", "missing"] + small)
        XCTAssertEqual(r.status, 1)
        XCTAssertTrue(r.stderr.contains("'missing'"), r.stderr)
        r = try stylize(["in/a.png", "-o", "x.png", "-O", "out"] + small)
        XCTAssertEqual(r.status, 64)
        XCTAssertTrue(r.stderr.contains("not both"), r.stderr)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: path("out")), [])
    }

    /// The image's pixels as PPM bytes (through convert), to compare results.
    func pixels(_ name: String) throws -> Data {
        let r = try run("/usr/bin/convert", [path(name), "-depth", "8", "ppm:-"])
        XCTAssertEqual(r.status, 0, r.stderr)
        return r.stdout
    }
}
