/* Direct convolution with the output channels in the vector lanes.
 *
 * A register tile is 16 output channels (two vectors) by 6 output pixels, the pixels taken in
 * row-major output order (a tile may run across rows). For every column k = (c, i, j) of the
 * weight, the tile loads the 16 channels' weights (packed once: [panel of 16 rows][k][16]) and
 * broadcasts each pixel's input straight from the padded image (graft_simd_pad: no im2col), then 12
 * FMAs; at the end the two 8 x 6 blocks are transposed in registers and each channel's 6 outputs
 * stored to its plane. Per output the sum starts from the bias and adds the products in order of
 * k, then the residual, then the activation: the panel GEMM's order, so the results are its bits.
 *
 * Why: im2col panels cost an unfold per image and leave a panel of 16 pixels part-empty on small
 * maps (a 7x7 map: 49 pixels in 64 columns); here no copy but the padding, and tiles of 6 pixels
 * in row-major order leave at most 5 unused. By a harness on one Zen 3 core (AVX2, hot caches:
 * pad + this against pad + whole-image im2col + panel GEMM), 3x3 layers of ResNet-50 and CaffeNet
 * ran at 64-96 GFLOP/s against 55-82, ResNet-50's 7x7 first layer at 84 against 57, CaffeNet's 5x5
 * conv2 at 98 against 76. 1x1 layers are not for this form (every column is another plane: 53-60
 * against 52-74); the panels keep them. AVX-512 machines run this AVX2 form too. */
#include "graft_simd.h"
#include "simd_internal.h"
#include <string.h>

enum { LANES_PANEL = 16, LANES_PIXELS = 6 };

ptrdiff_t graft_simd_lanes_weight_count(int rows, int columns) {
    return (ptrdiff_t)((rows + LANES_PANEL - 1) / LANES_PANEL) * LANES_PANEL * columns;
}

void graft_simd_lanes_pack(int rows, int columns, const float *weight, ptrdiff_t weight_row, float *packed) {
    const int panels = (rows + LANES_PANEL - 1) / LANES_PANEL;
    for (int p = 0; p < panels; p++) {
        float *out = packed + (ptrdiff_t)p * columns * LANES_PANEL;
        for (int l = 0; l < LANES_PANEL; l++) {
            const int m = p * LANES_PANEL + l;
            if (m < rows) {
                const float *row = weight + (ptrdiff_t)m * weight_row;
                for (int k = 0; k < columns; k++) out[(ptrdiff_t)k * LANES_PANEL + l] = row[k];
            } else {
                for (int k = 0; k < columns; k++) out[(ptrdiff_t)k * LANES_PANEL + l] = 0;
            }
        }
    }
}

int graft_simd_lanes_supported(graft_simd_isa isa, const graft_simd_patches *g) {
    return g->channels >= 1 && windows_valid(g) && (isa == GRAFT_SIMD_AVX512 || isa == GRAFT_SIMD_AVX2);
}

#if defined(__x86_64__) || defined(_M_X64)

/* The six floats of lanes 0-5 of v at y (plain stores: 4 + 2). */
__attribute__((target("avx2"))) static inline void store6(float *y, __m256 v) {
    _mm_storeu_ps(y, _mm256_castps256_ps128(v));
    _mm_store_sd((double *)(y + 4), _mm_castps_pd(_mm256_extractf128_ps(v, 1)));
}

/* Six floats from y into lanes 0-5 (6 and 7 zero). */
__attribute__((target("avx2"))) static inline __m256 load6(const float *y) {
    return _mm256_insertf128_ps(_mm256_castps128_ps256(_mm_loadu_ps(y)), _mm_castpd_ps(_mm_load_sd((const double *)(y + 4))), 1);
}

/* Stores one block of 8 channels x `count` pixels (block[r]: the 8 channels of pixel r, r < 6) to
 * rows row0 ... of output (row m at output + m * ldc, the tile's first pixel at column q), the
 * residual added and the activation applied first. Rows at or past `rows` are not stored. */
__attribute__((target("avx2,fma"))) static void store_block(__m256 block[8], int row0, int rows, int count, float *output,
                                                        const float *residual, ptrdiff_t ldc, ptrdiff_t q,
                                                        const graft_simd_activation *activation) {
    const act256 act = act256_of(activation);
    /* Without a residual the activation goes on the pixels' vectors before the transpose: six
     * independent full vectors (Swish's e^x overlaps between them) instead of eight with two
     * lanes idle, one after another. */
    const int before = activation && !residual;
    if (before) act256_apply_n(&act, block, LANES_PIXELS);
    block[6] = block[7] = _mm256_setzero_ps();
    transpose8x8(block);
    const int after = activation && !before;
    const int channels = rows - row0 < 8 ? rows - row0 : 8;
    for (int c = 0; c < channels; c++) {
        const ptrdiff_t at = (ptrdiff_t)(row0 + c) * ldc + q;
        __m256 v = block[c];
        if (count == LANES_PIXELS) {
            if (residual) v = _mm256_add_ps(v, load6(residual + at));
            if (after) v = act256_apply(&act, v);
            store6(output + at, v);
        } else {
            float lanes[8], extra[8] = {0};
            if (residual) memcpy(extra, residual + at, sizeof(float) * (size_t)count);
            if (residual) v = _mm256_add_ps(v, _mm256_loadu_ps(extra));
            if (after) v = act256_apply(&act, v);
            _mm256_storeu_ps(lanes, v);
            memcpy(output + at, lanes, sizeof(float) * (size_t)count);
        }
    }
}

/* The same block stored in blocks of eight channels (blocks.c's layout, `ldc` the map's area):
 * each pixel's vector as it is, no transpose. */
__attribute__((target("avx2,fma"))) static void store_block_blocked(const __m256 block[8], int row0, int rows, int count,
                                                                float *output, const float *residual, ptrdiff_t ldc,
                                                                ptrdiff_t q, const graft_simd_activation *activation) {
    if (row0 >= rows) return;
    __m256 v[LANES_PIXELS];
    UNROLL for (int r = 0; r < LANES_PIXELS; r++) v[r] = block[r];
    const ptrdiff_t first = (ptrdiff_t)row0 * ldc + q * 8;
    /* (Constant indices throughout, so that v stays in registers.) */
    if (residual) UNROLL for (int r = 0; r < LANES_PIXELS; r++) {
        if (r < count) v[r] = _mm256_add_ps(v[r], _mm256_loadu_ps(residual + first + r * 8));
    }
    /* All six vectors (a short tile's last ones repeat its last pixel, and are not stored): their
     * activations overlap. */
    if (activation) {
        const act256 act = act256_of(activation);
        act256_apply_n(&act, v, LANES_PIXELS);
    }
    UNROLL for (int r = 0; r < LANES_PIXELS; r++) {
        if (r < count) _mm256_storeu_ps(output + first + r * 8, v[r]);
    }
}

/* One column k of the weight: its 16 channels' weights at w times the input at `offset` past each
 * of the tile's six pixels' window corners x[r], into the accumulators lo (channels 0-7) and hi. */
#define LANES_TAP(OFFSET)                                                                          \
    {                                                                                              \
        const ptrdiff_t offset = (OFFSET);                                                         \
        const __m256 w0 = _mm256_loadu_ps(w), w1 = _mm256_loadu_ps(w + 8);                         \
        UNROLL for (int r = 0; r < LANES_PIXELS; r++) {                                            \
            const __m256 v = _mm256_broadcast_ss(x[r] + offset);                                   \
            lo[r] = _mm256_fmadd_ps(v, w0, lo[r]);                                                 \
            hi[r] = _mm256_fmadd_ps(v, w1, hi[r]);                                                 \
        }                                                                                          \
    }

/* The kernel, for any window (WINDOW3 0, WIDTH 0), for undilated 3x3 windows (WINDOW3 1: the nine
 * taps as straight-line code) or for undilated rows WIDTH taps wide (the row's taps unrolled).
 * The loops' pointer updates between every 12 FMAs cost a fifth of the time: C harness, one Zen 3
 * core, hot caches, the old and the new kernel alternating in one process: ResNet-50's stride-2
 * 3x3 layers 4.20-4.24 → 3.35-3.41 ms (128 channels, 56x56), 4.26-4.31 → 3.29-3.43 (256, 28x28),
 * 4.49-5.65 → 3.58-4.05 (512, 14x14); CaffeNet's conv3 shape (384, 13x13) 7.1-9.6 → 5.6-7.1;
 * ResNet-50's 7x7 first layer 4.1-4.3 → 3.7, CaffeNet's 11x11 conv1 3.5-3.7 → 3.0-3.2, a 5x5
 * layer 8-11 % faster; 512 channels on a 7x7 map 1-13 %. The same products in the same order. */
__attribute__((target("avx2,fma"), always_inline))
static inline void lanes_avx2_window(int rows, const float *packed, const float *bias, const float *padded,
                                     const graft_simd_patches *g, int first_panel, int panels, ptrdiff_t first_pixel,
                                     ptrdiff_t pixels, const float *residual, ptrdiff_t ldc,
                                     const graft_simd_activation *activation, float *output, int blocked, const int WINDOW3,
                                     const int WIDTH) {
    int ph, pw;
    graft_simd_padded_size(g, &ph, &pw);
    const ptrdiff_t plane = (ptrdiff_t)ph * pw, row_step = (ptrdiff_t)g->dilation_height * pw, tap_step = g->dilation_width;
    const int channels = g->channels, kh = g->kernel_height, kw = g->kernel_width, ow_count = g->output_width;
    const ptrdiff_t columns = (ptrdiff_t)channels * kh * kw;
    for (int p = first_panel; p < first_panel + panels; p++) {
        const int row0 = p * LANES_PANEL;
        float lanes_bias[LANES_PANEL];
        for (int l = 0; l < LANES_PANEL; l++) lanes_bias[l] = bias && row0 + l < rows ? bias[row0 + l] : 0;
        const __m256 bias_lo = _mm256_loadu_ps(lanes_bias), bias_hi = _mm256_loadu_ps(lanes_bias + 8);
        const float *panel = packed + (ptrdiff_t)p * columns * LANES_PANEL;
        for (ptrdiff_t q = first_pixel; q < first_pixel + pixels; q += LANES_PIXELS) {
            const int count = first_pixel + pixels - q < LANES_PIXELS ? (int)(first_pixel + pixels - q) : LANES_PIXELS;
            /* Each pixel's window corner in the padded image; a short tile repeats its last pixel. */
            const float *x[LANES_PIXELS];
            UNROLL for (int r = 0; r < LANES_PIXELS; r++) {
                const ptrdiff_t pixel = q + (r < count ? r : count - 1);
                const ptrdiff_t oh = pixel / ow_count, ow = pixel % ow_count;
                x[r] = padded + oh * g->stride_height * pw + ow * g->stride_width;
            }
            __m256 lo[LANES_PIXELS], hi[LANES_PIXELS];
            UNROLL for (int r = 0; r < LANES_PIXELS; r++) { lo[r] = bias_lo; hi[r] = bias_hi; }
            const float *w = panel;
            for (int c = 0; c < channels; c++) {
                if (WINDOW3) {
                    UNROLL for (int i = 0; i < 3; i++) {
                        const ptrdiff_t row = c * plane + i * pw;
                        UNROLL for (int j = 0; j < 3; j++, w += LANES_PANEL) LANES_TAP(row + j)
                    }
                    continue;
                }
                for (int i = 0; i < kh; i++) {
                    const ptrdiff_t row = c * plane + i * row_step;
                    if (WIDTH) {
                        UNROLL for (int j = 0; j < WIDTH; j++, w += LANES_PANEL) LANES_TAP(row + j)
                        continue;
                    }
                    for (int j = 0; j < kw; j++, w += LANES_PANEL) LANES_TAP(row + j * tap_step)
                }
            }
            __m256 block[8];
            UNROLL for (int r = 0; r < LANES_PIXELS; r++) block[r] = lo[r];
            if (blocked) store_block_blocked(block, row0, rows, count, output, residual, ldc, q, activation);
            else store_block(block, row0, rows, count, output, residual, ldc, q, activation);
            UNROLL for (int r = 0; r < LANES_PIXELS; r++) block[r] = hi[r];
            if (blocked) store_block_blocked(block, row0 + 8, rows, count, output, residual, ldc, q, activation);
            else store_block(block, row0 + 8, rows, count, output, residual, ldc, q, activation);
        }
    }
}

#define LANES_INSTANCE(NAME, WINDOW3, WIDTH)                                                              \
    __attribute__((target("avx2,fma"))) static void NAME(                                                  \
        int rows, const float *packed, const float *bias, const float *padded, const graft_simd_patches *g,  \
        int first_panel, int panels, ptrdiff_t first_pixel, ptrdiff_t pixels, const float *residual, ptrdiff_t ldc, \
        const graft_simd_activation *activation, float *output, int blocked) {                             \
        lanes_avx2_window(rows, packed, bias, padded, g, first_panel, panels, first_pixel, pixels, residual, ldc, \
                          activation, output, blocked, WINDOW3, WIDTH);                                      \
    }
LANES_INSTANCE(lanes_avx2, 0, 0)
LANES_INSTANCE(lanes_avx2_3x3, 1, 0)
LANES_INSTANCE(lanes_avx2_width5, 0, 5)
LANES_INSTANCE(lanes_avx2_width7, 0, 7)
LANES_INSTANCE(lanes_avx2_width11, 0, 11)

typedef void (*lanes_kernel)(int, const float *, const float *, const float *, const graft_simd_patches *, int, int,
                             ptrdiff_t, ptrdiff_t, const float *, ptrdiff_t, const graft_simd_activation *, float *, int);

/* The instance for these windows. */
static lanes_kernel lanes_kernel_for(const graft_simd_patches *g) {
    if (g->dilation_width != 1) return lanes_avx2;
    if (g->kernel_height == 3 && g->kernel_width == 3 && g->dilation_height == 1) return lanes_avx2_3x3;
    switch (g->kernel_width) {
    case 5: return lanes_avx2_width5;
    case 7: return lanes_avx2_width7;
    case 11: return lanes_avx2_width11;
    default: return lanes_avx2;
    }
}
#endif

void graft_simd_lanes(graft_simd_isa isa, int rows, const float *packed, const float *bias, const float *padded,
                      const graft_simd_patches *g, int first_panel, int panels, ptrdiff_t first_pixel, ptrdiff_t pixels,
                      const float *residual, ptrdiff_t ldc, const graft_simd_activation *activation, float *output,
                      int blocked_output) {
    if (!graft_simd_lanes_supported(isa, g) || rows < 1 || panels < 1 || pixels < 1) return;
    if (blocked_output && rows % 8 != 0) return;
#if defined(__x86_64__) || defined(_M_X64)
    lanes_kernel_for(g)(rows, packed, bias, padded, g, first_panel, panels, first_pixel, pixels, residual, ldc, activation,
                        output, blocked_output);
#else
    (void)packed; (void)bias; (void)padded; (void)first_panel; (void)first_pixel; (void)residual; (void)ldc;
    (void)activation; (void)output;
#endif
}
