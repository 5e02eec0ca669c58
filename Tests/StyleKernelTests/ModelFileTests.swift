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

/// Protobuf encoder for building ONNX test inputs.
private struct Proto {
    var bytes: [UInt8] = []
    mutating func varint(_ v: UInt64) {
        var v = v
        while v >= 0x80 {
            bytes.append(UInt8(v & 0x7F) | 0x80)
            v >>= 7
        }
        bytes.append(UInt8(v))
    }
    mutating func tag(_ field: UInt64, _ wire: UInt64) { varint(field << 3 | wire) }
    mutating func varintField(_ field: UInt64, _ v: UInt64) {
        tag(field, 0)
        varint(v)
    }
    mutating func bytesField(_ field: UInt64, _ b: [UInt8]) {
        tag(field, 2)
        varint(UInt64(b.count))
        bytes += b
    }
    mutating func stringField(_ field: UInt64, _ s: String) { bytesField(field, Array(s.utf8)) }
    mutating func fixed32Field(_ field: UInt64, _ v: UInt32) {
        tag(field, 5)
        for i in 0..<4 { bytes.append(UInt8(truncatingIfNeeded: v >> (8 * UInt32(i)))) }
    }
    mutating func fixed64Field(_ field: UInt64, _ v: UInt64) {
        tag(field, 1)
        for i in 0..<8 { bytes.append(UInt8(truncatingIfNeeded: v >> (8 * UInt64(i)))) }
    }
    static func floatBytes(_ f: [Float]) -> [UInt8] {
        f.flatMap { x in (0..<4).map { UInt8(truncatingIfNeeded: x.bitPattern >> (8 * UInt32($0))) } }
    }
}

private enum DimsEncoding { case packed, unpacked }
private enum DataEncoding { case raw, packedFloats, unpackedFloats }

private func tensorProto(
    name: String, dims: [Int64], values: [Float], dataType: UInt64 = 1,
    dims dimsEnc: DimsEncoding = .packed, data: DataEncoding = .raw
) -> [UInt8] {
    var t = Proto()
    switch dimsEnc {
    case .packed:
        var p = Proto()
        for d in dims { p.varint(UInt64(bitPattern: d)) }
        t.bytesField(1, p.bytes)
    case .unpacked:
        for d in dims { t.varintField(1, UInt64(bitPattern: d)) }
    }
    t.varintField(2, dataType)
    t.stringField(8, name)
    t.stringField(12, "doc string, an unknown field to skip")
    switch data {
    case .raw: t.bytesField(9, Proto.floatBytes(values))
    case .packedFloats: t.bytesField(4, Proto.floatBytes(values))
    case .unpackedFloats: for v in values { t.fixed32Field(4, v.bitPattern) }
    }
    return t.bytes
}

private func onnxModel(initializers: [[UInt8]]) -> [UInt8] {
    var g = Proto()
    g.stringField(2, "graph name")  // unknown to the reader: skipped
    for i in initializers { g.bytesField(5, i) }
    g.fixed64Field(99, 0x0123_4567_89AB_CDEF)
    var m = Proto()
    m.varintField(1, 8)  // ir_version
    m.stringField(2, "producer")
    m.fixed32Field(50, 7)
    m.bytesField(7, g.bytes)
    return m.bytes
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

    // MARK: ONNX reader

    func testONNXReaderEncodings() throws {
        let vals: [Float] = [0.5, -1, 2, 3.25, 4, 5]
        let bytes = onnxModel(initializers: [
            tensorProto(name: "a", dims: [2, 3], values: vals, dims: .packed, data: .raw),
            tensorProto(name: "b", dims: [3, 2], values: vals, dims: .unpacked, data: .unpackedFloats),
            tensorProto(name: "c", dims: [6], values: vals, dims: .packed, data: .packedFloats),
            tensorProto(name: "d", dims: [0], values: [], data: .raw)
        ])
        let inits = try ONNXReader.initializers(bytes: bytes, source: "test.onnx")
        XCTAssertEqual(inits.map(\.name), ["a", "b", "c", "d"])
        XCTAssertEqual(inits[0].dims, [2, 3])
        XCTAssertEqual(inits[1].dims, [3, 2])
        XCTAssertEqual(inits[2].dims, [6])
        for i in 0..<3 { XCTAssertEqual(try inits[i].floatValues(), vals) }
        XCTAssertEqual(try inits[3].floatValues(), [])

        // The same through a file.
        let dir = try makeTempDir(self)
        writeBytes(bytes, to: dir + "/m.onnx")
        XCTAssertEqual(try ONNXReader.initializers(path: dir + "/m.onnx").map(\.name), ["a", "b", "c", "d"])
    }

    func testONNXInitializerValueErrors() throws {
        let inits = try ONNXReader.initializers(
            bytes: onnxModel(initializers: [
                tensorProto(name: "int", dims: [2], values: [1, 2], dataType: 7),
                tensorProto(name: "short", dims: [3], values: [1, 2]),
                tensorProto(name: "neg", dims: [-1], values: [1]),
                tensorProto(name: "shortf", dims: [3], values: [1, 2], data: .packedFloats)
            ]), source: "x.onnx")
        assertModelError(["int", "not FLOAT"]) { _ = try inits[0].floatValues() }
        assertModelError(["short", "8 raw bytes", "need 12"]) { _ = try inits[1].floatValues() }
        assertModelError(["neg", "negative"]) { _ = try inits[2].floatValues() }
        assertModelError(["shortf", "2 floats"]) { _ = try inits[3].floatValues() }

        var external = Proto()
        external.stringField(8, "ext")
        external.varintField(14, 1)
        assertModelError(["external"]) {
            _ = try ONNXReader.initializers(bytes: onnxModel(initializers: [external.bytes]), source: "e.onnx")
        }
    }

    /// Counts are limited before anything is appended: initializers and dimensions.
    func testONNXReaderLimits() throws {
        let empty: [UInt8] = []
        let most = [[UInt8]](repeating: empty, count: ONNXReader.maxInitializers)
        XCTAssertEqual(
            try ONNXReader.initializers(bytes: onnxModel(initializers: most), source: "m.onnx").count,
            ONNXReader.maxInitializers)
        assertModelError(["more than \(ONNXReader.maxInitializers) initializers", "m.onnx"]) {
            _ = try ONNXReader.initializers(bytes: onnxModel(initializers: most + [empty]), source: "m.onnx")
        }
        let dims = [Int64](repeating: 1, count: ONNXReader.maxDimensions)
        for encoding in [DimsEncoding.packed, .unpacked] {
            let ok = tensorProto(name: "d", dims: dims, values: [7], dims: encoding)
            XCTAssertEqual(
                try ONNXReader.initializers(bytes: onnxModel(initializers: [ok]), source: "d.onnx")[0].floatValues(),
                [7])
            let tooMany = tensorProto(name: "d", dims: dims + [1], values: [7], dims: encoding)
            assertModelError(["more than \(ONNXReader.maxDimensions) dimensions", "d.onnx"]) {
                _ = try ONNXReader.initializers(bytes: onnxModel(initializers: [tooMany]), source: "d.onnx")
            }
        }
    }

    func testONNXReaderGarbage() throws {
        func bad(_ bytes: [UInt8], _ fragment: String, line: UInt = #line) {
            assertModelError([fragment, "g.onnx"], line: line) {
                _ = try ONNXReader.initializers(bytes: bytes, source: "g.onnx")
            }
        }
        bad([], "no graph")
        bad([0x08, 0x01], "no graph")
        bad([0x08], "truncated varint")
        bad([0x08] + [UInt8](repeating: 0xFF, count: 11), "varint")
        bad([0x3A, 0x05, 0x01], "runs past the end")  // graph length 5, 1 byte
        bad([0x3A, 0x02, 0x2A, 0x7F], "runs past the end")  // initializer length past graph
        bad([0x0B], "groups")  // wire type 3
        bad([0x0E], "invalid wire type")
        bad([0x00, 0x01], "invalid field number")
        bad([0x0D, 0x01, 0x02], "truncated 32-bit")
        bad([0x09, 0x01, 0x02], "truncated 64-bit")
        // A PNG signature, and random bytes: must throw (or, rarely, parse), never trap.
        bad([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 13], "not")
        var rng = TestRandom(seed: 99)
        for _ in 0..<300 {
            let random = (0..<Int.random(in: 0...200, using: &rng)).map { _ in UInt8.random(in: 0...255, using: &rng) }
            _ = try? ONNXReader.initializers(bytes: random, source: "r.onnx").map { try? $0.floatValues() }
        }
        // Every truncation and single-byte corruption of a valid model.
        let valid = onnxModel(initializers: [
            tensorProto(name: "a", dims: [2, 3], values: [1, 2, 3, 4, 5, 6]),
            tensorProto(name: "b", dims: [2], values: [1, 2], dims: .unpacked, data: .unpackedFloats)
        ])
        for n in 0..<valid.count {
            _ = try? ONNXReader.initializers(bytes: Array(valid.prefix(n)), source: "t.onnx").map {
                try? $0.floatValues()
            }
            var c = valid
            c[n] = UInt8.random(in: 0...255, using: &rng)
            _ = try? ONNXReader.initializers(bytes: c, source: "c.onnx").map { try? $0.floatValues() }
        }
    }

    // MARK: Importer

    func testImporterNameMapping() {
        XCTAssertTrue(
            ModelImporter.paperName(forONNXName: "functional_1/block1_conv1_1/convolution/ReadVariableOp:0")! == (
                "conv1_1", .weight
            ))
        XCTAssertTrue(
            ModelImporter.paperName(forONNXName: "functional_1/block5_conv3_1/Squeeze:0")! == ("conv5_3", .bias))
        XCTAssertTrue(
            ModelImporter.paperName(forONNXName: "functional_1/block3_conv4_1/Squeeze:0")! == ("conv3_4", .bias))
        for other in [
            "functional_1/dense_1/MatMul/ReadVariableOp:0", "functional_1/block1_conv1_1/BiasAdd:0",
            "functional_1/block1_conv1_1/Squeeze:0x", "functional_1/blockX_conv1_1/Squeeze:0",
            "functional_1/block01_conv1_1/Squeeze:0", "functional_1/block1_conv_1/Squeeze:0", "",
            "functional_1/block1_conv1_2/Squeeze:0"
        ] {
            XCTAssertNil(ModelImporter.paperName(forONNXName: other), other)
        }
    }

    func testImporterArchitectureAndShapes() throws {
        XCTAssertEqual(
            try ModelImporter.detectArchitecture(layers: Set(VGGArchitecture.vgg16.layerNames), source: "s"), .vgg16)
        XCTAssertEqual(
            try ModelImporter.detectArchitecture(layers: Set(VGGArchitecture.vgg19.layerNames), source: "s"), .vgg19)
        var partial = Set(VGGArchitecture.vgg16.layerNames)
        partial.remove("conv4_2")
        assertModelError(["neither VGG16 nor VGG19", "missing for VGG16: conv4_2", "s"]) {
            _ = try ModelImporter.detectArchitecture(layers: partial, source: "s")
        }
        assertModelError(["none found"]) { _ = try ModelImporter.detectArchitecture(layers: [], source: "s") }

        XCTAssertNoThrow(
            try ModelImporter.checkShapes(
                layer: "conv1_1", weightDims: [64, 3, 3, 3], biasDims: [64],
                inChannels: 3, outChannels: 64, source: "s"))
        // Keras's native HWIO layout is rejected, not silently misread.
        assertModelError(["conv1_1 kernel has shape [3, 3, 3, 64]", "OIHW"]) {
            try ModelImporter.checkShapes(
                layer: "conv1_1", weightDims: [3, 3, 3, 64], biasDims: [64],
                inChannels: 3, outChannels: 64, source: "s")
        }
        assertModelError(["conv1_1 bias has shape [1, 64]"]) {
            try ModelImporter.checkShapes(
                layer: "conv1_1", weightDims: [64, 3, 3, 3], biasDims: [1, 64],
                inChannels: 3, outChannels: 64, source: "s")
        }

        // A small ONNX with a wrongly shaped conv1_1 among otherwise missing layers.
        let inits = try ONNXReader.initializers(
            bytes: onnxModel(initializers: [
                tensorProto(
                    name: "functional_1/block1_conv1_1/convolution/ReadVariableOp:0", dims: [2, 3, 3, 3],
                    values: [Float](repeating: 1, count: 54)),
                tensorProto(name: "functional_1/block1_conv1_1/Squeeze:0", dims: [2], values: [1, 2]),
                tensorProto(name: "functional_1/block1_conv1_1/Squeeze:0", dims: [2], values: [1, 2])
            ]), source: "dup.onnx")
        assertModelError(["two biases for conv1_1"]) { _ = try ModelImporter.model(from: inits, source: "dup.onnx") }
        assertModelError(["neither VGG16 nor VGG19"]) {
            _ = try ModelImporter.model(from: Array(inits.prefix(2)), source: "x")
        }
    }

    /// An ONNX export of torchvision's VGG16 names its weights features.N.weight/bias: imported
    /// as VGG16 with torchvision's input convention, each conv's values in place.
    func testONNXWithTorchvisionNames() throws {
        var initializers: [[UInt8]] = []
        var index = 0
        for (b, n) in VGGArchitecture.vgg16.convsPerBlock.enumerated() {
            for c in 0..<n {
                let spec = VGGArchitecture.vgg16.convLayers[VGGArchitecture.vgg16.convsPerBlock[..<b].reduce(0, +) + c]
                let count = spec.outChannels * spec.inChannels * 9
                initializers.append(
                    tensorProto(
                        name: "features.\(index).weight",
                        dims: [Int64(spec.outChannels), Int64(spec.inChannels), 3, 3],
                        values: [Float](repeating: Float(index) / 100, count: count)))
                initializers.append(
                    tensorProto(
                        name: "features.\(index).bias", dims: [Int64(spec.outChannels)],
                        values: [Float](repeating: -Float(index), count: spec.outChannels)))
                index += 2
            }
            index += 1
        }
        initializers.append(tensorProto(name: "classifier.6.bias", dims: [3], values: [1, 2, 3]))
        let dir = try makeTempDir(self)
        writeBytes(onnxModel(initializers: initializers), to: dir + "/vgg16-torchvision.onnx")
        let summary = try ModelImporter.importModel(from: dir + "/vgg16-torchvision.onnx", to: dir + "/m.safetensors")
        XCTAssertEqual(summary.architecture, .vgg16)
        let model = try StyleModel.load(path: dir + "/m.safetensors")
        XCTAssertEqual(model.convention, .torchvision)
        XCTAssertEqual(model.layers["conv3_1"]?.weight.first, 0.10)
        XCTAssertEqual(model.layers["conv5_3"]?.bias.first, -28)
        XCTAssertTrue(model.metadata["source"]?.contains("torchvision") == true)
    }

    func testImportFailureLeavesNoFile() throws {
        let dir = try makeTempDir(self)
        let onnx = dir + "/junk.onnx"
        writeBytes(onnxModel(initializers: [tensorProto(name: "x", dims: [1], values: [1])]), to: onnx)
        let out = dir + "/out.safetensors"
        assertModelError(["neither VGG16 nor VGG19", onnx]) { _ = try ModelImporter.importModel(from: onnx, to: out) }
        XCTAssertFalse(FileIO.fileExists(out))
        // An existing model is left untouched by a failed import.
        writeBytes([1, 2, 3], to: out)
        XCTAssertThrowsError(try ModelImporter.importModel(from: onnx, to: out))
        XCTAssertEqual(try readBytes(out), [1, 2, 3])
        assertModelError(["No such file"], io: true) {
            _ = try ModelImporter.importModel(from: dir + "/none.onnx", to: out)
        }
        // No stray temporary files.
        var names: [String] = []
        if let d = opendir(dir) {
            while let e = readdir(d) {
                names.append(
                    withUnsafeBytes(of: e.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) })
            }
            closedir(d)
        }
        XCTAssertEqual(Set(names), [".", "..", "junk.onnx", "out.safetensors"])
    }

    // MARK: The real default model (present after `make setup` / scripts/fetch-model.sh)

    func testRealDefaultModel() throws {
        let path = repoRoot() + "/models/" + ModelLocator.defaultFileName
        guard FileIO.fileExists(path) else {
            throw XCTSkip("\(path) not present; run `make setup` (or scripts/fetch-model.sh) to create it")
        }
        let model = try StyleModel.load(path: path)
        XCTAssertEqual(model.architecture, .vgg16)
        XCTAssertEqual(model.convention, .caffe)
        // The ImageNet VGG16 values (Keras block1_conv1), OIHW as stored in the ONNX file.
        XCTAssertEqual(model.layers["conv1_1"]?.weight[0], 0.42947057)
        XCTAssertEqual(model.layers["conv1_1"]?.bias[0], 0.73429835)
        XCTAssertEqual(model.metadata["source"], ModelImporter.defaultSource)
        XCTAssertTrue(model.metadata["attribution"]?.contains("Simonyan") ?? false)
        XCTAssertTrue(model.metadata["license"]?.contains("CC BY 4.0") ?? false)
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
