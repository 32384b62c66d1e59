/* Winograd F(2, 3) tile and kernel transforms (training's ``Strategy/winograd``), vectorised over
 * tiles or kernels: the same additions, subtractions and products, in the same order, as the
 * portable Swift transforms in GraftKernels' WinogradConvolution.swift, so the two agree to the
 * bit. There each tile gathered and scattered its 16 values one float at a time, and the kernels
 * went lane by lane into vectors: the five transforms took an eighth of ResNet-18's training step.
 *
 * With interpolation points 0, 1, -1:
 *   B^T = [1  0 -1  0]   G = [ 1    0    0  ]   A^T = [1  1  1  0]
 *         [0  1  1  0]       [1/2  1/2  1/2 ]         [0  1 -1 -1]
 *         [0 -1  1  0]       [1/2 -1/2  1/2 ]
 *         [0 -1  0  1]       [ 0    0    1  ]
 * A tile row of LANES tiles reads its input rows from a zero-padded copy (no edge cases in the
 * vector loop), the even and odd columns of two loads giving the tiles' first and second columns. */
#include "graft_simd.h"
#include "simd_internal.h"

#include <string.h>

#if defined(__x86_64__) || defined(_M_X64)

/* ---- Vector helpers per instruction set --------------------------------------------------------- */

/* The even and odd floats of the 2 * LANES at p; and the inverse, interleaving two vectors. */
__attribute__((target("avx2"))) static inline void deinterleave256(const float *p, __m256 *even, __m256 *odd) {
    const __m256 a = _mm256_loadu_ps(p), b = _mm256_loadu_ps(p + 8);
    *even = _mm256_castpd_ps(_mm256_permute4x64_pd(_mm256_castps_pd(_mm256_shuffle_ps(a, b, _MM_SHUFFLE(2, 0, 2, 0))), _MM_SHUFFLE(3, 1, 2, 0)));
    *odd = _mm256_castpd_ps(_mm256_permute4x64_pd(_mm256_castps_pd(_mm256_shuffle_ps(a, b, _MM_SHUFFLE(3, 1, 3, 1))), _MM_SHUFFLE(3, 1, 2, 0)));
}

__attribute__((target("avx2"))) static inline void interleave256(float *p, __m256 even, __m256 odd) {
    const __m256 lo = _mm256_unpacklo_ps(even, odd), hi = _mm256_unpackhi_ps(even, odd);
    _mm256_storeu_ps(p, _mm256_permute2f128_ps(lo, hi, 0x20));
    _mm256_storeu_ps(p + 8, _mm256_permute2f128_ps(lo, hi, 0x31));
}

__attribute__((target("avx512f"))) static inline void deinterleave512(const float *p, __m512 *even, __m512 *odd) {
    const __m512 a = _mm512_loadu_ps(p), b = _mm512_loadu_ps(p + 16);
    const __m512i e = _mm512_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
    const __m512i o = _mm512_setr_epi32(1, 3, 5, 7, 9, 11, 13, 15, 17, 19, 21, 23, 25, 27, 29, 31);
    *even = _mm512_permutex2var_ps(a, e, b);
    *odd = _mm512_permutex2var_ps(a, o, b);
}

__attribute__((target("avx512f"))) static inline void interleave512(float *p, __m512 even, __m512 odd) {
    const __m512i lo = _mm512_setr_epi32(0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23);
    const __m512i hi = _mm512_setr_epi32(8, 24, 9, 25, 10, 26, 11, 27, 12, 28, 13, 29, 14, 30, 15, 31);
    _mm512_storeu_ps(p, _mm512_permutex2var_ps(even, lo, odd));
    _mm512_storeu_ps(p + 16, _mm512_permutex2var_ps(even, hi, odd));
}

/* ---- The transforms, written once for both vector types ---------------------------------------- */

/* One instruction set's transforms (see the entry points). */
typedef struct {
    void (*input)(const float *, const graft_winograd23 *, int, int, float *, float *);
    void (*gradient)(const float *, const graft_winograd23 *, int, int, float *, float *);
    void (*output)(const float *, const graft_winograd23 *, int, int, const float *, float *);
    void (*weights)(const float *, const graft_winograd23_kernels *, int, int, float *);
    void (*weight_gradient)(const float *, const graft_winograd23_kernels *, int, int, float *);
} transforms23;

/* Tile rows of channels [c0, c1): V[c][xi][tile] (row stride `width`). Each plane is first copied
 * into `padded` (rows 2 ty - pad_top ..., zeros around the image), each input row once. */
#define INPUT23(NAME, TARGET)                                                                      \
    __attribute__((target(TARGET))) static void NAME(const float *input, const graft_winograd23 *w,  \
                                                     int c0, int c1, float *v, float *padded) {      \
        const ptrdiff_t plane = (ptrdiff_t)w->height * w->width, per_image = (ptrdiff_t)w->tiles_high * w->tiles_wide; \
        const ptrdiff_t width = (ptrdiff_t)w->images * per_image, length = graft_winograd23_row_length(w); \
        for (int c = c0; c < c1; c++) {                                                            \
            float *target = v + (ptrdiff_t)c * 16 * width;                                         \
            for (int image = 0; image < w->images; image++) {                                      \
                const float *source = input + ((ptrdiff_t)image * w->channels + c) * plane;        \
                for (int y = 0; y < 2 * w->tiles_high + 2; y++)                                    \
                    copy_row(source, w, y - w->pad_top, padded + y * length, length);             \
                for (int ty = 0; ty < w->tiles_high; ty++) {                                       \
                    const float *rows = padded + 2 * ty * length;                                  \
                    const ptrdiff_t first = image * per_image + (ptrdiff_t)ty * w->tiles_wide;     \
                    for (int tx = 0; tx < w->tiles_wide; tx += LANES) {                            \
                        VEC d[4][4];                                                               \
                        for (int i = 0; i < 4; i++) {                                              \
                            DEINTERLEAVE(rows + i * length + 2 * tx, &d[i][0], &d[i][1]);          \
                            DEINTERLEAVE(rows + i * length + 2 * tx + 2, &d[i][2], &d[i][3]);      \
                        }                                                                          \
                        VEC out[16];                                                               \
                        for (int j = 0; j < 4; j++) { /* B^T d, column j: rows d0 - d2, d1 + d2, d2 - d1, d3 - d1 */ \
                            d[0][j] = SUB(d[0][j], d[2][j]);                                       \
                            const VEC r1 = ADD(d[1][j], d[2][j]), r2 = SUB(d[2][j], d[1][j]);      \
                            d[3][j] = SUB(d[3][j], d[1][j]);                                       \
                            d[1][j] = r1;                                                          \
                            d[2][j] = r2;                                                          \
                        }                                                                          \
                        for (int i = 0; i < 4; i++) { /* then along the row */                     \
                            out[4 * i] = SUB(d[i][0], d[i][2]);                                    \
                            out[4 * i + 1] = ADD(d[i][1], d[i][2]);                                \
                            out[4 * i + 2] = SUB(d[i][2], d[i][1]);                                \
                            out[4 * i + 3] = SUB(d[i][3], d[i][1]);                                \
                        }                                                                          \
                        store_vectors(out, 16, target + first + tx, width, lanes_to_store(first + tx, width, w->tiles_wide - tx)); \
                    }                                                                              \
                }                                                                                  \
            }                                                                                      \
        }                                                                                          \
    }

/* Z[oc][xi][tile] = A dY A^T for output channels [oc0, oc1); each plane first copied into `padded`
 * (zeros past its last row and column). */
#define GRADIENT23(NAME, TARGET)                                                                   \
    __attribute__((target(TARGET))) static void NAME(const float *dy, const graft_winograd23 *w,     \
                                                     int oc0, int oc1, float *z, float *padded) {    \
        const ptrdiff_t area = (ptrdiff_t)w->output_height * w->output_width;                      \
        const ptrdiff_t per_image = (ptrdiff_t)w->tiles_high * w->tiles_wide;                      \
        const ptrdiff_t width = (ptrdiff_t)w->images * per_image, length = graft_winograd23_row_length(w); \
        for (int oc = oc0; oc < oc1; oc++) {                                                       \
            float *target = z + (ptrdiff_t)oc * 16 * width;                                        \
            for (int image = 0; image < w->images; image++) {                                      \
                const float *source = dy + ((ptrdiff_t)image * w->output_channels + oc) * area;   \
                for (int y = 0; y < 2 * w->tiles_high; y++) copy_output_row(source, w, y, padded + y * length, length); \
                for (int ty = 0; ty < w->tiles_high; ty++) {                                       \
                    const float *rows = padded + 2 * ty * length;                                  \
                    const ptrdiff_t first = image * per_image + (ptrdiff_t)ty * w->tiles_wide;     \
                    for (int tx = 0; tx < w->tiles_wide; tx += LANES) {                            \
                        VEC d00, d01, d10, d11, out[16];                                           \
                        DEINTERLEAVE(rows + 2 * tx, &d00, &d01);                                   \
                        DEINTERLEAVE(rows + length + 2 * tx, &d10, &d11);                          \
                        /* A dY: rows dY0, dY0 + dY1, dY0 - dY1, dY1; each then (a, a + b, a - b, b). */ \
                        const VEC s0 = ADD(d00, d10), s1 = ADD(d01, d11);                          \
                        const VEC t0 = SUB(d00, d10), t1 = SUB(d01, d11);                          \
                        out[0] = d00; out[1] = ADD(d00, d01); out[2] = SUB(d00, d01); out[3] = d01; \
                        out[4] = s0; out[5] = ADD(s0, s1); out[6] = SUB(s0, s1); out[7] = s1;       \
                        out[8] = t0; out[9] = ADD(t0, t1); out[10] = SUB(t0, t1); out[11] = t1;     \
                        out[12] = d10; out[13] = ADD(d10, d11); out[14] = SUB(d10, d11); out[15] = d11; \
                        store_vectors(out, 16, target + first + tx, width, lanes_to_store(first + tx, width, w->tiles_wide - tx)); \
                    }                                                                              \
                }                                                                                  \
            }                                                                                      \
        }                                                                                          \
    }

/* output = A^T M A + bias for output channels [oc0, oc1), clipped to the output. */
#define OUTPUT23(NAME, TARGET)                                                                     \
    __attribute__((target(TARGET))) static void NAME(const float *m, const graft_winograd23 *w,      \
                                                     int oc0, int oc1, const float *bias, float *output) { \
        const ptrdiff_t area = (ptrdiff_t)w->output_height * w->output_width;                      \
        const ptrdiff_t per_image = (ptrdiff_t)w->tiles_high * w->tiles_wide;                      \
        const ptrdiff_t width = (ptrdiff_t)w->images * per_image;                                  \
        float lanes[4][LANES];                                                                     \
        for (int oc = oc0; oc < oc1; oc++) {                                                       \
            const float *rows = m + (ptrdiff_t)oc * 16 * width;                                    \
            const VEC offset = SET1(bias ? bias[oc] : 0);                                          \
            for (int image = 0; image < w->images; image++) {                                      \
                float *plane = output + ((ptrdiff_t)image * w->output_channels + oc) * area;       \
                for (int ty = 0; ty < w->tiles_high; ty++) {                                       \
                    const ptrdiff_t first = image * per_image + (ptrdiff_t)ty * w->tiles_wide;     \
                    const int y = 2 * ty, second_row = y + 1 < w->output_height;                   \
                    for (int tx = 0; tx < w->tiles_wide; tx += LANES) {                            \
                        const int count = w->tiles_wide - tx < LANES ? w->tiles_wide - tx : LANES; \
                        VEC z[16];                                                                 \
                        load_vectors(rows + first + tx, width, lanes_to_store(first + tx, width, count), z); \
                        /* A^T M: rows M0 + M1 + M2 and M1 - M2 + M3, per column; then along the row. */ \
                        const VEC a0 = ADD(ADD(z[0], z[4]), z[8]), a1 = ADD(ADD(z[1], z[5]), z[9]);  \
                        const VEC a2 = ADD(ADD(z[2], z[6]), z[10]), a3 = ADD(ADD(z[3], z[7]), z[11]); \
                        const VEC b0 = ADD(SUB(z[4], z[8]), z[12]), b1 = ADD(SUB(z[5], z[9]), z[13]); \
                        const VEC b2 = ADD(SUB(z[6], z[10]), z[14]), b3 = ADD(SUB(z[7], z[11]), z[15]); \
                        const VEC y00 = ADD(ADD(ADD(a0, a1), a2), offset), y01 = ADD(ADD(SUB(a1, a2), a3), offset); \
                        const VEC y10 = ADD(ADD(ADD(b0, b1), b2), offset), y11 = ADD(ADD(SUB(b1, b2), b3), offset); \
                        float *top = plane + (ptrdiff_t)y * w->output_width + 2 * tx;              \
                        if (count == LANES && 2 * (tx + LANES) <= w->output_width) {               \
                            INTERLEAVE(top, y00, y01);                                             \
                            if (second_row) INTERLEAVE(top + w->output_width, y10, y11);           \
                            continue;                                                              \
                        }                                                                          \
                        STOREU(lanes[0], y00); STOREU(lanes[1], y01);                              \
                        STOREU(lanes[2], y10); STOREU(lanes[3], y11);                              \
                        for (int lane = 0; lane < count; lane++) {                                 \
                            const int second_column = 2 * (tx + lane) + 1 < w->output_width;       \
                            float *at = top + 2 * lane;                                            \
                            at[0] = lanes[0][lane];                                                \
                            if (second_column) at[1] = lanes[1][lane];                             \
                            if (second_row) {                                                      \
                                at[w->output_width] = lanes[2][lane];                              \
                                if (second_column) at[w->output_width + 1] = lanes[3][lane];       \
                            }                                                                      \
                        }                                                                          \
                    }                                                                              \
                }                                                                                  \
            }                                                                                      \
        }                                                                                          \
    }

/* out = left (p x q) . x (q x s), and out = x (p x q) . right (q x s), the zero entries of the
 * constant matrix skipped and every sum started from +0, as WinogradTransform.multiply does. */
#define MULTIPLY23(NAME, TARGET)                                                                   \
    __attribute__((target(TARGET))) static void NAME##_left(const float *left, int p, int q, const VEC *x, int s, VEC *out) { \
        for (int i = 0; i < p; i++) {                                                              \
            for (int k = 0; k < s; k++) out[i * s + k] = ZERO();                                   \
            for (int y = 0; y < q; y++) {                                                          \
                const float c = left[i * q + y];                                                   \
                if (c == 0) continue;                                                              \
                const VEC cv = SET1(c);                                                            \
                for (int k = 0; k < s; k++) out[i * s + k] = ADD(out[i * s + k], MUL(cv, x[y * s + k])); \
            }                                                                                      \
        }                                                                                          \
    }                                                                                              \
    __attribute__((target(TARGET))) static void NAME##_right(const VEC *x, int p, int q, const float *right, int s, VEC *out) { \
        for (int i = 0; i < p; i++) {                                                              \
            for (int j = 0; j < s; j++) out[i * s + j] = ZERO();                                   \
            for (int k = 0; k < q; k++) {                                                          \
                const VEC row = x[i * q + k];                                                      \
                for (int j = 0; j < s; j++) {                                                      \
                    const float c = right[k * s + j];                                              \
                    if (c != 0) out[i * s + j] = ADD(out[i * s + j], MUL(SET1(c), row));           \
                }                                                                                  \
            }                                                                                      \
        }                                                                                          \
    }

/* U rows [r0, r1): U[row][xi][column] = (G w G^T)[xi], LANES kernels at a time. */
#define WEIGHTS23(NAME, MULT, TARGET)                                                              \
    __attribute__((target(TARGET))) static void NAME(const float *weight, const graft_winograd23_kernels *k, \
                                                     int r0, int r1, float *u) {                   \
        float lanes[9][LANES];                                                                     \
        const int columns = k->flipped ? k->output_channels_per_group : k->input_channels_per_group; \
        for (int row = r0; row < r1; row++) {                                                      \
            for (int column = 0; column < columns; column += LANES) {                              \
                const int count = columns - column < LANES ? columns - column : LANES;             \
                for (int lane = 0; lane < LANES; lane++) {                                         \
                    if (lane >= count) { for (int i = 0; i < 9; i++) lanes[i][lane] = 0; continue; } \
                    if (k->flipped) {                                                              \
                        const int group = row / k->input_channels_per_group;                       \
                        const float *kernel = weight + (((ptrdiff_t)group * k->output_channels_per_group + column + lane) \
                                                        * k->input_channels_per_group + row % k->input_channels_per_group) * 9; \
                        for (int i = 0; i < 9; i++) lanes[i][lane] = kernel[8 - i];                \
                    } else {                                                                       \
                        const float *kernel = weight + ((ptrdiff_t)row * k->input_channels_per_group + column + lane) * 9; \
                        for (int i = 0; i < 9; i++) lanes[i][lane] = kernel[i];                    \
                    }                                                                              \
                }                                                                                  \
                VEC x[9], t[12], out[16];                                                          \
                for (int i = 0; i < 9; i++) x[i] = LOADU(lanes[i]);                                \
                MULT##_left(g23, 4, 3, x, 3, t);                                                   \
                MULT##_right(t, 4, 3, gt23, 4, out);                                               \
                store_vectors(out, 16, u + (ptrdiff_t)row * 16 * columns + column, columns, count); \
            }                                                                                      \
        }                                                                                          \
    }

/* dW = G^T dU G for output channels [oc0, oc1) (overwrites their kernels). */
#define WEIGHT_GRADIENT23(NAME, MULT, TARGET)                                                      \
    __attribute__((target(TARGET))) static void NAME(const float *du, const graft_winograd23_kernels *k, \
                                                     int oc0, int oc1, float *weight_gradient) {   \
        float lanes[9][LANES];                                                                     \
        const int columns = k->input_channels_per_group;                                           \
        for (int oc = oc0; oc < oc1; oc++) {                                                       \
            for (int column = 0; column < columns; column += LANES) {                              \
                const int count = columns - column < LANES ? columns - column : LANES;             \
                VEC z[16], t[12], out[9];                                                          \
                load_vectors(du + (ptrdiff_t)oc * 16 * columns + column, columns, count, z);       \
                MULT##_left(gt23, 3, 4, z, 4, t);                                                  \
                MULT##_right(t, 3, 4, g23, 3, out);                                                \
                for (int i = 0; i < 9; i++) STOREU(lanes[i], out[i]);                              \
                for (int lane = 0; lane < count; lane++) {                                         \
                    float *kernel = weight_gradient + ((ptrdiff_t)oc * columns + column + lane) * 9; \
                    for (int i = 0; i < 9; i++) kernel[i] = lanes[i][lane];                        \
                }                                                                                  \
            }                                                                                      \
        }                                                                                          \
    }

/* Every transform for one instruction set (its vector macros defined), and its table entry. */
#define TRANSFORMS23(ISA, TARGET)                                                                  \
    INPUT23(input23_##ISA, TARGET)                                                                 \
    GRADIENT23(gradient23_##ISA, TARGET)                                                           \
    OUTPUT23(output23_##ISA, TARGET)                                                               \
    MULTIPLY23(multiply23_##ISA, TARGET)                                                           \
    WEIGHTS23(weights23_##ISA, multiply23_##ISA, TARGET)                                           \
    WEIGHT_GRADIENT23(weight_gradient23_##ISA, multiply23_##ISA, TARGET)                           \
    static const transforms23 transforms23_##ISA = { input23_##ISA, gradient23_##ISA, output23_##ISA, \
                                                     weights23_##ISA, weight_gradient23_##ISA };

/* G (4 x 3) and G^T (3 x 4) of F(2, 3). */
static const float g23[12] = { 1, 0, 0, 0.5f, 0.5f, 0.5f, 0.5f, -0.5f, 0.5f, 0, 0, 1 };
static const float gt23[12] = { 1, 0.5f, 0.5f, 0, 0, 0.5f, -0.5f, 0, 0, 0.5f, 0.5f, 1 };

/* Row y of a plane (width floats) at offset pad_left in a row of `length` floats, zeros around it. */
static void copy_row(const float *plane, const graft_winograd23 *w, int y, float *row, ptrdiff_t length) {
    if (y < 0 || y >= w->height) { memset(row, 0, sizeof(float) * (size_t)length); return; }
    ptrdiff_t from = 0, to = w->pad_left, count = w->width;
    if (to < 0) { from = -to; count -= from; to = 0; }
    if (to > length) to = length;
    if (to + count > length) count = length - to;
    if (count < 0) count = 0;
    memset(row, 0, sizeof(float) * (size_t)to);
    memcpy(row + to, plane + (ptrdiff_t)y * w->width + from, sizeof(float) * (size_t)count);
    memset(row + to + count, 0, sizeof(float) * (size_t)(length - to - count));
}

/* Row y of an output-gradient plane in a row of `length` floats, zeros after it (all zero past the
 * last row). */
static void copy_output_row(const float *plane, const graft_winograd23 *w, int y, float *row, ptrdiff_t length) {
    if (y >= w->output_height) { memset(row, 0, sizeof(float) * (size_t)length); return; }
    memcpy(row, plane + (ptrdiff_t)y * w->output_width, sizeof(float) * (size_t)w->output_width);
    memset(row + w->output_width, 0, sizeof(float) * (size_t)(length - w->output_width));
}

/* Lanes a vector of tiles from `tile` (of `count` left in its tile row) stores or loads: all of them
 * while the vector stays inside its row of `width` tiles (what passes the tile row belongs to the
 * next one, which is written after it or not read), else only the tiles of the row. */
static inline int lanes_to_store(ptrdiff_t tile, ptrdiff_t width, int count) {
    return tile + 16 <= width ? 16 : count < 16 ? count : 16;
}

#define DEFINE_STORES(TARGET, VEC_T, LANES_N, STOREU_F, LOADU_F)                           \
    /* vectors[i] to rows i of `stride` floats from p, `count` lanes (the rest not written). */    \
    __attribute__((target(TARGET))) static inline void store_vectors_##LANES_N(const VEC_T *vectors, int n, float *p, \
                                                                               ptrdiff_t stride, int count) { \
        if (count >= LANES_N) { for (int i = 0; i < n; i++) STOREU_F(p + i * stride, vectors[i]); return; } \
        float lanes[LANES_N];                                                                      \
        for (int i = 0; i < n; i++) {                                                              \
            STOREU_F(lanes, vectors[i]);                                                           \
            for (int l = 0; l < count; l++) p[i * stride + l] = lanes[l];                          \
        }                                                                                          \
    }                                                                                              \
    /* 16 vectors from rows of `stride` floats, `count` lanes (the rest zero). */                   \
    __attribute__((target(TARGET))) static inline void load_vectors_##LANES_N(const float *p, ptrdiff_t stride, int count, \
                                                                              VEC_T *vectors) {    \
        if (count >= LANES_N) { for (int i = 0; i < 16; i++) vectors[i] = LOADU_F(p + i * stride); return; } \
        float lanes[LANES_N];                                                                      \
        for (int i = 0; i < 16; i++) {                                                             \
            for (int l = 0; l < LANES_N; l++) lanes[l] = l < count ? p[i * stride + l] : 0;        \
            vectors[i] = LOADU_F(lanes);                                                           \
        }                                                                                          \
    }

DEFINE_STORES("avx512f", __m512, 16, _mm512_storeu_ps, _mm512_loadu_ps)
DEFINE_STORES("avx2", __m256, 8, _mm256_storeu_ps, _mm256_loadu_ps)

#define VEC __m512
#define LANES 16
#define ADD _mm512_add_ps
#define SUB _mm512_sub_ps
#define MUL _mm512_mul_ps
#define SET1 _mm512_set1_ps
#define ZERO _mm512_setzero_ps
#define LOADU _mm512_loadu_ps
#define STOREU _mm512_storeu_ps
#define DEINTERLEAVE deinterleave512
#define INTERLEAVE interleave512
#define store_vectors store_vectors_16
#define load_vectors load_vectors_16
TRANSFORMS23(avx512, "avx512f")
#undef VEC
#undef LANES
#undef ADD
#undef SUB
#undef MUL
#undef SET1
#undef ZERO
#undef LOADU
#undef STOREU
#undef DEINTERLEAVE
#undef INTERLEAVE
#undef store_vectors
#undef load_vectors

#define VEC __m256
#define LANES 8
#define ADD _mm256_add_ps
#define SUB _mm256_sub_ps
#define MUL _mm256_mul_ps
#define SET1 _mm256_set1_ps
#define ZERO _mm256_setzero_ps
#define LOADU _mm256_loadu_ps
#define STOREU _mm256_storeu_ps
#define DEINTERLEAVE deinterleave256
#define INTERLEAVE interleave256
#define store_vectors store_vectors_8
#define load_vectors load_vectors_8
TRANSFORMS23(avx2, "avx2")
#undef VEC
#undef LANES
#undef ADD
#undef SUB
#undef MUL
#undef SET1
#undef ZERO
#undef LOADU
#undef STOREU
#undef DEINTERLEAVE
#undef INTERLEAVE
#undef store_vectors
#undef load_vectors

#endif

/* ---- Entry points ------------------------------------------------------------------------------ */

ptrdiff_t graft_winograd23_scratch(const graft_winograd23 *w) {
    return (2 * (ptrdiff_t)w->tiles_high + 2) * graft_winograd23_row_length(w);
}

ptrdiff_t graft_winograd23_row_length(const graft_winograd23 *w) {
    /* Two floats per tile rounded up to whole vectors of the widest set, the last vector's
     * neighbour (+2) and a vector of slack: every load of the vector loops stays inside. */
    const ptrdiff_t tiles = ((ptrdiff_t)w->tiles_wide + 15) / 16 * 16;
    return 2 * tiles + 2 + 32;
}

/* The transforms of `isa`, or NULL (no vector kernels). */
static const transforms23 *transforms_for(graft_simd_isa isa) {
#if defined(__x86_64__) || defined(_M_X64)
    if (isa == GRAFT_SIMD_AVX512) return &transforms23_avx512;
    if (isa == GRAFT_SIMD_AVX2) return &transforms23_avx2;
#endif
    (void)isa;
    return 0;
}

int graft_winograd23_input(graft_simd_isa isa, const float *input, const graft_winograd23 *w, int c0, int c1,
                           float *v, float *scratch) {
    const transforms23 *t = transforms_for(isa);
    if (t) t->input(input, w, c0, c1, v, scratch);
    return t != 0;
}

int graft_winograd23_output_gradient(graft_simd_isa isa, const float *dy, const graft_winograd23 *w, int oc0, int oc1,
                                     float *z, float *scratch) {
    const transforms23 *t = transforms_for(isa);
    if (t) t->gradient(dy, w, oc0, oc1, z, scratch);
    return t != 0;
}

int graft_winograd23_output(graft_simd_isa isa, const float *m, const graft_winograd23 *w, int oc0, int oc1,
                            const float *bias, float *output) {
    const transforms23 *t = transforms_for(isa);
    if (t) t->output(m, w, oc0, oc1, bias, output);
    return t != 0;
}

int graft_winograd23_weights(graft_simd_isa isa, const float *weight, const graft_winograd23_kernels *k, int r0, int r1,
                             float *u) {
    const transforms23 *t = transforms_for(isa);
    if (t) t->weights(weight, k, r0, r1, u);
    return t != 0;
}

int graft_winograd23_weight_gradient(graft_simd_isa isa, const float *du, const graft_winograd23_kernels *k, int oc0,
                                     int oc1, float *weight_gradient) {
    const transforms23 *t = transforms_for(isa);
    if (t) t->weight_gradient(du, k, oc0, oc1, weight_gradient);
    return t != 0;
}
