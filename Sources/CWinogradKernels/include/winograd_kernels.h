// The compute kernels of the engine's Winograd convolution (see Sources/StyleKernel/Ops/Winograd.swift):
// a GEMM on operands packed once, and the weight, input and output transforms of F(4×4, 3×3) and
// F(6×6, 3×3), each for AVX-512, AVX2 and a portable baseline, chosen once per process (dispatch.c).
#ifndef STYLEFILTER_WINOGRAD_KERNELS_H
#define STYLEFILTER_WINOGRAD_KERNELS_H

// Internal to the engine: never exported from libstylefilter (whose ABI is the public header's).
#define SF_WK_INTERNAL __attribute__((visibility("hidden")))

/// Operands are arrays of 32-bit words: a float each, or, in bfloat16 (`bf16`), a pair of
/// bfloat16 values of consecutive k (k even in the low half; an odd k's last pair has 0 high).
/// In words, a bfloat16 operand over k is laid out as a float one over sf_wk_words(k, 1) = ⌈k/2⌉.
///
/// Rows of A per panel: A (m × k) is stored as ceil(m / SF_WK_ROWS) panels, each k words of
/// SF_WK_ROWS values (A[p·ROWS + r][j] at panel p, offset j·ROWS + r; rows past m are zero).
#define SF_WK_ROWS 8

/// Columns of B per panel for the kernels this process uses (48 with AVX-512, 16 otherwise).
/// B (k × n) is stored as ceil(n / columns) panels, each k words of `columns` values
/// (B[i][q·cols + c] at panel q, offset i·cols + c); columns past n may hold anything (never read).
SF_WK_INTERNAL int sf_wk_columns(void);

/// Words of k: k for floats, ⌈k/2⌉ for pairs of bfloat16.
SF_WK_INTERNAL int sf_wk_words(int k, int bf16);

/// The kernels in use: "avx512-bf16", "avx512", "avx2" or "portable". STYLEFILTER_KERNELS (one of
/// these names) chooses others the CPU can run, for tests and benchmarks; otherwise the CPU decides.
SF_WK_INTERNAL const char *sf_wk_name(void);

/// The name of kernel set i, widest first (NULL past the last): every value sf_wk_name may take.
SF_WK_INTERNAL const char *sf_wk_set_name(int i);

/// Whether these kernels multiply bfloat16 (the CPU has AVX-512 BF16): `bf16` may be 1 only then.
SF_WK_INTERNAL int sf_wk_bf16(void);

/// C = A·B for B's panels first_panel..<end_panel (the columns they hold, up to n): C is row-major
/// m × n floats with row stride ldc; A and B packed as above, over k, in floats or (`bf16`) pairs
/// of bfloat16 with float sums. Those columns of C are written, not added to: no zeroing pass is
/// needed before.
SF_WK_INTERNAL void sf_wk_multiply(const float *a, const float *b, float *c, int m, int n, int k, long ldc,
                                   int first_panel, int end_panel, int bf16);

/// Floats of scratch the transforms need for an image `width` wide.
SF_WK_INTERNAL long sf_wk_scratch(int width);

/// Winograd F(m×m, 3×3)'s (m: 4 or 6) input transform V = Bᵀ d B for input channels [c0, c1) and
/// the tile rows [ty0, ty1) of a band: `input` is channels × height × width; with a `mask` of the
/// same layout (else NULL), d is the input where the mask is positive and 0 elsewhere (a ReLU's
/// backward pass, fused). V holds (m + 2)² points, each `cin` rows of the band's `tiles` tiles in
/// B's panels (tile (ty − ty0)·tilesX + tx; the last panel's columns past `tiles` are not written),
/// in floats or (`bf16`) pairs of bfloat16 rounded to nearest even (then c0 must be even, and c1
/// even or cin). `scratch`: sf_wk_scratch(width) floats.
SF_WK_INTERNAL void sf_wk_input_transform(int m, const float *input, const float *mask, int height, int width,
                                          int c0, int c1, int ty0, int ty1, float *v, int cin, int tiles,
                                          float *scratch, int bf16);

/// The output transform Y = Aᵀ M A + bias for output channels [o0, o1) and the band's tile rows
/// [ty0, ty1), then max(Y, 0) if `relu` (NaN → 0): M holds (m + 2)² points, each cout × tiles,
/// row-major; Y (channels × height × width) is written where the band's tiles lie; bias may be
/// NULL. `scratch`: sf_wk_scratch(width) floats.
SF_WK_INTERNAL void sf_wk_output_transform(int m, const float *mat, int cout, int tiles, int o0, int o1,
                                           int ty0, int ty1, const float *bias, int relu, float *output,
                                           int height, int width, float *scratch);

/// U = G W Gᵀ for U's panels [first_panel, end_panel) (SF_WK_ROWS output channels each), every
/// input channel: `kernel` is tap-major (kernel[(k·cin + i)·cout + o], k = 3·ky + kx); U holds
/// (m + 2)² points, each cout × cin in A's panels, in floats or (`bf16`) pairs of bfloat16 (an odd
/// cin's last pair half zero; rows past cout are not written: zero them).
SF_WK_INTERNAL void sf_wk_weight_transform(int m, const float *kernel, int cin, int cout, int first_panel,
                                           int end_panel, float *u, int bf16);

#endif
