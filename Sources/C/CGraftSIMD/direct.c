/* Direct convolution for stride 1: the panel GEMM's tile, with the right-hand operand read straight
 * from the padded image instead of from im2col panels.
 *
 * For stride 1, column row k = (c, i, j) of output pixels p .. p+n-1 lying in one output row is
 * the n consecutive floats at padded[c][oh + i*dh][ow + j*dw]: a vector load. A tile covers 32
 * (AVX-512) or 16 (AVX2) consecutive output pixels; each 8 or 16 of them that sit in one output
 * row are one load from a base pointer fixed for the tile, at the offset of (c, i, j). So output
 * rows must split evenly into those vectors (graft_simd_direct_supported). */
#include "graft_simd.h"
#include "simd_internal.h"

#if defined(__x86_64__) || defined(_M_X64)
#include <immintrin.h>

typedef struct {
    const float *a;                /* W: row m at a + m * a_row, column k = (c * kh + i) * kw + j */
    ptrdiff_t a_row;
    const float *base[4];          /* where each 8- or 16-pixel vector of the tile starts in the padded image */
    int channels, kernel_height, kernel_width;
    ptrdiff_t plane, row_step, column_step; /* padded plane size, dilation steps in floats */
    float *c;
    ptrdiff_t ldc;
    int accumulate, valid;
} direct_tile;

typedef void (*direct_kernel)(const direct_tile *);

/* The k loop shared by every variant: LOAD_B sets b0 and b1 from the tile's bases at `offset`. */
#define DIRECT_LOOP(MR, VEC, SET1, FMA, LOAD_B)                                                        \
    const float *a = t->a;                                                                         \
    for (int ch = 0; ch < t->channels; ch++) {                                                     \
        for (int i = 0; i < t->kernel_height; i++) {                                               \
            ptrdiff_t offset = ch * t->plane + i * t->row_step;                                    \
            for (int j = 0; j < t->kernel_width; j++, offset += t->column_step, a++) {             \
                VEC b0, b1;                                                                        \
                LOAD_B                                                                             \
                UNROLL for (int m = 0; m < MR; m++) {                                              \
                    const VEC x = SET1(a[m * a_row]);                                              \
                    lo[m] = FMA(x, b0, lo[m]);                                                     \
                    hi[m] = FMA(x, b1, hi[m]);                                                     \
                }                                                                                  \
            }                                                                                      \
        }                                                                                          \
    }

#define AVX512_DIRECT(NAME, MR, LOAD_B)                                                            \
    __attribute__((target("avx512f"))) static void NAME(const direct_tile *t) {                   \
        const ptrdiff_t a_row = t->a_row, ldc = t->ldc;                                            \
        const __mmask16 low = lanes16(t->valid), high = lanes16(t->valid - 16);        \
        const __mmask16 load_low = t->accumulate ? low : 0, load_high = t->accumulate ? high : 0;  \
        float *c = t->c;                                                                           \
        const float *b0p = t->base[0], *b1p = t->base[1], *b2p = t->base[2], *b3p = t->base[3];   \
        (void)b2p; (void)b3p;                                                                      \
        __m512 lo[MR], hi[MR];                                                                     \
        UNROLL for (int m = 0; m < MR; m++) {                                                      \
            lo[m] = _mm512_maskz_loadu_ps(load_low, c + m * ldc);                                  \
            hi[m] = _mm512_maskz_loadu_ps(load_high, c + m * ldc + 16);                            \
        }                                                                                          \
        DIRECT_LOOP(MR, __m512, _mm512_set1_ps, _mm512_fmadd_ps, LOAD_B)                               \
        UNROLL for (int m = 0; m < MR; m++) {                                                      \
            _mm512_mask_storeu_ps(c + m * ldc, low, lo[m]);                                        \
            _mm512_mask_storeu_ps(c + m * ldc + 16, high, hi[m]);                                  \
        }                                                                                          \
    }

/* Output rows of a multiple of 16 pixels: each vector is 16 pixels of one row. */
#define LOAD_ROWS16 b0 = _mm512_loadu_ps(b0p + offset); b1 = _mm512_loadu_ps(b1p + offset);
/* Output rows of 8 pixels: each vector is two rows' 8 pixels. */
#define JOIN8(p, q) _mm512_castpd_ps(_mm512_insertf64x4(_mm512_castpd256_pd512(_mm256_castps_pd(_mm256_loadu_ps((p) + offset))), \
                                                       _mm256_castps_pd(_mm256_loadu_ps((q) + offset)), 1))
#define LOAD_ROWS8 b0 = JOIN8(b0p, b1p); b1 = JOIN8(b2p, b3p);

#define AVX512_BOTH(MR) \
    AVX512_DIRECT(avx512_rows16_##MR, MR, LOAD_ROWS16) \
    AVX512_DIRECT(avx512_rows8_##MR, MR, LOAD_ROWS8)
AVX512_BOTH(1) AVX512_BOTH(2) AVX512_BOTH(3) AVX512_BOTH(4) AVX512_BOTH(5) AVX512_BOTH(6)
AVX512_BOTH(7) AVX512_BOTH(8) AVX512_BOTH(9) AVX512_BOTH(10) AVX512_BOTH(11) AVX512_BOTH(12)

static const direct_kernel avx512_rows16[13] = {
    0, avx512_rows16_1, avx512_rows16_2, avx512_rows16_3, avx512_rows16_4, avx512_rows16_5, avx512_rows16_6,
    avx512_rows16_7, avx512_rows16_8, avx512_rows16_9, avx512_rows16_10, avx512_rows16_11, avx512_rows16_12,
};
static const direct_kernel avx512_rows8[13] = {
    0, avx512_rows8_1, avx512_rows8_2, avx512_rows8_3, avx512_rows8_4, avx512_rows8_5, avx512_rows8_6,
    avx512_rows8_7, avx512_rows8_8, avx512_rows8_9, avx512_rows8_10, avx512_rows8_11, avx512_rows8_12,
};

/* AVX2: each 8-pixel vector lies in one output row (rows of a multiple of 8 pixels). */
#define AVX2_DIRECT(MR)                                                                            \
    __attribute__((target("avx2,fma"))) static void avx2_rows8_##MR(const direct_tile *t) {       \
        const ptrdiff_t a_row = t->a_row, ldc = t->ldc;                                            \
        const __m256i low = lanes8(t->valid), high = lanes8(t->valid - 8);             \
        float *c = t->c;                                                                           \
        const float *b0p = t->base[0], *b1p = t->base[1];                                          \
        __m256 lo[MR], hi[MR];                                                                     \
        /* Plain loads and stores for whole tiles: AVX2's masked ones are slow on AMD (microcoded). */         \
        if (t->valid >= 16 && t->accumulate) {                                                     \
            UNROLL for (int m = 0; m < MR; m++) {                                                  \
                lo[m] = _mm256_loadu_ps(c + m * ldc);                                              \
                hi[m] = _mm256_loadu_ps(c + m * ldc + 8);                                          \
            }                                                                                      \
        } else if (t->accumulate) {                                                               \
            UNROLL for (int m = 0; m < MR; m++) {                                                  \
                lo[m] = _mm256_maskload_ps(c + m * ldc, low);                                      \
                hi[m] = _mm256_maskload_ps(c + m * ldc + 8, high);                                 \
            }                                                                                      \
        } else {                                                                                   \
            UNROLL for (int m = 0; m < MR; m++) { lo[m] = _mm256_setzero_ps(); hi[m] = _mm256_setzero_ps(); } \
        }                                                                                          \
        DIRECT_LOOP(MR, __m256, _mm256_set1_ps, _mm256_fmadd_ps,                                       \
                    b0 = _mm256_loadu_ps(b0p + offset); b1 = _mm256_loadu_ps(b1p + offset);)       \
        if (t->valid >= 16) {                                                                      \
            UNROLL for (int m = 0; m < MR; m++) {                                                  \
                _mm256_storeu_ps(c + m * ldc, lo[m]);                                              \
                _mm256_storeu_ps(c + m * ldc + 8, hi[m]);                                          \
            }                                                                                      \
        } else {                                                                                   \
            UNROLL for (int m = 0; m < MR; m++) {                                                  \
                _mm256_maskstore_ps(c + m * ldc, low, lo[m]);                                      \
                _mm256_maskstore_ps(c + m * ldc + 8, high, hi[m]);                                 \
            }                                                                                      \
        }                                                                                          \
    }

AVX2_DIRECT(1) AVX2_DIRECT(2) AVX2_DIRECT(3) AVX2_DIRECT(4) AVX2_DIRECT(5) AVX2_DIRECT(6)

static const direct_kernel avx2_rows8[7] = {
    0, avx2_rows8_1, avx2_rows8_2, avx2_rows8_3, avx2_rows8_4, avx2_rows8_5, avx2_rows8_6,
};

int graft_simd_direct_supported(graft_simd_isa isa, const graft_simd_patches *g) {
    if (g->stride_height != 1 || g->stride_width != 1 || g->output_width <= 0) return 0;
    switch (isa) {
    case GRAFT_SIMD_AVX512: return g->output_width % 16 == 0 || g->output_width == 8;
    case GRAFT_SIMD_AVX2: return g->output_width % 8 == 0;
    default: return 0;
    }
}

void graft_simd_conv_direct(graft_simd_isa isa, int M, const float *A, ptrdiff_t a_row,
                            const float *padded, const graft_simd_patches *g,
                            float *C, ptrdiff_t ldc, int accumulate) {
    if (!graft_simd_direct_supported(isa, g)) return;
    int ph, pw;
    graft_simd_padded_size(g, &ph, &pw);
    const int width = isa == GRAFT_SIMD_AVX512 ? 32 : 16;
    const int vector = isa == GRAFT_SIMD_AVX512 && g->output_width % 16 == 0 ? 16 : 8;
    const int rows = isa == GRAFT_SIMD_AVX512 ? 12 : 6;
    const direct_kernel *kernels = isa == GRAFT_SIMD_AVX2 ? avx2_rows8 : vector == 16 ? avx512_rows16 : avx512_rows8;
    const int area = g->output_height * g->output_width;
    direct_tile t = {
        .a_row = a_row, .channels = g->channels, .kernel_height = g->kernel_height, .kernel_width = g->kernel_width,
        .plane = (ptrdiff_t)ph * pw, .row_step = (ptrdiff_t)g->dilation_height * pw,
        .column_step = g->dilation_width, .ldc = ldc, .accumulate = accumulate,
    };
    for (int p0 = 0; p0 < area; p0 += width) {
        t.valid = area - p0 < width ? area - p0 : width;
        for (int v = 0; v < 4; v++) {
            /* Vectors past the last pixel read the first one's place again (never stored). */
            const int p = p0 + v * vector < area ? p0 + v * vector : p0;
            t.base[v] = padded + (ptrdiff_t)(p / g->output_width) * pw + p % g->output_width;
        }
        for (int m0 = 0; m0 < M; m0 += rows) {
            const int height = M - m0 < rows ? M - m0 : rows;
            t.a = A + (ptrdiff_t)m0 * a_row;
            t.c = C + (ptrdiff_t)m0 * ldc + p0;
            kernels[height](&t);
        }
    }
}

#else

int graft_simd_direct_supported(graft_simd_isa isa, const graft_simd_patches *g) { (void)isa; (void)g; return 0; }

void graft_simd_conv_direct(graft_simd_isa isa, int M, const float *A, ptrdiff_t a_row,
                            const float *padded, const graft_simd_patches *g,
                            float *C, ptrdiff_t ldc, int accumulate) {
    (void)isa; (void)M; (void)A; (void)a_row; (void)padded; (void)g; (void)C; (void)ldc; (void)accumulate;
}

#endif
