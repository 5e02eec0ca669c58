// Chooses OpenBLAS's kernels for this CPU when OpenBLAS itself could not (see blas_core.c).
#ifndef STYLEFILTER_BLAS_CORE_H
#define STYLEFILTER_BLAS_CORE_H

// Internal to the engine: never exported from libstylefilter (whose ABI is the public header's).
#define SF_BLAS_INTERNAL __attribute__((visibility("hidden")))

#ifdef __cplusplus
extern "C" { // for Sources/COpticalFlow (C++), which loads OpenBLAS before OpenCV
#endif

/// Loads OpenBLAS once per process (thread-safe; see blas_core.c for why it is not linked).
/// NULL when it is there; else why not, as a sentence for the user.
SF_BLAS_INTERNAL const char *sf_blas_load(void);

/// Once per process (thread-safe): if OpenBLAS fell back to its generic SSE kernels on a CPU
/// with AVX2 or AVX-512, and OPENBLAS_CORETYPE is not set, switches it to the kernels for the
/// instruction set this CPU has. Call before the first BLAS call of the process, or at least
/// before any BLAS call is in flight. Returns the kernel set in use afterwards ("Cooperlake",
/// "Haswell", …; "unknown" without a runtime-dispatching OpenBLAS).
SF_BLAS_INTERNAL const char *sf_blas_prepare_core(void);

/// The best kernel set for this CPU's instruction set that the loaded OpenBLAS has (NULL: none
/// better than its generic ones, or no runtime-dispatching OpenBLAS).
SF_BLAS_INTERNAL const char *sf_blas_best_core(void);

/// Whether `name` is one of OpenBLAS's kernel sets without AVX2 (its fallback among them).
SF_BLAS_INTERNAL int sf_blas_is_pre_avx2(const char *name);

/// Whether sf_blas_prepare_core switched the kernel set, and from which one (NULL if not).
SF_BLAS_INTERNAL const char *sf_blas_fallback_core(void);

#ifdef __cplusplus
}
#endif

#endif
