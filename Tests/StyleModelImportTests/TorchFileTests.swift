import XCTest

@testable import StyleKernel
@testable import StyleModelImport

/// The .pth reader on files torch.save wrote (Tests/Fixtures/pth, made by
/// scripts/make-pth-fixtures.py with Debian's python3-torch), and the torchvision importer.
final class TorchFileTests: XCTestCase {
    func fixture(_ name: String) -> String { repositoryRoot() + "/Tests/Fixtures/pth/" + name }

    /// The values scripts/make-pth-fixtures.py stored, recomputed from their indices.
    func checkTinyStateDict(_ tensors: [String: TorchFile.Tensor], file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(
            Set(tensors.keys),
            [
                "features.0.weight", "features.0.bias", "view.offset", "view.transposed",
                "classifier.0.weight", "counter", "half"
            ], file: file, line: line)
        XCTAssertEqual(tensors["features.0.weight"]?.shape, [2, 3, 3, 3])
        XCTAssertEqual(tensors["features.0.weight"]?.values, (0..<54).map { Float($0) / 10 })
        XCTAssertEqual(tensors["features.0.bias"]?.values, [0.5, -1.5])
        // base = arange(24) · 0.25; view.offset = base[4:10]; view.transposed = base[:12].reshape(3, 4).t()
        XCTAssertEqual(tensors["view.offset"]?.values, (4..<10).map { Float($0) * 0.25 })
        XCTAssertEqual(tensors["view.transposed"]?.shape, [4, 3])
        XCTAssertEqual(tensors["view.transposed"]?.values, (0..<12).map { i in Float((i % 3) * 4 + i / 3) * 0.25 })
        XCTAssertEqual(tensors["classifier.0.weight"]?.values, (0..<6).map { Float($0) - 2.5 })
        XCTAssertEqual(tensors["counter"]?.shape, [])
        XCTAssertEqual(tensors["counter"]?.values, [7])
        XCTAssertEqual(tensors["half"]?.values, [1.5, -0.25, 65504])
    }

    func testZipAndLegacyContainers() throws {
        checkTinyStateDict(try TorchFile.tensors(path: fixture("tiny-zip.pth")))
        checkTinyStateDict(try TorchFile.tensors(path: fixture("tiny-legacy.pth")))
    }

    /// Every truncation and many single-byte changes of both files give an error or a result,
    /// never a trap.
    func testDamagedFilesAreErrors() throws {
        for name in ["tiny-zip.pth", "tiny-legacy.pth"] {
            let bytes = try FileIO.readWholeFile(fixture(name))
            for cut in stride(from: 0, to: bytes.count, by: 7) {
                _ = try? TorchFile.tensors(bytes: Array(bytes[..<cut]), source: name)
            }
            var rng = SplitMix64(state: 11)
            for _ in 0..<400 {
                var damaged = bytes
                let i = Int(rng.next() % UInt64(bytes.count))
                damaged[i] = UInt8(truncatingIfNeeded: rng.next())
                _ = try? TorchFile.tensors(bytes: damaged, source: name)
            }
            XCTAssertThrowsError(try TorchFile.tensors(bytes: Array(bytes[..<(bytes.count / 2)]), source: name))
        }
        XCTAssertThrowsError(try TorchFile.tensors(bytes: [0x80, 0x02, 0x8A, 0x01, 0x00, 0x2E], source: "x.pth")) {
            XCTAssertTrue("\($0)".contains("magic"), "\($0)")
        }
    }

    /// A torchvision-named state dict of VGG19's shapes becomes a VGG19 model with torchvision's
    /// convention; the indices of `features` follow the ReLU/pool layers between the convs.
    func testTorchvisionNamesMapToTheLayers() throws {
        for arch in VGGArchitecture.allCases {
            var tensors: [ModelImporter.SourceTensor] = []
            var index = 0
            for (b, n) in arch.convsPerBlock.enumerated() {
                for c in 0..<n {
                    let spec = arch.convLayers[arch.convsPerBlock[..<b].reduce(0, +) + c]
                    let marker = Float(index)
                    tensors.append(
                        .init(
                            name: "features.\(index).weight",
                            dims: [Int64(spec.outChannels), Int64(spec.inChannels), 3, 3],
                            values: { [Float](repeating: marker, count: spec.outChannels * spec.inChannels * 9) }))
                    tensors.append(
                        .init(
                            name: "features.\(index).bias", dims: [Int64(spec.outChannels)],
                            values: { [Float](repeating: -marker, count: spec.outChannels) }))
                    index += 2  // conv, ReLU
                }
                index += 1  // max pool
            }
            tensors.append(.init(name: "classifier.0.weight", dims: [4096, 25088], values: { [] }))
            let model = try ModelImporter.torchvisionModel(tensors, source: "t.pth", metadata: [:])
            XCTAssertEqual(model.architecture, arch)
            XCTAssertEqual(model.convention, .torchvision)
            XCTAssertEqual(model.layers["conv1_1"]?.weight.first, 0)
            XCTAssertEqual(model.layers["conv1_2"]?.bias.first, -2)
            XCTAssertEqual(model.layers["conv2_1"]?.weight.first, 5)
            XCTAssertEqual(model.layers["conv3_1"]?.weight.first, 10)
        }
        let bn = [ModelImporter.SourceTensor(name: "features.1.running_mean", dims: [64], values: { [] })]
        XCTAssertThrowsError(try ModelImporter.torchvisionModel(bn, source: "bn.pth", metadata: [:])) {
            XCTAssertTrue("\($0)".contains("batch-normalised"), "\($0)")
        }
        let few = [ModelImporter.SourceTensor(name: "features.0.weight", dims: [64, 3, 3, 3], values: { [] })]
        XCTAssertThrowsError(try ModelImporter.torchvisionModel(few, source: "few.pth", metadata: [:])) {
            XCTAssertTrue("\($0)".contains("1 convolutions"), "\($0)")
        }
    }
}

extension TorchFileTests {
    /// A dict that holds itself (through the memo) as "state_dict" and as a value: an error, not
    /// endless recursion. Protocol 2: PROTO 2, EMPTY_DICT, BINPUT 0, "state_dict", BINGET 0,
    /// SETITEM, "x", BINGET 0, SETITEM, STOP.
    func testSelfContainingDictIsAnError() {
        var p: [UInt8] = [0x80, 0x02, 0x7D, 0x71, 0x00]
        for key in ["state_dict", "x"] {
            p += [0x8C, UInt8(key.utf8.count)] + Array(key.utf8) + [0x68, 0x00, 0x73]
        }
        p += [0x2E]
        // As the data.pkl of a ZIP archive, through the public entry point.
        XCTAssertThrowsError(try TorchFile.zipTensors(zip(["a/data.pkl": p]), source: "cycle.pth")) {
            XCTAssertTrue("\($0)".contains("does not hold a dict of tensors"), "\($0)")
        }
    }

    /// A minimal stored ZIP archive (local headers, central directory, end record).
    func zip(_ files: [String: [UInt8]]) -> [UInt8] {
        func u16(_ v: Int) -> [UInt8] { [UInt8(v & 0xFF), UInt8(v >> 8 & 0xFF)] }
        func u32(_ v: Int) -> [UInt8] { u16(v & 0xFFFF) + u16(v >> 16 & 0xFFFF) }
        var out: [UInt8] = [], central: [UInt8] = []
        for (name, data) in files.sorted(by: { $0.key < $1.key }) {
            let offset = out.count, n = Array(name.utf8)
            out +=
                u32(0x0403_4b50) + u16(20) + u16(0) + u16(0) + u32(0) + u32(0) + u32(data.count) + u32(data.count)
                + u16(n.count) + u16(0) + n + data
            central +=
                u32(0x0201_4b50) + u16(20) + u16(20) + u16(0) + u16(0) + u32(0) + u32(0) + u32(data.count)
                + u32(data.count) + u16(n.count) + u16(0) + u16(0) + u16(0) + u16(0) + u32(0) + u32(offset) + n
        }
        let start = out.count
        out += central
        out +=
            u32(0x0605_4b50) + u16(0) + u16(0) + u16(files.count) + u16(files.count) + u32(central.count)
            + u32(start) + u16(0)
        return out
    }
}
