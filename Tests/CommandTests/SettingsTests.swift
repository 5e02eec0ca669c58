import StyleKernel
import XCTest

@testable import StylizeCommandLine

/// The command's parsing and settings as a library (no process, no images read): every option
/// table row given on the command line reaches the engine's options.
final class SettingsTests: XCTestCase {
    let images = ["content.png", "-s", "style.png", "-o", "out.png"]

    /// A value the row accepts that is not its default, made from the row alone.
    func nonDefault(_ spec: OptionSpec) -> String {
        let d = spec.defaultText
        switch spec.kind {
        case .choice: return spec.choices.first { $0 != d }!
        case .integer, .pixels:
            let minimum = Int(spec.minimum!)
            return d == "\(minimum)" ? "\(minimum + 1)" : "\(minimum)"
        case .number:
            let v = Double(d)! + 0.5
            return "\(spec.maximum.map { min(v, $0) } ?? v)"
        case .bytes: return "2G"
        case .layers: return "conv3_1"
        case .weightedLayers: return "conv2_1:0.5"
        }
    }

    func testEveryRowsValueReachesTheEngineOptions() throws {
        for spec in OptionTable.all {
            let value = nonDefault(spec)
            var want = StyleOptions()
            try spec.set(value, in: &want)
            XCTAssertNotEqual(spec.text(of: want), spec.defaultText, "\(spec.name): \(value) is the default")
            let command = try XCTUnwrap(StylizeCommand.parsed(images + ["--\(spec.name)", value]) as? RunCommand)
            let settings = try command.makeSettings()
            XCTAssertEqual(spec.text(of: settings.options), spec.text(of: want), "--\(spec.name) \(value)")
            // Every other row keeps its default.
            for other in OptionTable.all where other.name != spec.name {
                XCTAssertEqual(
                    other.text(of: settings.options), other.defaultText, "--\(spec.name) changed \(other.name)")
            }
        }
    }

    /// A refused value is refused while parsing (ArgumentParser's validation runs makeSettings),
    /// with the row's message after the flag's dashes.
    func testARefusedValueNamesTheFlagWithTheRowsMessage() throws {
        XCTAssertThrowsError(try StylizeCommand.parsed(images + ["--iterations", "0"])) { error in
            XCTAssertEqual(StylizeCommand.message(for: error), "--iterations: '0' is out of range; valid: 1…1000000")
        }
    }
}
