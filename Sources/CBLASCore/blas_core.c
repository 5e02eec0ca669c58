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
#define _GNU_SOURCE
#include "blas_core.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

// Linked directly (the engine links OpenBLAS): its address names the library that is loaded.
extern char *openblas_get_corename(void);

static pthread_once_t once = PTHREAD_ONCE_INIT;
// OpenBLAS's own handle: a host that loads us with dlopen (ImageMagick's module loader) keeps
// OpenBLAS out of the global scope, where dlsym(RTLD_DEFAULT, …) would not find it.
static void *openblas = NULL;
static const char *core = "unknown";
static const char *fallback = NULL;

// OpenBLAS's kernel sets without AVX2: its fallback and the older x86 cores.
int sf_blas_is_pre_avx2(const char *name) {
    static const char *const old[] = {"Prescott", "Katmai", "Coppermine", "Northwood", "Banias",
                                      "Core2", "Penryn", "Dunnington", "Nehalem", "Atom",
                                      "Sandybridge", "Opteron", "Opteron(SSE3)", "Barcelona",
                                      "Bobcat", "Bulldozer", "Piledriver", "Steamroller",
                                      "Excavator", "Nano", "Athlon", NULL};
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
    const char *current = openblas_get_corename();
    core = current ? current : "unknown";
    Dl_info info;
    if (!dladdr((void *)openblas_get_corename, &info) || !info.dli_fname) return;
    openblas = dlopen(info.dli_fname, RTLD_LAZY | RTLD_NOLOAD);
    if (!openblas) return;
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
    const char *now = openblas_get_corename();
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
