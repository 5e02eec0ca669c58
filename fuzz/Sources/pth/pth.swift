// libFuzzer harness: the PyTorch state dict reader from untrusted bytes — the ZIP and legacy
// containers, the pickle machine, every tensor's storage, view and strides — and the torchvision
// mapping of `stylize model import`. Each must give a result or a StyleError, never a trap, a
// sanitizer report or a huge allocation.
import FuzzSupport
@testable import StyleModelImport

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzPTH(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    expectStyleErrorsOnly("TorchFile") {
        let tensors = try TorchFile.tensors(bytes: bytes, source: "fuzz.pth")
        for (name, t) in tensors where t.values.count != t.shape.reduce(1, *) {
            fatalError("\(name): \(t.values.count) values for shape \(t.shape)")
        }
        _ = try ModelImporter.torchvisionModel(
            tensors.map { name, t in ModelImporter.SourceTensor(name: name, dims: t.shape.map(Int64.init), values: { t.values }) },
            source: "fuzz.pth", metadata: [:])
    }
    return 0
}
