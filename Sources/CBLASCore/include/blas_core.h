// Chooses OpenBLAS's kernels for this CPU when OpenBLAS itself could not (see blas_core.c).
#ifndef STYLEFILTER_BLAS_CORE_H
#define STYLEFILTER_BLAS_CORE_H

/// Once per process (thread-safe): if OpenBLAS fell back to its generic SSE kernels on a CPU
/// with AVX2 or AVX-512, and OPENBLAS_CORETYPE is not set, switches it to the kernels for the
/// instruction set this CPU has. Call before the first BLAS call of the process, or at least
/// before any BLAS call is in flight. Returns the kernel set in use afterwards ("Cooperlake",
/// "Haswell", …; "unknown" without a runtime-dispatching OpenBLAS).
const char *sf_blas_prepare_core(void);

/// The best kernel set for this CPU's instruction set that the loaded OpenBLAS has (NULL: none
/// better than its generic ones, or no runtime-dispatching OpenBLAS).
const char *sf_blas_best_core(void);

/// Whether `name` is one of OpenBLAS's kernel sets without AVX2 (its fallback among them).
int sf_blas_is_pre_avx2(const char *name);

/// Whether sf_blas_prepare_core switched the kernel set, and from which one (NULL if not).
const char *sf_blas_fallback_core(void);

#endif
