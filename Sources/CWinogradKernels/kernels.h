// The per-instruction-set kernels behind winograd_kernels.h, chosen in dispatch.c.
#ifndef STYLEFILTER_WINOGRAD_KERNELS_INTERNAL_H
#define STYLEFILTER_WINOGRAD_KERNELS_INTERNAL_H

#include "winograd_kernels.h"

/// B's panel width for each kernel set: its block kernel's register tile is SF_WK_ROWS × this.
enum { SF_WK_COLUMNS_AVX512 = 48, SF_WK_COLUMNS_AVX2 = 16, SF_WK_COLUMNS_PORTABLE = 16 };

/// C block (rows × cols of SF_WK_ROWS × columns) = or += (accumulate) A panel · B panel over k.
typedef void (*sf_wk_block_kernel)(const float *a, const float *b, float *c, int k, long ldc, int rows,
                                   int cols, int accumulate);
typedef void (*sf_wk_input_kernel)(int m, const float *input, const float *mask, int height, int width,
                                   int c0, int c1, int ty0, int ty1, float *v, int cin, int tiles,
                                   float *scratch, int bf16);
typedef void (*sf_wk_output_kernel)(int m, const float *mat, int cout, int tiles, int o0, int o1, int ty0,
                                    int ty1, const float *bias, int relu, float *output, int height,
                                    int width, float *scratch);
typedef void (*sf_wk_weight_kernel)(int m, const float *kernel, int cin, int cout, int p0, int p1, float *u,
                                    int bf16);

#define SF_WK_KERNELS(isa)                                                                                   \
    SF_WK_INTERNAL void sf_wk_block_##isa(const float *a, const float *b, float *c, int k, long ldc,         \
                                          int rows, int cols, int accumulate);                               \
    SF_WK_INTERNAL void sf_wk_input_##isa(int m, const float *input, const float *mask, int height,          \
                                          int width, int c0, int c1, int ty0, int ty1, float *v, int cin,    \
                                          int tiles, float *scratch, int bf16);                              \
    SF_WK_INTERNAL void sf_wk_output_##isa(int m, const float *mat, int cout, int tiles, int o0, int o1,     \
                                           int ty0, int ty1, const float *bias, int relu, float *output,     \
                                           int height, int width, float *scratch);                           \
    SF_WK_INTERNAL void sf_wk_weights_##isa(int m, const float *kernel, int cin, int cout, int p0, int p1,   \
                                            float *u, int bf16);
SF_WK_KERNELS(avx512)
SF_WK_KERNELS(avx2)
SF_WK_KERNELS(portable)
#undef SF_WK_KERNELS
SF_WK_INTERNAL void sf_wk_block_avx512bf16(const float *a, const float *b, float *c, int k, long ldc,
                                           int rows, int cols, int accumulate);

#endif
