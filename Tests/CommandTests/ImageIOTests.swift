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
        try makeImage(
            "alpha.png",
            [
                "-size", "60x40", "gradient:red-blue", "(", "-size", "60x40", "gradient:white-black",
                ")", "-alpha", "off", "-compose", "CopyOpacity", "-composite", "-depth", "8"
            ])
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

    func testGrayAndOrientation() throws {
        try makeImage("gray.png", ["-size", "20x10", "gradient:", "-colorspace", "Gray"])
        XCTAssertEqual(try stylize(["copy", "gray.png", "gray-copy.png"]).status, 0)
        XCTAssertEqual(try identify("%w %h", "gray-copy.png"), "20 10")
        try makeImage("rotated.tif", ["rose:", "-orient", "RightTop"])
        XCTAssertEqual(try stylize(["copy", "rotated.tif", "upright.png"]).status, 0)
        XCTAssertEqual(try identify("%w %h", "upright.png"), "46 70")
    }

    /// A content image of several frames is refused (not silently cut to its first frame); one
    /// frame named with ImageMagick's [N] suffix is read.
    func testMultiFrameContentIsRefusedAndOneFrameCanBeNamed() throws {
        try makeImage("anim.gif", ["-size", "16x16", "xc:red", "-size", "8x8", "xc:blue"])
        let r = try stylize(["copy", "anim.gif", "frame.png"])
        assertOneLineError(r, "two-frame GIF")
        XCTAssertTrue(
            r.stderr.contains("2 frames") && r.stderr.contains("anim.gif[0]") && r.stderr.contains("-process"),
            r.stderr)
        XCTAssertFalse(exists("frame.png"))
        XCTAssertEqual(try stylize(["copy", "anim.gif[1]", "frame.png"]).status, 0)
        XCTAssertEqual(try identify("%w %h %[pixel:p{0,0}]", "frame.png"), "8 8 srgb(0,0,255)")
        let piped = try shell("convert anim.gif gif:- | \"$STYLIZE\" copy gif:- frame2.png")
        assertOneLineError(piped, "two frames on standard input")
        XCTAssertTrue(piped.stderr.contains("standard input holds 2 frames"), piped.stderr)
    }

    /// 16 bits a sample in, 16 out where the format holds it (PNG, TIFF, PPM); 8 in JPEG; 8 in, 8 out.
    func testSixteenBitDepthIsKept() throws {
        try makeImage("deep.png", ["-size", "64x48", "gradient:red-blue", "-depth", "16"])
        XCTAssertEqual(try identify("%z", "deep.png"), "16")
        for (output, file, depth) in [
            ("deep-copy.png", "deep-copy.png", "16"), ("deep-copy.tif", "deep-copy.tif", "16"),
            ("ppm:deep.dat", "deep.dat", "16"), ("deep-copy.jpg", "deep-copy.jpg", "8")
        ] {
            XCTAssertEqual(try stylize(["copy", "deep.png", output]).status, 0, output)
            XCTAssertEqual(try identify("%z", file), depth, output)
        }
        // A 16-bit copy keeps the samples exactly (they are Q16's own values).
        XCTAssertEqual(try differingPixels("deep.png", "deep-copy.png"), 0)
        try makeTestImages()
        XCTAssertEqual(try stylize(["copy", "gradient.png", "shallow.png"]).status, 0)
        XCTAssertEqual(try identify("%z", "shallow.png"), "8")
    }

    /// The content image's ICC profile, EXIF block and comment reach the output; the EXIF
    /// orientation says top-left once the pixels have been turned upright.
    func testProfilesAndCommentAreKept() throws {
        let icc = Self.minimalRGBProfile()
        try Data(icc).write(to: URL(fileURLWithPath: path("test.icc")))
        try makeImage("plain.jpg", ["rose:", "-profile", "test.icc", "-set", "comment", "kept comment"])
        // ImageMagick cannot make an EXIF block itself: insert one (APP1) after the JPEG's SOI marker.
        var jpeg = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path("plain.jpg"))))
        let exif = Self.exifBlock(orientation: 6)
        jpeg.insert(
            contentsOf: [0xFF, 0xE1, UInt8((exif.count + 2) >> 8), UInt8((exif.count + 2) & 0xFF)] + exif, at: 2)
        try Data(jpeg).write(to: URL(fileURLWithPath: path("photo.jpg")))
        XCTAssertEqual(try identify("%w %h %[exif:Make] %[exif:Orientation]", "photo.jpg"), "70 46 stylefilter 6")

        XCTAssertEqual(try stylize(["copy", "photo.jpg", "out.jpg"]).status, 0)
        XCTAssertEqual(
            try identify("%w %h %[exif:Make] %[exif:Orientation] %c", "out.jpg"), "46 70 stylefilter 1 kept comment")
        let copied = try run("/usr/bin/convert", ["out.jpg", "icc:-"])
        XCTAssertEqual(copied.status, 0, copied.stderr)
        XCTAssertEqual([UInt8](copied.stdout), icc)
        // Into PNG the comment too (ImageMagick 6 writes no EXIF into PNG, and libpng refuses an
        // ICC profile this small).
        XCTAssertEqual(try stylize(["copy", "photo.jpg", "out.png"]).status, 0)
        XCTAssertEqual(try identify("%c", "out.png"), "kept comment")
    }

    /// A small valid ICC v2 display profile header (RGB data, XYZ connection space) with no tags:
    /// enough for ImageMagick and libjpeg to carry it.
    static func minimalRGBProfile() -> [UInt8] {
        var header = [UInt8](repeating: 0, count: 132)
        header[3] = 132
        header[8] = 0x02
        header[9] = 0x10
        for (offset, text) in [(4, "none"), (12, "mntr"), (16, "RGB "), (20, "XYZ "), (36, "acsp")] {
            header.replaceSubrange(offset..<offset + 4, with: Array(text.utf8))
        }
        return header
    }

    /// "Exif\0\0" and a little-endian TIFF directory with Make = "stylefilter" and an orientation.
    static func exifBlock(orientation: UInt16) -> [UInt8] {
        func le16(_ v: Int) -> [UInt8] { [UInt8(v & 0xFF), UInt8(v >> 8)] }
        func le32(_ v: Int) -> [UInt8] { le16(v & 0xFFFF) + le16(v >> 16) }
        let make = Array("stylefilter\0".utf8)
        let makeOffset = 8 + 2 + 2 * 12 + 4
        var tiff: [UInt8] = Array("II*\0".utf8) + le32(8) + le16(2)
        tiff += le16(0x010F) + le16(2) + le32(make.count) + le32(makeOffset)
        tiff += le16(0x0112) + le16(3) + le32(1) + le16(Int(orientation)) + le16(0)
        tiff += le32(0) + make
        return Array("Exif\0\0".utf8) + tiff
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
        try (Data("P6\n20000 4\n255\n".utf8) + Data(count: 20000 * 4 * 3)).write(
            to: URL(fileURLWithPath: path("wide.ppm")))
        let wide = try stylize(["copy", "wide.ppm", "x.png"])
        assertOneLineError(wide, "huge image")
        XCTAssertTrue(wide.stderr.contains("wide.ppm"), wide.stderr)
        let damaged = try stylize(["copy", "gradient:", "x.png", "--size", "0"])
        assertOneLineError(damaged, "bad size")
        XCTAssertFalse(exists("x.png"))
    }
}
