import XCTest
@testable import StyleKernel

/// The option table: every row parses its own default back to the same value, its bounds are
/// the engine's (`StyleOptions.validate` accepts them, one step beyond is refused by both), and
/// errors name the option and what it accepts.
final class OptionTableTests: XCTestCase {
    func testNamesAreUniqueAndDefaultsRoundTrip() throws {
        XCTAssertEqual(Set(OptionTable.names).count, OptionTable.all.count)
        for spec in OptionTable.all {
            for base in [StyleOptions(), StyleOptions.filterDefaults] {
                var o = base
                try spec.set(spec.text(of: base), in: &o)
                XCTAssertEqual(spec.text(of: o), spec.text(of: base), spec.name)
            }
            XCTAssertFalse(spec.help.isEmpty, spec.name)
        }
        XCTAssertEqual(OptionTable.spec(named: "size")?.defaultText, "512")
        XCTAssertEqual(OptionTable.spec(named: "size")?.text(of: .filterDefaults), "full")
        XCTAssertEqual(OptionTable.spec(named: "max-memory")?.defaultText, "1G")
    }

    func testBoundsAreTheEnginesLimits() throws {
        for spec in OptionTable.all where spec.kind == .integer || spec.kind == .pixels {
            guard let lo = spec.minimum, let hi = spec.maximum, hi < 1e15 else { continue }
            for value in [lo, hi] {
                var o = StyleOptions()
                try spec.set(String(Int(value)), in: &o)
                XCTAssertNoThrow(try o.validate(for: .vgg16, styleCount: 1), "\(spec.name)=\(Int(value))")
            }
            for value in [lo - 1, hi + 1] {
                var o = StyleOptions()
                XCTAssertThrowsError(try spec.set(String(Int(value)), in: &o)) { error in
                    let message = "\(error)"
                    XCTAssertTrue(message.hasPrefix(spec.name + ":"), message)
                    XCTAssertTrue(message.contains("\(Int(lo))…\(Int(hi))"), message)
                }
            }
        }
    }

    func testValuesPeopleWrite() throws {
        var o = StyleOptions()
        let set = { (name: String, text: String, o: inout StyleOptions) throws in
            try XCTUnwrap(OptionTable.spec(named: name)).set(text, in: &o)
        }
        try set("max-memory", "1500M", &o)
        XCTAssertEqual(o.maxMemory, 1500 << 20)
        try set("max-memory", "1.5G", &o)
        XCTAssertEqual(o.maxMemory, 1536 << 20)
        XCTAssertThrowsError(try set("max-memory", "100M", &o))
        try set("size", "full", &o)
        XCTAssertEqual(o.size, StyleOptions.fullSize)
        XCTAssertNoThrow(try o.validate(for: .vgg16, styleCount: 1))
        XCTAssertEqual(o.resolvingFullSize(width: 300, height: 200).size, 300)
        try set("style-layers", "conv1_1:1, conv2_1", &o)
        XCTAssertEqual(o.styleLayers.map(\.name), ["conv1_1", "conv2_1"])
        XCTAssertEqual(o.styleLayers.map(\.weight), [1, 1])
        try set("optimizer", "adam", &o)
        XCTAssertEqual(o.optimizer, .adam)
        XCTAssertThrowsError(try set("optimizer", "sgd", &o)) { error in
            XCTAssertEqual("\(error)", "optimizer: 'sgd' is not a choice; valid: lbfgs or adam")
        }
        XCTAssertThrowsError(try set("lr", "0", &o)) { XCTAssertTrue("\($0)".contains("> 0"), "\($0)") }
        XCTAssertThrowsError(try set("content-layers", "conv4_2,conv4_2", &o))
        XCTAssertThrowsError(try set("style-layers", "conv1_1:0", &o))
        XCTAssertThrowsError(try set("tv-weight", "1e60", &o))
    }
}
