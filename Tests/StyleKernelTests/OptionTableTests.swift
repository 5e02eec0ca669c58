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

    /// Values are exact, for every row (so for the C API, the command and -process alike): white
    /// space around a value, a sign on a count or size, other number syntaxes and undocumented
    /// units are refused with a message naming the option; the documented forms are taken.
    func testValuesAreExact() throws {
        for spec in OptionTable.all {
            let good = spec.text(of: .filterDefaults)
            var padded = [" \(good)", "\(good) ", "\t\(good)", "\(good)\n", "\u{A0}\(good)"]
            if [.integer, .pixels, .number, .bytes].contains(spec.kind), good != "full" { padded.append("+" + good) }
            for text in padded {
                var o = StyleOptions.filterDefaults
                XCTAssertThrowsError(try spec.set(text, in: &o), "\(spec.name)=\(text.debugDescription)") { error in
                    XCTAssertTrue("\(error)".hasPrefix(spec.name + ": "), "\(error)")
                }
                XCTAssertEqual(spec.text(of: o), good, "\(spec.name): a refused value changed the option")
            }
        }
        let refused: [(String, String)] = [
            ("iterations", "+2"), ("iterations", " 2"), ("iterations", "-0"), ("iterations", "2.0"),
            ("iterations", "0x10"),
            ("iterations", "1e2"), ("iterations", "٣"), ("threads", "+0"), ("seed", "+1"), ("seed", "-1"),
            ("seed", "18446744073709551616"), ("size", "full "), ("size", "FULL"), ("size", "+512"),
            ("max-memory", "1T"), ("max-memory", "1g"), ("max-memory", "1Gi"), ("max-memory", "1GiB"),
            ("max-memory", "1GB"),
            ("max-memory", "+1G"), ("max-memory", "-1G"), ("max-memory", "1e3M"), ("max-memory", "0x400M"),
            ("max-memory", "1.G"), ("max-memory", ".G"), ("max-memory", "G"), ("max-memory", ""),
            ("style-weight", "+1"),
            ("style-weight", "0x1p3"), ("style-weight", "inf"), ("style-weight", "nan"), ("style-weight", "1."),
            ("style-weight", "1e"), ("style-weight", "-"), ("style-weight", ""), ("lr", "+0.5"), ("optimizer", "adam "),
            ("init", " random"), ("content-layers", "conv3_1 ,conv4_2"), ("style-layers", "conv1_1: 1"),
            ("style-layers", "conv1_1 :1"), ("style-layers", "conv1_1:+1"), ("style-layers", "conv1_1, ")
        ]
        for (name, text) in refused {
            var o = StyleOptions()
            XCTAssertThrowsError(
                try XCTUnwrap(OptionTable.spec(named: name)).set(text, in: &o), "\(name)=\(text.debugDescription)")
        }
        var o = StyleOptions()
        let set = { (name: String, text: String, o: inout StyleOptions) throws in
            try XCTUnwrap(OptionTable.spec(named: name)).set(text, in: &o)
        }
        XCTAssertThrowsError(try set("iterations", "+2", &o)) {
            XCTAssertEqual("\($0)", "iterations: '+2' is not a whole number (digits only); valid: 1…1000000")
        }
        XCTAssertThrowsError(try set("iterations", "-3", &o)) {
            XCTAssertEqual("\($0)", "iterations: '-3' is out of range; valid: 1…1000000")
        }
        XCTAssertThrowsError(try set("size", "full ", &o)) {
            XCTAssertEqual(
                "\($0)", "size: 'full ' has white space around it; valid: 16…32768 or full (the input's own size)")
        }
        try set("iterations", "007", &o)
        XCTAssertEqual(o.iterations, 7)
        try set("seed", "18446744073709551615", &o)
        XCTAssertEqual(o.seed, .max)
        try set("style-weight", ".5", &o)
        XCTAssertEqual(o.styleWeight, 0.5)
        try set("style-weight", "2.5E-1", &o)
        XCTAssertEqual(o.styleWeight, 0.25)
        try set("content-weight", "-0", &o)
        XCTAssertEqual(o.contentWeight.sign, .plus, "-0 is stored as 0")
        try set("style-layers", "conv1_1:0.2, conv2_1:0.5,\t conv3_1", &o)
        XCTAssertEqual(o.styleLayers.map(\.name), ["conv1_1", "conv2_1", "conv3_1"])
        XCTAssertEqual(o.styleLayers.map(\.weight), [0.2, 0.5, 1])
        try set("content-layers", "conv3_1, conv4_2", &o)
        XCTAssertEqual(o.contentLayers, ["conv3_1", "conv4_2"])
    }

    func testByteSizes() {
        XCTAssertEqual(ByteSize.parse("1500M"), 1500 << 20)
        XCTAssertEqual(ByteSize.parse("1.5G"), 1536 << 20)
        XCTAssertEqual(ByteSize.parse("800000K"), 800_000 << 10)
        XCTAssertEqual(ByteSize.parse("268435456"), 256 << 20)
        XCTAssertEqual(ByteSize.parse(".5G"), 512 << 20)
        for text in [
            "1T", "1t", "1k", "1m", "1g", "1Gi", "1GiB", "1GB", "1B", " 1G", "1G ", "+1G", "-1G", "0G", "0",
            "1e3M", "0x10M", "infG", "nanM", "1.G", "G", "", "1 G", "1,5G", "9999999999G"
        ] {
            XCTAssertNil(ByteSize.parse(text), text.debugDescription)
        }
        for bytes in [256 << 20, 1 << 30, 1536 << 20, 1500 << 20, 12345] {
            XCTAssertEqual(ByteSize.parse(ByteSize.format(bytes)), bytes, "format round-trips")
        }
    }
}
