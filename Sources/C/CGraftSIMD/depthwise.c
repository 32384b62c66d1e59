/* Depthwise convolution (one input plane per output plane: MobileNet, EfficientNet), one padded
 * plane at a time. Sixteen (AVX-512) or eight (AVX2) output pixels of one row are summed in one
 * register over every tap of the window, then stored once: per tap one broadcast weight, one load
 * of the taps (stride 1), two loads and a permute (stride 2) or a gather (other strides, AVX-512),
 * and one FMA. The sum starts from the bias and adds the taps in row-major window order. */
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

/* ---- The flat form (equal strides 1 or 2): output k = oh * pw + ow of the padded plane's width
 * reads padded[sw * k + i * dh * pw + j * dw] for tap (i, j), so consecutive k are consecutive
 * (or every other) floats across row ends: eight vectors of outputs run eight independent FMA
 * chains whatever the plane's width (the row form above runs one or two on 7- to 28-wide
 * planes, and waits on FMA latency). Columns ow >= output_width are computed and dropped. */
enum { FLAT_VECTORS = 8, FLAT_SLACK = 64 };

#define FLAT_CHUNK512(V, LOAD)                                                                     \
    {                                                                                              \
        __m512 sum[V];                                                                             \
        UNROLL for (int v = 0; v < V; v++) sum[v] = _mm512_set1_ps(bias);                          \
        const float *w = kernel;                                                                   \
        for (int i = 0; i < kh; i++) {                                                             \
            const float *x = base + (ptrdiff_t)i * row_step;                                       \
            for (int j = 0; j < kw; j++, w++, x += dw) {                                           \
                const __m512 weight = _mm512_set1_ps(*w);                                          \
                UNROLL for (int v = 0; v < V; v++) sum[v] = _mm512_fmadd_ps(weight, LOAD(x + 16 * v * sw), sum[v]); \
            }                                                                                      \
        }                                                                                          \
        UNROLL for (int v = 0; v < V; v++) _mm512_storeu_ps(flat + k0 + 16 * v, sum[v]);           \
    }

__attribute__((target("avx512f")))
static void depthwise_flat_avx512(const float *padded, int pw, const graft_simd_patches *g,
                                  const float *kernel, float bias, float *flat) {
    const int sw = g->stride_width, kh = g->kernel_height, kw = g->kernel_width;
    const ptrdiff_t row_step = (ptrdiff_t)g->dilation_height * pw, dw = g->dilation_width;
    const ptrdiff_t count = (ptrdiff_t)(g->output_height - 1) * pw + g->output_width;
    const __m512i even = _mm512_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
    for (ptrdiff_t k0 = 0; k0 < count;) {
        ptrdiff_t left = (count - k0 + 15) / 16;
        const int V = left > FLAT_VECTORS ? FLAT_VECTORS : (int)left;
        const float *base = padded + sw * k0;
        if (sw == 1) {
            switch (V) {
            case 8: FLAT_CHUNK512(8, LOAD_STRIDE1) break;
            case 7: FLAT_CHUNK512(7, LOAD_STRIDE1) break;
            case 6: FLAT_CHUNK512(6, LOAD_STRIDE1) break;
            case 5: FLAT_CHUNK512(5, LOAD_STRIDE1) break;
            case 4: FLAT_CHUNK512(4, LOAD_STRIDE1) break;
            case 3: FLAT_CHUNK512(3, LOAD_STRIDE1) break;
            case 2: FLAT_CHUNK512(2, LOAD_STRIDE1) break;
            default: FLAT_CHUNK512(1, LOAD_STRIDE1) break;
            }
        } else {
            switch (V) {
            case 8: FLAT_CHUNK512(8, LOAD_STRIDE2) break;
            case 7: FLAT_CHUNK512(7, LOAD_STRIDE2) break;
            case 6: FLAT_CHUNK512(6, LOAD_STRIDE2) break;
            case 5: FLAT_CHUNK512(5, LOAD_STRIDE2) break;
            case 4: FLAT_CHUNK512(4, LOAD_STRIDE2) break;
            case 3: FLAT_CHUNK512(3, LOAD_STRIDE2) break;
            case 2: FLAT_CHUNK512(2, LOAD_STRIDE2) break;
            default: FLAT_CHUNK512(1, LOAD_STRIDE2) break;
            }
        }
        k0 += 16 * V;
    }
}

#define LOAD256_STRIDE1(p) _mm256_loadu_ps(p)
/* Even lanes of 16 floats, in order. */
#define LOAD256_STRIDE2(p)                                                                         \
    _mm256_castpd_ps(_mm256_permute4x64_pd(                                                        \
        _mm256_castps_pd(_mm256_shuffle_ps(_mm256_loadu_ps(p), _mm256_loadu_ps((p) + 8), _MM_SHUFFLE(2, 0, 2, 0))), \
        _MM_SHUFFLE(3, 1, 2, 0)))

#define FLAT_CHUNK256(V, LOAD)                                                                     \
    {                                                                                              \
        __m256 sum[V];                                                                             \
        UNROLL for (int v = 0; v < V; v++) sum[v] = _mm256_set1_ps(bias);                          \
        const float *w = kernel;                                                                   \
        for (int i = 0; i < kh; i++) {                                                             \
            const float *x = base + (ptrdiff_t)i * row_step;                                       \
            for (int j = 0; j < kw; j++, w++, x += dw) {                                           \
                const __m256 weight = _mm256_set1_ps(*w);                                          \
                UNROLL for (int v = 0; v < V; v++) sum[v] = _mm256_fmadd_ps(weight, LOAD(x + 8 * v * sw), sum[v]); \
            }                                                                                      \
        }                                                                                          \
        UNROLL for (int v = 0; v < V; v++) _mm256_storeu_ps(flat + k0 + 8 * v, sum[v]);            \
    }

__attribute__((target("avx2,fma")))
static void depthwise_flat_avx2(const float *padded, int pw, const graft_simd_patches *g,
                                const float *kernel, float bias, float *flat) {
    const int sw = g->stride_width, kh = g->kernel_height, kw = g->kernel_width;
    const ptrdiff_t row_step = (ptrdiff_t)g->dilation_height * pw, dw = g->dilation_width;
    const ptrdiff_t count = (ptrdiff_t)(g->output_height - 1) * pw + g->output_width;
    for (ptrdiff_t k0 = 0; k0 < count;) {
        ptrdiff_t left = (count - k0 + 7) / 8;
        const int V = left > FLAT_VECTORS ? FLAT_VECTORS : (int)left;
        const float *base = padded + sw * k0;
        if (sw == 1) {
            switch (V) {
            case 8: FLAT_CHUNK256(8, LOAD256_STRIDE1) break;
            case 7: FLAT_CHUNK256(7, LOAD256_STRIDE1) break;
            case 6: FLAT_CHUNK256(6, LOAD256_STRIDE1) break;
            case 5: FLAT_CHUNK256(5, LOAD256_STRIDE1) break;
            case 4: FLAT_CHUNK256(4, LOAD256_STRIDE1) break;
            case 3: FLAT_CHUNK256(3, LOAD256_STRIDE1) break;
            case 2: FLAT_CHUNK256(2, LOAD256_STRIDE1) break;
            default: FLAT_CHUNK256(1, LOAD256_STRIDE1) break;
            }
        } else {
            switch (V) {
            case 8: FLAT_CHUNK256(8, LOAD256_STRIDE2) break;
            case 7: FLAT_CHUNK256(7, LOAD256_STRIDE2) break;
            case 6: FLAT_CHUNK256(6, LOAD256_STRIDE2) break;
            case 5: FLAT_CHUNK256(5, LOAD256_STRIDE2) break;
            case 4: FLAT_CHUNK256(4, LOAD256_STRIDE2) break;
            case 3: FLAT_CHUNK256(3, LOAD256_STRIDE2) break;
            case 2: FLAT_CHUNK256(2, LOAD256_STRIDE2) break;
            default: FLAT_CHUNK256(1, LOAD256_STRIDE2) break;
            }
        }
        k0 += 8 * V;
    }
}

/* ---- One plane end to end: pad (graft_simd_pad_isa's vector moves), the flat sums, then the output
 * rows copied out with the activation (a store that would pass the plane's end is masked: the
 * next plane may belong to another thread). Per plane this replaces 3 library calls per padded row and one per output
 * row, which cost more than the sums on 7x7 and 14x14 planes. */

/* output[oh][ow] = activation(flat[oh * pw + ow]) for ow < ow_count. */
__attribute__((target("avx512f")))
static void copy_rows_avx512(const float *flat, int pw, const graft_simd_patches *g,
                             const graft_simd_activation *activation, float *output) {
    const int ow_count = g->output_width, oh_count = g->output_height;
    const float *output_end = output + (ptrdiff_t)oh_count * ow_count;
    const int relu = activation != NULL;
    const __m512 slope = _mm512_set1_ps(relu ? activation->negative_slope : 0);
    const __m512 ceiling = _mm512_set1_ps(relu ? activation->ceiling : 0);
    const __m512 threshold = _mm512_set1_ps(relu ? activation->threshold : 0);
    for (int oh = 0; oh < oh_count; oh++) {
        const float *from = flat + (ptrdiff_t)oh * pw;
        float *to = output + (ptrdiff_t)oh * ow_count;
        for (int x = 0; x < ow_count; x += 16) {
            __m512 v = _mm512_loadu_ps(from + x);
            if (relu) v = relu512(v, slope, ceiling, threshold);
            if (to + x + 16 <= output_end) _mm512_storeu_ps(to + x, v);
            else _mm512_mask_storeu_ps(to + x, lanes16(ow_count - x), v);
        }
    }
}

__attribute__((target("avx2,fma")))
static void copy_rows_avx2(const float *flat, int pw, const graft_simd_patches *g,
                           const graft_simd_activation *activation, float *output) {
    const int ow_count = g->output_width, oh_count = g->output_height;
    const float *output_end = output + (ptrdiff_t)oh_count * ow_count;
    const int relu = activation != NULL;
    const __m256 slope = _mm256_set1_ps(relu ? activation->negative_slope : 0);
    const __m256 ceiling = _mm256_set1_ps(relu ? activation->ceiling : 0);
    const __m256 threshold = _mm256_set1_ps(relu ? activation->threshold : 0);
    for (int oh = 0; oh < oh_count; oh++) {
        const float *from = flat + (ptrdiff_t)oh * pw;
        float *to = output + (ptrdiff_t)oh * ow_count;
        for (int x = 0; x < ow_count; x += 8) {
            __m256 v = _mm256_loadu_ps(from + x);
            if (relu) v = relu256(v, slope, ceiling, threshold);
            if (to + x + 8 <= output_end) _mm256_storeu_ps(to + x, v);
            else _mm256_maskstore_ps(to + x, lanes8(ow_count - x), v);
        }
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

int graft_simd_depthwise_plane_supported(graft_simd_isa isa, const graft_simd_patches *g) {
    if (g->channels != 1 || g->stride_height != g->stride_width) return 0;
    if (g->stride_width != 1 && g->stride_width != 2) return 0;
    return isa == GRAFT_SIMD_AVX512 || isa == GRAFT_SIMD_AVX2;
}

size_t graft_simd_depthwise_plane_scratch(const graft_simd_patches *g) {
    int ph, pw;
    graft_simd_padded_size(g, &ph, &pw);
    return (size_t)ph * (size_t)pw + FLAT_SLACK + (size_t)g->output_height * (size_t)pw + FLAT_SLACK;
}

int graft_simd_depthwise_plane(graft_simd_isa isa, const float *image, const graft_simd_patches *g,
                               const float *kernel, float bias, const graft_simd_activation *activation,
                               float *scratch, float *output) {
    if (!graft_simd_depthwise_plane_supported(isa, g)) return 0;
#if defined(__x86_64__) || defined(_M_X64)
    int ph, pw;
    graft_simd_padded_size(g, &ph, &pw);
    float *padded = scratch;
    float *flat = scratch + (ptrdiff_t)ph * pw + FLAT_SLACK;
    /* The slack the sums read past the plane: only dropped outputs see it, but it is read. */
    for (int i = 0; i < FLAT_SLACK; i++) padded[(ptrdiff_t)ph * pw + i] = 0;
    if (isa == GRAFT_SIMD_AVX512) {
        graft_simd_pad_isa(isa, image, g, padded);
        depthwise_flat_avx512(padded, pw, g, kernel, bias, flat);
        copy_rows_avx512(flat, pw, g, activation, output);
    } else {
        graft_simd_pad_isa(isa, image, g, padded);
        depthwise_flat_avx2(padded, pw, g, kernel, bias, flat);
        copy_rows_avx2(flat, pw, g, activation, output);
    }
    return 1;
#else
    (void)image; (void)kernel; (void)bias; (void)activation; (void)scratch; (void)output;
    return 0;
#endif
}
