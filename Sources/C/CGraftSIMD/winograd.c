/* Winograd F(4, 3) for stride-1 3x3 convolutions (Lavin & Gray 2016): every 4x4 block of outputs
 * comes from the 6x6 input tile under it as A^T [(G w G^T) . (B^T d B)] A, so that summed over the
 * input channels the 36 element-wise products become 36 independent GEMMs with 4x fewer
 * multiply-adds than im2col (F(2, 3): 2.25x). The matrices, with interpolation points 0, +-1, +-2:
 *
 *   B^T = [4  0 -5  0  1  0]   G = [ 1/4     0     0 ]   A^T = [1  1  1  1  1  0]
 *         [0 -4 -4  1  1  0]       [-1/6  -1/6  -1/6 ]         [0  1 -1  2 -2  0]
 *         [0  4 -4 -1  1  0]       [-1/6   1/6  -1/6 ]         [0  1  1  4  4  0]
 *         [0 -2 -1  2  1  0]       [1/24  1/12   1/6 ]         [0  1 -1  8 -8  1]
 *         [0  2 -1 -2  1  0]       [1/24 -1/12   1/6 ]
 *         [0  4  0 -5  0  1]       [   0     0     1 ]
 *
 * The tiles are the lanes: an input transform reads a row of every tile's window of a vector at
 * once from the padded planes (one offset per lane: AVX-512 gathers, AVX2 loads and transposes in
 * registers) and writes the transformed tile straight into the panels graft_simd_gemm reads as B; the output transform reads the GEMMs' products 16 (or 8)
 * tiles at a time and writes each tile's 4x4 block. */
#include "graft_simd.h"
#include "simd_internal.h"

#include <math.h>
#include <string.h>

/* ---- Weights (scalar: once per inference plan) ----------------------------------------------- */

/* G w G^T for one 3x3 kernel, row-major 6x6. */
static void transform_kernel(const float *w, float *out) {
    float t[6][3]; /* G w: rows of G times the kernel's columns */
    for (int j = 0; j < 3; j++) {
        const float w0 = w[j], w1 = w[3 + j], w2 = w[6 + j];
        t[0][j] = w0 / 4;
        t[1][j] = -(w0 + w1 + w2) / 6;
        t[2][j] = -(w0 - w1 + w2) / 6;
        t[3][j] = w0 / 24 + w1 / 12 + w2 / 6;
        t[4][j] = w0 / 24 - w1 / 12 + w2 / 6;
        t[5][j] = w2;
    }
    for (int i = 0; i < 6; i++) {
        const float w0 = t[i][0], w1 = t[i][1], w2 = t[i][2];
        float *row = out + i * 6;
        row[0] = w0 / 4;
        row[1] = -(w0 + w1 + w2) / 6;
        row[2] = -(w0 - w1 + w2) / 6;
        row[3] = w0 / 24 + w1 / 12 + w2 / 6;
        row[4] = w0 / 24 - w1 / 12 + w2 / 6;
        row[5] = w2;
    }
}

void graft_winograd43_weights(int rows, int columns, const float *weight, float *u, ptrdiff_t xi_stride) {
    float tile[36];
    for (int r = 0; r < rows; r++) {
        for (int c = 0; c < columns; c++) {
            transform_kernel(weight + ((ptrdiff_t)r * columns + c) * 9, tile);
            for (int xi = 0; xi < 36; xi++) u[xi * xi_stride + (ptrdiff_t)r * columns + c] = tile[xi];
        }
    }
}

/* ---- Padding ----------------------------------------------------------------------------------- */

void graft_winograd43_pad(const float *input, const graft_winograd_chunk *w, int c0, int c1, float *padded) {
    const ptrdiff_t plane = (ptrdiff_t)w->height * w->width;
    const ptrdiff_t padded_plane = (ptrdiff_t)w->padded_height * w->padded_width;
    for (int image = 0; image < w->images; image++) {
        for (int c = c0; c < c1; c++) {
            const float *source = input + ((ptrdiff_t)image * w->channels + c) * plane;
            float *target = padded + ((ptrdiff_t)image * w->channels + c) * padded_plane;
            for (int y = 0; y < w->padded_height; y++) {
                float *row = target + (ptrdiff_t)y * w->padded_width;
                const int sy = y - w->pad_top;
                if (sy < 0 || sy >= w->height) {
                    memset(row, 0, sizeof(float) * (size_t)w->padded_width);
                    continue;
                }
                /* Columns [pad_left, pad_left + width) hold the image row, clipped to the padded width. */
                const int left = w->pad_left < w->padded_width ? w->pad_left : w->padded_width;
                int copy = w->width;
                if (left + copy > w->padded_width) copy = w->padded_width - left;
                memset(row, 0, sizeof(float) * (size_t)left);
                memcpy(row + left, source + (ptrdiff_t)sy * w->width, sizeof(float) * (size_t)copy);
                memset(row + left + copy, 0, sizeof(float) * (size_t)(w->padded_width - left - copy));
            }
        }
    }
}

/* Offsets (in floats, from a channel's first padded plane) of the top-left corners of tiles
 * [first, first + lanes), and of tile 0 for lanes past the last tile (read, never stored). */
static void tile_offsets(const graft_winograd_chunk *w, int first, int lanes, int32_t *offsets) {
    const int per_image = w->tiles_high * w->tiles_wide;
    const int total = w->images * per_image;
    const ptrdiff_t image_stride = (ptrdiff_t)w->channels * w->padded_height * w->padded_width;
    for (int lane = 0; lane < lanes; lane++) {
        const int tile = first + lane;
        if (tile >= total) { offsets[lane] = 0; continue; }
        const int image = tile / per_image, within = tile % per_image;
        const int ty = within / w->tiles_wide, tx = within % w->tiles_wide;
        offsets[lane] = (int32_t)(image * image_stride + (ptrdiff_t)(4 * ty) * w->padded_width + 4 * tx);
    }
}

#if defined(__x86_64__) || defined(_M_X64)

/* The 1-D transforms, written for any vector type through the macros each instruction set defines:
 * B^T on six values, A^T from six to four. */
#define INPUT_1D(d0, d1, d2, d3, d4, d5, t)                                                       \
    do {                                                                                           \
        t[0] = FMA(SET1(4.0f), d0, FMA(SET1(-5.0f), d2, d4));                                      \
        t[1] = FMA(SET1(-4.0f), ADD(d1, d2), ADD(d3, d4));                                         \
        t[2] = FMA(SET1(4.0f), SUB(d1, d2), SUB(d4, d3));                                          \
        t[3] = FMA(SET1(-2.0f), SUB(d1, d3), SUB(d4, d2));                                         \
        t[4] = FMA(SET1(2.0f), SUB(d1, d3), SUB(d4, d2));                                          \
        t[5] = FMA(SET1(4.0f), d1, FMA(SET1(-5.0f), d3, d5));                                      \
    } while (0)

#define OUTPUT_1D(m0, m1, m2, m3, m4, m5, y)                                                      \
    do {                                                                                           \
        const VEC s12 = ADD(m1, m2), d12 = SUB(m1, m2), s34 = ADD(m3, m4), d34 = SUB(m3, m4);     \
        y[0] = ADD(ADD(m0, s12), s34);                                                             \
        y[1] = FMA(SET1(2.0f), d34, d12);                                                          \
        y[2] = FMA(SET1(4.0f), s34, s12);                                                          \
        y[3] = ADD(FMA(SET1(8.0f), d34, d12), m5);                                                 \
    } while (0)

/* One vector of tiles (LANES lanes, offsets given) of channel plane `source`: the 36 transformed
 * values go to v[xi * xi_stride]. LOAD_ROW(row, offsets, d) reads row i of every lane's window into
 * d[0..5] (d[j]: column j). */
#define INPUT_TILES(NAME, TARGET, LOAD_ROW)                                                        \
    __attribute__((target(TARGET))) static void NAME(const float *source, const int32_t *offsets,  \
                                                     ptrdiff_t row, float *v, ptrdiff_t xi_stride) { \
        VEC d[6][6]; /* [i][j]: row i, column j of every lane's window */                          \
        for (int i = 0; i < 6; i++) LOAD_ROW(source + i * row, offsets, d[i]);                     \
        VEC columns[6][6]; /* B^T d: [i][j] */                                                     \
        for (int j = 0; j < 6; j++) {                                                              \
            VEC t[6];                                                                              \
            INPUT_1D(d[0][j], d[1][j], d[2][j], d[3][j], d[4][j], d[5][j], t);                     \
            for (int i = 0; i < 6; i++) columns[i][j] = t[i];                                      \
        }                                                                                          \
        for (int i = 0; i < 6; i++) {                                                              \
            VEC t[6];                                                                              \
            INPUT_1D(columns[i][0], columns[i][1], columns[i][2], columns[i][3], columns[i][4],    \
                     columns[i][5], t);                                                            \
            for (int j = 0; j < 6; j++) STORE(v + (i * 6 + j) * xi_stride, t[j]);                   \
        }                                                                                          \
    }

/* A row of 16 windows by gathers (one offset per lane). */
__attribute__((target("avx512f"))) static inline void window_row_avx512(const float *row, const int32_t *offsets, __m512 *d) {
    const __m512i index = _mm512_loadu_si512((const void *)offsets);
    for (int j = 0; j < 6; j++) d[j] = _mm512_i32gather_ps(index, row + j, 4);
}

/* A row of 8 windows: each window's first four floats and its last two loaded whole, then
 * transposed in registers (lanes l and l + 4 share a 128-bit half until the 4x4 transposes put
 * them in place). AVX2's gathers cost Zen 3 several cycles a vector: 36 of them per 8 tiles were
 * most of this transform. Reads nothing outside the windows. */
__attribute__((target("avx2"))) static inline void window_row_avx2(const float *row, const int32_t *offsets, __m256 *d) {
    __m256 a[4], b[4];
    for (int l = 0; l < 4; l++) {
        const float *low = row + offsets[l], *high = row + offsets[l + 4];
        a[l] = _mm256_insertf128_ps(_mm256_castps128_ps256(_mm_loadu_ps(low)), _mm_loadu_ps(high), 1);
        b[l] = _mm256_insertf128_ps(_mm256_castps128_ps256(_mm_castpd_ps(_mm_load_sd((const double *)(low + 4)))),
                                    _mm_castpd_ps(_mm_load_sd((const double *)(high + 4))), 1);
    }
    const __m256 t0 = _mm256_unpacklo_ps(a[0], a[1]), t1 = _mm256_unpackhi_ps(a[0], a[1]);
    const __m256 t2 = _mm256_unpacklo_ps(a[2], a[3]), t3 = _mm256_unpackhi_ps(a[2], a[3]);
    d[0] = _mm256_shuffle_ps(t0, t2, _MM_SHUFFLE(1, 0, 1, 0));
    d[1] = _mm256_shuffle_ps(t0, t2, _MM_SHUFFLE(3, 2, 3, 2));
    d[2] = _mm256_shuffle_ps(t1, t3, _MM_SHUFFLE(1, 0, 1, 0));
    d[3] = _mm256_shuffle_ps(t1, t3, _MM_SHUFFLE(3, 2, 3, 2));
    const __m256 u0 = _mm256_unpacklo_ps(b[0], b[1]), u2 = _mm256_unpacklo_ps(b[2], b[3]);
    d[4] = _mm256_shuffle_ps(u0, u2, _MM_SHUFFLE(1, 0, 1, 0));
    d[5] = _mm256_shuffle_ps(u0, u2, _MM_SHUFFLE(3, 2, 3, 2));
}

/* One vector of tiles' products m[xi * xi_stride] to their 4x4 outputs y[a * 4 + b][lane], bias
 * added, then `activation` when not NULL (with the formula of the separate layer). */
#define OUTPUT_TILES(NAME, TARGET)                                                                 \
    __attribute__((target(TARGET))) static void NAME(const float *m, ptrdiff_t xi_stride,          \
                                                     float bias, const graft_simd_activation *act, \
                                                     float *y) {                                   \
        VEC rows[4][6]; /* A^T M: [a][j] */                                                        \
        for (int j = 0; j < 6; j++) {                                                              \
            VEC t[4];                                                                              \
            OUTPUT_1D(LOAD(m + (0 * 6 + j) * xi_stride), LOAD(m + (1 * 6 + j) * xi_stride),         \
                      LOAD(m + (2 * 6 + j) * xi_stride), LOAD(m + (3 * 6 + j) * xi_stride),         \
                      LOAD(m + (4 * 6 + j) * xi_stride), LOAD(m + (5 * 6 + j) * xi_stride), t);     \
            for (int a = 0; a < 4; a++) rows[a][j] = t[a];                                         \
        }                                                                                          \
        const VEC offset = SET1(bias);                                                             \
        const VEC slope = SET1(act ? act->negative_slope : 0), ceiling = SET1(act ? act->ceiling : 0); \
        const VEC threshold = SET1(act ? act->threshold : 0);                                      \
        const act256 activation = act256_of(act);                                                  \
        for (int a = 0; a < 4; a++) {                                                              \
            VEC t[4];                                                                              \
            OUTPUT_1D(rows[a][0], rows[a][1], rows[a][2], rows[a][3], rows[a][4], rows[a][5], t);  \
            for (int b = 0; b < 4; b++) {                                                          \
                VEC x = ADD(t[b], offset);                                                         \
                if (act) x = ACTIVATE(&activation, x, slope, ceiling, threshold);                  \
                STORE(y + (a * 4 + b) * LANES, x);                                                 \
            }                                                                                      \
        }                                                                                          \
    }

#define VEC __m512
#define LANES 16
#define LOAD(p) _mm512_loadu_ps(p)
#define STORE(p, x) _mm512_storeu_ps(p, x)
#define ADD _mm512_add_ps
#define SUB _mm512_sub_ps
#define FMA _mm512_fmadd_ps
#define SET1 _mm512_set1_ps
#define ACTIVATE act512_apply
INPUT_TILES(input_tiles_avx512, "avx512f", window_row_avx512)
OUTPUT_TILES(output_tiles_avx512, "avx512f")
#undef VEC
#undef LANES
#undef LOAD
#undef STORE
#undef ADD
#undef SUB
#undef FMA
#undef SET1
#undef ACTIVATE

#define VEC __m256
#define LANES 8
#define LOAD(p) _mm256_loadu_ps(p)
#define STORE(p, x) _mm256_storeu_ps(p, x)
#define ADD _mm256_add_ps
#define SUB _mm256_sub_ps
#define FMA _mm256_fmadd_ps
#define SET1 _mm256_set1_ps
#define ACTIVATE(a, x, slope, ceiling, threshold) ((void)(slope), (void)(ceiling), (void)(threshold), act256_apply(a, x))
INPUT_TILES(input_tiles_avx2, "avx2,fma", window_row_avx2)
OUTPUT_TILES(output_tiles_avx2, "avx2,fma")
#undef VEC
#undef LANES
#undef LOAD
#undef STORE
#undef ADD
#undef SUB
#undef FMA
#undef SET1
#undef ACTIVATE

#endif

/* ---- Input transform --------------------------------------------------------------------------- */

void graft_winograd43_input(graft_simd_isa isa, const float *padded, const graft_winograd_chunk *w,
                            int p0, int p1, int c0, int c1, float *v) {
    const int width = graft_simd_panel_width(isa);
    if (width == 0) return; /* no vector kernels: nothing to do (see graft_simd.h) */
    const int total = w->images * w->tiles_high * w->tiles_wide;
    const int panels = (total + width - 1) / width;
    const ptrdiff_t plane = (ptrdiff_t)w->padded_height * w->padded_width;
    const ptrdiff_t panel_stride = (ptrdiff_t)w->channels * width;
    const ptrdiff_t xi_stride = (ptrdiff_t)panels * panel_stride;
    int32_t offsets[32];
    for (int p = p0; p < p1; p++) {
        tile_offsets(w, p * width, width, offsets);
        for (int c = c0 > 0 ? c0 : 0; c < c1 && c < w->channels; c++) {
            const float *source = padded + c * plane;
            float *target = v + p * panel_stride + (ptrdiff_t)c * width;
            switch (isa) {
#if defined(__x86_64__) || defined(_M_X64)
            case GRAFT_SIMD_AVX512:
                input_tiles_avx512(source, offsets, w->padded_width, target, xi_stride);
                input_tiles_avx512(source, offsets + 16, w->padded_width, target + 16, xi_stride);
                break;
            case GRAFT_SIMD_AVX2:
                input_tiles_avx2(source, offsets, w->padded_width, target, xi_stride);
                input_tiles_avx2(source, offsets + 8, w->padded_width, target + 8, xi_stride);
                break;
#endif
            default: return;
            }
        }
    }
}

/* ---- Output transform -------------------------------------------------------------------------- */

void graft_winograd43_output(graft_simd_isa isa, const float *m, const graft_winograd_chunk *w,
                             int output_channels, int oc0, int oc1, const float *bias,
                             const float *residual, const graft_simd_activation *activation, float *output) {
    const int width = graft_simd_panel_width(isa);
    if (width == 0) return; /* no vector kernels: nothing to do (see graft_simd.h) */
    const int lanes = width / 2;
    const int per_image = w->tiles_high * w->tiles_wide;
    const int total = w->images * per_image;
    const ptrdiff_t row = ((ptrdiff_t)(total + width - 1) / width) * width;
    const ptrdiff_t xi_stride = (ptrdiff_t)output_channels * row;
    const ptrdiff_t area = (ptrdiff_t)w->output_height * w->output_width;
    float y[16 * 16];
    /* Without a residual the activation is applied to the vectors; with one, after the sum. */
    const graft_simd_activation *in_registers = residual ? 0 : activation;
    const graft_simd_activation *after_sum = residual ? activation : 0;
    for (int oc = oc0; oc < oc1; oc++) {
        const float b = bias ? bias[oc] : 0;
        for (int first = 0; first < total; first += lanes) {
            const float *source = m + (ptrdiff_t)oc * row + first;
            switch (isa) {
#if defined(__x86_64__) || defined(_M_X64)
            case GRAFT_SIMD_AVX512: output_tiles_avx512(source, xi_stride, b, in_registers, y); break;
            case GRAFT_SIMD_AVX2: output_tiles_avx2(source, xi_stride, b, in_registers, y); break;
#endif
            default: return;
            }
            const int count = total - first < lanes ? total - first : lanes;
            /* Walk the lanes' tiles with counters (a division per lane cost more than the stores). */
            int image = first / per_image, within = first % per_image;
            int ty = within / w->tiles_wide, tx = within % w->tiles_wide;
            ptrdiff_t corners[16];
            int heights[16], acrosses[16];
            int whole = 0; /* lanes whose 4x4 block lies inside the output, from lane 0 on */
            for (int lane = 0; lane < count; lane++) {
                const int oy = 4 * ty, ox = 4 * tx;
                heights[lane] = w->output_height - oy < 4 ? w->output_height - oy : 4;
                acrosses[lane] = w->output_width - ox < 4 ? w->output_width - ox : 4;
                corners[lane] = ((ptrdiff_t)image * output_channels + oc) * area + (ptrdiff_t)oy * w->output_width + ox;
                if (whole == lane && heights[lane] == 4 && acrosses[lane] == 4) whole++;
                if (++tx == w->tiles_wide) {
                    tx = 0;
                    if (++ty == w->tiles_high) { ty = 0; image++; }
                }
            }
            /* Whole blocks four lanes at a time: row a of lanes l..l+3 transposed in registers, one
             * 4-float store per block row instead of four single floats. */
            int done = 0;
#if defined(__x86_64__) || defined(_M_X64)
            if (!residual) {
                for (; done + 4 <= whole; done += 4) {
                    for (int a = 0; a < 4; a++) {
                        __m128 r0 = _mm_loadu_ps(y + (a * 4) * lanes + done), r1 = _mm_loadu_ps(y + (a * 4 + 1) * lanes + done);
                        __m128 r2 = _mm_loadu_ps(y + (a * 4 + 2) * lanes + done), r3 = _mm_loadu_ps(y + (a * 4 + 3) * lanes + done);
                        _MM_TRANSPOSE4_PS(r0, r1, r2, r3);
                        const ptrdiff_t row = (ptrdiff_t)a * w->output_width;
                        _mm_storeu_ps(output + corners[done] + row, r0);
                        _mm_storeu_ps(output + corners[done + 1] + row, r1);
                        _mm_storeu_ps(output + corners[done + 2] + row, r2);
                        _mm_storeu_ps(output + corners[done + 3] + row, r3);
                    }
                }
            }
#endif
            for (int lane = done; lane < count; lane++) {
                const int height = heights[lane], across = acrosses[lane];
                const ptrdiff_t corner = corners[lane];
                float *target = output + corner;
                const float *value = y + lane;
                if (!residual && height == 4 && across == 4) {
                    for (int a = 0; a < 4; a++, target += w->output_width) {
                        target[0] = value[(a * 4) * lanes];
                        target[1] = value[(a * 4 + 1) * lanes];
                        target[2] = value[(a * 4 + 2) * lanes];
                        target[3] = value[(a * 4 + 3) * lanes];
                    }
                } else {
                    for (int a = 0; a < height; a++, target += w->output_width) {
                        const float *r = residual ? residual + corner + (ptrdiff_t)a * w->output_width : 0;
                        for (int bx = 0; bx < across; bx++) {
                            float v = value[(a * 4 + bx) * lanes];
                            if (r) v += r[bx];
                            if (after_sum) v = act_one(after_sum, v);
                            target[bx] = v;
                        }
                    }
                }
            }
        }
    }
}
