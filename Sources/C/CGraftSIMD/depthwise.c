/* Depthwise convolution (one input plane per output plane: MobileNet, EfficientNet).
 *
 * graft_simd_depthwise_planes (below, "the direct form") reads each plane where it lies and covers
 * strides 1 and 2 across: a chunk of output rows x vectors of outputs sums its taps in registers,
 * each tap's vector cut from a few loads of the input row by permutes (AVX-512: from any two
 * vectors; AVX2: within 128-bit halves, windows of 3 or 5), the activation applied as it is
 * stored. graft_simd_depthwise (first) is the general fallback over a padded plane: sixteen or
 * eight outputs of one row per register, one load, a permute or a gather (other strides, AVX-512)
 * per tap. Both add the taps to the bias in row-major window order. */
#include "graft_simd.h"
#include "simd_internal.h"

#if defined(__x86_64__) || defined(_M_X64)
#include <immintrin.h>

/* The taps of 16 outputs from x (see depthwise_avx512). */
__attribute__((target("avx512f")))
static inline __m512 avx512_taps(const float *x, int sw, const float *padded_end, __mmask16 outputs, __m512i even, __m512i taps) {
    /* Lanes past the output row read whatever follows in the padded plane (never stored); only at
     * the plane's end are the loads masked. */
    if (sw == 1) return x + 16 <= padded_end ? _mm512_loadu_ps(x) : _mm512_maskz_loadu_ps(outputs, x);
    if (sw == 2) {
        const __m512 lo = x + 16 <= padded_end ? _mm512_loadu_ps(x) : _mm512_maskz_loadu_ps(lanes16((int)(padded_end - x)), x);
        const __m512 hi = x + 32 <= padded_end ? _mm512_loadu_ps(x + 16)
                                               : _mm512_maskz_loadu_ps(lanes16((int)(padded_end - x - 16)), x + 16);
        return _mm512_permutex2var_ps(lo, even, hi);
    }
    return _mm512_mask_i32gather_ps(_mm512_setzero_ps(), outputs, taps, x, 4);
}

/* V vectors of 16 outputs from `row0` (the window's first tap for output ow0) with plain loads
 * (LOAD: stride 1 or 2), V independent FMA chains, V plain stores: the caller has checked that
 * every load lies in the padded plane and every store in the output plane. */
#define DEPTHWISE_CHUNK(V, LOAD)                                                                    \
    {                                                                                              \
        __m512 sum[V];                                                                             \
        UNROLL for (int v = 0; v < V; v++) sum[v] = _mm512_set1_ps(bias);                          \
        const float *w = kernel;                                                                   \
        for (int i = 0; i < kh; i++) {                                                             \
            const float *x = row0 + (ptrdiff_t)i * row_step;                                       \
            for (int j = 0; j < kw; j++, w++, x += dw) {                                           \
                const __m512 weight = _mm512_set1_ps(*w);                                          \
                UNROLL for (int v = 0; v < V; v++) sum[v] = _mm512_fmadd_ps(weight, LOAD(x + 16 * v * sw), sum[v]); \
            }                                                                                      \
        }                                                                                          \
        UNROLL for (int v = 0; v < V; v++) _mm512_storeu_ps(out + ow0 + 16 * v, sum[v]);           \
    }

#define LOAD_STRIDE1(p) _mm512_loadu_ps(p)
#define LOAD_STRIDE2(p) _mm512_permutex2var_ps(_mm512_loadu_ps(p), even, _mm512_loadu_ps((p) + 16))

__attribute__((target("avx512f")))
static void depthwise_avx512(const float *padded, int ph, int pw, const graft_simd_patches *g,
                             const float *kernel, float bias, float *output) {
    const int ow_count = g->output_width, sw = g->stride_width, kh = g->kernel_height, kw = g->kernel_width;
    const ptrdiff_t row_step = (ptrdiff_t)g->dilation_height * pw, dw = g->dilation_width;
    const float *padded_end = padded + (ptrdiff_t)ph * pw;
    float *output_end = output + (ptrdiff_t)g->output_height * ow_count;
    const __m512i even = _mm512_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
    const __m512i taps = _mm512_mullo_epi32(_mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15),
                                            _mm512_set1_epi32(sw));
    /* Floats the last tap row reads past its first tap, for V vectors. */
    const ptrdiff_t reach = (ptrdiff_t)(kh - 1) * row_step + (ptrdiff_t)(kw - 1) * dw;
    for (int oh = 0; oh < g->output_height; oh++) {
        float *out = output + (ptrdiff_t)oh * ow_count;
        const float *row_start = padded + (ptrdiff_t)oh * g->stride_height * pw;
        for (int ow0 = 0; ow0 < ow_count;) {
            int V = (ow_count - ow0 + 15) / 16;
            if (V > 4) V = 4;
            const float *row0 = row_start + (ptrdiff_t)ow0 * sw;
            /* Lanes past the output row compute garbage from what follows in the padded plane and
             * store it into the next rows, which are written after this one. */
            const int fast = (sw == 1 || sw == 2) && row0 + reach + (ptrdiff_t)16 * V * sw <= padded_end
                             && out + ow0 + 16 * V <= output_end;
            if (fast && sw == 1) {
                switch (V) {
                case 4: DEPTHWISE_CHUNK(4, LOAD_STRIDE1) break;
                case 3: DEPTHWISE_CHUNK(3, LOAD_STRIDE1) break;
                case 2: DEPTHWISE_CHUNK(2, LOAD_STRIDE1) break;
                default: DEPTHWISE_CHUNK(1, LOAD_STRIDE1) break;
                }
                ow0 += 16 * V;
                continue;
            }
            if (fast) {
                switch (V) {
                case 4: DEPTHWISE_CHUNK(4, LOAD_STRIDE2) break;
                case 3: DEPTHWISE_CHUNK(3, LOAD_STRIDE2) break;
                case 2: DEPTHWISE_CHUNK(2, LOAD_STRIDE2) break;
                default: DEPTHWISE_CHUNK(1, LOAD_STRIDE2) break;
                }
                ow0 += 16 * V;
                continue;
            }
            /* The plane's last outputs (or other strides): one vector, loads masked at the end. */
            const __mmask16 outputs = lanes16(ow_count - ow0);
            __m512 sum = _mm512_set1_ps(bias);
            const float *w = kernel;
            for (int i = 0; i < kh; i++) {
                for (int j = 0; j < kw; j++, w++) {
                    const float *x = row0 + (ptrdiff_t)i * row_step + (ptrdiff_t)j * dw;
                    sum = _mm512_fmadd_ps(_mm512_set1_ps(*w), avx512_taps(x, sw, padded_end, outputs, even, taps), sum);
                }
            }
            if (out + ow0 + 16 <= output_end) _mm512_storeu_ps(out + ow0, sum);
            else _mm512_mask_storeu_ps(out + ow0, outputs, sum);
            ow0 += 16;
        }
    }
}

__attribute__((target("avx2,fma")))
static void depthwise_avx2(const float *padded, int ph, int pw, const graft_simd_patches *g,
                           const float *kernel, float bias, float *output) {
    const int ow_count = g->output_width, sw = g->stride_width;
    const float *padded_end = padded + (ptrdiff_t)ph * pw;
    for (int oh = 0; oh < g->output_height; oh++) {
        float *out = output + (ptrdiff_t)oh * ow_count;
        for (int ow0 = 0; ow0 < ow_count; ow0 += 8) {
            __m256 sum = _mm256_set1_ps(bias);
            const float *w = kernel;
            for (int i = 0; i < g->kernel_height; i++) {
                const float *row = padded + (ptrdiff_t)(oh * g->stride_height + i * g->dilation_height) * pw
                                   + (ptrdiff_t)ow0 * sw;
                for (int j = 0; j < g->kernel_width; j++, w++) {
                    const float *x = row + (ptrdiff_t)j * g->dilation_width;
                    __m256 v;
                    if (x + 8 * sw <= padded_end) {
                        if (sw == 1) {
                            v = _mm256_loadu_ps(x);
                        } else {
                            /* Even lanes of 16 floats, in order. */
                            const __m256 even = _mm256_shuffle_ps(_mm256_loadu_ps(x), _mm256_loadu_ps(x + 8), _MM_SHUFFLE(2, 0, 2, 0));
                            v = _mm256_castpd_ps(_mm256_permute4x64_pd(_mm256_castps_pd(even), _MM_SHUFFLE(3, 1, 2, 0)));
                        }
                    } else {
                        /* The plane's last floats: one at a time, zero past its end. */
                        float lanes[8];
                        for (int t = 0; t < 8; t++) lanes[t] = x + (ptrdiff_t)t * sw < padded_end ? x[(ptrdiff_t)t * sw] : 0;
                        v = _mm256_loadu_ps(lanes);
                    }
                    sum = _mm256_fmadd_ps(_mm256_set1_ps(*w), v, sum);
                }
            }
            const int count = ow_count - ow0 < 8 ? ow_count - ow0 : 8;
            if (count == 8) {
                _mm256_storeu_ps(out + ow0, sum);
            } else {
                float values[8];
                _mm256_storeu_ps(values, sum);
                for (int t = 0; t < count; t++) out[ow0 + t] = values[t];
            }
        }
    }
}

/* ---- The direct form: each plane read where it lies, no padded copy and no copy-out. A chunk is
 * R output rows x V vectors of outputs (R * V independent FMA chains whatever the plane's width:
 * rows of 7 or 14 outputs ran one chain each and waited on FMA latency). DIRECT512/256 below load
 * every tap; SHIFTED, ROWWISE and HALVED (further down) cut taps from shared loads and take over
 * for the common windows. The window's
 * columns outside the plane are masked out of the loads (masked lanes read nothing and are zero),
 * its rows outside the plane read through an empty mask; lanes and rows past the output are
 * computed from nothing and not stored. Per output the taps are still added in row-major window
 * order, from the bias, so the sums equal the padded form's. Stride 2 across takes the even lanes
 * of two loads; only the outputs' own columns are computed (the padded-width form computed, and
 * dropped, the odd ones too). */
enum { DIRECT_MAX_KERNEL_WIDTH = 16, DIRECT_MAX_WEIGHTS = 49 };

/* Bits r < n with 0 <= s + r < width: which of n floats from column s lie in a row of the plane. */
static inline unsigned row_lanes(ptrdiff_t s, int n, int width) {
    const ptrdiff_t lo = s < 0 ? -s : 0, hi = width - s < n ? width - s : n;
    if (hi <= lo) return 0;
    return (unsigned)(((1ull << hi) - 1) & ~((1ull << lo) - 1));
}

/* A chunk's outputs, activated, stored through masks (rows and lanes past the output are not). */
#define STORE512(R, V)                                                                             \
    UNROLL for (int r = 0; r < R; r++) {                                                           \
        if (oh0 + r >= oh_count) break;                                                            \
        float *out = output + (ptrdiff_t)(oh0 + r) * ow_count + ow0;                               \
        UNROLL for (int v = 0; v < V; v++) {                                                       \
            __m512 y = sum[r][v];                                                                  \
            if (relu) y = relu512(y, slope, ceiling, threshold);                                   \
            _mm512_mask_storeu_ps(out + 16 * v, lanes16(ow_count - ow0 - 16 * v), y);              \
        }                                                                                          \
    }

#define DIRECT512(R, V, SW)                                                                        \
    {                                                                                              \
        __mmask16 lo[DIRECT_MAX_KERNEL_WIDTH][V], hi[DIRECT_MAX_KERNEL_WIDTH][V];                  \
        for (int j = 0; j < kw; j++) {                                                             \
            UNROLL for (int v = 0; v < V; v++) {                                                   \
                const ptrdiff_t s = (ptrdiff_t)(ow0 + 16 * v) * SW - g->pad_left + (ptrdiff_t)j * dw; \
                lo[j][v] = (__mmask16)row_lanes(s, 16, width);                                     \
                hi[j][v] = (__mmask16)row_lanes(s + 16, 16, width);                                \
            }                                                                                      \
        }                                                                                          \
        __m512 sum[R][V];                                                                          \
        UNROLL for (int r = 0; r < R; r++) UNROLL for (int v = 0; v < V; v++) sum[r][v] = _mm512_set1_ps(bias); \
        const float *w = kernel;                                                                   \
        for (int i = 0; i < kh; i++) {                                                             \
            const float *row[R];                                                                   \
            __mmask16 inside[R];                                                                   \
            UNROLL for (int r = 0; r < R; r++) {                                                   \
                const int ih = (oh0 + r) * g->stride_height - g->pad_top + i * g->dilation_height; \
                inside[r] = ih >= 0 && ih < height && oh0 + r < oh_count ? 0xFFFF : 0;             \
                row[r] = image + (ptrdiff_t)(inside[r] ? ih : 0) * width - g->pad_left;             \
            }                                                                                      \
            for (int j = 0; j < kw; j++, w++) {                                                    \
                const __m512 weight = _mm512_set1_ps(*w);                                          \
                UNROLL for (int v = 0; v < V; v++) {                                               \
                    const ptrdiff_t s = (ptrdiff_t)(ow0 + 16 * v) * SW + (ptrdiff_t)j * dw;         \
                    UNROLL for (int r = 0; r < R; r++) {                                           \
                        const float *x = row[r] + s;                                               \
                        __m512 taps = _mm512_maskz_loadu_ps(lo[j][v] & inside[r], x);              \
                        if (SW == 2)                                                               \
                            taps = _mm512_permutex2var_ps(taps, even, _mm512_maskz_loadu_ps(hi[j][v] & inside[r], x + 16)); \
                        sum[r][v] = _mm512_fmadd_ps(weight, taps, sum[r][v]);                      \
                    }                                                                              \
                }                                                                                  \
            }                                                                                      \
        }                                                                                          \
        STORE512(R, V)                                                                             \
    }

/* Stride 1 across with a window at most 17 columns wide: each tap row's inputs for a chunk are
 * V + 1 loads per output row, and each tap's vector is cut from two of them by a permute
 * (`shift[j]`: lanes j * dw .. j * dw + 15 of the pair; the first tap is the first load) instead of a load of its own: the
 * per-tap loads straddled cache lines and bounded the loop. Same sums in the same order. */
#define SHIFTED512(R, V)                                                                           \
    {                                                                                              \
        __mmask16 span[V + 1];                                                                     \
        UNROLL for (int v = 0; v <= V; v++) span[v] = (__mmask16)row_lanes((ptrdiff_t)ow0 - g->pad_left + 16 * v, 16, width); \
        __m512 sum[R][V];                                                                          \
        UNROLL for (int r = 0; r < R; r++) UNROLL for (int v = 0; v < V; v++) sum[r][v] = _mm512_set1_ps(bias); \
        const float *w = kernel;                                                                   \
        for (int i = 0; i < kh; i++, w += kw) {                                                    \
            __m512 in[R][V + 1];                                                                   \
            UNROLL for (int r = 0; r < R; r++) {                                                   \
                const int ih = (oh0 + r) * g->stride_height - g->pad_top + i * g->dilation_height; \
                const int inside = ih >= 0 && ih < height && oh0 + r < oh_count;                   \
                const float *x = image + (ptrdiff_t)(inside ? ih : 0) * width + ow0 - g->pad_left;  \
                UNROLL for (int v = 0; v <= V; v++) in[r][v] = _mm512_maskz_loadu_ps(inside ? span[v] : 0, x + 16 * v); \
            }                                                                                      \
            const __m512 first = _mm512_set1_ps(w[0]);                                             \
            UNROLL for (int r = 0; r < R; r++) UNROLL for (int v = 0; v < V; v++)                  \
                sum[r][v] = _mm512_fmadd_ps(first, in[r][v], sum[r][v]);                           \
            for (int j = 1; j < kw; j++) {                                                         \
                const __m512 weight = _mm512_set1_ps(w[j]);                                        \
                const __m512i cut = shift[j];                                                      \
                UNROLL for (int r = 0; r < R; r++) UNROLL for (int v = 0; v < V; v++)              \
                    sum[r][v] = _mm512_fmadd_ps(weight, _mm512_permutex2var_ps(in[r][v], cut, in[r][v + 1]), sum[r][v]); \
            }                                                                                      \
        }                                                                                          \
        STORE512(R, V)                                                                             \
    }

/* Stride and dilation 1 down as well: a chunk's R + kh - 1 input rows are each loaded once
 * (V + 1 loads), each tap's vector cut once and added to every output row it reaches, the
 * weights broadcast once per plane. Per output the taps still come in row-major order. */
#define ROWWISE512(R, V)                                                                           \
    {                                                                                              \
        __mmask16 span[V + 1];                                                                     \
        UNROLL for (int v = 0; v <= V; v++) span[v] = (__mmask16)row_lanes((ptrdiff_t)ow0 - g->pad_left + 16 * v, 16, width); \
        __m512 sum[R][V];                                                                          \
        UNROLL for (int r = 0; r < R; r++) UNROLL for (int v = 0; v < V; v++) sum[r][v] = _mm512_set1_ps(bias); \
        for (int q = 0; q < R + kh - 1; q++) {                                                     \
            const int ih = oh0 + q - g->pad_top;                                                   \
            if (ih < 0 || ih >= height) continue;                                                  \
            const float *x = image + (ptrdiff_t)ih * width + ow0 - g->pad_left;                    \
            __m512 in[V + 1];                                                                      \
            UNROLL for (int v = 0; v <= V; v++) in[v] = _mm512_maskz_loadu_ps(span[v], x + 16 * v); \
            for (int j = 0; j < kw; j++) {                                                         \
                __m512 tap[V];                                                                     \
                UNROLL for (int v = 0; v < V; v++)                                                 \
                    tap[v] = j == 0 ? in[v] : _mm512_permutex2var_ps(in[v], shift[j], in[v + 1]);  \
                UNROLL for (int r = 0; r < R; r++) {                                               \
                    const int i = q - r;                                                           \
                    if (i < 0 || i >= kh || oh0 + r >= oh_count) continue;                         \
                    const __m512 weight = weights[i * kw + j];                                     \
                    UNROLL for (int v = 0; v < V; v++) sum[r][v] = _mm512_fmadd_ps(weight, tap[v], sum[r][v]); \
                }                                                                                  \
            }                                                                                      \
        }                                                                                          \
        STORE512(R, V)                                                                             \
    }

#define ROWWISE512_PLANE(R, V)                                                                     \
    for (int oh0 = 0; oh0 < oh_count; oh0 += R)                                                    \
        for (int ow0 = 0; ow0 < ow_count; ow0 += 16 * V) ROWWISE512(R, V)

#define SHIFTED512_PLANE(R, V)                                                                     \
    for (int oh0 = 0; oh0 < oh_count; oh0 += R)                                                    \
        for (int ow0 = 0; ow0 < ow_count; ow0 += 16 * V) SHIFTED512(R, V)

/* Stride 2 across, dilation 1: a tap row's inputs for V vectors of outputs are 2V + 2 loads, split
 * once into even and odd lanes (E, O: inputs 2l and 2l + 1 of each vector); tap j is E (j even) or
 * O (j odd) moved on by j / 2 lanes into the next vector's, one permute (none for taps 0 and 1).
 * A tap used to cost two loads and a permute of its own. Same sums in the same order. */
#define HALVED512(R, V)                                                                            \
    {                                                                                              \
        const ptrdiff_t base = 2 * (ptrdiff_t)ow0 - g->pad_left;                                   \
        __mmask16 span[2 * V + 2];                                                                 \
        UNROLL for (int u = 0; u < 2 * V + 2; u++) span[u] = (__mmask16)row_lanes(base + 16 * u, 16, width); \
        __m512 sum[R][V];                                                                          \
        UNROLL for (int r = 0; r < R; r++) UNROLL for (int v = 0; v < V; v++) sum[r][v] = _mm512_set1_ps(bias); \
        for (int i = 0; i < kh; i++) {                                                             \
            const float *w = kernel + i * kw;                                                      \
            UNROLL for (int r = 0; r < R; r++) {                                                   \
                const int ih = (oh0 + r) * g->stride_height - g->pad_top + i * g->dilation_height; \
                if (ih < 0 || ih >= height || oh0 + r >= oh_count) continue;                       \
                const float *x = image + (ptrdiff_t)ih * width + base;                             \
                __m512 e[V + 1], o[V + 1];                                                         \
                UNROLL for (int v = 0; v <= V; v++) {                                              \
                    const __m512 a = _mm512_maskz_loadu_ps(span[2 * v], x + 32 * v);              \
                    const __m512 b = _mm512_maskz_loadu_ps(span[2 * v + 1], x + 32 * v + 16);     \
                    e[v] = _mm512_permutex2var_ps(a, even, b);                                     \
                    o[v] = _mm512_permutex2var_ps(a, odd, b);                                      \
                }                                                                                  \
                for (int j = 0; j < kw; j++) {                                                     \
                    const __m512 weight = _mm512_set1_ps(w[j]);                                    \
                    if (j < 2) {                                                                   \
                        UNROLL for (int v = 0; v < V; v++) sum[r][v] = _mm512_fmadd_ps(weight, j ? o[v] : e[v], sum[r][v]); \
                    } else {                                                                       \
                        const __m512i cut = shift[j / 2];                                          \
                        UNROLL for (int v = 0; v < V; v++) {                                       \
                            const __m512 tap = j & 1 ? _mm512_permutex2var_ps(o[v], cut, o[v + 1]) \
                                                     : _mm512_permutex2var_ps(e[v], cut, e[v + 1]); \
                            sum[r][v] = _mm512_fmadd_ps(weight, tap, sum[r][v]);                   \
                        }                                                                          \
                    }                                                                              \
                }                                                                                  \
            }                                                                                      \
        }                                                                                          \
        STORE512(R, V)                                                                             \
    }

#define HALVED512_PLANE(R, V)                                                                      \
    for (int oh0 = 0; oh0 < oh_count; oh0 += R)                                                    \
        for (int ow0 = 0; ow0 < ow_count; ow0 += 16 * V) HALVED512(R, V)

/* Chunks of R rows x V vectors over the plane, SW the stride across (a constant in each copy). */
#define DIRECT512_PLANE(R, V, SW)                                                                  \
    for (int oh0 = 0; oh0 < oh_count; oh0 += R)                                                    \
        for (int ow0 = 0; ow0 < ow_count; ow0 += 16 * V) DIRECT512(R, V, SW)

__attribute__((target("avx512f")))
static void depthwise_direct_avx512(const float *image, const graft_simd_patches *g, const float *kernel,
                                    float bias, const graft_simd_activation *activation, float *output) {
    const int height = g->height, width = g->width, kh = g->kernel_height, kw = g->kernel_width;
    const int oh_count = g->output_height, ow_count = g->output_width;
    const ptrdiff_t dw = g->dilation_width;
    const __m512i even = _mm512_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
    const int relu = activation != NULL;
    const __m512 slope = _mm512_set1_ps(relu ? activation->negative_slope : 0);
    const __m512 ceiling = _mm512_set1_ps(relu ? activation->ceiling : 0);
    const __m512 threshold = _mm512_set1_ps(relu ? activation->threshold : 0);
    const int vectors = (ow_count + 15) / 16;
    if (g->stride_width == 1 && (kw - 1) * dw <= 16) {
        __m512i shift[DIRECT_MAX_KERNEL_WIDTH];
        for (int j = 0; j < kw; j++)
            shift[j] = _mm512_add_epi32(_mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15),
                                        _mm512_set1_epi32(j * (int)dw));
        /* Rows of 3+ vectors only: on narrower planes the row-by-row branches cost more than the
         * loads they save (14x14: 51 → 67 µs for 384 planes, one core). */
        if (g->stride_height == 1 && g->dilation_height == 1 && kh * kw <= DIRECT_MAX_WEIGHTS && vectors >= 3) {
            __m512 weights[DIRECT_MAX_WEIGHTS];
            for (int t = 0; t < kh * kw; t++) weights[t] = _mm512_set1_ps(kernel[t]);
            ROWWISE512_PLANE(4, 4)
            return;
        }
        if (vectors >= 3) SHIFTED512_PLANE(2, 4)
        else if (vectors == 2) SHIFTED512_PLANE(4, 2)
        else SHIFTED512_PLANE(8, 1)
    } else if (g->stride_width == 2 && dw == 1 && kw <= 32) {
        const __m512i odd = _mm512_add_epi32(even, _mm512_set1_epi32(1));
        __m512i shift[16];
        for (int j = 0; j < 16 && 2 * j < kw; j++)
            shift[j] = _mm512_add_epi32(_mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15),
                                        _mm512_set1_epi32(j));
        if (vectors >= 3) HALVED512_PLANE(2, 4)
        else if (vectors == 2) HALVED512_PLANE(4, 2)
        else HALVED512_PLANE(8, 1)
    } else if (g->stride_width == 1) {
        if (vectors >= 3) DIRECT512_PLANE(2, 4, 1)
        else if (vectors == 2) DIRECT512_PLANE(4, 2, 1)
        else DIRECT512_PLANE(8, 1, 1)
    } else {
        if (vectors >= 3) DIRECT512_PLANE(2, 4, 2)
        else if (vectors == 2) DIRECT512_PLANE(4, 2, 2)
        else DIRECT512_PLANE(8, 1, 2)
    }
}

/* Even lanes of two vectors of 8 (16 floats), in order. */
__attribute__((target("avx2"))) static inline __m256 even_lanes256(__m256 a, __m256 b) {
    return _mm256_castpd_ps(_mm256_permute4x64_pd(_mm256_castps_pd(_mm256_shuffle_ps(a, b, _MM_SHUFFLE(2, 0, 2, 0))),
                                                  _MM_SHUFFLE(3, 1, 2, 0)));
}

/* Odd lanes of two vectors of 8 (16 floats), in order. */
__attribute__((target("avx2"))) static inline __m256 odd_lanes256(__m256 a, __m256 b) {
    return _mm256_castpd_ps(_mm256_permute4x64_pd(_mm256_castps_pd(_mm256_shuffle_ps(a, b, _MM_SHUFFLE(3, 1, 3, 1))),
                                                  _MM_SHUFFLE(3, 1, 2, 0)));
}

/* Eight lane bits as an AVX2 mask vector. */
__attribute__((target("avx2"))) static inline __m256i row_lanes8_bits(unsigned bits) {
    const __m256i lane = _mm256_setr_epi32(1, 2, 4, 8, 16, 32, 64, 128);
    return _mm256_cmpeq_epi32(_mm256_and_si256(_mm256_set1_epi32((int)bits), lane), lane);
}

/* row_lanes as an AVX2 mask vector. */
__attribute__((target("avx2"))) static inline __m256i row_lanes8(ptrdiff_t s, int width) {
    return row_lanes8_bits(row_lanes(s, 8, width));
}

#define DIRECT256(R, V, SW)                                                                        \
    {                                                                                              \
        __m256i lo[DIRECT_MAX_KERNEL_WIDTH][V], hi[DIRECT_MAX_KERNEL_WIDTH][V];                    \
        int whole[DIRECT_MAX_KERNEL_WIDTH][V];                                                     \
        for (int j = 0; j < kw; j++) {                                                             \
            UNROLL for (int v = 0; v < V; v++) {                                                   \
                const ptrdiff_t s = (ptrdiff_t)(ow0 + 8 * v) * SW - g->pad_left + (ptrdiff_t)j * dw; \
                lo[j][v] = row_lanes8(s, width);                                                   \
                hi[j][v] = row_lanes8(s + 8, width);                                               \
                whole[j][v] = row_lanes(s, 8 * SW, width) == (1u << (8 * SW)) - 1;                 \
            }                                                                                      \
        }                                                                                          \
        __m256 sum[R][V];                                                                          \
        UNROLL for (int r = 0; r < R; r++) UNROLL for (int v = 0; v < V; v++) sum[r][v] = _mm256_set1_ps(bias); \
        const float *w = kernel;                                                                   \
        for (int i = 0; i < kh; i++) {                                                             \
            const float *row[R];                                                                   \
            int inside[R];                                                                         \
            UNROLL for (int r = 0; r < R; r++) {                                                   \
                const int ih = (oh0 + r) * g->stride_height - g->pad_top + i * g->dilation_height; \
                inside[r] = ih >= 0 && ih < height && oh0 + r < oh_count;                          \
                row[r] = image + (ptrdiff_t)(inside[r] ? ih : 0) * width - g->pad_left;             \
            }                                                                                      \
            for (int j = 0; j < kw; j++, w++) {                                                    \
                const __m256 weight = _mm256_set1_ps(*w);                                          \
                UNROLL for (int v = 0; v < V; v++) {                                               \
                    const ptrdiff_t s = (ptrdiff_t)(ow0 + 8 * v) * SW + (ptrdiff_t)j * dw;          \
                    UNROLL for (int r = 0; r < R; r++) {                                           \
                        const float *x = row[r] + s;                                               \
                        __m256 taps;                                                               \
                        /* Plain loads where the taps lie in the plane (AVX2's masked loads cost more). */ \
                        if (whole[j][v] && inside[r]) {                                            \
                            taps = _mm256_loadu_ps(x);                                             \
                            if (SW == 2) taps = even_lanes256(taps, _mm256_loadu_ps(x + 8));       \
                        } else {                                                                   \
                            const __m256i row_mask = _mm256_set1_epi32(inside[r] ? -1 : 0);        \
                            taps = _mm256_maskload_ps(x, _mm256_and_si256(lo[j][v], row_mask));    \
                            if (SW == 2)                                                           \
                                taps = even_lanes256(taps, _mm256_maskload_ps(x + 8, _mm256_and_si256(hi[j][v], row_mask))); \
                        }                                                                          \
                        sum[r][v] = _mm256_fmadd_ps(weight, taps, sum[r][v]);                      \
                    }                                                                              \
                }                                                                                  \
            }                                                                                      \
        }                                                                                          \
        UNROLL for (int r = 0; r < R; r++) {                                                       \
            if (oh0 + r >= oh_count) break;                                                        \
            float *out = output + (ptrdiff_t)(oh0 + r) * ow_count + ow0;                           \
            UNROLL for (int v = 0; v < V; v++) {                                                   \
                const int left = ow_count - ow0 - 8 * v;                                           \
                if (left <= 0) break;                                                              \
                __m256 y = sum[r][v];                                                              \
                if (relu) y = relu256(y, slope, ceiling, threshold);                               \
                if (left >= 8) _mm256_storeu_ps(out + 8 * v, y);                                   \
                else _mm256_maskstore_ps(out + 8 * v, lanes8(left), y);                            \
            }                                                                                      \
        }                                                                                          \
    }

/* Lanes j .. j + 7 of the 16 floats a, b (t: their middle, a's high half and b's low half), for a
 * constant 0 <= j <= 4 (windows up to 5 wide): AVX2 has no two-register permute, so a shift
 * within 128-bit halves. */
__attribute__((target("avx2"))) static inline __m256 cut8(__m256 a, __m256 t, int j) {
#define ALIGN8(HI, LO, BYTES) _mm256_castsi256_ps(_mm256_alignr_epi8(_mm256_castps_si256(HI), _mm256_castps_si256(LO), BYTES))
    switch (j) {
    case 0: return a;
    case 1: return ALIGN8(t, a, 4);
    case 2: return ALIGN8(t, a, 8);
    case 3: return ALIGN8(t, a, 12);
    default: return t;
    }
#undef ALIGN8
}

/* AVX2 loads of a chunk's row: plain where all 8 floats lie in the row (masked loads cost more). */
#define ROW_LOAD256(x, bits) ((bits) == 0xFFu ? _mm256_loadu_ps(x) : _mm256_maskload_ps((x), row_lanes8_bits(bits)))

/* The AVX2 forms of SHIFTED512 (stride 1) and HALVED512 (stride 2) for dilation 1 across and a
 * window KW (3 or 5) wide, a constant so that every tap's cut is one instruction. */
#define SHIFTED256(R, V, KW)                                                                       \
    {                                                                                              \
        unsigned span[V + 1];                                                                      \
        UNROLL for (int v = 0; v <= V; v++) span[v] = row_lanes((ptrdiff_t)ow0 - g->pad_left + 8 * v, 8, width); \
        __m256 sum[R][V];                                                                          \
        UNROLL for (int r = 0; r < R; r++) UNROLL for (int v = 0; v < V; v++) sum[r][v] = _mm256_set1_ps(bias); \
        for (int i = 0; i < kh; i++) {                                                             \
            const float *w = kernel + i * KW;                                                      \
            UNROLL for (int r = 0; r < R; r++) {                                                   \
                const int ih = (oh0 + r) * g->stride_height - g->pad_top + i * g->dilation_height; \
                if (ih < 0 || ih >= height || oh0 + r >= oh_count) continue;                       \
                const float *x = image + (ptrdiff_t)ih * width + ow0 - g->pad_left;                \
                __m256 in[V + 1], mid[V];                                                          \
                UNROLL for (int v = 0; v <= V; v++) in[v] = ROW_LOAD256(x + 8 * v, span[v]);       \
                UNROLL for (int v = 0; v < V; v++) mid[v] = _mm256_permute2f128_ps(in[v], in[v + 1], 0x21); \
                UNROLL for (int j = 0; j < KW; j++) {                                              \
                    const __m256 weight = _mm256_broadcast_ss(w + j);                              \
                    UNROLL for (int v = 0; v < V; v++)                                             \
                        sum[r][v] = _mm256_fmadd_ps(weight, cut8(in[v], mid[v], j), sum[r][v]); \
                }                                                                                  \
            }                                                                                      \
        }                                                                                          \
        STORE256(R, V)                                                                             \
    }

#define HALVED256(R, V, KW)                                                                        \
    {                                                                                              \
        const ptrdiff_t base = 2 * (ptrdiff_t)ow0 - g->pad_left;                                   \
        unsigned span[2 * V + 2];                                                                  \
        UNROLL for (int u = 0; u < 2 * V + 2; u++) span[u] = row_lanes(base + 8 * u, 8, width);    \
        __m256 sum[R][V];                                                                          \
        UNROLL for (int r = 0; r < R; r++) UNROLL for (int v = 0; v < V; v++) sum[r][v] = _mm256_set1_ps(bias); \
        for (int i = 0; i < kh; i++) {                                                             \
            const float *w = kernel + i * KW;                                                      \
            UNROLL for (int r = 0; r < R; r++) {                                                   \
                const int ih = (oh0 + r) * g->stride_height - g->pad_top + i * g->dilation_height; \
                if (ih < 0 || ih >= height || oh0 + r >= oh_count) continue;                       \
                const float *x = image + (ptrdiff_t)ih * width + base;                             \
                __m256 e[V + 1], o[V + 1], em[V], om[V];                                           \
                UNROLL for (int v = 0; v <= V; v++) {                                              \
                    const __m256 a = ROW_LOAD256(x + 16 * v, span[2 * v]);                         \
                    const __m256 b = ROW_LOAD256(x + 16 * v + 8, span[2 * v + 1]);                 \
                    e[v] = even_lanes256(a, b);                                                    \
                    o[v] = odd_lanes256(a, b);                                                     \
                }                                                                                  \
                UNROLL for (int v = 0; v < V; v++) {                                               \
                    em[v] = _mm256_permute2f128_ps(e[v], e[v + 1], 0x21);                          \
                    om[v] = _mm256_permute2f128_ps(o[v], o[v + 1], 0x21);                          \
                }                                                                                  \
                UNROLL for (int j = 0; j < KW; j++) {                                              \
                    const __m256 weight = _mm256_broadcast_ss(w + j);                              \
                    UNROLL for (int v = 0; v < V; v++) {                                           \
                        const __m256 tap = j & 1 ? cut8(o[v], om[v], j / 2) : cut8(e[v], em[v], j / 2); \
                        sum[r][v] = _mm256_fmadd_ps(weight, tap, sum[r][v]);                       \
                    }                                                                              \
                }                                                                                  \
            }                                                                                      \
        }                                                                                          \
        STORE256(R, V)                                                                             \
    }

/* The chunk's outputs, activated, plain stores for whole vectors (AVX2's masked stores are slow). */
#define STORE256(R, V)                                                                             \
    UNROLL for (int r = 0; r < R; r++) {                                                           \
        if (oh0 + r >= oh_count) break;                                                            \
        float *out = output + (ptrdiff_t)(oh0 + r) * ow_count + ow0;                               \
        UNROLL for (int v = 0; v < V; v++) {                                                       \
            const int left = ow_count - ow0 - 8 * v;                                               \
            if (left <= 0) break;                                                                  \
            __m256 y = sum[r][v];                                                                  \
            if (relu) y = relu256(y, slope, ceiling, threshold);                                   \
            if (left >= 8) _mm256_storeu_ps(out + 8 * v, y);                                       \
            else _mm256_maskstore_ps(out + 8 * v, lanes8(left), y);                                \
        }                                                                                          \
    }

#define CHUNKS256(FORM, R, V, KW)                                                                  \
    for (int oh0 = 0; oh0 < oh_count; oh0 += R)                                                    \
        for (int ow0 = 0; ow0 < ow_count; ow0 += 8 * V) FORM(R, V, KW)

/* A form over the plane: chunks as wide as the rows allow within AVX2's 16 registers. */
#define PLANE256(FORM, KW)                                                                         \
    {                                                                                              \
        if (vectors >= 4) CHUNKS256(FORM, 1, 4, KW)                                                \
        else if (vectors >= 2) CHUNKS256(FORM, 2, 2, KW)                                           \
        else CHUNKS256(FORM, 4, 1, KW)                                                             \
    }

#define DIRECT256_PLANE(R, V, SW)                                                                  \
    for (int oh0 = 0; oh0 < oh_count; oh0 += R)                                                    \
        for (int ow0 = 0; ow0 < ow_count; ow0 += 8 * V) DIRECT256(R, V, SW)

__attribute__((target("avx2,fma")))
static void depthwise_direct_avx2(const float *image, const graft_simd_patches *g, const float *kernel,
                                  float bias, const graft_simd_activation *activation, float *output) {
    const int height = g->height, width = g->width, kh = g->kernel_height, kw = g->kernel_width;
    const int oh_count = g->output_height, ow_count = g->output_width;
    const ptrdiff_t dw = g->dilation_width;
    const int relu = activation != NULL;
    const __m256 slope = _mm256_set1_ps(relu ? activation->negative_slope : 0);
    const __m256 ceiling = _mm256_set1_ps(relu ? activation->ceiling : 0);
    const __m256 threshold = _mm256_set1_ps(relu ? activation->threshold : 0);
    const int vectors = (ow_count + 7) / 8;
    if (dw == 1 && (kw == 3 || kw == 5) && (g->stride_width == 1 || g->stride_width == 2)) {
        if (g->stride_width == 1 && kw == 3) PLANE256(SHIFTED256, 3)
        else if (g->stride_width == 1) PLANE256(SHIFTED256, 5)
        else if (kw == 3) PLANE256(HALVED256, 3)
        else PLANE256(HALVED256, 5)
    } else if (g->stride_width == 1) {
        if (vectors >= 3) DIRECT256_PLANE(2, 4, 1)
        else if (vectors == 2) DIRECT256_PLANE(4, 2, 1)
        else DIRECT256_PLANE(8, 1, 1)
    } else {
        if (vectors >= 3) DIRECT256_PLANE(2, 4, 2)
        else if (vectors == 2) DIRECT256_PLANE(4, 2, 2)
        else DIRECT256_PLANE(8, 1, 2)
    }
}
#endif

int graft_simd_depthwise_supported(graft_simd_isa isa, const graft_simd_patches *g) {
    if (g->channels != 1) return 0;
    switch (isa) {
    case GRAFT_SIMD_AVX512: return 1;
    case GRAFT_SIMD_AVX2: return g->stride_width == 1 || g->stride_width == 2;
    default: return 0;
    }
}

int graft_simd_depthwise(graft_simd_isa isa, const float *padded, const graft_simd_patches *g,
                         const float *kernel, float bias, float *output) {
    if (!graft_simd_depthwise_supported(isa, g)) return 0;
#if defined(__x86_64__) || defined(_M_X64)
    int ph, pw;
    graft_simd_padded_size(g, &ph, &pw);
    if (isa == GRAFT_SIMD_AVX512) {
        depthwise_avx512(padded, ph, pw, g, kernel, bias, output);
        return 1;
    }
    depthwise_avx2(padded, ph, pw, g, kernel, bias, output);
    return 1;
#else
    (void)padded; (void)kernel; (void)bias; (void)output;
    return 0;
#endif
}

int graft_simd_depthwise_planes_supported(graft_simd_isa isa, const graft_simd_patches *g) {
    if (g->channels != 1 || (g->stride_width != 1 && g->stride_width != 2)) return 0;
    if (g->kernel_width > DIRECT_MAX_KERNEL_WIDTH || g->kernel_height < 1 || g->kernel_width < 1) return 0;
    return isa == GRAFT_SIMD_AVX512 || isa == GRAFT_SIMD_AVX2;
}

int graft_simd_depthwise_planes(graft_simd_isa isa, const float *input, const graft_simd_patches *g,
                                int output_channels, int multiplier, ptrdiff_t first, ptrdiff_t count,
                                const float *kernel, const float *bias, const graft_simd_activation *activation,
                                float *output) {
    if (!graft_simd_depthwise_planes_supported(isa, g) || output_channels < 1 || multiplier < 1) return 0;
#if defined(__x86_64__) || defined(_M_X64)
    const ptrdiff_t plane = (ptrdiff_t)g->height * g->width, output_plane = (ptrdiff_t)g->output_height * g->output_width;
    const ptrdiff_t channels = output_channels / multiplier, taps = (ptrdiff_t)g->kernel_height * g->kernel_width;
    for (ptrdiff_t index = first; index < first + count; index++) {
        const ptrdiff_t n = index / output_channels, oc = index % output_channels;
        const float *image = input + (n * channels + oc / multiplier) * plane;
        const float b = bias ? bias[oc] : 0;
        if (isa == GRAFT_SIMD_AVX512) depthwise_direct_avx512(image, g, kernel + oc * taps, b, activation, output + index * output_plane);
        else depthwise_direct_avx2(image, g, kernel + oc * taps, b, activation, output + index * output_plane);
    }
    return 1;
#else
    (void)input; (void)first; (void)count; (void)kernel; (void)bias; (void)activation; (void)output;
    return 0;
#endif
}
