import StyleKernel
import XCTest

/// `stylize --help` lists every option, each with the engine's default; `--version`.
final class HelpTests: CommandTestCase {
    func testHelpListsEveryOptionWithItsDefault() throws {
        let r = try stylize(["--help"])
        XCTAssertEqual(r.status, 0)
        let help = String(decoding: r.stdout, as: UTF8.self)
        for option in ["-s, --style", "-o, --output", "--style-blend", "--size", "--iterations", "--optimizer", "--lr",
                       "--content-weight", "--style-weight", "--tv-weight", "--content-layers", "--style-layers",
                       "--pooling", "--init", "--seed", "--model", "--objective", "--scales", "--threads",
                       "--report", "--progress", "--save-every", "--quiet", "model import"] {
            XCTAssertTrue(help.contains(option), "help does not mention \(option)")
        }
        let d = StyleOptions()
        // ArgumentParser wraps long lines; compare with whitespace collapsed.
        let flat = help.split(whereSeparator: { $0 == " " || $0 == "\n" }).joined(separator: " ")
        let styleLayers = d.styleLayers.map { "\($0.name):\($0.weight)" }.joined(separator: ",")
        for expected in ["(default: \(d.size))", "(default: \(d.iterations))", "default: \(d.optimizer.rawValue))",
                         "(default: \(d.learningRate))", "(default: \(d.contentWeight))", "(default: \(d.styleWeight))",
                         "(default: \(d.tvWeight))", "(default: \(d.contentLayers.joined(separator: ",")))",
                         "(default: \(styleLayers))", "default: \(d.pooling.rawValue))", "(default: content)",
                         "(default: \(d.seed))", "default: \(d.objective.rawValue))", "(default: \(d.scales))",
                         "(default: \(d.threads))", "out.iter0100.png"] {
            XCTAssertTrue(flat.contains(expected), "help does not show \(expected)")
        }
    }

    /// `stylize --version` prints the version the C library reports too, and exits 0.
    func testVersion() throws {
        let r = try stylize(["--version"])
        XCTAssertEqual(r.status, 0)
        XCTAssertEqual(String(decoding: r.stdout, as: UTF8.self), StyleFilterVersion.string + "\n")
        XCTAssertTrue(StyleFilterVersion.string.allSatisfy { $0.isNumber || $0 == "." })
    }

    func testSubcommandHelp() throws {
        let r = try stylize(["model", "import", "--help"])
        XCTAssertEqual(r.status, 0)
        XCTAssertTrue(String(decoding: r.stdout, as: UTF8.self).contains("FILE.safetensors"))
    }
}
