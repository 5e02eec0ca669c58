// OpenBLAS's kernels for CPUs newer than the OpenBLAS installed.
//
// Debian's OpenBLAS (0.3.21, built with DYNAMIC_ARCH) picks its kernels at load time from the
// CPU's family and model numbers. A model it does not know — measured here: Intel family 6 model
// 207 (Emerald Rapids), a current cloud CPU — makes it fall back to "Prescott", its generic SSE3
// kernels: SGEMM at 22 GFLOP/s per core instead of 146 with the Cooperlake (AVX-512) kernels
// on the same core, and a 512 px stylization 2.2× slower. OpenBLAS reads OPENBLAS_CORETYPE
// only in its load-time constructor, which has run before any code of ours; it does export the
// two functions that constructor uses (gotoblas_dynamic_quit/_init), so the selection can be
// redone once, before any BLAS call is in flight, with the name of the kernel set for the
// instruction set the CPU reports (__builtin_cpu_supports, which also checks that the OS
// saves the AVX-512 registers).
//
// Nothing happens when the user set OPENBLAS_CORETYPE (their choice stands), when OpenBLAS
// chose any AVX2 kernel set itself, when the CPU has no AVX2, or when the OpenBLAS in the
// process lacks the entry points or the kernel set (a single-architecture build).
//
// OpenBLAS itself is loaded here, with dlopen, not linked (sf_blas_load): linked, its load-time
// constructor starts one worker thread per core before any code of ours runs, and each maps a
// 128 MiB buffer at once. The engine never uses those threads (it calls OpenBLAS single-threaded
// from its own workers), but under an address-space limit (ulimit -v) a worker whose buffer
// cannot be mapped retries forever, and the process hangs at exit waiting for it (found at
// 150–250 MB); on a 64-core host they are 8 GiB of address space. Loaded by us, OpenBLAS sees
// OPENBLAS_NUM_THREADS=1 (unless the user set it) and starts none. The engine's calls go through
// the functions at the end of this file, which keep OpenBLAS's own names (hidden: never exported).
#define _GNU_SOURCE
#include "blas_core.h"

#include <cblas.h>
#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static pthread_once_t loaded = PTHREAD_ONCE_INIT;
static pthread_once_t once = PTHREAD_ONCE_INIT;
// OpenBLAS's own handle (RTLD_LOCAL: a host's other BLAS, if any, is neither replaced nor seen).
static void *openblas = NULL;
static char load_error[512] = "";
static void (*p_sgemm)(enum CBLAS_ORDER, enum CBLAS_TRANSPOSE, enum CBLAS_TRANSPOSE, blasint, blasint,
                       blasint, float, const float *, blasint, const float *, blasint, float, float *,
                       blasint) = NULL;
static void (*p_ssyrk)(enum CBLAS_ORDER, enum CBLAS_UPLO, enum CBLAS_TRANSPOSE, blasint, blasint, float,
                       const float *, blasint, float, float *, blasint) = NULL;
static void (*p_set_num_threads)(int) = NULL;
static int (*p_get_num_threads)(void) = NULL;
static char *(*p_get_corename)(void) = NULL;
static const char *core = "unknown";
static const char *fallback = NULL;

// The shared object Debian's libopenblas0 installs (through its alternatives, like the linker's
// -lopenblas), then the development link.
static const char *const library_names[] = {"libopenblas.so.0", "libopenblas.so", NULL};

static void load(void) {
    // OpenBLAS reads the variable only in its load-time constructor: set for that moment and
    // removed again, so neither the host nor its children see it. It takes precedence over
    // GOTO_NUM_THREADS and OMP_NUM_THREADS, which a host may have set for other libraries.
    int set_here = getenv("OPENBLAS_NUM_THREADS") == NULL && setenv("OPENBLAS_NUM_THREADS", "1", 1) == 0;
    for (int i = 0; library_names[i] && !openblas; i++)
        openblas = dlopen(library_names[i], RTLD_NOW | RTLD_LOCAL);
    if (set_here) unsetenv("OPENBLAS_NUM_THREADS");
    if (!openblas) {
        const char *why = dlerror();
        snprintf(load_error, sizeof load_error,
                 "OpenBLAS could not be loaded (%s): install Debian's libopenblas0 (or libopenblas-dev)",
                 why ? why : "libopenblas.so.0 not found");
        return;
    }
    *(void **)&p_sgemm = dlsym(openblas, "cblas_sgemm");
    *(void **)&p_ssyrk = dlsym(openblas, "cblas_ssyrk");
    *(void **)&p_set_num_threads = dlsym(openblas, "openblas_set_num_threads");
    *(void **)&p_get_num_threads = dlsym(openblas, "openblas_get_num_threads");
    *(void **)&p_get_corename = dlsym(openblas, "openblas_get_corename");
    if (!p_sgemm || !p_ssyrk || !p_set_num_threads) {
        snprintf(load_error, sizeof load_error,
                 "the OpenBLAS that was loaded lacks cblas_sgemm, cblas_ssyrk or openblas_set_num_threads: "
                 "install Debian's libopenblas0");
        p_sgemm = NULL;
    }
}

const char *sf_blas_load(void) {
    pthread_once(&loaded, load);
    return p_sgemm ? NULL : load_error;
}

// OpenBLAS's kernel sets without AVX2: its fallback and the older x86 cores.
int sf_blas_is_pre_avx2(const char *name) {
    static const char *const old[] = {"Prescott",    "Katmai",     "Coppermine",    "Northwood", "Banias",
                                      "Core2",       "Penryn",     "Dunnington",    "Nehalem",   "Atom",
                                      "Sandybridge", "Opteron",    "Opteron(SSE3)", "Barcelona", "Bobcat",
                                      "Bulldozer",   "Piledriver", "Steamroller",   "Excavator", "Nano",
                                      "Athlon",      NULL};
    for (int i = 0; old[i]; i++)
        if (strcasecmp(name, old[i]) == 0) return 1;
    return 0;
}

// The best kernel set for this CPU's instruction set that the loaded OpenBLAS has, or NULL.
static const char *best_core(void) {
#if defined(__x86_64__)
    __builtin_cpu_init();
    int avx512 = __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512vl") &&
                 __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512dq") &&
                 __builtin_cpu_supports("avx512cd");
    if (avx512 && __builtin_cpu_supports("avx512bf16") && dlsym(openblas, "gotoblas_COOPERLAKE"))
        return "Cooperlake";
    if (avx512 && dlsym(openblas, "gotoblas_SKYLAKEX")) return "SkylakeX";
    if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") &&
        dlsym(openblas, "gotoblas_HASWELL"))
        return "Haswell";
#endif
    return NULL;
}

static void prepare(void) {
    if (sf_blas_load() || !p_get_corename) return;
    const char *current = p_get_corename();
    core = current ? current : "unknown";
    void (*quit)(void) = (void (*)(void))dlsym(openblas, "gotoblas_dynamic_quit");
    void (*init)(void) = (void (*)(void))dlsym(openblas, "gotoblas_dynamic_init");
    if (getenv("OPENBLAS_CORETYPE") || !current || !sf_blas_is_pre_avx2(current) || !quit || !init) return;
    const char *best = best_core();
    if (!best) return;
    // OpenBLAS reads the name from the environment only; it is set for the one call and removed
    // again, so neither child processes nor the host see it.
    if (setenv("OPENBLAS_CORETYPE", best, 1) != 0) return;
    quit();
    init();
    unsetenv("OPENBLAS_CORETYPE");
    fallback = current;
    const char *now = p_get_corename();
    core = now ? now : "unknown";
}

const char *sf_blas_prepare_core(void) {
    pthread_once(&once, prepare);
    return core;
}

const char *sf_blas_best_core(void) {
    pthread_once(&once, prepare);
    return best_core();
}

const char *sf_blas_fallback_core(void) {
    pthread_once(&once, prepare);
    return fallback;
}

// OpenBLAS's entry points under their own names, for the engine (cblas.h declares them): each
// loads OpenBLAS on first use. The engine checks sf_blas_load before a run; without OpenBLAS a
// call does nothing rather than jump to address 0.
SF_BLAS_INTERNAL void cblas_sgemm(const enum CBLAS_ORDER order, const enum CBLAS_TRANSPOSE trans_a,
                                  const enum CBLAS_TRANSPOSE trans_b, const blasint m, const blasint n,
                                  const blasint k, const float alpha, const float *a, const blasint lda,
                                  const float *b, const blasint ldb, const float beta, float *c,
                                  const blasint ldc) {
    if (sf_blas_load()) return;
    p_sgemm(order, trans_a, trans_b, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
}

SF_BLAS_INTERNAL void cblas_ssyrk(const enum CBLAS_ORDER order, const enum CBLAS_UPLO uplo,
                                  const enum CBLAS_TRANSPOSE trans, const blasint n, const blasint k,
                                  const float alpha, const float *a, const blasint lda, const float beta,
                                  float *c, const blasint ldc) {
    if (sf_blas_load()) return;
    p_ssyrk(order, uplo, trans, n, k, alpha, a, lda, beta, c, ldc);
}

SF_BLAS_INTERNAL void openblas_set_num_threads(int num_threads) {
    if (!sf_blas_load()) p_set_num_threads(num_threads);
}

SF_BLAS_INTERNAL int openblas_get_num_threads(void) {
    return !sf_blas_load() && p_get_num_threads ? p_get_num_threads() : 1;
}
