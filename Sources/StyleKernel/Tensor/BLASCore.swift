import CBLASCore

/// OpenBLAS's kernel set for this CPU (see Sources/CBLASCore/blas_core.c): on a CPU newer than
/// the installed OpenBLAS knows, it falls back to generic SSE3 kernels, 2–7× slower than the
/// AVX2/AVX-512 ones the CPU can run; the first use switches them, once per process.
public enum BLASCore {
    /// The kernel set in use (e.g. "Cooperlake", "Haswell"), after the switch if one was needed.
    /// Reading it makes the switch; the engine does so before its first BLAS call.
    public static let name: String = String(cString: sf_blas_prepare_core())

    /// The kernel set OpenBLAS had chosen itself, if it was replaced.
    public static let replaced: String? = sf_blas_fallback_core().map { String(cString: $0) }

    /// Makes sure the kernels are chosen (cheap after the first call).
    @inline(__always) static func prepare() { _ = name }

    /// Throws when OpenBLAS could not be loaded (it is loaded at run time: Sources/CBLASCore).
    static func requireLoaded() throws {
        if let why = sf_blas_load() { throw StyleError.internal(String(cString: why)) }
    }
}

extension BLASCore {
    /// The kernel set this CPU's instruction set calls for, if better than OpenBLAS's generic ones.
    static var best: String? { sf_blas_best_core().map { String(cString: $0) } }

    /// Whether a kernel set lacks AVX2 (OpenBLAS's fallback "Prescott" among them).
    static func isPreAVX2(_ name: String) -> Bool { sf_blas_is_pre_avx2(name) != 0 }
}
