// The AVX-512 block kernel's body, included by gemm_kernels.c once per element type: it defines
// BLOCK_NAME, compiled for BLOCK_TARGET, with MULTIPLY_ADD(acc, a, b) as its step: a fused
// multiply-add of floats (one step of k per word), or VDPBF16PS on pairs of bfloat16 (two steps
// of k per word, float accumulators). `k` counts words. No include guard: included twice.

#define BLOCK_BODY_(name) name##_columns
#define BLOCK_BODY(name)  BLOCK_BODY_(name)

/// The block with `nv` vectors of 16 columns (1, 2 or 3; a constant once inlined): a last panel
/// with few columns computes no more vectors than it has columns in, and loads none of the
/// columns past `cols`, which hold anything (`partial`).
__attribute__((target(BLOCK_TARGET))) static inline __attribute__((always_inline)) void
BLOCK_BODY(BLOCK_NAME)(const int nv, const int partial, const float *a, const float *b, float *c, int k,
                       long ldc, int rows, int cols, int accumulate) {
    const __mmask16 last = lanes(cols, 16 * (nv - 1));
    // Every index of acc is a constant once the loops are unrolled, so it lives in registers (a
    // row index known only at run time kept it on the stack, zeroed by a memset each call).
    __m512 acc[SF_WK_ROWS][3];
#pragma clang loop unroll(full)
    for (int r = 0; r < SF_WK_ROWS; r++) {
#pragma clang loop unroll(full)
        for (int j = 0; j < nv; j++) acc[r][j] = _mm512_setzero_ps();
    }
    for (int p = 0; p < k; p++) {
        __m512 bv[3];
        for (int j = 0; j < nv; j++) {
            bv[j] = partial && j == nv - 1 ? _mm512_maskz_loadu_ps(last, b + 16 * j)
                                           : _mm512_loadu_ps(b + 16 * j);
        }
#pragma clang loop unroll(full)
        for (int r = 0; r < SF_WK_ROWS; r++) {
            __m512 ar = _mm512_set1_ps(a[r]);
            for (int j = 0; j < nv; j++) acc[r][j] = MULTIPLY_ADD(acc[r][j], ar, bv[j]);
        }
        a += SF_WK_ROWS;
        b += SF_WK_COLUMNS_AVX512;
    }
#pragma clang loop unroll(full)
    for (int r = 0; r < SF_WK_ROWS; r++) {
        float *cr = c + r * ldc;
#pragma clang loop unroll(full)
        for (int j = 0; j < nv; j++) {
            __mmask16 m = r < rows ? lanes(cols, 16 * j) : 0; // rows past `rows`: no store
            if (accumulate) acc[r][j] = _mm512_add_ps(acc[r][j], _mm512_maskz_loadu_ps(m, cr + 16 * j));
            _mm512_mask_storeu_ps(cr + 16 * j, m, acc[r][j]);
        }
    }
}

__attribute__((target(BLOCK_TARGET))) void BLOCK_NAME(const float *a, const float *b, float *c, int k,
                                                      long ldc, int rows, int cols, int accumulate) {
    if (cols == 48)
        BLOCK_BODY(BLOCK_NAME)(3, 0, a, b, c, k, ldc, rows, cols, accumulate);
    else if (cols > 32)
        BLOCK_BODY(BLOCK_NAME)(3, 1, a, b, c, k, ldc, rows, cols, accumulate);
    else if (cols > 16)
        BLOCK_BODY(BLOCK_NAME)(2, cols % 16 != 0, a, b, c, k, ldc, rows, cols, accumulate);
    else
        BLOCK_BODY(BLOCK_NAME)(1, cols % 16 != 0, a, b, c, k, ldc, rows, cols, accumulate);
}

#undef BLOCK_BODY
#undef BLOCK_BODY_
#undef BLOCK_NAME
#undef BLOCK_TARGET
#undef MULTIPLY_ADD
