// libFuzzer harness: a model file (safetensors) from untrusted bytes. Reading must give a model
// or a StyleError, never a trap, a sanitizer report or a huge allocation; a file that reads
// must survive a write/read round trip unchanged.
import FuzzSupport
@testable import StyleKernel
#if canImport(Glibc)
import Glibc
#endif

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzSafeTensors(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    let bytes = UnsafeRawBufferPointer(start: data, count: size)
    let path = ScratchFile.write(bytes, suffix: ".safetensors")
    expectStyleErrorsOnly("SafeTensors.read") {
        let file = try SafeTensors.read(path: path)
        // The same file as a stylefilter model (the VGG checks; fails for all but real models).
        expectStyleErrorsOnly("StyleModel.fromSafeTensors") { _ = try StyleModel.fromSafeTensors(file, path: path) }
        let copy = path + ".copy"
        defer { _ = unlink(copy) }
        // Names the writer reserves cannot come out of a valid read; anything read writes back.
        try SafeTensors.write(path: copy, tensors: file.order.map { ($0, file.tensors[$0]!) }, metadata: file.metadata)
        let again = try SafeTensors.read(path: copy)
        guard again.metadata == file.metadata, again.order.sorted() == file.order.sorted(),
              file.order.allSatisfy({ again.tensors[$0]!.shape == file.tensors[$0]!.shape &&
                                      again.tensors[$0]!.values.map(\.bitPattern) == file.tensors[$0]!.values.map(\.bitPattern) })
        else { fatalError("safetensors round trip changed the file") }
    }
    return 0
}
