import XCTest

@testable import StyleKernel

#if canImport(Glibc)
    import Glibc
#endif

/// OpenBLAS runs the kernels this CPU's instruction set calls for, even on a CPU newer than the
/// installed OpenBLAS knows (it then falls back to generic SSE3 kernels: measured 2.2× slower
/// stylizations on an Intel family 6 model 207 with Debian's OpenBLAS 0.3.21).
final class BLASCoreTests: XCTestCase {
    func testVectorKernelsOnAVX2CPUs() throws {
        try XCTSkipIf(getenv("OPENBLAS_CORETYPE") != nil, "OPENBLAS_CORETYPE is set: the user chose the kernels")
        let name = BLASCore.name
        guard let best = BLASCore.best else {
            throw XCTSkip("no AVX2 on this CPU, or an OpenBLAS without runtime kernel choice (in use: \(name))")
        }
        XCTAssertFalse(
            BLASCore.isPreAVX2(name),
            "OpenBLAS runs its \(name) kernels on a CPU that has \(best)'s instruction set")
        if let replaced = BLASCore.replaced {
            XCTAssertTrue(BLASCore.isPreAVX2(replaced), "replaced \(replaced), which was not a fallback")
            XCTAssertEqual(name.lowercased(), best.lowercased())
        }
        // The process environment is left as it was.
        XCTAssertNil(getenv("OPENBLAS_CORETYPE"))
    }

    func testKernelSetNames() {
        XCTAssertTrue(BLASCore.isPreAVX2("Prescott"))
        XCTAssertTrue(BLASCore.isPreAVX2("sandybridge"))
        XCTAssertFalse(BLASCore.isPreAVX2("Haswell"))
        XCTAssertFalse(BLASCore.isPreAVX2("Cooperlake"))
        XCTAssertFalse(BLASCore.isPreAVX2("Zen"))
    }
}
