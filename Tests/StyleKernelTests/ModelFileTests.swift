import XCTest

@testable import StyleKernel

#if canImport(Glibc)
    import Glibc
#endif

// MARK: Helpers

/// A fresh temporary directory, removed at the end of the test.
private func makeTempDir(_ test: XCTestCase) throws -> String {
    var template = Array("/tmp/stylefilter-modeltests-XXXXXX".utf8CString)
    guard template.withUnsafeMutableBufferPointer({ mkdtemp($0.baseAddress!) }) != nil else {
        throw XCTSkip("cannot create a temporary directory")
    }
    let dir = template.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
    test.addTeardownBlock { removeTree(dir) }
    return dir
}

private func removeTree(_ path: String) {
    guard let d = opendir(path) else {
        unlink(path)
        return
    }
    while let e = readdir(d) {
        let name = withUnsafeBytes(of: e.pointee.d_name) { raw in
            String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
        }
        if name == "." || name == ".." { continue }
        let child = path + "/" + name
        var st = stat()
        if lstat(child, &st) == 0, (st.st_mode & S_IFMT) == S_IFDIR { removeTree(child) } else { unlink(child) }
    }
    closedir(d)
    rmdir(path)
}

private func writeBytes(_ bytes: [UInt8], to path: String) {
    let f = fopen(path, "wb")!
    _ = bytes.withUnsafeBytes { fwrite($0.baseAddress, 1, $0.count, f) }
    fclose(f)
}

private func readBytes(_ path: String) throws -> [UInt8] { try FileIO.readWholeFile(path) }

private func mkdirs(_ path: String) {
    var cur = ""
    for part in path.split(separator: "/") {
        cur += "/" + part
        mkdir(cur, 0o755)
    }
}

private func touch(_ path: String) { writeBytes([1, 2, 3], to: path) }

/// A safetensors file from a literal header and data bytes (header length optionally forged).
private func safetensorsBytes(header: String, data: [UInt8] = [], lengthOverride: UInt64? = nil) -> [UInt8] {
    let h = Array(header.utf8)
    var n = lengthOverride ?? UInt64(h.count)
    var out: [UInt8] = []
    for _ in 0..<8 {
        out.append(UInt8(truncatingIfNeeded: n))
        n >>= 8
    }
    return out + h + data
}

/// Asserts `body` throws `.invalidModel` (or `.io` if `io`) whose message contains every fragment.
private func assertModelError(
    _ fragments: [String], io: Bool = false, file: StaticString = #filePath,
    line: UInt = #line, _ body: () throws -> Void
) {
    do {
        try body()
        XCTFail("expected an error containing \(fragments)", file: file, line: line)
    } catch let e as StyleError {
        let message: String
        switch e {
        case .invalidModel(let m) where !io: message = m
        case .io(let m) where io: message = m
        default:
            XCTFail("wrong error kind: \(e)", file: file, line: line)
            return
        }
        for f in fragments where !message.contains(f) {
            XCTFail("message \"\(message)\" lacks \"\(f)\"", file: file, line: line)
        }
    } catch {
        XCTFail("unexpected error type: \(error)", file: file, line: line)
    }
}

/// Repository root (Tests/StyleKernelTests/ModelFileTests.swift → ../..).
private func repoRoot() -> String {
    var p = "\(#filePath)"
    for _ in 0..<3 { p = ModelLocator.parent(p) }
    return p
}

// MARK: Tests

final class ModelFileTests: XCTestCase {

    // MARK: safetensors

    func testSafeTensorsRoundTrip() throws {
        let dir = try makeTempDir(self)
        let path = dir + "/t.safetensors"
        let a = SafeTensors.Tensor(shape: [2, 3], values: [1, -2, 3.5, .pi, 0, -0.25])
        let b = SafeTensors.Tensor(shape: [5], values: [9, 8, 7, 6, 5])
        let empty = SafeTensors.Tensor(shape: [0, 4], values: [])
        let md = ["k": "v", "quote\"and\\slash": "line\nbreak \u{1} é ✓"]
        try SafeTensors.write(path: path, tensors: [("a", a), ("bé", b), ("e", empty)], metadata: md)

        let bytes = try readBytes(path)
        var n = 0
        for i in (0..<8).reversed() { n = n << 8 | Int(bytes[i]) }
        XCTAssertEqual((8 + n) % 8, 0, "header padded to 8-byte alignment")
        XCTAssertEqual(bytes.count, 8 + n + (6 + 5) * 4)

        let file = try SafeTensors.read(path: path)
        XCTAssertEqual(file.tensors["a"], a)
        XCTAssertEqual(file.tensors["bé"], b)
        XCTAssertEqual(file.tensors["e"], empty)
        XCTAssertEqual(file.metadata, md)
        XCTAssertEqual(Set(file.order), ["a", "bé", "e"])

        let header = try SafeTensors.readHeader(path: path)
        XCTAssertEqual(header.entry("bé")?.shape, [5])
        XCTAssertEqual(header.dataSize, 44)
    }

    func testSafeTensorsWriterRejectsBadInput() throws {
        let dir = try makeTempDir(self)
        let path = dir + "/bad.safetensors"
        XCTAssertThrowsError(
            try SafeTensors.write(
                path: path, tensors: [("x", .init(shape: [2, 2], values: [1, 2, 3]))], metadata: [:]))
        XCTAssertThrowsError(
            try SafeTensors.write(
                path: path, tensors: [("x", .init(shape: [1], values: [1])), ("x", .init(shape: [1], values: [1]))],
                metadata: [:]))
        XCTAssertFalse(FileIO.fileExists(path), "a failed write leaves no file")
        XCTAssertThrowsError(
            try SafeTensors.write(
                path: dir + "/no/such/dir/x.safetensors", tensors: [], metadata: [:])
        ) { e in
            guard case StyleError.io(let m) = e else { return XCTFail("\(e)") }
            XCTAssertTrue(m.contains("no/such/dir"), m)
        }
    }

    func testSafeTensorsCorruptFiles() throws {
        let dir = try makeTempDir(self)
        let path = dir + "/model.safetensors"
        func check(_ bytes: [UInt8], _ fragments: [String], line: UInt = #line) {
            writeBytes(bytes, to: path)
            assertModelError(fragments + [path], line: line) { _ = try SafeTensors.read(path: path) }
            assertModelError(fragments + [path], line: line) { _ = try StyleModel.load(path: path) }
        }
        let good = #"{"x":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}"#
        let data8 = [UInt8](repeating: 0, count: 8)
        writeBytes(safetensorsBytes(header: good, data: data8), to: path)
        XCTAssertEqual(try SafeTensors.read(path: path).tensors["x"]?.values, [0, 0])

        check([], ["only 0 bytes"])
        check([1, 2, 3, 4, 5], ["only 5 bytes"])
        // Truncated header: the JSON is cut short of its declared length.
        check(Array(safetensorsBytes(header: good, data: data8).prefix(30)), ["header length", "truncated"])
        check(safetensorsBytes(header: good, data: data8, lengthOverride: 1000), ["header length 1000"])
        check(safetensorsBytes(header: good, data: data8, lengthOverride: UInt64.max), ["limit"])
        check(safetensorsBytes(header: "{\"x\":", data: []), ["not valid JSON"])
        check(safetensorsBytes(header: "[1,2]", data: []), ["JSON object"])
        check(safetensorsBytes(header: "{} trailing", data: []), ["not valid JSON"])
        check(
            safetensorsBytes(header: #"{"x":{"dtype":"Q7","shape":[2],"data_offsets":[0,8]}}"#, data: data8),
            ["unknown dtype \"Q7\""])
        check(
            safetensorsBytes(header: #"{"x":{"dtype":"F16","shape":[4],"data_offsets":[0,8]}}"#, data: data8),
            ["F16", "F32"])
        check(
            safetensorsBytes(header: #"{"x":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}}"#, data: data8),
            ["needs 12 bytes", "span 8"])
        check(
            safetensorsBytes(header: #"{"x":{"dtype":"F32","shape":[2],"data_offsets":[8,16]}}"#, data: data8),
            ["ends at data byte 16", "truncated"])
        check(
            safetensorsBytes(header: #"{"x":{"dtype":"F32","shape":[2],"data_offsets":[8,0]}}"#, data: data8),
            ["begin ≤ end"])
        check(
            safetensorsBytes(header: #"{"x":{"dtype":"F32","shape":[2],"data_offsets":[0]}}"#, data: data8),
            ["[begin, end]"])
        check(
            safetensorsBytes(
                header: #"{"x":{"dtype":"F32","shape":[4611686018427387904,4],"data_offsets":[0,8]}}"#, data: data8),
            ["too large"])
        check(
            safetensorsBytes(
                header: #"{"x":{"dtype":"F32","shape":[2305843009213693952],"data_offsets":[0,8]}}"#, data: data8),
            ["too large"])
        check(
            safetensorsBytes(
                header: #"{"x":{"dtype":"F32","shape":[99999999999999999999999],"data_offsets":[0,8]}}"#, data: data8),
            ["non-negative integer"])
        check(
            safetensorsBytes(header: #"{"x":{"dtype":"F32","shape":[-2],"data_offsets":[0,8]}}"#, data: data8),
            ["non-negative integer"])
        check(
            safetensorsBytes(header: #"{"x":{"dtype":"F32","shape":[2.0],"data_offsets":[0,8]}}"#, data: data8),
            ["non-negative integer"])
        check(
            safetensorsBytes(header: #"{"x":{"dtype":"F32","shape":[2]}}"#, data: data8),
            ["needs dtype, shape and data_offsets"])
        check(
            safetensorsBytes(header: #"{"x":{"dtype":"F32","shape":[2],"data_offsets":[0,8],"extra":1}}"#, data: data8),
            ["unknown field"])
        check(
            safetensorsBytes(
                header:
                    #"{"x":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"y":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}"#,
                data: data8), ["overlaps"])
        check(
            safetensorsBytes(header: #"{"x":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}"#, data: data8),
            ["unused bytes"])
        check(
            safetensorsBytes(header: #"{"x":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}"#, data: data8),
            ["not described"])
        check(
            safetensorsBytes(
                header:
                    #"{"x":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"x":{"dtype":"F32","shape":[0],"data_offsets":[8,8]}}"#,
                data: data8), ["appears twice"])
        check(safetensorsBytes(header: #"{"__metadata__":{"a":1}}"#), ["not a string"])
        check(safetensorsBytes(header: #"{"__metadata__":"x"}"#), ["not an object"])
        check(safetensorsBytes(header: #"{"__metadata__":{"a":"\uD800"}}"#), ["surrogate"])

        // A PNG renamed to .safetensors, and plain random bytes.
        var rng = TestRandom(seed: 42)
        let png: [UInt8] =
            [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52]
            + (0..<2000).map { _ in UInt8.random(in: 0...255, using: &rng) }
        check(png, ["not a safetensors model file"])
        for _ in 0..<20 {
            let random = (0..<Int.random(in: 0...3000, using: &rng)).map { _ in UInt8.random(in: 0...255, using: &rng) }
            writeBytes(random, to: path)
            XCTAssertThrowsError(try SafeTensors.read(path: path))
        }
    }

    /// Hostile headers are refused by size and counts before they are parsed (a 100 MB header of
    /// empty tensors used to take 1.1 GB); models within the limits still load.
    func testSafeTensorsHeaderLimits() throws {
        let dir = try makeTempDir(self)
        let path = dir + "/big.safetensors"
        func emptyTensors(_ n: Int) -> String {
            "{" + (0..<n).map { #""t\#($0)":{"dtype":"F32","shape":[0],"data_offsets":[0,0]}"# }.joined(separator: ",")
                + "}"
        }
        func padded(_ json: String, to n: Int) -> String { json + String(repeating: " ", count: n - json.utf8.count) }
        let one = #"{"x":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}"#
        let data8 = [UInt8](repeating: 0, count: 8)

        // Absolute size: declared before anything is read.
        writeBytes(
            safetensorsBytes(header: one, data: data8, lengthOverride: UInt64(SafeTensors.maxHeaderLength + 1)),
            to: path)
        assertModelError(["\(SafeTensors.maxHeaderLength)-byte limit", path]) { _ = try SafeTensors.read(path: path) }
        // Relative size: over the allowance, a header larger than its data is refused ...
        let big = SafeTensors.headerAllowance + 8
        writeBytes(safetensorsBytes(header: padded(one, to: big), data: data8), to: path)
        assertModelError(["\(big)-byte header", "8 bytes of tensor data", path]) {
            _ = try SafeTensors.read(path: path)
        }
        // ... and one smaller than its data is read.
        let floats = big / 4 + 1
        writeBytes(
            safetensorsBytes(
                header: padded(
                    #"{"x":{"dtype":"F32","shape":[\#(floats)],"data_offsets":[0,\#(4 * floats)]}}"#, to: big),
                data: [UInt8](repeating: 0, count: 4 * floats)), to: path)
        XCTAssertEqual(try SafeTensors.read(path: path).tensors["x"]?.values.count, floats)

        // Tensor count: checked by a scan before the JSON is parsed, then on the entries.
        let many = emptyTensors(20_000)  // ~1.1 MB of header, data to match so the size passes
        writeBytes(safetensorsBytes(header: many, data: [UInt8](repeating: 0, count: many.utf8.count)), to: path)
        assertModelError(["more than \(SafeTensors.maxTensorCount) tensors", path]) {
            _ = try SafeTensors.read(path: path)
        }
        assertModelError(["more than \(SafeTensors.maxTensorCount) tensors"]) {
            _ = try SafeTensors.parseHeader(
                json: Array(emptyTensors(SafeTensors.maxTensorCount + 1).utf8), dataSize: 0, path: "h")
        }
        let most = try SafeTensors.parseHeader(
            json: Array(emptyTensors(SafeTensors.maxTensorCount).utf8), dataSize: 0, path: "h")
        XCTAssertEqual(most.entries.count, SafeTensors.maxTensorCount)
        // Braces, colons and commas inside strings are not counted.
        let name = String(repeating: "{:,[", count: SafeTensors.maxHeaderValues)
        let quoted = try SafeTensors.parseHeader(
            json: Array(#"{"__metadata__":{"k":"\#(name)\""}}"#.utf8), dataSize: 0, path: "h")
        XCTAssertEqual(quoted.metadata["k"], name + "\"")
        // JSON values: a shape of 70 000 dimensions.
        let dims = [String](repeating: "1", count: SafeTensors.maxHeaderValues).joined(separator: ",")
        assertModelError(["more than \(SafeTensors.maxHeaderValues) JSON values"]) {
            _ = try SafeTensors.parseHeader(
                json: Array(#"{"x":{"dtype":"F32","shape":[\#(dims)],"data_offsets":[0,4]}}"#.utf8),
                dataSize: 4, path: "h")
        }
    }

    func testSafeTensorsMissingFileAndDirectory() throws {
        let dir = try makeTempDir(self)
        assertModelError(["No such file", dir + "/missing.safetensors"], io: true) {
            _ = try SafeTensors.read(path: dir + "/missing.safetensors")
        }
        assertModelError(["not a regular file", dir], io: true) { _ = try SafeTensors.read(path: dir) }
        assertModelError(["No such file"], io: true) { _ = try StyleModel.load(path: dir + "/missing.safetensors") }
    }

    /// Byte flips and truncations of a valid file: each read either succeeds or throws a StyleError.
    func testSafeTensorsMutationsNeverCrash() throws {
        let dir = try makeTempDir(self)
        let path = dir + "/m.safetensors"
        try SafeTensors.write(
            path: path,
            tensors: [
                ("w", .init(shape: [2, 3], values: [1, 2, 3, 4, 5, 6])),
                ("b", .init(shape: [2], values: [7, 8]))
            ],
            metadata: ["architecture": "vgg16"])
        let original = try readBytes(path)
        var rng = TestRandom(seed: 7)
        for i in 0..<300 {
            var bytes = original
            if i % 3 == 0 {
                bytes = Array(bytes.prefix(Int.random(in: 0..<bytes.count, using: &rng)))
            } else {
                for _ in 0..<Int.random(in: 1...4, using: &rng) {
                    bytes[Int.random(in: 0..<bytes.count, using: &rng)] = UInt8.random(in: 0...255, using: &rng)
                }
            }
            writeBytes(bytes, to: path)
            do { _ = try SafeTensors.read(path: path) } catch is StyleError {} catch { XCTFail("\(error)") }
        }
    }

    func testMiniJSON() throws {
        XCTAssertEqual(
            try MiniJSON.parse(Array(#"{"a":[1,-2.5e3,true,false,null],"b":"\u00e9\ud83d\ude00\n"}"#.utf8)),
            .object([
                ("a", .array([.number("1"), .number("-2.5e3"), .bool(true), .bool(false), .null])),
                ("b", .string("é😀\n"))
            ]))
        for bad in ["", "{", "{\"a\"}", "[1,]", "01", "\"\\x\"", "tru", "{\"a\":1,}", "\"\u{1}\""] {
            XCTAssertThrowsError(try MiniJSON.parse(Array(bad.utf8)), bad)
        }
        XCTAssertThrowsError(try MiniJSON.parse([0x22, 0xC3, 0x28, 0x22]), "invalid UTF-8")
        let deep = String(repeating: "[", count: 1000) + String(repeating: "]", count: 1000)
        XCTAssertThrowsError(try MiniJSON.parse(Array(deep.utf8)), "nesting limit")
        let s = "a\"b\\c\n\t\u{2}ü"
        XCTAssertEqual(try MiniJSON.parse(Array(MiniJSON.quote(s).utf8)), .string(s))
    }

    // MARK: StyleModel files

    private func smallVGG16() throws -> StyleModel {
        var layers: [String: ConvWeights] = [:]
        for (i, spec) in VGGArchitecture.vgg16.convLayers.enumerated() {
            var w = [Float](repeating: Float(i) * 0.001, count: spec.outChannels * spec.inChannels * 9)
            w[0] = Float(i) + 0.5
            w[w.count - 1] = -Float(i)
            let b = (0..<spec.outChannels).map { Float($0) * 0.01 - Float(i) }
            layers[spec.name] = try ConvWeights(
                inChannels: spec.inChannels, outChannels: spec.outChannels, weight: w, bias: b)
        }
        return try StyleModel(
            architecture: .vgg16, convention: .torchvision, layers: layers,
            metadata: ["source": "test", "license": "none", "architecture": "ignored"])
    }

    func testStyleModelSaveLoadRoundTrip() throws {
        let dir = try makeTempDir(self)
        let path = dir + "/vgg16.safetensors"
        let model = try smallVGG16()
        try model.save(path: path)
        let loaded = try StyleModel.load(path: path)
        XCTAssertEqual(loaded.architecture, .vgg16)
        XCTAssertEqual(loaded.convention, .torchvision)
        XCTAssertEqual(loaded.metadata, ["source": "test", "license": "none"])
        for spec in VGGArchitecture.vgg16.convLayers {
            XCTAssertEqual(loaded.layers[spec.name]?.weight, model.layers[spec.name]?.weight, spec.name)
            XCTAssertEqual(loaded.layers[spec.name]?.bias, model.layers[spec.name]?.bias, spec.name)
        }
        let header = try SafeTensors.readHeader(path: path)
        XCTAssertEqual(header.entries.count, 26)
        XCTAssertEqual(header.metadata["input.scale"], "1")
        XCTAssertEqual(header.metadata["input.mean"], "0.485,0.456,0.406")
        XCTAssertEqual(header.metadata["stylefilter.format"], "1")

        // Shape mismatch in a well-formed file: conv1_2 weight saved with the wrong shape.
        var file = try SafeTensors.read(path: path)
        let bad = dir + "/bad.safetensors"
        file.tensors["conv1_2.weight"]!.shape = [64, 64, 9]
        try SafeTensors.write(path: bad, tensors: file.order.map { ($0, file.tensors[$0]!) }, metadata: file.metadata)
        assertModelError(["conv1_2.weight has shape [64, 64, 9]", "[64, 64, 3, 3]", bad]) {
            _ = try StyleModel.load(path: bad)
        }
        // A NaN weight.
        file = try SafeTensors.read(path: path)
        file.tensors["conv5_3.bias"]!.values[3] = .nan
        try SafeTensors.write(path: bad, tensors: file.order.map { ($0, file.tensors[$0]!) }, metadata: file.metadata)
        assertModelError(["conv5_3", "NaN", bad]) { _ = try StyleModel.load(path: bad) }
    }

    func testStyleModelMetadataErrors() throws {
        let dir = try makeTempDir(self)
        let path = dir + "/md.safetensors"
        let good = [
            "stylefilter.format": "1", "architecture": "vgg16", "input.order": "bgr", "input.scale": "255",
            "input.mean": "103.939,116.779,123.68", "input.std": "1,1,1"
        ]
        func check(_ change: (inout [String: String]) -> Void, _ fragments: [String], line: UInt = #line) throws {
            var md = good
            change(&md)
            try SafeTensors.write(path: path, tensors: [], metadata: md)
            assertModelError(fragments + [path], line: line) { _ = try StyleModel.load(path: path) }
        }
        try check({ $0 = [:] }, ["no stylefilter.format"])
        try check({ $0["stylefilter.format"] = "2" }, ["stylefilter.format is \"2\""])
        try check({ $0["architecture"] = nil }, ["no architecture"])
        try check({ $0["architecture"] = "resnet50" }, ["unknown architecture \"resnet50\""])
        try check({ $0["input.order"] = "gbr" }, ["input.order"])
        try check({ $0["input.scale"] = "-1" }, ["input.scale"])
        try check({ $0["input.scale"] = nil }, ["no input.scale"])
        try check({ $0["input.mean"] = "1,2" }, ["input.mean"])
        try check({ $0["input.mean"] = "1,2,x" }, ["input.mean"])
        try check({ $0["input.std"] = "1,0,1" }, ["input.std"])
        try check({ $0["input.std"] = nil }, ["no input.std"])
        try check({ _ in }, ["no tensor conv1_1.weight"])
    }

    func testReferenceFixtureReadable() throws {
        let path = repoRoot() + "/Tests/Fixtures/generated/vgg16-reference.safetensors"
        guard FileIO.fileExists(path) else {
            throw XCTSkip("\(path) not present; run scripts/make-reference.py to create it")
        }
        let file = try SafeTensors.read(path: path)
        guard let input = file.tensors["input"] else { return XCTFail("no input tensor") }
        XCTAssertEqual(input.shape.count, 3)
        XCTAssertEqual(input.shape[0], 3)
        let (h, w) = (input.shape[1], input.shape[2])
        XCTAssertEqual(file.tensors["conv1_1"]?.shape, [64, h, w])
        XCTAssertEqual(file.tensors["conv2_1"]?.shape, [128, h / 2, w / 2])
        XCTAssertEqual(file.tensors["conv4_2"]?.shape, [512, h / 8, w / 8])
        XCTAssertEqual(file.tensors["conv5_1"]?.shape, [512, h / 16, w / 16])
        XCTAssertTrue(input.values.allSatisfy { $0 >= -120 && $0 <= 135 })
        XCTAssertTrue(file.tensors["conv1_1"]!.values.allSatisfy { $0 >= 0 }, "post-ReLU")
    }

    // MARK: Locator

    func testLocatorOrder() throws {
        let root = try makeTempDir(self)
        let name = ModelLocator.defaultFileName
        let explicit = root + "/explicit.safetensors"
        let fromEnv = root + "/env.safetensors"
        let xdg = root + "/xdg"
        let home = root + "/home"
        // An installed copy (PREFIX/lib/libstylefilter.so.1…, PREFIX/share/stylefilter/) inside a
        // checkout-like tree, so every step has a file to find.
        let repo = root + "/repo"
        let prefix = repo + "/.build/prefix"
        let code = prefix + "/lib/libstylefilter.so.1.0.0"
        let installed = prefix + "/share/stylefilter/" + name
        let cwd = root + "/work/sub"
        for d in [
            xdg + "/stylefilter", home + "/.cache/stylefilter", prefix + "/lib", prefix + "/share/stylefilter",
            repo + "/models", root + "/work/models", cwd
        ] { mkdirs(d) }
        for f in [
            explicit, fromEnv, xdg + "/stylefilter/" + name, home + "/.cache/stylefilter/" + name, installed,
            repo + "/models/" + name, root + "/work/models/" + name
        ] { touch(f) }
        var env = ["STYLEFILTER_MODEL": fromEnv, "XDG_CACHE_HOME": xdg, "HOME": home]
        func locate(_ e: String? = nil) throws -> String {
            try ModelLocator.locate(explicit: e, environment: env, codePath: code, currentDirectory: cwd)
        }
        XCTAssertEqual(try locate(explicit), explicit)
        XCTAssertEqual(try locate(), fromEnv)
        env["STYLEFILTER_MODEL"] = ""
        XCTAssertEqual(try locate(), installed, "installed next to the library: LIBDIR/../share/stylefilter")
        XCTAssertEqual(ModelLocator.installedDataPath(codePath: "/opt/sf/bin/stylize"), "/opt/sf/share/stylefilter")
        unlink(installed)
        XCTAssertEqual(try locate(), xdg + "/stylefilter/" + name)
        env["XDG_CACHE_HOME"] = nil
        XCTAssertEqual(try locate(), home + "/.cache/stylefilter/" + name)
        env["XDG_CACHE_HOME"] = "relative/ignored"
        XCTAssertEqual(try locate(), home + "/.cache/stylefilter/" + name)
        unlink(home + "/.cache/stylefilter/" + name)
        XCTAssertEqual(try locate(), repo + "/models/" + name, "found from the library, walking up")
        unlink(repo + "/models/" + name)
        XCTAssertEqual(try locate(), root + "/work/models/" + name, "found from the current directory, walking up")

        // Explicit or environment paths that don't exist are errors naming them, even though
        // other candidates exist.
        XCTAssertThrowsError(try locate(root + "/nope.safetensors")) { e in
            guard case StyleError.modelNotFound(let m) = e else { return XCTFail("\(e)") }
            XCTAssertTrue(m.contains(root + "/nope.safetensors"), m)
        }
        env["STYLEFILTER_MODEL"] = root + "/gone.safetensors"
        XCTAssertThrowsError(try locate()) { e in
            guard case StyleError.modelNotFound(let m) = e else { return XCTFail("\(e)") }
            XCTAssertTrue(m.contains(root + "/gone.safetensors") && m.contains("STYLEFILTER_MODEL"), m)
        }
        env["STYLEFILTER_MODEL"] = nil
        unlink(root + "/work/models/" + name)
        XCTAssertThrowsError(try locate()) { e in
            guard case StyleError.modelNotFound(let m) = e else { return XCTFail("\(e)") }
            for fragment in [
                "STYLEFILTER_MODEL", installed, home + "/.cache/stylefilter/" + name, repo + "/models/" + name,
                root + "/work/models/" + name, "stylize model fetch", "into " + home + "/.cache/stylefilter",
                "make setup"
            ] {
                XCTAssertTrue(m.contains(fragment), "\(m) lacks \(fragment)")
            }
        }
    }

    /// The running test bundle is an executable with the engine linked in: its code location is
    /// the executable itself, symbolic links resolved.
    func testCodeLocationIsTheRunningExecutable() throws {
        let path = try XCTUnwrap(CodeLocation.path())
        XCTAssertEqual(path, CodeLocation.executablePath())
        XCTAssertTrue(path.hasPrefix("/") && FileIO.fileExists(path), path)
    }

    func testLocatorPublicUsesEnvironment() throws {
        let root = try makeTempDir(self)
        let model = root + "/m.safetensors"
        touch(model)
        let saved = getenv("STYLEFILTER_MODEL").map { String(cString: $0) }
        defer { if let saved { setenv("STYLEFILTER_MODEL", saved, 1) } else { unsetenv("STYLEFILTER_MODEL") } }
        setenv("STYLEFILTER_MODEL", model, 1)
        XCTAssertEqual(try ModelLocator.locate(explicit: nil), model)
        XCTAssertEqual(try ModelLocator.locate(explicit: model), model)
        setenv("STYLEFILTER_MODEL", root + "/missing", 1)
        XCTAssertThrowsError(try ModelLocator.locate(explicit: nil))
        XCTAssertEqual(ModelLocator.parent("/a/b/c"), "/a/b")
        XCTAssertEqual(ModelLocator.parent("/a"), "/")
        XCTAssertEqual(ModelLocator.ancestors(of: "/a/b"), ["/a/b", "/a", "/"])
    }
}
