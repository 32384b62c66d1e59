/* Packing for the panel GEMM: plain and transposed matrices into panels, and im2col from a padded
 * image straight into panels. Plain C; these loops are bound by memory, not arithmetic. */
#include "graft_simd.h"
#include "simd_internal.h"
#include <string.h>

#if defined(__x86_64__) || defined(_M_X64)
/* Whole panels of 32 (AVX-512) or 16 (AVX2) floats per row: a row is two or one full-width
 * moves. A memcpy call per 128-byte row took a tenth of MobileNetV2's batch-1 time. */
__attribute__((target("avx512f")))
static void pack_rows_32(int K, const float *src, ptrdiff_t ld, float *panel) {
    for (int k = 0; k < K; k++) {
        const float *in = src + (ptrdiff_t)k * ld;
        _mm512_storeu_ps(panel + (ptrdiff_t)k * 32, _mm512_loadu_ps(in));
        _mm512_storeu_ps(panel + (ptrdiff_t)k * 32 + 16, _mm512_loadu_ps(in + 16));
    }
}

__attribute__((target("avx")))
static void pack_rows_16(int K, const float *src, ptrdiff_t ld, float *panel) {
    for (int k = 0; k < K; k++) {
        const float *in = src + (ptrdiff_t)k * ld;
        _mm256_storeu_ps(panel + (ptrdiff_t)k * 16, _mm256_loadu_ps(in));
        _mm256_storeu_ps(panel + (ptrdiff_t)k * 16 + 8, _mm256_loadu_ps(in + 8));
    }
}

/* panel[(k0 + r) * width + j0 + c] = src[(j0 + c) * ld + k0 + r] for an 8 x 8 block (r, c < 8):
 * eight rows of the stored matrix transposed in registers. The element-by-element loop ran the
 * transposed products' packing (weight gradients, X · Wᵀ) at a few floats per cycle. */
__attribute__((target("avx"))) static inline void transpose_block(const float *src, ptrdiff_t ld, float *dst, ptrdiff_t width) {
    __m256 r[8];
    for (int i = 0; i < 8; i++) r[i] = _mm256_loadu_ps(src + i * ld);
    transpose8x8(r);
    for (int i = 0; i < 8; i++) _mm256_storeu_ps(dst + i * width, r[i]);
}

/* The whole 8 x 8 blocks of one panel (count columns, K rows); returns the rows of K done. */
__attribute__((target("avx"))) static int pack_columns_blocks(int K, int count, const float *src, ptrdiff_t ld,
                                                              int width, float *panel) {
    const int whole = K / 8 * 8, columns = count / 8 * 8;
    for (int k0 = 0; k0 < whole; k0 += 8)
        for (int j0 = 0; j0 < columns; j0 += 8)
            transpose_block(src + (ptrdiff_t)j0 * ld + k0, ld, panel + (ptrdiff_t)k0 * width + j0, width);
    return whole;
}

static int has_avx(void) {
    static int known = -1;
    if (known < 0) known = __builtin_cpu_supports("avx") ? 1 : 0;
    return known;
}
#endif

void graft_simd_pack_rows(int K, int N, const float *src, ptrdiff_t ld, int width,
                          float *dst, ptrdiff_t panel_stride) {
    for (int n0 = 0; n0 < N; n0 += width) {
        const int count = N - n0 < width ? N - n0 : width;
        float *panel = dst + (ptrdiff_t)(n0 / width) * panel_stride;
#if defined(__x86_64__) || defined(_M_X64)
        /* Panels of 32 exist only where AVX-512 runs them, of 16 only with AVX2. */
        if (count == 32 && width == 32) { pack_rows_32(K, src + n0, ld, panel); continue; }
        if (count == 16 && width == 16) { pack_rows_16(K, src + n0, ld, panel); continue; }
#endif
        for (int k = 0; k < K; k++) {
            float *out = panel + (ptrdiff_t)k * width;
            memcpy(out, src + (ptrdiff_t)k * ld + n0, (size_t)count * sizeof(float));
            if (count < width) memset(out + count, 0, (size_t)(width - count) * sizeof(float));
        }
    }
}

void graft_simd_pack_columns(int K, int N, const float *src, ptrdiff_t ld, int width,
                             float *dst, ptrdiff_t panel_stride) {
    for (int n0 = 0; n0 < N; n0 += width) {
        const int count = N - n0 < width ? N - n0 : width;
        float *panel = dst + (ptrdiff_t)(n0 / width) * panel_stride;
        /* Whole 8 x 8 blocks transposed in registers; the rest (columns past the last multiple of
         * 8, rows of K past the last multiple of 8, padding) element by element. */
        int blocked_rows = 0, blocked_columns = 0;
#if defined(__x86_64__) || defined(_M_X64)
        if (has_avx() && width % 8 == 0) {
            blocked_rows = pack_columns_blocks(K, count, src + (ptrdiff_t)n0 * ld, ld, width, panel);
            blocked_columns = count / 8 * 8;
        }
#endif
        /* Blocks of 8 rows of K so that the reads stay sequential and the writes stay in cache. */
        for (int k0 = 0; k0 < K; k0 += 8) {
            const int rows = K - k0 < 8 ? K - k0 : 8;
            for (int j = k0 < blocked_rows ? blocked_columns : 0; j < count; j++) {
                const float *in = src + (ptrdiff_t)(n0 + j) * ld + k0;
                for (int r = 0; r < rows; r++) panel[(ptrdiff_t)(k0 + r) * width + j] = in[r];
            }
            for (int r = 0; r < rows; r++) {
                for (int j = count; j < width; j++) panel[(ptrdiff_t)(k0 + r) * width + j] = 0;
            }
        }
    }
}

void graft_simd_padded_size(const graft_simd_patches *g, int *height, int *width) {
    *height = g->output_height > 0 ? (g->output_height - 1) * g->stride_height + (g->kernel_height - 1) * g->dilation_height + 1 : 0;
    *width = g->output_width > 0 ? (g->output_width - 1) * g->stride_width + (g->kernel_width - 1) * g->dilation_width + 1 : 0;
}

void graft_simd_pad(const float *image, const graft_simd_patches *g, float *padded) {
    int ph, pw;
    graft_simd_padded_size(g, &ph, &pw);
    /* Image columns [x0, x1) land at padded columns [x0 + pad_left, x1 + pad_left). */
    int x0 = -g->pad_left > 0 ? -g->pad_left : 0;
    int x1 = pw - g->pad_left < g->width ? pw - g->pad_left : g->width;
    if (x1 < x0) x1 = x0;
    for (int c = 0; c < g->channels; c++) {
        const float *plane = image + (ptrdiff_t)c * g->height * g->width;
        float *out = padded + (ptrdiff_t)c * ph * pw;
        for (int y = 0; y < ph; y++) {
            float *row = out + (ptrdiff_t)y * pw;
            const int source = y - g->pad_top;
            if (source < 0 || source >= g->height || x1 == x0) {
                memset(row, 0, (size_t)pw * sizeof(float));
                continue;
            }
            const int first = x0 + g->pad_left, last = x1 + g->pad_left;
            memset(row, 0, (size_t)first * sizeof(float));
            memcpy(row + first, plane + (ptrdiff_t)source * g->width + x0, (size_t)(x1 - x0) * sizeof(float));
            memset(row + last, 0, (size_t)(pw - last) * sizeof(float));
        }
    }
}

#if defined(__x86_64__) || defined(_M_X64)
/* The same copy with vector moves: each padded row is zeroed, the image row copied over it and
 * its right pad zeroed again, every store full width (running into the rows after it, written
 * later) except one that would pass the end of the padded image, which is masked; likewise
 * a load that would pass the end of the image. Three library calls per row cost more than the
 * copy on 7- to 56-wide maps (ResNet-50 at batch 1: 7% of its time). */
__attribute__((target("avx512f")))
void graft_pad_avx512(const float *image, const graft_simd_patches *g, float *padded) {
    int ph, pw;
    graft_simd_padded_size(g, &ph, &pw);
    const float *image_end = image + (ptrdiff_t)g->channels * g->height * g->width;
    float *padded_end = padded + (ptrdiff_t)g->channels * ph * pw;
    int x0 = -g->pad_left > 0 ? -g->pad_left : 0;
    int x1 = pw - g->pad_left < g->width ? pw - g->pad_left : g->width;
    if (x1 < x0) x1 = x0;
    const int first = x0 + g->pad_left, last = x1 + g->pad_left;
    const __m512 zero = _mm512_setzero_ps();
#define STORE512(p, v) do { float *at_ = (p); if (at_ + 16 <= padded_end) _mm512_storeu_ps(at_, v); \
                            else _mm512_mask_storeu_ps(at_, lanes16((int)(padded_end - at_)), v); } while (0)
    for (int c = 0; c < g->channels; c++) {
        const float *plane = image + (ptrdiff_t)c * g->height * g->width;
        for (int y = 0; y < ph; y++) {
            float *row = padded + ((ptrdiff_t)c * ph + y) * pw;
            const int source = y - g->pad_top;
            if (source < 0 || source >= g->height || x1 == x0) {
                for (int x = 0; x < pw; x += 16) STORE512(row + x, zero);
                continue;
            }
            for (int x = 0; x < first; x += 16) STORE512(row + x, zero);
            const float *from = plane + (ptrdiff_t)source * g->width + x0;
            for (int x = 0; x < x1 - x0; x += 16) {
                const __m512 v = from + x + 16 <= image_end ? _mm512_loadu_ps(from + x)
                                                            : _mm512_maskz_loadu_ps(lanes16(x1 - x0 - x), from + x);
                STORE512(row + first + x, v);
            }
            for (int x = last; x < pw; x += 16) STORE512(row + x, zero);
        }
    }
#undef STORE512
}

__attribute__((target("avx2")))
void graft_pad_avx2(const float *image, const graft_simd_patches *g, float *padded) {
    int ph, pw;
    graft_simd_padded_size(g, &ph, &pw);
    const float *image_end = image + (ptrdiff_t)g->channels * g->height * g->width;
    float *padded_end = padded + (ptrdiff_t)g->channels * ph * pw;
    int x0 = -g->pad_left > 0 ? -g->pad_left : 0;
    int x1 = pw - g->pad_left < g->width ? pw - g->pad_left : g->width;
    if (x1 < x0) x1 = x0;
    const int first = x0 + g->pad_left, last = x1 + g->pad_left;
    const __m256 zero = _mm256_setzero_ps();
#define STORE256(p, v) do { float *at_ = (p); if (at_ + 8 <= padded_end) _mm256_storeu_ps(at_, v); \
                            else _mm256_maskstore_ps(at_, lanes8((int)(padded_end - at_)), v); } while (0)
    for (int c = 0; c < g->channels; c++) {
        const float *plane = image + (ptrdiff_t)c * g->height * g->width;
        for (int y = 0; y < ph; y++) {
            float *row = padded + ((ptrdiff_t)c * ph + y) * pw;
            const int source = y - g->pad_top;
            if (source < 0 || source >= g->height || x1 == x0) {
                for (int x = 0; x < pw; x += 8) STORE256(row + x, zero);
                continue;
            }
            for (int x = 0; x < first; x += 8) STORE256(row + x, zero);
            const float *from = plane + (ptrdiff_t)source * g->width + x0;
            for (int x = 0; x < x1 - x0; x += 8) {
                const __m256 v = from + x + 8 <= image_end ? _mm256_loadu_ps(from + x)
                                                           : _mm256_maskload_ps(from + x, lanes8(x1 - x0 - x));
                STORE256(row + first + x, v);
            }
            for (int x = last; x < pw; x += 8) STORE256(row + x, zero);
        }
    }
#undef STORE256
}
#endif

void graft_simd_pad_isa(graft_simd_isa isa, const float *image, const graft_simd_patches *g, float *padded) {
#if defined(__x86_64__) || defined(_M_X64)
    if (isa == GRAFT_SIMD_AVX512) { graft_pad_avx512(image, g, padded); return; }
    if (isa == GRAFT_SIMD_AVX2) { graft_pad_avx2(image, g, padded); return; }
#endif
    graft_simd_pad(image, g, padded);
}

/* One output row's stretch inside a panel: `count` pixels from (row, column), at panel offset `at`. */
typedef struct { int row, column, count, at; } run;

/* The runs of the panel starting at pixel p0 (count pixels); returns how many. */
static int panel_runs(const graft_simd_patches *g, int p0, int count, run *runs) {
    int n = 0;
    for (int at = 0; at < count;) {
        const int p = p0 + at;
        const int oh = p / g->output_width, ow = p % g->output_width;
        int length = g->output_width - ow;
        if (length > count - at) length = count - at;
        runs[n++] = (run){ oh * g->stride_height, ow * g->stride_width, length, at };
        at += length;
    }
    return n;
}

/* The padded plane offset of column row k = (c, i, j). */
static inline ptrdiff_t window_offset(const graft_simd_patches *g, int ph, int pw, int c, int i, int j) {
    return ((ptrdiff_t)c * ph + (ptrdiff_t)i * g->dilation_height) * pw + (ptrdiff_t)j * g->dilation_width;
}

/* Visits every run of every column row of panels [first, first + panels) (stored from dst on): `PANEL` once per panel (with `runs`, `n`
 * and `count` known), then `RUN` with `in` (the run's first tap in the padded image), `to` (its
 * place in the panel), `r` and `length`. The tail of a partial panel is zeroed. */
#define FOR_EACH_RUN(PANEL, RUN)                                                                   \
    const int area = g->output_height * g->output_width;                                           \
    const int p_end = (first + panels) * width < area ? (first + panels) * width : area;          \
    run runs[64];                                                                                  \
    for (int p0 = first * width; p0 < p_end; p0 += width) {                                        \
        const int count = area - p0 < width ? area - p0 : width;                                   \
        float *panel = dst + (ptrdiff_t)(p0 / width - first) * panel_stride;                       \
        const int n = panel_runs(g, p0, count, runs);                                              \
        PANEL                                                                                      \
        int k = 0;                                                                                 \
        for (int c = 0; c < g->channels; c++) {                                                    \
            for (int i = 0; i < g->kernel_height; i++) {                                           \
                for (int j = 0; j < g->kernel_width; j++, k++) {                                   \
                    const float *window = padded + window_offset(g, ph, pw, c, i, j);              \
                    float *out = panel + (ptrdiff_t)k * width;                                     \
                    for (int t = count; t < width; t++) out[t] = 0;                                \
                    for (int r = 0; r < n; r++) {                                                  \
                        const float *in = window + (ptrdiff_t)runs[r].row * pw + runs[r].column;   \
                        float *to = out + runs[r].at;                                              \
                        const int length = runs[r].count;                                          \
                        RUN                                                                        \
                    }                                                                              \
                }                                                                                  \
            }                                                                                      \
        }                                                                                          \
    }

#if defined(__x86_64__) || defined(_M_X64)
#include <immintrin.h>

/* Stride 1 with AVX-512: each run is one or two masked 16-float copies. The runs (and their
 * masks) are the same for every column row of a panel, so they are worked out once per panel. */
__attribute__((target("avx512f")))
static void im2col_panels_avx512(const float *padded, const graft_simd_patches *g, int width,
                                 int first, int panels, float *dst, ptrdiff_t panel_stride, int ph, int pw) {
    __mmask16 masks[64][4];
    FOR_EACH_RUN(
        for (int r = 0; r < n; r++) {
            for (int q = 0; q < 4; q++) {
                const int left = runs[r].count - 16 * q;
                masks[r][q] = lanes16(left);
            }
        },
        (void)length;
        for (int q = 0; q < 4 && masks[r][q]; q++) {
            _mm512_mask_storeu_ps(to + 16 * q, masks[r][q], _mm512_maskz_loadu_ps(masks[r][q], in + 16 * q));
        })
}

/* Stride 1 with AVX2: whole 8-float vectors, then single floats (AVX2's masked stores are slow
 * on AMD). */
__attribute__((target("avx2")))
static void im2col_panels_avx2(const float *padded, const graft_simd_patches *g, int width,
                               int first, int panels, float *dst, ptrdiff_t panel_stride, int ph, int pw) {
    FOR_EACH_RUN(,
        int t = 0;
        for (; t + 8 <= length; t += 8) _mm256_storeu_ps(to + t, _mm256_loadu_ps(in + t));
        for (; t < length; t++) to[t] = in[t];)
}
#endif

/* Any stride, one float at a time. */
static void im2col_panels_scalar(const float *padded, const graft_simd_patches *g, int width,
                                 int first, int panels, float *dst, ptrdiff_t panel_stride, int ph, int pw) {
    const ptrdiff_t stride = g->stride_width;
    FOR_EACH_RUN(,
        for (int t = 0; t < length; t++) to[t] = in[(ptrdiff_t)t * stride];)
}

void graft_simd_im2col_panel_range(graft_simd_isa isa, const float *padded, const graft_simd_patches *g,
                                   int first, int panels, float *dst, ptrdiff_t panel_stride) {
    int ph, pw;
    graft_simd_padded_size(g, &ph, &pw);
    const int width = graft_simd_panel_width(isa);
    if (width <= 0 || first < 0 || panels <= 0) return;
#if defined(__x86_64__) || defined(_M_X64)
    if (g->stride_width == 1 && isa == GRAFT_SIMD_AVX512) {
        im2col_panels_avx512(padded, g, width, first, panels, dst, panel_stride, ph, pw);
        return;
    }
    if (g->stride_width == 1 && isa == GRAFT_SIMD_AVX2) {
        im2col_panels_avx2(padded, g, width, first, panels, dst, panel_stride, ph, pw);
        return;
    }
#endif
    im2col_panels_scalar(padded, g, width, first, panels, dst, panel_stride, ph, pw);
}

void graft_simd_im2col_panels(graft_simd_isa isa, const float *padded, const graft_simd_patches *g,
                              float *dst, ptrdiff_t panel_stride) {
    const int width = graft_simd_panel_width(isa);
    if (width <= 0) return;
    const int area = g->output_height * g->output_width;
    graft_simd_im2col_panel_range(isa, padded, g, 0, (area + width - 1) / width, dst, panel_stride);
}
