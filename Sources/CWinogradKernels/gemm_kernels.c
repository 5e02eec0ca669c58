// The GEMM's block kernels (Goto & van de Geijn, "Anatomy of High-Performance Matrix
// Multiplication", ACM TOMS 34(3), 2008): an 8 × columns block of C lives in registers while k
// steps stream a column of A's panel (broadcast) and a row of B's panel.
//   AVX-512: 8 × 48 — 24 accumulators of 16 floats, 3 loads of B and 8 broadcasts per step.
//   AVX2:    8 × 16 as two passes of 4 × 16 — 8 accumulators of 8, 2 loads of B, 4 broadcasts.
//   portable: 8 × 16 in plain C (what the compiler vectorises for the baseline CPU).
//   AVX-512 BF16: 8 × 48 as AVX-512's, on pairs of bfloat16 (one 32-bit word holds a pair of
//     consecutive k) with float accumulators: one VDPBF16PS does two steps of k, so the same
//     registers and loads do twice the multiply-adds (measured standalone on Zen 4: 229 against
//     115 GFLOP/s).
// A block is summed in k order, one rounding per multiply-add, whatever the thread count; the
// three differ from each other in the last bits only.
#include "kernels.h"

#include <immintrin.h>

void sf_wk_block_portable(const float *a, const float *b, float *c, int k, long ldc, int rows, int cols,
                          int accumulate) {
    float acc[SF_WK_ROWS][SF_WK_COLUMNS_PORTABLE] = {{0}};
    for (int p = 0; p < k; p++) {
        const float *ap = a + p * SF_WK_ROWS, *bp = b + p * SF_WK_COLUMNS_PORTABLE;
        for (int r = 0; r < SF_WK_ROWS; r++) {
            for (int j = 0; j < cols; j++) acc[r][j] += ap[r] * bp[j];
        }
    }
    for (int r = 0; r < rows; r++) {
        float *cr = c + r * ldc;
        for (int j = 0; j < cols; j++) cr[j] = accumulate ? cr[j] + acc[r][j] : acc[r][j];
    }
}

__attribute__((target("avx2,fma"))) void sf_wk_block_avx2(const float *a, const float *b, float *c, int k,
                                                          long ldc, int rows, int cols, int accumulate) {
    // A last, partial panel's columns past `cols` hold anything: they are not loaded.
    const __m256i lane = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
    const __m256i m0 = _mm256_cmpgt_epi32(_mm256_set1_epi32(cols), lane);
    const __m256i m1 = _mm256_cmpgt_epi32(_mm256_set1_epi32(cols - 8), lane);
    const int partial = cols < SF_WK_COLUMNS_AVX2;
    // Two passes of 4 rows: 4 × 16 keeps 8 accumulators, 2 rows of B and a broadcast in registers
    // (8 × 16 would need 19 of AVX2's 16; 4 × 24, all 16, made the compiler spill: 50 against 82
    // GFLOP/s on Zen 4).
    for (int half = 0; half < 2 && 4 * half < rows; half++) {
        const float *ap = a + 4 * half, *bp = b;
        __m256 c0[4], c1[4];
        for (int r = 0; r < 4; r++) {
            c0[r] = _mm256_setzero_ps();
            c1[r] = _mm256_setzero_ps();
        }
        for (int p = 0; p < k; p++) {
            __m256 b0 = partial ? _mm256_maskload_ps(bp, m0) : _mm256_loadu_ps(bp);
            __m256 b1 = partial ? _mm256_maskload_ps(bp + 8, m1) : _mm256_loadu_ps(bp + 8);
#pragma clang loop unroll(full)
            for (int r = 0; r < 4; r++) {
                __m256 ar = _mm256_broadcast_ss(ap + r);
                c0[r] = _mm256_fmadd_ps(ar, b0, c0[r]);
                c1[r] = _mm256_fmadd_ps(ar, b1, c1[r]);
            }
            ap += SF_WK_ROWS;
            bp += SF_WK_COLUMNS_AVX2;
        }
        int count = rows - 4 * half < 4 ? rows - 4 * half : 4;
        for (int r = 0; r < count; r++) {
            float *cr = c + (4 * half + r) * ldc;
            if (cols == SF_WK_COLUMNS_AVX2) {
                if (accumulate) {
                    c0[r] = _mm256_add_ps(c0[r], _mm256_loadu_ps(cr));
                    c1[r] = _mm256_add_ps(c1[r], _mm256_loadu_ps(cr + 8));
                }
                _mm256_storeu_ps(cr, c0[r]);
                _mm256_storeu_ps(cr + 8, c1[r]);
            } else {
                float row[SF_WK_COLUMNS_AVX2];
                _mm256_storeu_ps(row, c0[r]);
                _mm256_storeu_ps(row + 8, c1[r]);
                for (int j = 0; j < cols; j++) cr[j] = accumulate ? cr[j] + row[j] : row[j];
            }
        }
    }
}

/// The first `cols − first` of 16 lanes (all or none beyond).
__attribute__((target("avx512f"))) static __mmask16 lanes(int cols, int first) {
    int n = cols - first;
    return n >= 16 ? (__mmask16)0xffff : n <= 0 ? (__mmask16)0 : (__mmask16)((1u << n) - 1);
}

// The AVX-512 block kernel, once on floats and once on pairs of bfloat16 (block_avx512.h).
#define BLOCK_NAME              sf_wk_block_avx512
#define BLOCK_TARGET            "avx512f"
#define MULTIPLY_ADD(acc, a, b) _mm512_fmadd_ps(a, b, acc)
#include "block_avx512.h"

#define BLOCK_NAME   sf_wk_block_avx512bf16
#define BLOCK_TARGET "avx512f,avx512bf16"
#define MULTIPLY_ADD(acc, a, b)                                                                              \
    _mm512_dpbf16_ps(acc, (__m512bh)_mm512_castps_si512(a), (__m512bh)_mm512_castps_si512(b))
#include "block_avx512.h"
