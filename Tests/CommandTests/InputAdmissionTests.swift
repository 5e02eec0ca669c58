import Foundation
import XCTest

/// Images are checked before and after decoding: damaged files are refused (unless
/// --accept-damaged), images too large for --max-memory are refused from their header before any
/// pixel is decoded, ImageMagick's temporary files never outlive the run, and region masks take
/// their alpha and must have the content's proportions.
final class InputAdmissionTests: CommandTestCase {
    // MARK: fixtures

    /// A 128×96 JPEG, and copies cut at 3000 bytes and at half its length.
    func makeTruncatedJPEGs() throws {
        try makeImage("photo.jpg", ["-seed", "4", "-size", "128x96", "plasma:", "-quality", "95"])
        let bytes = try Data(contentsOf: URL(fileURLWithPath: path("photo.jpg")))
        XCTAssertGreaterThan(bytes.count, 6000, "the JPEG is too small to cut at 3000 bytes")
        try bytes.prefix(3000).write(to: URL(fileURLWithPath: path("cut3000.jpg")))
        try bytes.prefix(bytes.count / 2).write(to: URL(fileURLWithPath: path("cuthalf.jpg")))
    }

    /// `name` is `source` (a PNG) with its IHDR's width and height replaced (CRC recomputed).
    func rewritePNGHeader(_ source: String, to name: String, width: UInt32, height: UInt32) throws {
        var png = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path(source))))
        XCTAssertEqual(Array(png[12..<16]), Array("IHDR".utf8))
        func be32(_ v: UInt32) -> [UInt8] {
            [UInt8(v >> 24), UInt8((v >> 16) & 0xFF), UInt8((v >> 8) & 0xFF), UInt8(v & 0xFF)]
        }
        png.replaceSubrange(16..<24, with: be32(width) + be32(height))
        png.replaceSubrange(29..<33, with: be32(Self.crc32(Array(png[12..<29]))))
        try Data(png).write(to: URL(fileURLWithPath: path(name)))
    }

    /// header.png: 128×96 of data under a header that says 64×48. The data is black (all zero
    /// bytes), so every row the smaller header cuts still starts with a valid filter byte and
    /// libpng reads it through, warning only of the data left over.
    func makeHeaderMismatch() throws {
        try makeImage("big.png", ["-size", "128x96", "xc:black", "-type", "TrueColor", "-depth", "8"])
        try rewritePNGHeader("big.png", to: "header.png", width: 64, height: 48)
    }

    /// zlib's CRC-32 (PNG chunks).
    static func crc32(_ bytes: [UInt8]) -> UInt32 {
        var crc: UInt32 = 0xFFFF_FFFF
        for byte in bytes {
            crc ^= UInt32(byte)
            for _ in 0..<8 { crc = crc & 1 == 1 ? (crc >> 1) ^ 0xEDB8_8320 : crc >> 1 }
        }
        return ~crc
    }

    /// Runs `stylize` with ImageMagick's temporary directory set to `tmp` in the test directory.
    func stylizeWithTemporaryDirectory(_ arguments: [String]) throws -> CommandResult {
        try FileManager.default.createDirectory(atPath: path("tmp"), withIntermediateDirectories: true)
        let quoted = arguments.map { "'" + $0 + "'" }.joined(separator: " ")
        return try shell("MAGICK_TEMPORARY_PATH=\"$PWD/tmp\" \"$STYLIZE\" \(quoted)")
    }

    func temporaryDirectoryContents() throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: path("tmp"))
    }

    // MARK: damaged files

    /// A truncated JPEG (as content, style, mask or --init) and a PNG whose header is smaller
    /// than its data: exit 1, one line naming the file and ImageMagick's reason, nothing written.
    func testDamagedImagesAreRefusedNamingTheFileAndTheReason() throws {
        try makeTestImages()
        try makeTruncatedJPEGs()
        try makeHeaderMismatch()
        let cases: [(String, [String], String)] = [
            ("cut3000.jpg", ["cut3000.jpg", "-s", "gradient.png", "-o", "out.png"], "Premature end of JPEG file"),
            ("cuthalf.jpg", ["cuthalf.jpg", "-s", "gradient.png", "-o", "out.png"], "Premature end of JPEG file"),
            ("cuthalf.jpg", ["photo.jpg", "-s", "cuthalf.jpg", "-o", "out.png"], "Premature end of JPEG file"),
            (
                "cuthalf.jpg", ["photo.jpg", "-s", "gradient.png", "--mask", "cuthalf.jpg", "-o", "out.png"],
                "Premature end of JPEG file"
            ),
            (
                "cut3000.jpg", ["photo.jpg", "-s", "gradient.png", "--init", "cut3000.jpg", "-o", "out.png"],
                "Premature end of JPEG file"
            ),
            ("header.png", ["header.png", "-s", "gradient.png", "-o", "out.png"], "Too much image data"),
            ("header.png", ["copy", "header.png", "out.png"], "Too much image data")
        ]
        for (file, arguments, reason) in cases {
            let r = try stylize(arguments)
            assertOneLineError(r, arguments.joined(separator: " "))
            XCTAssertEqual(r.status, 1, r.stderr)
            XCTAssertTrue(
                r.stderr.contains("'\(file)'") && r.stderr.contains(reason) && r.stderr.contains("--accept-damaged"),
                r.stderr)
            XCTAssertFalse(exists("out.png"), arguments.joined(separator: " "))
        }
        // Standard input is named as such.
        let piped = try shell("\"$STYLIZE\" copy - out.png < cuthalf.jpg")
        assertOneLineError(piped, "damaged standard input")
        XCTAssertTrue(
            piped.stderr.contains("standard input") && piped.stderr.contains("Premature end of JPEG file"),
            piped.stderr)
    }

    /// --accept-damaged takes what ImageMagick could read: the truncated JPEG's grey, the PNG's
    /// first rows at its header's size.
    func testAcceptDamagedUsesWhatCouldBeRead() throws {
        try TestModel.require()
        try makeTestImages()
        try makeTruncatedJPEGs()
        try makeHeaderMismatch()
        let fast = [
            "--size", "full", "--iterations", "1", "--scales", "1", "--threads", "1", "--quiet",
            "--model", TestModel.path
        ]
        let r = try stylize(
            [
                "cuthalf.jpg", "-s", "cut3000.jpg", "--mask", "cuthalf.jpg", "--init", "cut3000.jpg",
                "-o", "out.png", "--accept-damaged"
            ] + fast)
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(try identify("%w %h", "out.png"), "128 96")
        let header = try stylize(
            ["header.png", "-s", "gradient.png", "-o", "header-out.png", "--accept-damaged"] + fast)
        XCTAssertEqual(header.status, 0, header.stderr)
        XCTAssertEqual(try identify("%w %h", "header-out.png"), "64 48")
    }

    /// Warnings about metadata are not damage: EXIF, PNG text and unknown chunks, 16-bit and CMYK
    /// TIFF read as before.
    func testHarmlessFilesAreNotDamaged() throws {
        try makeImage("plain.jpg", ["rose:"])
        var jpeg = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path("plain.jpg"))))
        let exif = ImageIOTests.exifBlock(orientation: 1)
        jpeg.insert(
            contentsOf: [0xFF, 0xE1, UInt8((exif.count + 2) >> 8), UInt8((exif.count + 2) & 0xFF)] + exif, at: 2)
        try Data(jpeg).write(to: URL(fileURLWithPath: path("exif.jpg")))
        try makeImage("text.png", ["rose:", "-set", "comment", "a comment", "-set", "Title", "a title"])
        // An unknown ancillary chunk ("zzZz": lower-case first letter) after IHDR.
        var png = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path("text.png"))))
        let chunk = Array("zzZz".utf8) + Array("hello".utf8)
        let crc = Self.crc32(chunk)
        png.insert(
            contentsOf: [0, 0, 0, 5] + chunk + [
                UInt8(crc >> 24), UInt8((crc >> 16) & 0xFF),
                UInt8((crc >> 8) & 0xFF), UInt8(crc & 0xFF)
            ], at: 33)
        try Data(png).write(to: URL(fileURLWithPath: path("chunk.png")))
        try makeImage("deep.tif", ["rose:", "-depth", "16"])
        try makeImage("cmyk.tif", ["rose:", "-colorspace", "CMYK"])
        for name in ["exif.jpg", "text.png", "chunk.png", "deep.tif", "cmyk.tif"] {
            let r = try stylize(["copy", name, "out-\(name).png"])
            XCTAssertEqual(r.status, 0, "\(name): \(r.stderr)")
            XCTAssertEqual(r.stderr, "", name)
            XCTAssertEqual(try identify("%w %h", "out-\(name).png"), "70 46", name)
        }
    }

    // MARK: size

    /// An image whose decode cannot fit --max-memory is refused from its header, at once, naming
    /// the file, its size and what to do; ImageMagick's temporary directory is left empty.
    func testLargeImagesAreRefusedBeforeDecoding() throws {
        try makeTestImages()
        // 12000×12000 claimed by the header of a small PNG (within Debian's 16K-a-side policy):
        // decoding would need about 3.5 GiB.
        try makeImage("small.png", ["-size", "64x48", "gradient:red-blue"])
        try rewritePNGHeader("small.png", to: "huge.png", width: 12000, height: 12000)
        let started = Date()
        let r = try stylizeWithTemporaryDirectory(["huge.png", "-s", "gradient.png", "-o", "out.png"])
        let seconds = Date().timeIntervalSince(started)
        assertOneLineError(r, "12000×12000 content")
        XCTAssertEqual(r.status, 1)
        for needle in ["'huge.png'", "12000×12000", "--max-memory", "-resize"] {
            XCTAssertTrue(r.stderr.contains(needle), "\(needle) missing: \(r.stderr)")
        }
        XCTAssertLessThan(seconds, 10, "the refusal took \(seconds) s: was the image decoded?")
        XCTAssertFalse(exists("out.png"))
        XCTAssertEqual(try temporaryDirectoryContents(), [])

        // A real image, as a style, against a small budget: 4000×3000 is about 300 MiB to decode.
        try makeImage("photo.png", ["-size", "4000x3000", "xc:white"])
        let style = try stylizeWithTemporaryDirectory([
            "rose.png", "-s", "photo.png", "-o", "out.png",
            "--max-memory", "256M"
        ])
        assertOneLineError(style, "4000×3000 style under 256 MiB")
        XCTAssertTrue(style.stderr.contains("'photo.png' is 4000×3000") && style.stderr.contains("256M"), style.stderr)
        XCTAssertEqual(try temporaryDirectoryContents(), [])
        // Within the budget it is read (and nothing is left behind either).
        XCTAssertEqual(try stylizeWithTemporaryDirectory(["copy", "photo.png", "copy.png", "--size", "64"]).status, 0)
        XCTAssertEqual(try temporaryDirectoryContents(), [])
    }

    /// A run stopped by SIGTERM while ImageMagick decodes into a temporary file (a pixel cache
    /// beyond its memory limit) removes that file: the private directory goes with it.
    func testSignalDuringDecodeLeavesNoTemporaryFiles() throws {
        // 6000×6000: a 288 MB pixel cache, beyond Debian's 256 MiB memory policy, so on disk.
        try makeImage("large.png", ["-size", "6000x6000", "xc:white"])
        try makeTestImages()
        let temporary = path("tmp")
        try FileManager.default.createDirectory(atPath: temporary, withIntermediateDirectories: true)
        setenv("MAGICK_TEMPORARY_PATH", temporary, 1)
        defer { unsetenv("MAGICK_TEMPORARY_PATH") }
        let running = try start(["large.png", "-s", "gradient.png", "-o", "out.png"])
        try running.waitUntil("ImageMagick's temporary file") {
            let dirs = try FileManager.default.contentsOfDirectory(atPath: temporary)
            return try dirs.contains {
                try !FileManager.default.contentsOfDirectory(atPath: temporary + "/" + $0).isEmpty
            }
        }
        kill(running.process.processIdentifier, SIGTERM)
        running.process.waitUntilExit()
        XCTAssertEqual(running.process.terminationReason, .uncaughtSignal)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: temporary), [])
        XCTAssertFalse(exists("out.png"))
    }

    // MARK: masks

    /// A mask's alpha multiplies it: a transparent white mask takes no style, exactly like a
    /// black one.
    func testMaskAlphaMultipliesItsValue() throws {
        try TestModel.require()
        try makeTestImages()
        try makeImage(
            "clear.png",
            [
                "-size", "70x46", "xc:white", "-alpha", "set", "-channel", "A", "-evaluate", "set", "0",
                "+channel"
            ])
        try makeImage("black.png", ["-size", "70x46", "xc:black"])
        try makeImage("white.png", ["-size", "70x46", "xc:white"])
        let fast = [
            "--size", "full", "--iterations", "3", "--scales", "1", "--threads", "1", "--seed", "1", "--quiet",
            "--model", TestModel.path
        ]
        for mask in ["clear", "black", "white"] {
            let r = try stylize(
                ["rose.png", "-s", "plasma.png", "--mask", "\(mask).png", "-o", "\(mask)-out.png"] + fast)
            XCTAssertEqual(r.status, 0, r.stderr)
        }
        let same = try run("/usr/bin/compare", ["-metric", "AE", "clear-out.png", "black-out.png", "null:"])
        XCTAssertEqual(same.stderr.trimmingCharacters(in: .whitespacesAndNewlines), "0", "transparent ≠ black")
        let differ = try run("/usr/bin/compare", ["-metric", "AE", "clear-out.png", "white-out.png", "null:"])
        XCTAssertNotEqual(
            differ.stderr.trimmingCharacters(in: .whitespacesAndNewlines), "0", "the white mask did nothing")
    }

    /// A mask of other proportions than the content's is refused, naming it; one pixel of
    /// rounding (a mask scaled from the content) is not.
    func testMaskOfAnotherShapeIsRefused() throws {
        try TestModel.require()
        try makeTestImages()  // rose.png: 70×46
        try makeImage("square.png", ["-size", "64x64", "xc:white"])
        let r = try stylize([
            "rose.png", "-s", "plasma.png", "--mask", "square.png", "-o", "out.png", "--model", TestModel.path
        ])
        assertOneLineError(r, "square mask")
        XCTAssertTrue(
            r.stderr.contains("'square.png'") && r.stderr.contains("64×64") && r.stderr.contains("70×46"), r.stderr)
        XCTAssertFalse(exists("out.png"))
        // 35×24 is rose.png halved with a rounding of 1 pixel; 140×91 doubled less one pixel.
        for size in ["35x24", "140x91", "71x46"] {
            try makeImage("scaled.png", ["-size", size, "xc:white"])
            let ok = try stylize([
                "rose.png", "-s", "plasma.png", "--mask", "scaled.png", "-o", "out.png", "--size", "full",
                "--iterations", "1", "--scales", "1", "--threads", "1", "--quiet", "--model", TestModel.path
            ])
            XCTAssertEqual(ok.status, 0, "\(size): \(ok.stderr)")
        }
    }
}
