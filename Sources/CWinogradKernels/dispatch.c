// Chooses the kernels once per process: the widest instruction set the CPU (and its OS) runs, or
// the one STYLEFILTER_KERNELS names if the CPU runs it. Every later call goes to the same kernels,
// so a process's results never change mid-run.
#include "kernels.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

struct kernel_set {
    const char *name;
    int columns; // B's panel width: the block kernel's register tile is 8 × columns
    int (*runs)(void);
    sf_wk_block_kernel block;
    sf_wk_block_kernel block_bf16; // on pairs of bfloat16; NULL where the CPU has no such instruction
    sf_wk_input_kernel input;
    sf_wk_output_kernel output;
    sf_wk_weight_kernel weights;
};

// __builtin_cpu_supports also checks that the OS saves the wider registers.
static int runs_avx512(void) {
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512vl") &&
           __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512dq") &&
           __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
}
static int runs_avx512_bf16(void) {
    return runs_avx512() && __builtin_cpu_supports("avx512bf16");
}
static int runs_avx2(void) {
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
}
static int runs_always(void) {
    return 1;
}

static const struct kernel_set sets[] = {
    {"avx512-bf16", SF_WK_COLUMNS_AVX512, runs_avx512_bf16, sf_wk_block_avx512, sf_wk_block_avx512bf16,
     sf_wk_input_avx512, sf_wk_output_avx512, sf_wk_weights_avx512},
    {"avx512", SF_WK_COLUMNS_AVX512, runs_avx512, sf_wk_block_avx512, NULL, sf_wk_input_avx512,
     sf_wk_output_avx512, sf_wk_weights_avx512},
    {"avx2", SF_WK_COLUMNS_AVX2, runs_avx2, sf_wk_block_avx2, NULL, sf_wk_input_avx2, sf_wk_output_avx2,
     sf_wk_weights_avx2},
    {"portable", SF_WK_COLUMNS_PORTABLE, runs_always, sf_wk_block_portable, NULL, sf_wk_input_portable,
     sf_wk_output_portable, sf_wk_weights_portable},
};
enum { SET_COUNT = sizeof sets / sizeof sets[0] };

static const struct kernel_set *chosen;
static pthread_once_t choose_once = PTHREAD_ONCE_INIT;

static void choose(void) {
    const char *wanted = getenv("STYLEFILTER_KERNELS");
    for (int i = 0; i < SET_COUNT && wanted; i++) {
        if (strcmp(wanted, sets[i].name) == 0 && sets[i].runs()) {
            chosen = &sets[i];
            return;
        }
    }
    for (int i = 0; i < SET_COUNT; i++) {
        if (sets[i].runs()) {
            chosen = &sets[i];
            return;
        }
    }
}

static const struct kernel_set *current(void) {
    pthread_once(&choose_once, choose);
    return chosen;
}

int sf_wk_columns(void) {
    return current()->columns;
}

const char *sf_wk_name(void) {
    return current()->name;
}

const char *sf_wk_set_name(int i) {
    return i >= 0 && i < SET_COUNT ? sets[i].name : NULL;
}

int sf_wk_bf16(void) {
    return current()->block_bf16 != NULL;
}

int sf_wk_words(int k, int bf16) {
    return bf16 ? (k + 1) / 2 : k;
}

// Words of k per block: a block of A's panel (128 × 8 words, 4 KiB) stays in L1 while the item's
// B panels pass it (128 × 48 words, 24 KiB each, from L2); C is added to from the second block
// on. (Blocks of 64…512 floats measured within 2 % of each other standalone; 128 is the middle.)
enum { K_BLOCK = 128 };

void sf_wk_multiply(const float *a, const float *b, float *c, int m, int n, int k, long ldc, int first_panel,
                    int end_panel, int bf16) {
    const struct kernel_set *set = current();
    const int nr = set->columns;
    const sf_wk_block_kernel block = bf16 ? set->block_bf16 : set->block;
    if (!block) return; // bfloat16 asked of kernels without it (Conv3x3.Precision never does)
    k = sf_wk_words(k, bf16);
    if (end_panel > (n + nr - 1) / nr) end_panel = (n + nr - 1) / nr;
    int k0 = 0;
    do {
        int kc = k - k0 < K_BLOCK ? k - k0 : K_BLOCK;
        for (int p = 0; p * SF_WK_ROWS < m; p++) {
            int rows = m - p * SF_WK_ROWS < SF_WK_ROWS ? m - p * SF_WK_ROWS : SF_WK_ROWS;
            const float *ap = a + ((long)p * k + k0) * SF_WK_ROWS;
            for (int q = first_panel; q < end_panel; q++) {
                int cols = n - q * nr < nr ? n - q * nr : nr;
                block(ap, b + (long)q * k * nr + (long)k0 * nr, c + (long)p * SF_WK_ROWS * ldc + (long)q * nr,
                      kc, ldc, rows, cols, k0 > 0);
            }
        }
        k0 += K_BLOCK;
    } while (k0 < k);
}

// The input transform's rows and phases of two channels, 3·(m + 2)·m·(tilesX + 1) floats after
// a zero row, are the larger need: 144 per tile of F(6×6), 72 of F(4×4).
long sf_wk_scratch(int width) {
    long f6 = 144L * ((width + 5) / 6 + 1), f4 = 72L * ((width + 3) / 4 + 1);
    return width + (f6 > f4 ? f6 : f4);
}

void sf_wk_input_transform(int m, const float *input, const float *mask, int height, int width, int c0,
                           int c1, int ty0, int ty1, float *v, int cin, int tiles, float *scratch, int bf16) {
    current()->input(m, input, mask, height, width, c0, c1, ty0, ty1, v, cin, tiles, scratch, bf16);
}

void sf_wk_output_transform(int m, const float *mat, int cout, int tiles, int o0, int o1, int ty0, int ty1,
                            const float *bias, int relu, float *output, int height, int width,
                            float *scratch) {
    current()->output(m, mat, cout, tiles, o0, o1, ty0, ty1, bias, relu, output, height, width, scratch);
}

void sf_wk_weight_transform(int m, const float *kernel, int cin, int cout, int first_panel, int end_panel,
                            float *u, int bf16) {
    current()->weights(m, kernel, cin, cout, first_panel, end_panel, u, bf16);
}
