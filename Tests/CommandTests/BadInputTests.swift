import Foundation
import StyleKernel
import XCTest

/// Every bad input fails before any work: non-zero exit, one line `stylize: error: …` on stderr,
/// no output file created, an existing output file untouched, no temporary file left behind.
final class BadInputTests: CommandTestCase {
    /// (what, arguments); the output is `out.png` unless the arguments say otherwise.
    var cases: [(String, [String])] {
        let base = ["rose.png", "-s", "gradient.png", "-o", "out.png"]
        return [
            ("missing content", ["missing.png", "-s", "gradient.png", "-o", "out.png"]),
            ("content is a directory", ["sub", "-s", "gradient.png", "-o", "out.png"]),
            ("missing style", ["rose.png", "-s", "missing.png", "-o", "out.png"]),
            ("second style missing", ["rose.png", "-s", "gradient.png", "-s", "missing.png", "-o", "out.png"]),
            ("corrupt content", ["corrupt.png", "-s", "gradient.png", "-o", "out.png"]),
            ("empty content", ["empty.png", "-s", "gradient.png", "-o", "out.png"]),
            ("no style", ["rose.png", "-o", "out.png"]),
            ("no output", ["rose.png", "-s", "gradient.png"]),
            ("no content", ["-s", "gradient.png", "-o", "out.png"]),
            ("unknown content layer", base + ["--content-layers", "conv9_9"]),
            ("unknown style layer", base + ["--style-layers", "conv1_1:1,pool3:1"]),
            ("style weight not a number", base + ["--style-layers", "conv1_1:abc"]),
            ("empty style layer entry", base + ["--style-layers", "conv1_1:1,,conv2_1:1"]),
            ("trailing comma", base + ["--style-layers", "conv1_1:1,"]),
            ("missing layer weight", base + ["--style-layers", "conv1_1:"]),
            ("missing layer name", base + ["--style-layers", ":1"]),
            ("two colons", base + ["--style-layers", "conv1_1:1:2"]),
            ("duplicate layer", base + ["--style-layers", "conv1_1:1,conv1_1:2"]),
            ("empty content layers", base + ["--content-layers", ""]),
            ("empty content layer entry", base + ["--content-layers", "conv4_2,"]),
            ("NaN layer weight", base + ["--style-layers", "conv1_1:nan"]),
            ("negative layer weight", base + ["--style-layers", "conv1_1:-1"]),
            ("all layer weights zero", base + ["--style-layers", "conv1_1:0"]),
            ("NaN style weight", base + ["--style-weight", "nan"]),
            ("infinite content weight", base + ["--content-weight", "inf"]),
            ("huge content weight", base + ["--content-weight", "1e60"]),
            ("negative tv weight", base + ["--tv-weight", "-1"]),
            ("negative style weight with =", base + ["--style-weight=-0.5"]),
            ("zero learning rate", base + ["--lr", "0"]),
            ("weight not a number", base + ["--style-weight", "lots"]),
            ("zero size", base + ["--size", "0"]),
            ("negative size", base + ["--size", "-64"]),
            ("absurd size", base + ["--size", "100000"]),
            ("zero work size", base + ["--work-size", "0"]),
            ("work size under the limit", base + ["--work-size", "63"]),
            ("work size over the limit", base + ["--work-size", "\(StyleOptions.maximumSize + 1)"]),
            ("memory budget under the minimum", base + ["--max-memory", "1K"]),
            ("memory budget just under the minimum", base + ["--max-memory", "255M"]),
            ("memory budget beyond any machine", base + ["--max-memory", "99999999999G"]),
            ("memory budget with an IEC unit", base + ["--max-memory", "1.5Gi"]),
            ("memory budget not a size", base + ["--max-memory", "lots"]),
            ("zero iterations", base + ["--iterations", "0"]),
            ("negative iterations", base + ["--iterations", "-1"]),
            ("zero scales", base + ["--scales", "0"]),
            ("negative threads", base + ["--threads", "-2"]),
            ("zero save-every", base + ["--save-every", "0"]),
            ("blend count", base + ["--style-blend", "0.5,0.5"]),
            (
                "blend empty entry",
                ["rose.png", "-s", "gradient.png", "-s", "plasma.png", "-o", "out.png", "--style-blend", "1,"]
            ),
            (
                "blend NaN",
                ["rose.png", "-s", "gradient.png", "-s", "plasma.png", "-o", "out.png", "--style-blend", "1,nan"]
            ),
            (
                "blend negative",
                ["rose.png", "-s", "gradient.png", "-s", "plasma.png", "-o", "out.png", "--style-blend", "1,-1"]
            ),
            (
                "blend all zero",
                ["rose.png", "-s", "gradient.png", "-s", "plasma.png", "-o", "out.png", "--style-blend", "0,0"]
            ),
            // Values are exact (the option table's OptionText): no blanks around them, no sign on
            // a count, plain decimal numbers, only the units K, M, G.
            ("count with a sign", base + ["--iterations", "+2"]),
            ("count with a space", base + ["--iterations", " 2"]),
            ("word with a space", base + ["--size", "full "]),
            ("memory budget in terabytes", base + ["--max-memory", "1T"]),
            ("memory budget in lower case", base + ["--max-memory", "2g"]),
            ("weight with a sign", base + ["--style-weight", "+1"]),
            ("weight in hexadecimal", base + ["--style-weight", "0x10"]),
            (
                "blend weight with a sign",
                ["rose.png", "-s", "gradient.png", "-s", "plasma.png", "-o", "out.png", "--style-blend", "+1,1"]
            ),
            (
                "blend weight with a space",
                ["rose.png", "-s", "gradient.png", "-s", "plasma.png", "-o", "out.png", "--style-blend", " 1,1"]
            ),
            ("unknown optimizer", base + ["--optimizer", "sgd"]),
            ("unknown pooling", base + ["--pooling", "min"]),
            ("unknown objective", base + ["--objective", "fancy"]),
            ("unknown option", base + ["--sise", "3"]),
            ("missing init image", base + ["--init", "missing.png"]),
            ("output directory missing", ["rose.png", "-s", "gradient.png", "-o", "nodir/out.png"]),
            ("output is a directory", ["rose.png", "-s", "gradient.png", "-o", "sub"]),
            ("unknown output format", ["rose.png", "-s", "gradient.png", "-o", "out.xyz"]),
            ("output without extension", ["rose.png", "-s", "gradient.png", "-o", "out"]),
            ("report directory missing", base + ["--report", "nodir/report.json"]),
            ("report is a directory", base + ["--report", "sub"]),
            ("two standard inputs", ["-", "-s", "-", "-o", "out.png"]),
            ("save-every to stdout", ["rose.png", "-s", "gradient.png", "-o", "png:-", "--save-every", "5"]),
            ("save-every to a device", ["rose.png", "-s", "gradient.png", "-o", "png:/dev/null", "--save-every", "5"]),
            ("model file missing", base + ["--model", "missing.safetensors"]),
            ("model import: missing ONNX", ["model", "import", "missing.onnx", "-o", "out.png"]),
            ("model import: output directory missing", ["model", "import", "rose.png", "-o", "nodir/m.safetensors"])
        ]
    }

    func testBadInputsFailCleanly() throws {
        try makeTestImages()
        try FileManager.default.createDirectory(atPath: path("sub"), withIntermediateDirectories: false)
        try Data("this is not an image".utf8).write(to: URL(fileURLWithPath: path("corrupt.png")))
        _ = FileManager.default.createFile(atPath: path("empty.png"), contents: Data())
        let before = try FileManager.default.contentsOfDirectory(atPath: dir.path).sorted()

        for (what, arguments) in cases {
            // No output file: none may appear.
            let r = try stylize(arguments)
            assertOneLineError(r, what)
            XCTAssertFalse(exists("out.png"), "\(what): created out.png")
            XCTAssertFalse(exists("nodir"), "\(what): created nodir")
            XCTAssertEqual(
                try FileManager.default.contentsOfDirectory(atPath: dir.path).sorted(), before,
                "\(what): left files behind")

            // An existing output file: left exactly as it was.
            let sentinel = Data("previous result".utf8)
            try sentinel.write(to: URL(fileURLWithPath: path("out.png")))
            let again = try stylize(arguments)
            assertOneLineError(again, what + " (existing output)")
            XCTAssertEqual(
                try Data(contentsOf: URL(fileURLWithPath: path("out.png"))), sentinel,
                "\(what): changed the existing output")
            try FileManager.default.removeItem(atPath: path("out.png"))
        }
    }

    func testErrorNamesTheProblem() throws {
        try makeTestImages()
        let base = ["rose.png", "-s", "gradient.png", "-o", "out.png"]
        let expectations: [([String], String)] = [
            (["missing.png", "-s", "gradient.png", "-o", "out.png"], "missing.png"),
            (base + ["--style-layers", "conv1_1:abc"], "abc"),
            (base + ["--content-layers", "conv9_9"], "conv9_9"),
            (base + ["--style-blend", "1,2"], "--style-blend"),
            (["rose.png", "-s", "gradient.png", "-o", "nodir/out.png"], "nodir"),
            (base + ["--tv-weight", "-1"], "--tv-weight"),
            (base + ["--size", "100000"], "\(StyleOptions.maximumSize)"),
            (base + ["--work-size", "0"], "--work-size"),
            (base + ["--max-memory", "1K"], "256M"),
            (base + ["--mask", "rose.png", "--mask", "rose.png"], "--mask"),
            (base + ["--mask", "missing-mask.png"], "missing-mask.png"),
            (base + ["--style-scale", "9"], "--style-scale"),
            (base + ["--colors", "sepia"], "--colors"),
            (base + ["--iterations", "+2"], "--iterations: '+2' is not a whole number"),
            (base + ["--size", "full "], "white space"),
            (base + ["--style-scale", "2", "--objective", "tutorial"], "tutorial"),
            // A mistyped start word is read as a file name: the error lists the words too.
            (base + ["--init", "style-colours"], "style-colors")
        ]
        for (arguments, needle) in expectations {
            let r = try stylize(arguments)
            assertOneLineError(r, needle)
            XCTAssertTrue(r.stderr.contains(needle), "error for \(needle) does not name it: \(r.stderr)")
        }
    }
}
