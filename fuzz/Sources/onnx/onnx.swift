// libFuzzer harness: the ONNX importer from untrusted bytes — the protobuf reader, every
// initializer's values, and the VGG mapping/shape checks of `stylize model import`. Each must
// give a result or a StyleError, never a trap, a sanitizer report or a huge allocation.
import FuzzSupport
@testable import StyleModelImport

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzONNX(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    expectStyleErrorsOnly("ONNXReader") {
        let initializers = try ONNXReader.initializers(bytes: bytes, source: "fuzz.onnx")
        for i in initializers {
            expectStyleErrorsOnly("floatValues") {
                let values = try i.floatValues()
                guard values.count == i.dims.reduce(1, { $0 * Int($1) }) else {
                    fatalError("initializer \(i.name): \(values.count) values for dims \(i.dims)")
                }
            }
        }
        _ = try ModelImporter.model(from: initializers, source: "fuzz.onnx")
    }
    return 0
}
