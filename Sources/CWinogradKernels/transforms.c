// Winograd's transforms for F(4×4, 3×3) and F(6×6, 3×3) (Lavin & Gray, "Fast Algorithms for
// Convolutional Neural Networks", CVPR 2016; the matrices are the ones their construction gives
// for the points 0, ±1, ±½, ∞ (F4) and 0, ±1, ±2, ±½, ∞ (F6), written out in Winograd.swift). `m` is the output tile's side (4 or 6), `m + 2` the input tile's; one body for
// both (m is a constant once inlined), compiled three times: for AVX-512, AVX2 and the baseline
// CPU (the compiler vectorises the loops over tiles and channels at each width), chosen in
// dispatch.c with the GEMM's kernels.
//
// Both run row-wise on contiguous arrays so they vectorise: the input transform's vertical pass
// on image rows, a de-interleave into the m column phases of the tiles, then the horizontal pass,
// which writes V straight into the GEMM's B panels; the output transform's horizontal pass on M's
// rows, the vertical one adding the bias, then an interleave of the phases into image rows.
//
// In bfloat16 (`pack`), the input transform takes its channels in pairs and writes each value of
// V as one word holding the pair (the GEMM's k pairs), and so does the weight transform for U.
#include "kernels.h"

#include <stdint.h>
#include <string.h>

#define INLINE static inline __attribute__((always_inline))
#define EACH   _Pragma("clang loop unroll(full)")

typedef uint32_t word32 __attribute__((may_alias));

/// x rounded to the nearest bfloat16, ties to even: its 16 high bits.
INLINE uint32_t bfloat16(float x) {
    uint32_t bits;
    memcpy(&bits, &x, sizeof bits);
    return (bits + 0x7fffu + ((bits >> 16) & 1u)) >> 16;
}

/// Bᵀ ((m + 2) × (m + 2)) applied to a column or row of an input tile.
INLINE void bt(const int m, const float *a, float *o) {
    if (m == 4) {
        o[0] = 4 * a[0] - 5 * a[2] + a[4];
        o[1] = (a[3] + a[4]) - 4 * (a[1] + a[2]);
        o[2] = (a[4] - a[3]) + 4 * (a[1] - a[2]);
        o[3] = (a[4] - a[2]) + 2 * (a[3] - a[1]);
        o[4] = (a[4] - a[2]) - 2 * (a[3] - a[1]);
        o[5] = 4 * a[1] - 5 * a[3] + a[5];
    } else {
        float e1 = a[2] + a[6] - 4.25f * a[4], f1 = a[1] + a[5] - 4.25f * a[3];
        float e3 = 0.25f * a[2] - 1.25f * a[4] + a[6], f3 = 0.5f * a[1] - 2.5f * a[3] + 2 * a[5];
        float e5 = 4 * a[2] - 5 * a[4] + a[6], f5 = 2 * a[1] - 2.5f * a[3] + 0.5f * a[5];
        o[0] = (a[0] - a[6]) + 5.25f * (a[4] - a[2]);
        o[1] = e1 + f1;
        o[2] = e1 - f1;
        o[3] = e3 + f3;
        o[4] = e3 - f3;
        o[5] = e5 + f5;
        o[6] = e5 - f5;
        o[7] = (a[7] - a[1]) + 5.25f * (a[3] - a[5]);
    }
}

/// Aᵀ (m × (m + 2)) applied to m + 2 values: the output transform's two passes.
INLINE void at(const int m, const float *a, float *o) {
    float s12 = a[1] + a[2], d12 = a[1] - a[2], s34 = a[3] + a[4], d34 = a[3] - a[4];
    if (m == 4) {
        o[0] = a[0] + s12 + s34;
        o[1] = d12 + 2 * d34;
        o[2] = s12 + 4 * s34;
        o[3] = d12 + 8 * d34 + a[5];
    } else {
        float s56 = a[5] + a[6], d56 = a[5] - a[6];
        o[0] = a[0] + s12 + s34 + s56;
        o[1] = d12 + 2 * d34 + 0.5f * d56;
        o[2] = s12 + 4 * s34 + 0.25f * s56;
        o[3] = d12 + 8 * d34 + 0.125f * d56;
        o[4] = s12 + 16 * s34 + 0.0625f * s56;
        o[5] = d12 + 32 * d34 + 0.03125f * d56 + a[7];
    }
}

/// G ((m + 2) × 3) applied to three taps (a column or row of a kernel).
INLINE void gt(const int m, const float *g, float *o) {
    if (m == 4) {
        float q = g[0] * (1.0f / 24) + g[2] * (1.0f / 6), d = g[1] * (1.0f / 12);
        o[0] = g[0] * 0.25f;
        o[1] = (g[0] + g[1] + g[2]) * (-1.0f / 6);
        o[2] = (g[0] - g[1] + g[2]) * (-1.0f / 6);
        o[3] = q + d;
        o[4] = q - d;
        o[5] = g[2];
    } else {
        float e3 = g[0] * (1.0f / 90) + g[2] * (2.0f / 45), f3 = g[1] * (1.0f / 45);
        float e5 = g[0] * (32.0f / 45) + g[2] * (8.0f / 45), f5 = g[1] * (16.0f / 45);
        o[0] = g[0];
        o[1] = (g[0] + g[1] + g[2]) * (-2.0f / 9);
        o[2] = (g[0] - g[1] + g[2]) * (-2.0f / 9);
        o[3] = e3 + f3;
        o[4] = e3 - f3;
        o[5] = e5 + f5;
        o[6] = e5 - f5;
        o[7] = g[2];
    }
}

INLINE void input_body(const int m, const float *input, const float *mask, int height, int width, int c0,
                       int c1, int ty0, int ty1, float *v, int cin, int tiles, float *scratch,
                       const int columns, const int pack) {
    const int s = m + 2;
    const int tiles_x = (width + m - 1) / m;
    const int n = tiles_x + 1; // phases: one extra tile for the right overlap
    const int padded = m * n;  // a padded row: u = x + 1, zero at u = 0 and u > width
    const long plane = (long)height * width;
    const int words = sf_wk_words(cin, pack), group = pack ? 2 : 1;                // channels per word
    const long stride = (long)words * ((tiles + columns - 1) / columns * columns); // one point's V
    float *zero = scratch;
    memset(zero, 0, (size_t)width * sizeof(float));
    float *r = zero + width;   // the m + 2 vertical combinations, each `padded` long
    float *q = r + s * padded; // q[(j·m + p)·n + mm] = r_j[m·mm + p], per channel of a pair
    const long phases = (long)s * padded;
    for (int j = 0; j < s; j++) {
        float *rj = r + j * padded;
        rj[0] = 0;
        for (int x = width + 1; x < padded; x++) rj[x] = 0;
    }
    for (int i = c0; i < c1; i += group) {
        // An odd cin's last pair: its second channel is zero.
        if (pack && i + 1 >= cin) memset(q + phases, 0, (size_t)phases * sizeof(float));
        for (int ty = ty0; ty < ty1; ty++) {
            for (int h = 0; h < group && i + h < cin; h++) {
                const float *src = input + (i + h) * plane, *gate = mask ? mask + (i + h) * plane : NULL;
                float *qh = q + h * phases;
                // Vertical: r_a = Σ_k Bᵀ[a][k] · row(m·ty − 1 + k), each value kept only where the
                // mask is positive if there is one (the ReLU's backward pass, fused).
                const float *d[8], *g[8];
                EACH for (int k = 0; k < s; k++) {
                    int y = m * ty - 1 + k;
                    d[k] = y >= 0 && y < height ? src + (long)y * width : zero;
                    g[k] = y >= 0 && y < height && gate ? gate + (long)y * width : zero;
                }
                if (gate) {
#pragma clang loop vectorize(assume_safety)
                    for (int x = 0; x < width; x++) {
                        float a[8], o[8];
                        EACH for (int k = 0; k < s; k++) a[k] = g[k][x] > 0 ? d[k][x] : 0;
                        bt(m, a, o);
                        EACH for (int k = 0; k < s; k++) r[k * padded + 1 + x] = o[k];
                    }
                } else {
#pragma clang loop vectorize(assume_safety)
                    for (int x = 0; x < width; x++) {
                        float a[8], o[8];
                        EACH for (int k = 0; k < s; k++) a[k] = d[k][x];
                        bt(m, a, o);
                        EACH for (int k = 0; k < s; k++) r[k * padded + 1 + x] = o[k];
                    }
                }
                // De-interleave into the column phases.
                for (int j = 0; j < s; j++) {
                    const float *rj = r + j * padded;
                    float *qj = qh + (j * m) * n;
#pragma clang loop vectorize(assume_safety)
                    for (int mm = 0; mm < n; mm++) {
                        EACH for (int p = 0; p < m; p++) qj[p * n + mm] = rj[m * mm + p];
                    }
                }
            }
            // Horizontal: V[s·a + b] = Σ_c Bᵀ[b][c] · r_a(m·tx + c), in runs of tiles that lie side
            // by side in one panel (tile j of the band: panel j / columns, column j % columns).
            const int base = (ty - ty0) * tiles_x;
            for (int a = 0; a < s; a++) {
                const float *c[8], *d[8]; // the rows of the channel, and of its pair's second
                EACH for (int p = 0; p < m; p++) {
                    c[p] = q + (a * m + p) * n;
                    d[p] = c[p] + phases;
                }
                c[m] = c[0] + 1;
                c[m + 1] = c[1] + 1;
                d[m] = d[0] + 1;
                d[m + 1] = d[1] + 1;
                for (int start = 0; start < tiles_x;) {
                    const int j = base + start;
                    int end = start + columns - j % columns;
                    if (end > tiles_x) end = tiles_x;
                    float *out = v + (a * s) * stride + (long)(j / columns) * words * columns +
                                 (long)(i / group) * columns + j % columns - start;
                    if (pack) {
                        word32 *pairs = (word32 *)out;
#pragma clang loop vectorize(assume_safety)
                        for (int tx = start; tx < end; tx++) {
                            float e[8], f[8], o[8], p[8];
                            EACH for (int k = 0; k < s; k++) {
                                e[k] = c[k][tx];
                                f[k] = d[k][tx];
                            }
                            bt(m, e, o);
                            bt(m, f, p);
                            EACH for (int b = 0; b < s; b++) pairs[b * stride + tx] =
                                bfloat16(o[b]) | bfloat16(p[b]) << 16;
                        }
                    } else {
#pragma clang loop vectorize(assume_safety)
                        for (int tx = start; tx < end; tx++) {
                            float e[8], o[8];
                            EACH for (int k = 0; k < s; k++) e[k] = c[k][tx];
                            bt(m, e, o);
                            EACH for (int b = 0; b < s; b++) out[b * stride + tx] = o[b];
                        }
                    }
                    start = end;
                }
            }
        }
    }
}

INLINE void output_body(const int m, const float *mat, int cout, int tiles, int o0, int o1, int ty0, int ty1,
                        const float *bias, int relu, float *output, int height, int width, float *scratch) {
    const int s = m + 2;
    const int tiles_x = (width + m - 1) / m;
    const long plane = (long)height * width;
    const long stride = (long)cout * tiles;
    float *h = scratch;             // h[(a·m + q)·tilesX + tx]
    float *y = h + s * m * tiles_x; // y[(p·m + q)·tilesX + tx]
    for (int o = o0; o < o1; o++) {
        const float beta = bias ? bias[o] : 0;
        for (int ty = ty0; ty < ty1; ty++) {
            const float *row = mat + (long)o * tiles + (long)(ty - ty0) * tiles_x;
            // Horizontal: h_a,q = Σ_b Aᵀ[q][b] · M[s·a + b].
            for (int a = 0; a < s; a++) {
                const float *ma = row + (long)(a * s) * stride;
                float *ha = h + (a * m) * tiles_x;
#pragma clang loop vectorize(assume_safety)
                for (int tx = 0; tx < tiles_x; tx++) {
                    float e[8], t[6];
                    EACH for (int b = 0; b < s; b++) e[b] = ma[b * stride + tx];
                    at(m, e, t);
                    EACH for (int k = 0; k < m; k++) ha[k * tiles_x + tx] = t[k];
                }
            }
            // Vertical: y_p,q = Σ_a Aᵀ[p][a] · h_a,q + bias, then the ReLU if asked (NaN → 0, as
            // ReLU.forward).
            for (int qq = 0; qq < m; qq++) {
                const float *g = h + qq * tiles_x;
                float *yq = y + qq * tiles_x;
#pragma clang loop vectorize(assume_safety)
                for (int tx = 0; tx < tiles_x; tx++) {
                    float e[8], t[6];
                    EACH for (int a = 0; a < s; a++) e[a] = g[a * m * tiles_x + tx];
                    at(m, e, t);
                    EACH for (int p = 0; p < m; p++) {
                        float value = t[p] + beta;
                        yq[p * m * tiles_x + tx] = relu ? (value > 0 ? value : 0) : value;
                    }
                }
            }
            // Interleave the phases into the output rows.
            const int full = width / m, rest = width - m * (width / m);
            for (int p = 0; p < m && m * ty + p < height; p++) {
                float *dst = output + o * plane + (long)(m * ty + p) * width;
                const float *yp = y + (p * m) * tiles_x;
#pragma clang loop vectorize(assume_safety)
                for (int tx = 0; tx < full; tx++) {
                    EACH for (int k = 0; k < m; k++) dst[m * tx + k] = yp[k * tiles_x + tx];
                }
                for (int k = 0; k < rest; k++) dst[m * full + k] = yp[k * tiles_x + full];
            }
        }
    }
}

/// U's (m + 2)² values for one input channel and output channel r: G W Gᵀ of W's taps at w[k·pairs + r].
INLINE void weight_tile(const int m, const float *w, long pairs, int r, float *out) {
    const int s = m + 2;
    float c[3][8]; // c[kx][a] = Σ_ky G[a][ky]·W[3ky + kx]
    EACH for (int kx = 0; kx < 3; kx++) {
        float taps[3] = {w[kx * pairs + r], w[(3 + kx) * pairs + r], w[(6 + kx) * pairs + r]};
        gt(m, taps, c[kx]);
    }
    EACH for (int a = 0; a < s; a++) {
        float taps[3] = {c[0][a], c[1][a], c[2][a]};
        gt(m, taps, out + a * s);
    }
}

/// U = G W Gᵀ for U's panels [p0, p1) (SF_WK_ROWS output channels each), every input channel:
/// `kernel` is tap-major (kernel[(k·cin + i)·cout + o]); U holds (m + 2)² points, each cout × cin
/// in A's panels, in floats or (`pack`) words of two channels (rows past cout are left as they
/// are: zero them first).
INLINE void weight_body(const int m, const float *kernel, int cin, int cout, int p0, int p1, float *u,
                        const int pack) {
    const int s = m + 2;
    const long pairs = (long)cin * cout;
    const int words = sf_wk_words(cin, pack), group = pack ? 2 : 1; // channels per word
    const long stride = (long)words * ((cout + SF_WK_ROWS - 1) / SF_WK_ROWS * SF_WK_ROWS);
    for (int panel = p0; panel < p1; panel++) {
        const int first = panel * SF_WK_ROWS;
        const int rows = cout - first < SF_WK_ROWS ? cout - first : SF_WK_ROWS;
        for (int i = 0; i < cin; i += group) {
            const float *w = kernel + (long)i * cout + first;
            const int second = pack && i + 1 < cin; // an odd cin's last pair is half zero
            float *dst = u + (long)panel * words * SF_WK_ROWS + (long)(i / group) * SF_WK_ROWS;
#pragma clang loop vectorize(assume_safety)
            for (int r = 0; r < rows; r++) {
                float x[64], y[64];
                weight_tile(m, w, pairs, r, x);
                if (pack) {
                    if (second)
                        weight_tile(m, w + cout, pairs, r, y);
                    else
                        EACH for (int t = 0; t < s * s; t++) y[t] = 0;
                    EACH for (int t = 0; t < s * s; t++) {
                        ((word32 *)dst)[t * stride + r] = bfloat16(x[t]) | bfloat16(y[t]) << 16;
                    }
                } else {
                    EACH for (int t = 0; t < s * s; t++) dst[t * stride + r] = x[t];
                }
            }
        }
    }
}

#define TRANSFORMS(isa, target, columns)                                                                     \
    target void sf_wk_input_##isa(int m, const float *input, const float *mask, int height, int width,       \
                                  int c0, int c1, int ty0, int ty1, float *v, int cin, int tiles,            \
                                  float *scratch, int bf16) {                                                \
        if (m == 4 && bf16)                                                                                  \
            input_body(4, input, mask, height, width, c0, c1, ty0, ty1, v, cin, tiles, scratch, columns, 1); \
        else if (m == 4)                                                                                     \
            input_body(4, input, mask, height, width, c0, c1, ty0, ty1, v, cin, tiles, scratch, columns, 0); \
        else if (bf16)                                                                                       \
            input_body(6, input, mask, height, width, c0, c1, ty0, ty1, v, cin, tiles, scratch, columns, 1); \
        else                                                                                                 \
            input_body(6, input, mask, height, width, c0, c1, ty0, ty1, v, cin, tiles, scratch, columns, 0); \
    }                                                                                                        \
    target void sf_wk_output_##isa(int m, const float *mat, int cout, int tiles, int o0, int o1, int ty0,    \
                                   int ty1, const float *bias, int relu, float *output, int height,          \
                                   int width, float *scratch) {                                              \
        if (m == 4)                                                                                          \
            output_body(4, mat, cout, tiles, o0, o1, ty0, ty1, bias, relu, output, height, width, scratch);  \
        else                                                                                                 \
            output_body(6, mat, cout, tiles, o0, o1, ty0, ty1, bias, relu, output, height, width, scratch);  \
    }                                                                                                        \
    target void sf_wk_weights_##isa(int m, const float *kernel, int cin, int cout, int p0, int p1, float *u, \
                                    int bf16) {                                                              \
        if (m == 4)                                                                                          \
            weight_body(4, kernel, cin, cout, p0, p1, u, bf16);                                              \
        else                                                                                                 \
            weight_body(6, kernel, cin, cout, p0, p1, u, bf16);                                              \
    }

TRANSFORMS(avx512, __attribute__((target("avx512f,avx512vl,avx512bw,avx512dq,avx2,fma"))),
           SF_WK_COLUMNS_AVX512)
TRANSFORMS(avx2, __attribute__((target("avx2,fma"))), SF_WK_COLUMNS_AVX2)
TRANSFORMS(portable, , SF_WK_COLUMNS_PORTABLE)
