/* The panel GEMM: C (+)= A * B with B in packed panels, one register tile at a time.
 *
 * A tile is MR rows of C by one panel (2 vectors of columns): for every k, the two vectors of
 * B's row k are loaded once and each of the MR entries A(m, k) is broadcast and multiplied into
 * the tile's accumulators. AVX-512 holds 12 x 2 accumulators in its 32 registers, AVX2 6 x 2 in
 * its 16. The tile is instantiated for every MR up to the maximum, so the last rows of C (M not
 * a multiple of MR) get a tile of their own height instead of a padded one. */
#include "graft_simd.h"
#include "simd_internal.h"

#if defined(__x86_64__) || defined(_M_X64)
#include <immintrin.h>

/* One tile's operands. The loops copy the fields into locals first. */
typedef struct {
    const float *a;
    ptrdiff_t a_row, a_col, a_block_stride;
    int a_block, k;
    const float *b; /* B's panel: row k at b + k * the panel width (32 AVX-512, 16 AVX2) */
    float *c;
    ptrdiff_t ldc;
    const float *bias; /* when not accumulating: C's rows start from bias[row] (null: from 0) */
    const float *residual; /* added before the activation, laid out like C (null: none) */
    const graft_simd_activation *activation; /* applied before the store (null: none) */
    int accumulate, valid; /* valid: columns of the panel that reach C (1 ... panel width) */
    /* Non-null: C is a weight and the tile's sums its gradient, applied at once as this SGD step
     * (momentum history laid out like C at `history`) instead of stored. */
    const graft_simd_sgd *sgd;
    float *history;
} tile;

typedef void (*tile_kernel)(const tile *);

/* Caffe's SGD step on one vector of weights `w` with history `h` and gradient `g`:
 * h = momentum * h + rate * (g + decay * w); w -= h. The operations and their order of
 * GraftKernels' OptimizerKernels.sgd (separate multiplies and adds, no FMA): the same bits. */
__attribute__((target("avx512f"))) static inline void sgd512(float *w, float *h, __mmask16 lanes, __m512 g, __m512 rate,
                                                            __m512 momentum, __m512 decay) {
    const __m512 weight = _mm512_maskz_loadu_ps(lanes, w), history = _mm512_maskz_loadu_ps(lanes, h);
    const __m512 step = _mm512_add_ps(_mm512_mul_ps(momentum, history), _mm512_mul_ps(rate, _mm512_add_ps(g, _mm512_mul_ps(decay, weight))));
    _mm512_mask_storeu_ps(h, lanes, step);
    _mm512_mask_storeu_ps(w, lanes, _mm512_sub_ps(weight, step));
}

__attribute__((target("avx2"))) static inline __m256 sgd256_step(__m256 weight, __m256 history, __m256 g, __m256 rate,
                                                                 __m256 momentum, __m256 decay) {
    return _mm256_add_ps(_mm256_mul_ps(momentum, history), _mm256_mul_ps(rate, _mm256_add_ps(g, _mm256_mul_ps(decay, weight))));
}

__attribute__((target("avx2"))) static inline void sgd256(float *w, float *h, __m256 g, __m256 rate, __m256 momentum, __m256 decay) {
    const __m256 weight = _mm256_loadu_ps(w);
    const __m256 step = sgd256_step(weight, _mm256_loadu_ps(h), g, rate, momentum, decay);
    _mm256_storeu_ps(h, step);
    _mm256_storeu_ps(w, _mm256_sub_ps(weight, step));
}

__attribute__((target("avx2"))) static inline void sgd256_masked(float *w, float *h, __m256i lanes, __m256 g, __m256 rate,
                                                                 __m256 momentum, __m256 decay) {
    const __m256 weight = _mm256_maskload_ps(w, lanes);
    const __m256 step = sgd256_step(weight, _mm256_maskload_ps(h, lanes), g, rate, momentum, decay);
    _mm256_maskstore_ps(h, lanes, step);
    _mm256_maskstore_ps(w, lanes, _mm256_sub_ps(weight, step));
}

/* ---- AVX-512: panels of 32 columns, up to 12 rows ---------------------------------------------- */

/* The tile's sums over k, B's two vectors of row k loaded by LOAD0 and LOAD1 (from b). */
#define AVX512_PRODUCTS(MR, LOAD0, LOAD1)                                                          \
    {                                                                                              \
        const float *b = t->b;                                                                     \
        const ptrdiff_t b_row = 32;                                                                 \
        for (int k0 = 0; k0 < t->k; k0 += t->a_block) {                                            \
            const float *a = t->a + (ptrdiff_t)(k0 / t->a_block) * t->a_block_stride;              \
            const int n = t->k - k0 < t->a_block ? t->k - k0 : t->a_block;                         \
            for (int k = 0; k < n; k++, a += a_col, b += b_row) {                                  \
                const __m512 b0 = LOAD0, b1 = LOAD1;                                               \
                UNROLL for (int i = 0; i < MR; i++) {                                              \
                    const __m512 x = _mm512_set1_ps(a[i * a_row]);                                 \
                    lo[i] = _mm512_fmadd_ps(x, b0, lo[i]);                                         \
                    hi[i] = _mm512_fmadd_ps(x, b1, hi[i]);                                         \
                }                                                                                  \
            }                                                                                      \
        }                                                                                          \
    }

#define AVX512_TILE(MR)                                                                            \
    __attribute__((target("avx512f"))) static void avx512_tile_##MR(const tile *t) {              \
        const ptrdiff_t a_row = t->a_row, a_col = t->a_col, ldc = t->ldc;                          \
        const __mmask16 low = lanes16(t->valid), high = lanes16(t->valid - 16);                      \
        /* Loading through an all-zero mask reads nothing and gives zeros: no branch. */           \
        float *c = t->c;                                                                           \
        __m512 lo[MR], hi[MR];                                                                     \
        if (t->accumulate) {                                                                       \
            UNROLL for (int i = 0; i < MR; i++) {                                                  \
                lo[i] = _mm512_maskz_loadu_ps(low, c + i * ldc);                                   \
                hi[i] = _mm512_maskz_loadu_ps(high, c + i * ldc + 16);                             \
            }                                                                                      \
        } else if (t->bias) {                                                                      \
            UNROLL for (int i = 0; i < MR; i++) { lo[i] = hi[i] = _mm512_set1_ps(t->bias[i]); }    \
        } else {                                                                                   \
            UNROLL for (int i = 0; i < MR; i++) { lo[i] = hi[i] = _mm512_setzero_ps(); }           \
        }                                                                                          \
        AVX512_PRODUCTS(MR, _mm512_loadu_ps(b), _mm512_loadu_ps(b + 16))                      \
        if (t->sgd) {                                                                              \
            const __m512 rate = _mm512_set1_ps(t->sgd->rate), momentum = _mm512_set1_ps(t->sgd->momentum); \
            const __m512 decay = _mm512_set1_ps(t->sgd->decay);                                    \
            UNROLL for (int i = 0; i < MR; i++) {                                                  \
                sgd512(c + i * ldc, t->history + i * ldc, low, lo[i], rate, momentum, decay);     \
                sgd512(c + i * ldc + 16, t->history + i * ldc + 16, high, hi[i], rate, momentum, decay); \
            }                                                                                      \
            return;                                                                                \
        }                                                                                          \
        if (t->residual) {                                                                         \
            const float *r = t->residual;                                                          \
            UNROLL for (int i = 0; i < MR; i++) {                                                  \
                lo[i] = _mm512_add_ps(lo[i], _mm512_maskz_loadu_ps(low, r + i * ldc));             \
                hi[i] = _mm512_add_ps(hi[i], _mm512_maskz_loadu_ps(high, r + i * ldc + 16));       \
            }                                                                                      \
        }                                                                                          \
        if (t->activation) {                                                                       \
            const __m512 slope = _mm512_set1_ps(t->activation->negative_slope);                    \
            const __m512 ceiling = _mm512_set1_ps(t->activation->ceiling);                         \
            const __m512 threshold = _mm512_set1_ps(t->activation->threshold);                     \
            const act256 act = act256_of(t->activation);                                           \
            act512_apply_n(&act, lo, MR, slope, ceiling, threshold);                               \
            act512_apply_n(&act, hi, MR, slope, ceiling, threshold);                               \
        }                                                                                          \
        UNROLL for (int i = 0; i < MR; i++) {                                                             \
            _mm512_mask_storeu_ps(c + i * ldc, low, lo[i]);                                        \
            _mm512_mask_storeu_ps(c + i * ldc + 16, high, hi[i]);                                  \
        }                                                                                          \
    }

AVX512_TILE(1) AVX512_TILE(2) AVX512_TILE(3) AVX512_TILE(4) AVX512_TILE(5) AVX512_TILE(6)
AVX512_TILE(7) AVX512_TILE(8) AVX512_TILE(9) AVX512_TILE(10) AVX512_TILE(11) AVX512_TILE(12)

static const tile_kernel avx512_tiles[13] = {
    0, avx512_tile_1, avx512_tile_2, avx512_tile_3, avx512_tile_4, avx512_tile_5, avx512_tile_6,
    avx512_tile_7, avx512_tile_8, avx512_tile_9, avx512_tile_10, avx512_tile_11, avx512_tile_12,
};

/* ---- AVX2 + FMA: panels of 16 columns, up to 6 rows -------------------------------------------- */

#define AVX2_PRODUCTS(MR, LOAD0, LOAD1)                                                            \
    {                                                                                              \
        const float *b = t->b;                                                                     \
        const ptrdiff_t b_row = 16;                                                                 \
        for (int k0 = 0; k0 < t->k; k0 += t->a_block) {                                            \
            const float *a = t->a + (ptrdiff_t)(k0 / t->a_block) * t->a_block_stride;              \
            const int n = t->k - k0 < t->a_block ? t->k - k0 : t->a_block;                         \
            for (int k = 0; k < n; k++, a += a_col, b += b_row) {                                  \
                const __m256 b0 = LOAD0, b1 = LOAD1;                                               \
                UNROLL for (int i = 0; i < MR; i++) {                                              \
                    const __m256 x = _mm256_broadcast_ss(a + i * a_row);                           \
                    lo[i] = _mm256_fmadd_ps(x, b0, lo[i]);                                         \
                    hi[i] = _mm256_fmadd_ps(x, b1, hi[i]);                                         \
                }                                                                                  \
            }                                                                                      \
        }                                                                                          \
    }

#define AVX2_TILE(MR)                                                                              \
    __attribute__((target("avx2,fma"))) static void avx2_tile_##MR(const tile *t) {               \
        const ptrdiff_t a_row = t->a_row, a_col = t->a_col, ldc = t->ldc;                          \
        const __m256i low = lanes8(t->valid), high = lanes8(t->valid - 8);                           \
        float *c = t->c;                                                                           \
        __m256 lo[MR], hi[MR];                                                                     \
        /* Plain loads and stores for whole tiles: AVX2's masked ones are slow on AMD (microcoded). */         \
        if (t->valid >= 16 && t->accumulate) {                                                     \
            UNROLL for (int i = 0; i < MR; i++) {                                                  \
                lo[i] = _mm256_loadu_ps(c + i * ldc);                                              \
                hi[i] = _mm256_loadu_ps(c + i * ldc + 8);                                          \
            }                                                                                      \
        } else if (t->accumulate) {                                                               \
            UNROLL for (int i = 0; i < MR; i++) {                                                  \
                lo[i] = _mm256_maskload_ps(c + i * ldc, low);                                      \
                hi[i] = _mm256_maskload_ps(c + i * ldc + 8, high);                                 \
            }                                                                                      \
        } else if (t->bias) {                                                                      \
            UNROLL for (int i = 0; i < MR; i++) { lo[i] = hi[i] = _mm256_set1_ps(t->bias[i]); }    \
        } else {                                                                                   \
            UNROLL for (int i = 0; i < MR; i++) { lo[i] = _mm256_setzero_ps(); hi[i] = _mm256_setzero_ps(); } \
        }                                                                                          \
        AVX2_PRODUCTS(MR, _mm256_loadu_ps(b), _mm256_loadu_ps(b + 8))                         \
        if (t->sgd) {                                                                              \
            const __m256 rate = _mm256_set1_ps(t->sgd->rate), momentum = _mm256_set1_ps(t->sgd->momentum); \
            const __m256 decay = _mm256_set1_ps(t->sgd->decay);                                    \
            if (t->valid >= 16) {                                                                  \
                UNROLL for (int i = 0; i < MR; i++) {                                              \
                    sgd256(c + i * ldc, t->history + i * ldc, lo[i], rate, momentum, decay);      \
                    sgd256(c + i * ldc + 8, t->history + i * ldc + 8, hi[i], rate, momentum, decay); \
                }                                                                                  \
            } else {                                                                               \
                UNROLL for (int i = 0; i < MR; i++) {                                              \
                    sgd256_masked(c + i * ldc, t->history + i * ldc, low, lo[i], rate, momentum, decay); \
                    sgd256_masked(c + i * ldc + 8, t->history + i * ldc + 8, high, hi[i], rate, momentum, decay); \
                }                                                                                  \
            }                                                                                      \
            return;                                                                                \
        }                                                                                          \
        if (t->residual && t->valid >= 16) {                                                       \
            const float *r = t->residual;                                                          \
            UNROLL for (int i = 0; i < MR; i++) {                                                  \
                lo[i] = _mm256_add_ps(lo[i], _mm256_loadu_ps(r + i * ldc));                        \
                hi[i] = _mm256_add_ps(hi[i], _mm256_loadu_ps(r + i * ldc + 8));                    \
            }                                                                                      \
        } else if (t->residual) {                                                                  \
            const float *r = t->residual;                                                          \
            UNROLL for (int i = 0; i < MR; i++) {                                                  \
                lo[i] = _mm256_add_ps(lo[i], _mm256_maskload_ps(r + i * ldc, low));                \
                hi[i] = _mm256_add_ps(hi[i], _mm256_maskload_ps(r + i * ldc + 8, high));           \
            }                                                                                      \
        }                                                                                          \
        if (t->activation) {                                                                       \
            const act256 act = act256_of(t->activation);                                           \
            act256_apply_n(&act, lo, MR);                                                          \
            act256_apply_n(&act, hi, MR);                                                          \
        }                                                                                          \
        if (t->valid >= 16) {                                                                      \
            UNROLL for (int i = 0; i < MR; i++) {                                                  \
                _mm256_storeu_ps(c + i * ldc, lo[i]);                                              \
                _mm256_storeu_ps(c + i * ldc + 8, hi[i]);                                          \
            }                                                                                      \
        } else {                                                                                   \
            UNROLL for (int i = 0; i < MR; i++) {                                                  \
                _mm256_maskstore_ps(c + i * ldc, low, lo[i]);                                      \
                _mm256_maskstore_ps(c + i * ldc + 8, high, hi[i]);                                 \
            }                                                                                      \
        }                                                                                          \
    }

AVX2_TILE(1) AVX2_TILE(2) AVX2_TILE(3) AVX2_TILE(4) AVX2_TILE(5) AVX2_TILE(6)

static const tile_kernel avx2_tiles[7] = {
    0, avx2_tile_1, avx2_tile_2, avx2_tile_3, avx2_tile_4, avx2_tile_5, avx2_tile_6,
};

graft_simd_isa graft_simd_best(void) {
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx512f")) return GRAFT_SIMD_AVX512;
    if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) return GRAFT_SIMD_AVX2;
    return GRAFT_SIMD_NONE;
}

/* The tile kernels of `isa`, its panel width and its most rows per tile; 0 without a panel kernel. */
static int tiles_for(graft_simd_isa isa, const tile_kernel **tiles, int *width, int *rows) {
    switch (isa) {
    case GRAFT_SIMD_AVX512: *tiles = avx512_tiles; *width = 32; *rows = 12; return 1;
    case GRAFT_SIMD_AVX2: *tiles = avx2_tiles; *width = 16; *rows = 6; return 1;
    default: return 0;
    }
}

/* Asks for every line holding the first `count` floats of the rows of the tile after the one at
 * m0 (rows `ld` apart from p; the caller checks that tile exists): the next tile's rows of C or
 * of the residual. */
static inline void prefetch_next_rows(const float *p, ptrdiff_t ld, int m0, int rows, int M, int count) {
    const int next = M - m0 - rows < rows ? M - m0 - rows : rows;
    for (int i = 0; i < next; i++, p += ld) {
        for (int j = 0; j < count; j += 16) __builtin_prefetch(p + j, 1, 3); /* 16 floats: one line */
        __builtin_prefetch(p + count - 1, 1, 3);
    }
}

void graft_simd_gemm(graft_simd_isa isa, int M, int N, int K,
                     const float *A, ptrdiff_t a_row, ptrdiff_t a_col, int a_block, ptrdiff_t a_block_stride,
                     const float *B, ptrdiff_t b_panel_stride,
                     float *C, ptrdiff_t ldc, int accumulate, const float *bias,
                     const float *residual, const graft_simd_activation *activation) {
    const tile_kernel *tiles;
    int width, rows;
    if (!tiles_for(isa, &tiles, &width, &rows)) return;
    if (a_block <= 0 || a_block >= K) { a_block = K > 0 ? K : 1; a_block_stride = 0; }
    tile t = { .a_row = a_row, .a_col = a_col, .a_block_stride = a_block_stride, .a_block = a_block,
               .k = K, .ldc = ldc, .accumulate = accumulate, .activation = activation };
    const float *row_bias = accumulate ? 0 : bias;
    /* The operand with more rows of tiles streams once, through the outer loop; the other is
     * revisited for each of its tiles and stays in cache. */
    const int panels = (N + width - 1) / width, blocks = (M + rows - 1) / rows;
    if (panels >= blocks) {
        for (int n0 = 0; n0 < N; n0 += width) {
            t.b = B + (ptrdiff_t)(n0 / width) * b_panel_stride;
            t.valid = N - n0 < width ? N - n0 : width;
            for (int m0 = 0; m0 < M; m0 += rows) {
                const int height = M - m0 < rows ? M - m0 : rows;
                t.a = A + (ptrdiff_t)m0 * a_row;
                t.c = C + (ptrdiff_t)m0 * ldc + n0;
                t.residual = residual ? residual + (ptrdiff_t)m0 * ldc + n0 : 0;
                t.bias = row_bias ? row_bias + m0 : 0;
                /* The next tile's rows of C (and of the residual) lie a page or more apart, one line
                 * each: no hardware prefetcher follows them, and with a short k every tile waited
                 * for its stores and loads from memory. Fetched now, they arrive while this tile runs. */
                if (m0 + rows < M) {
                    prefetch_next_rows(t.c + (ptrdiff_t)rows * ldc, ldc, m0, rows, M, t.valid);
                    if (residual) prefetch_next_rows(t.residual + (ptrdiff_t)rows * ldc, ldc, m0, rows, M, t.valid);
                }
                tiles[height](&t);
            }
        }
    } else {
        for (int m0 = 0; m0 < M; m0 += rows) {
            const int height = M - m0 < rows ? M - m0 : rows;
            t.a = A + (ptrdiff_t)m0 * a_row;
            t.bias = row_bias ? row_bias + m0 : 0;
            /* The next row tile's rows of C, all N columns (a weight gradient's rows lie 36 KB apart
             * in CaffeNet's fc6, and its 151 MB are written with k = 32: the stores waited). */
            if (m0 + rows < M) prefetch_next_rows(C + (ptrdiff_t)(m0 + rows) * ldc, ldc, m0, rows, M, N);
            for (int n0 = 0; n0 < N; n0 += width) {
                t.b = B + (ptrdiff_t)(n0 / width) * b_panel_stride;
                t.valid = N - n0 < width ? N - n0 : width;
                t.c = C + (ptrdiff_t)m0 * ldc + n0;
                t.residual = residual ? residual + (ptrdiff_t)m0 * ldc + n0 : 0;
                tiles[height](&t);
            }
        }
    }
}

void graft_simd_gemm_sgd(graft_simd_isa isa, int M, int N, int K,
                         const float *A, ptrdiff_t a_row, ptrdiff_t a_col,
                         const float *B, ptrdiff_t b_panel_stride,
                         float *weight, float *history, ptrdiff_t ld, const graft_simd_sgd *sgd) {
    const tile_kernel *tiles;
    int width, rows;
    if (!tiles_for(isa, &tiles, &width, &rows)) return;
    tile t = { .a_row = a_row, .a_col = a_col, .a_block = K > 0 ? K : 1, .k = K, .ldc = ld, .sgd = sgd };
    /* The weight and its history stream from memory once, a tile's rows side by side, left to
     * right; B's columns are taken a slice at a time (at most 64 K floats, 256 KB) so that the
     * slice stays in cache for every row tile that reuses it. */
    int slice = K > 0 ? (65536 / K) / width * width : N;
    if (slice < width) slice = width;
    for (int s0 = 0; s0 < N; s0 += slice) {
        const int s1 = N - s0 < slice ? N : s0 + slice;
        for (int m0 = 0; m0 < M; m0 += rows) {
            const int height = M - m0 < rows ? M - m0 : rows;
            t.a = A + (ptrdiff_t)m0 * a_row;
            for (int n0 = s0; n0 < s1; n0 += width) {
                t.b = B + (ptrdiff_t)(n0 / width) * b_panel_stride;
                t.valid = s1 - n0 < width ? s1 - n0 : width;
                t.c = weight + (ptrdiff_t)m0 * ld + n0;
                t.history = history + (ptrdiff_t)m0 * ld + n0;
                tiles[height](&t);
            }
        }
    }
}

#else

graft_simd_isa graft_simd_best(void) { return GRAFT_SIMD_NONE; }

void graft_simd_gemm(graft_simd_isa isa, int M, int N, int K,
                     const float *A, ptrdiff_t a_row, ptrdiff_t a_col, int a_block, ptrdiff_t a_block_stride,
                     const float *B, ptrdiff_t b_panel_stride,
                     float *C, ptrdiff_t ldc, int accumulate, const float *bias,
                     const float *residual, const graft_simd_activation *activation) {
    (void)isa; (void)bias; (void)residual; (void)activation; (void)M; (void)N; (void)K; (void)A; (void)a_row; (void)a_col; (void)a_block;
    (void)a_block_stride; (void)B; (void)b_panel_stride; (void)C; (void)ldc; (void)accumulate;
}

void graft_simd_gemm_sgd(graft_simd_isa isa, int M, int N, int K,
                         const float *A, ptrdiff_t a_row, ptrdiff_t a_col,
                         const float *B, ptrdiff_t b_panel_stride,
                         float *weight, float *history, ptrdiff_t ld, const graft_simd_sgd *sgd) {
    (void)isa; (void)M; (void)N; (void)K; (void)A; (void)a_row; (void)a_col; (void)B; (void)b_panel_stride;
    (void)weight; (void)history; (void)ld; (void)sgd;
}

#endif

int graft_simd_panel_width(graft_simd_isa isa) {
    switch (isa) {
    case GRAFT_SIMD_AVX512: return 32;
    case GRAFT_SIMD_AVX2: return 16;
    default: return 0;
    }
}
