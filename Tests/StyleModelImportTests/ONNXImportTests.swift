import Foundation
import XCTest

@testable import StyleKernel
@testable import StyleModelImport

// The ONNX reader and the importer (`stylize model import`) on ONNX files built here, and the
// default model as the importer wrote it.

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

final class ONNXImportTests: XCTestCase {
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
        var rng = SplitMix64(state: 99)
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
        XCTAssertEqual(try FileIO.readWholeFile(out), [1, 2, 3])
        assertModelError(["No such file"], io: true) {
            _ = try ModelImporter.importModel(from: dir + "/none.onnx", to: out)
        }
        // No stray temporary files.
        XCTAssertEqual(Set(try FileManager.default.contentsOfDirectory(atPath: dir)), ["junk.onnx", "out.safetensors"])
    }

    // MARK: The real default model (present after `make setup` / scripts/fetch-model.sh)

    func testRealDefaultModel() throws {
        let path = repositoryRoot() + "/models/" + ModelLocator.defaultFileName
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
}
