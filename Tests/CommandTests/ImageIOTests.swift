import Foundation
import XCTest

/// The command's image I/O (MagickWand) through the hidden `stylize copy IN OUT [--size N]`,
/// checked against the real `convert`/`identify`.
final class ImageIOTests: CommandTestCase {
    /// Pixel difference count between two images (0: identical).
    func differingPixels(_ a: String, _ b: String) throws -> Int {
        let r = try run("/usr/bin/compare", ["-metric", "AE", a, b, "null:"])
        XCTAssertLessThan(r.status, 2, "compare failed: \(r.stderr)")
        return Int(Double(r.stderr.trimmingCharacters(in: .whitespacesAndNewlines)) ?? -1)
    }

    func testPNGRoundTripIsExact() throws {
        try makeTestImages()
        for name in ["rose.png", "gradient.png", "plasma.png"] {
            XCTAssertEqual(try stylize(["copy", name, "copy-" + name]).status, 0)
            XCTAssertEqual(try identify("%w %h", "copy-" + name), try identify("%w %h", name))
            XCTAssertEqual(try differingPixels(name, "copy-" + name), 0, name)
        }
    }

    func testFormatsByExtensionAndPrefix() throws {
        try makeTestImages()
        XCTAssertEqual(try stylize(["copy", "rose.png", "rose.jpg"]).status, 0)
        XCTAssertEqual(try identify("%m", "rose.jpg"), "JPEG")
        XCTAssertEqual(try stylize(["copy", "rose.png", "tiff:rose.dat"]).status, 0)
        XCTAssertEqual(try identify("%m", "rose.dat"), "TIFF")
        XCTAssertEqual(try stylize(["copy", "rose:", "builtin.png"]).status, 0)
        XCTAssertEqual(try identify("%w %h", "builtin.png"), "70 46")
        try makeImage("rose.tga", ["rose:"])
        XCTAssertEqual(try stylize(["copy", "tga:rose.tga", "from-tga.png"]).status, 0)
        XCTAssertEqual(try differingPixels("rose.png", "from-tga.png"), 0)
    }

    func testStandardInputAndOutput() throws {
        let r = try shell("convert rose: ppm:- | \"$STYLIZE\" copy - png:- | convert - piped.jpg")
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(try identify("%m %w %h", "piped.jpg"), "JPEG 70 46")
        // `-` alone writes PNG; a format without magic bytes needs its prefix on input.
        let t = try shell("convert rose: tga:- | \"$STYLIZE\" copy tga:- - > plain.out")
        XCTAssertEqual(t.status, 0, t.stderr)
        XCTAssertEqual(try identify("%m %w %h", "plain.out"), "PNG 70 46")
    }

    func testAlphaIsKeptAndResized() throws {
        try makeImage("alpha.png", ["-size", "60x40", "gradient:red-blue", "(", "-size", "60x40", "gradient:white-black",
                                    ")", "-alpha", "off", "-compose", "CopyOpacity", "-composite", "-depth", "8"])
        XCTAssertEqual(try identify("%A", "alpha.png").lowercased() != "false", true)
        XCTAssertEqual(try stylize(["copy", "alpha.png", "alpha-copy.png"]).status, 0)
        XCTAssertEqual(try differingPixels("alpha.png", "alpha-copy.png"), 0)
        XCTAssertEqual(try stylize(["copy", "alpha.png", "alpha-small.png", "--size", "30"]).status, 0)
        XCTAssertEqual(try identify("%w %h", "alpha-small.png"), "30 20")
        XCTAssertNotEqual(try identify("%A", "alpha-small.png").lowercased(), "false")
        // Top rows opaque, bottom rows transparent, as in the source.
        XCTAssertGreaterThan(Double(try identify("%[fx:p{15,0}.a]", "alpha-small.png")) ?? 0, 0.9)
        XCTAssertLessThan(Double(try identify("%[fx:p{15,19}.a]", "alpha-small.png")) ?? 1, 0.1)
    }

    func testGrayAndOrientationAndFirstFrame() throws {
        try makeImage("gray.png", ["-size", "20x10", "gradient:", "-colorspace", "Gray"])
        XCTAssertEqual(try stylize(["copy", "gray.png", "gray-copy.png"]).status, 0)
        XCTAssertEqual(try identify("%w %h", "gray-copy.png"), "20 10")
        try makeImage("rotated.tif", ["rose:", "-orient", "RightTop"])
        XCTAssertEqual(try stylize(["copy", "rotated.tif", "upright.png"]).status, 0)
        XCTAssertEqual(try identify("%w %h", "upright.png"), "46 70")
        try makeImage("anim.gif", ["-size", "16x16", "xc:red", "-size", "8x8", "xc:blue"])
        XCTAssertEqual(try stylize(["copy", "anim.gif", "frame.png"]).status, 0)
        XCTAssertEqual(try identify("%w %h", "frame.png"), "16 16")
        XCTAssertEqual(try identify("%[pixel:p{0,0}]", "frame.png"), "srgb(255,0,0)")
    }

    func testFailedWriteLeavesExistingFileAndNoTemporaries() throws {
        try makeTestImages()
        let sentinel = Data("keep me".utf8)
        try sentinel.write(to: URL(fileURLWithPath: path("out.png")))
        try Data("junk".utf8).write(to: URL(fileURLWithPath: path("junk.png")))
        let r = try stylize(["copy", "junk.png", "out.png"])
        assertOneLineError(r, "corrupt input")
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: path("out.png"))), sentinel)
        XCTAssertEqual(try stylize(["copy", "rose.png", "out.png"]).status, 0)
        XCTAssertEqual(try identify("%m", "out.png"), "PNG")
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { $0.contains(".tmp-") }
        XCTAssertEqual(leftovers, [])
    }

    func testUnreadableImagesGiveOneLine() throws {
        let r = try stylize(["copy", "-", "x.png"])  // empty standard input
        assertOneLineError(r, "empty stdin")
        // Larger than ImageMagick's policy allows (Debian: 16K pixels a side): its reason is shown.
        try (Data("P6\n20000 4\n255\n".utf8) + Data(count: 20000 * 4 * 3)).write(to: URL(fileURLWithPath: path("wide.ppm")))
        let wide = try stylize(["copy", "wide.ppm", "x.png"])
        assertOneLineError(wide, "huge image")
        XCTAssertTrue(wide.stderr.contains("wide.ppm"), wide.stderr)
        let damaged = try stylize(["copy", "gradient:", "x.png", "--size", "0"])
        assertOneLineError(damaged, "bad size")
        XCTAssertFalse(exists("x.png"))
    }
}
