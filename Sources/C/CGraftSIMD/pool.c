/* Max pooling with AVX-512 (and AVX2 for strides 1 and 2): sixteen output columns at a time, their window taps fetched with one
 * masked load (stride 1), two loads and a permute (stride 2: gathers are slow) or a gather
 * (other strides), compared and blended with the running maxima
 * and their indices. Same windows and tie rules as the engine's portable loop: taps in row-major
 * window order, a tap wins when greater (`>`) or NaN, taps outside the image never count, and a
 * window with no tap in the image gives 0 with index -1. */
#include "graft_simd.h"
#include "simd_internal.h"

#if defined(__x86_64__) || defined(_M_X64)
#include <immintrin.h>
#include <math.h>

/* The image rows [top, bottom) that output row oh's windows read (empty when top >= bottom). */
static inline void window_rows(const graft_simd_pool *g, int oh, int *top, int *bottom) {
    const int padded_top = oh * g->stride_height - g->pad_top;
    int end = padded_top + g->kernel_height;
    if (end > g->height + g->pad_bottom) end = g->height + g->pad_bottom;
    if (end > g->height) end = g->height;
    *top = padded_top > 0 ? padded_top : 0;
    *bottom = end;
}

/* Lanes t of the 16 floats at column x0 whose column x0 + t lies in [0, width). */
static inline __mmask16 span_mask(int x0, int width) {
    const int first = x0 < 0 ? -x0 : 0;
    const int last = width - x0 < 16 ? width - x0 : 16; /* one past */
    if (first >= last) return 0;
    return (__mmask16)(((1u << last) - 1) & ~((1u << first) - 1));
}

__attribute__((target("avx512f")))
static void max_pool_avx512(const float *input, float *output, int32_t *argmax, int planes, const graft_simd_pool *g) {
    const int in_plane = g->height * g->width, out_plane = g->output_height * g->output_width;
    const __m512i lanes = _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
    const __m512i zero = _mm512_setzero_si512(), width = _mm512_set1_epi32(g->width);
    const __m512i even = _mm512_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
    const float *input_end = input + (ptrdiff_t)planes * in_plane;
    const float *output_end = output + (ptrdiff_t)planes * out_plane;
    for (int p = 0; p < planes; p++) {
        const float *plane = input + (ptrdiff_t)p * in_plane;
        for (int oh = 0; oh < g->output_height; oh++) {
            int top, bottom;
            window_rows(g, oh, &top, &bottom);
            float *best_row = output + (ptrdiff_t)p * out_plane + (ptrdiff_t)oh * g->output_width;
            int32_t *index_row = argmax ? argmax + (ptrdiff_t)p * out_plane + (ptrdiff_t)oh * g->output_width : 0;
            for (int ow0 = 0; ow0 < g->output_width; ow0 += 16) {
                const int left = g->output_width - ow0;
                const __mmask16 outputs = lanes16(left);
                /* The first tap's column of each output, and whether its window has any column in the image. */
                const __m512i first = _mm512_sub_epi32(_mm512_mullo_epi32(_mm512_add_epi32(_mm512_set1_epi32(ow0), lanes),
                                                                          _mm512_set1_epi32(g->stride_width)),
                                                       _mm512_set1_epi32(g->pad_left));
                const __m512i start = _mm512_max_epi32(first, zero);
                const __m512i end = _mm512_min_epi32(_mm512_add_epi32(first, _mm512_set1_epi32(g->kernel_width)), width);
                __mmask16 empty = _mm512_cmpge_epi32_mask(start, end);
                if (top >= bottom) empty = 0xFFFF;
                __m512 best = _mm512_set1_ps(-INFINITY), last_nan = best;
                __m512i index = _mm512_set1_epi32(-1);
                __mmask16 any_nan = 0;
                for (int h = top; h < bottom; h++) {
                    const float *row = plane + (ptrdiff_t)h * g->width;
                    const __m512i row_start = _mm512_set1_epi32(h * g->width);
                    for (int j = 0; j < g->kernel_width; j++) {
                        const __m512i x = _mm512_add_epi32(first, _mm512_set1_epi32(j));
                        const __mmask16 inside = outputs & _mm512_cmpge_epi32_mask(x, zero) & _mm512_cmplt_epi32_mask(x, width);
                        if (!inside) continue;
                        __m512 v;
                        /* Plain loads wherever the vector lies inside the input buffer, even past the
                         * row: lanes outside the row are never taken (`inside`). Masked loads whose
                         * mask ends inside a row cost about 30 cycles each on Zen 5 (8.5 → 1.6 ms
                         * for CaffeNet's pool2 at batch 32 on one core). */
                        if (g->stride_width == 1) {
                            const int x0 = ow0 - g->pad_left + j;
                            v = x0 >= 0 && row + x0 + 16 <= input_end ? _mm512_loadu_ps(row + x0)
                                                                 : _mm512_maskz_loadu_ps(inside, row + x0);
                        } else if (g->stride_width == 2) {
                            /* The 32 floats from this tap's first column, then their even lanes. */
                            const int x0 = 2 * ow0 - g->pad_left + j;
                            const int whole = x0 >= 0 && row + x0 + 32 <= input_end;
                            v = _mm512_permutex2var_ps(whole ? _mm512_loadu_ps(row + x0) : _mm512_maskz_loadu_ps(span_mask(x0, g->width), row + x0), even,
                                                       whole ? _mm512_loadu_ps(row + x0 + 16)
                                                             : _mm512_maskz_loadu_ps(span_mask(x0 + 16, g->width), row + x0 + 16));
                        } else {
                            v = _mm512_mask_i32gather_ps(_mm512_setzero_ps(), inside, x, row, 4);
                        }
                        const __mmask16 nan = inside & _mm512_cmp_ps_mask(v, v, _CMP_UNORD_Q);
                        if (index_row) {
                            const __mmask16 take = nan | (inside & _mm512_cmp_ps_mask(v, best, _CMP_GT_OQ));
                            best = _mm512_mask_mov_ps(best, take, v);
                            index = _mm512_mask_mov_epi32(index, take, _mm512_add_epi32(row_start, x));
                        } else {
                            /* Without indices the maximum is one vmaxps per tap (max(v, best) keeps
                             * best on ties and NaN); the last NaN tap, which the rule makes the
                             * result, is kept aside. */
                            best = _mm512_mask_max_ps(best, inside, v, best);
                            last_nan = _mm512_mask_mov_ps(last_nan, nan, v);
                            any_nan |= nan;
                        }
                    }
                }
                best = _mm512_mask_mov_ps(best, any_nan, last_nan);
                best = _mm512_mask_mov_ps(best, empty, _mm512_setzero_ps());
                /* A whole store may run into the next row, which is written after this one. */
                if (best_row + ow0 + 16 <= output_end) _mm512_storeu_ps(best_row + ow0, best);
                else _mm512_mask_storeu_ps(best_row + ow0, outputs, best);
                if (index_row) _mm512_mask_storeu_epi32(index_row + ow0, outputs, index);
            }
        }
    }
}

/* AVX2: eight output columns at a time, strides 1 and 2 only (no fast gather on AMD). Plain
 * loads inside the image and masked loads at its edges; plain stores for whole vectors and a
 * scalar copy for the last partial one (AVX2's masked stores are microcoded on AMD). */

/* Lanes 0, 2, ..., 14 of lo:hi, in order: the taps of eight stride-2 windows. */
__attribute__((target("avx2"))) static inline __m256 even_lanes(__m256 lo, __m256 hi) {
    const __m256 even = _mm256_shuffle_ps(lo, hi, _MM_SHUFFLE(2, 0, 2, 0));
    return _mm256_castpd_ps(_mm256_permute4x64_pd(_mm256_castps_pd(even), _MM_SHUFFLE(3, 1, 2, 0)));
}

/* The taps of eight windows at p (stride 1 or 2) by plain loads: the caller has checked that the
 * 8 * stride floats from p lie in the input. */
__attribute__((target("avx2"))) static inline __m256 avx2_plain_taps(const float *p, int stride) {
    return stride == 1 ? _mm256_loadu_ps(p) : even_lanes(_mm256_loadu_ps(p), _mm256_loadu_ps(p + 8));
}

__attribute__((target("avx2")))
static inline __m256 avx2_taps(const float *row, int x0, int width, int stride, const float *input_end) {
    /* The 8 (stride 1) or 16 (stride 2) floats from column x0: lanes outside [0, width) are zero,
     * or (plain loads, when the span lies inside the input buffer) whatever follows the row, which
     * the caller never takes. */
    if (x0 >= 0 && row + x0 + 8 * stride <= input_end) return avx2_plain_taps(row + x0, stride);
    const __m256i lanes = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
    const __m256i column = _mm256_add_epi32(_mm256_set1_epi32(x0), lanes);
    const __m256i low_inside = _mm256_andnot_si256(_mm256_cmpgt_epi32(_mm256_setzero_si256(), column),
                                                   _mm256_cmpgt_epi32(_mm256_set1_epi32(width), column));
    const __m256 lo = _mm256_maskload_ps(row + x0, low_inside);
    __m256 hi = _mm256_setzero_ps();
    if (stride == 2) {
        const __m256i upper = _mm256_add_epi32(column, _mm256_set1_epi32(8));
        const __m256i high_inside = _mm256_andnot_si256(_mm256_cmpgt_epi32(_mm256_setzero_si256(), upper),
                                                        _mm256_cmpgt_epi32(_mm256_set1_epi32(width), upper));
        hi = _mm256_maskload_ps(row + x0 + 8, high_inside);
    }
    return stride == 1 ? lo : even_lanes(lo, hi);
}

__attribute__((target("avx2")))
static void max_pool_avx2(const float *input, float *output, int32_t *argmax, int planes, const graft_simd_pool *g) {
    const int in_plane = g->height * g->width, out_plane = g->output_height * g->output_width;
    const float *input_end = input + (ptrdiff_t)planes * in_plane;
    const __m256i lanes = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
    const __m256i zero = _mm256_setzero_si256(), width = _mm256_set1_epi32(g->width);
    for (int p = 0; p < planes; p++) {
        const float *plane = input + (ptrdiff_t)p * in_plane;
        for (int oh = 0; oh < g->output_height; oh++) {
            int top, bottom;
            window_rows(g, oh, &top, &bottom);
            float *best_row = output + (ptrdiff_t)p * out_plane + (ptrdiff_t)oh * g->output_width;
            int32_t *index_row = argmax ? argmax + (ptrdiff_t)p * out_plane + (ptrdiff_t)oh * g->output_width : 0;
            for (int ow0 = 0; ow0 < g->output_width; ow0 += 8) {
                const int count = g->output_width - ow0 < 8 ? g->output_width - ow0 : 8;
                const __m256i outputs = _mm256_cmpgt_epi32(_mm256_set1_epi32(count), lanes);
                const __m256i first = _mm256_sub_epi32(_mm256_mullo_epi32(_mm256_add_epi32(_mm256_set1_epi32(ow0), lanes),
                                                                          _mm256_set1_epi32(g->stride_width)),
                                                       _mm256_set1_epi32(g->pad_left));
                const __m256i start = _mm256_max_epi32(first, zero);
                const __m256i end = _mm256_min_epi32(_mm256_add_epi32(first, _mm256_set1_epi32(g->kernel_width)), width);
                /* empty: start >= end, i.e. not (end > start) */
                __m256i empty = _mm256_xor_si256(_mm256_cmpgt_epi32(end, start), _mm256_set1_epi32(-1));
                if (top >= bottom) empty = _mm256_set1_epi32(-1);
                /* Eight outputs whose every tap lies in the image (and whose plain loads stay in
                 * the input): a max per tap and nothing else, the NaN test folded into one
                 * accumulator. A NaN anywhere recomputes the group by the general loop below,
                 * which keeps the last NaN tap; without one both compute the same maxima in the
                 * same order. Through the general loop alone ResNet-50's 3x3 stride-2 pool ran at a
                 * third of ONNX Runtime's speed (batch 1: 0.36 against 0.11 ms; now 0.29). */
                const int x0 = g->stride_width * ow0 - g->pad_left;
                if (!index_row && count == 8 && top < bottom && x0 >= 0 && x0 + 7 * g->stride_width + g->kernel_width <= g->width
                    && plane + (ptrdiff_t)(bottom - 1) * g->width + x0 + g->kernel_width - 1 + 8 * g->stride_width <= input_end) {
                    __m256 fast = _mm256_set1_ps(-INFINITY), seen_nan = _mm256_setzero_ps();
                    for (int h = top; h < bottom; h++) {
                        const float *row = plane + (ptrdiff_t)h * g->width;
                        for (int j = 0; j < g->kernel_width; j++) {
                            const __m256 v = avx2_plain_taps(row + x0 + j, g->stride_width);
                            seen_nan = _mm256_or_ps(seen_nan, _mm256_cmp_ps(v, v, _CMP_UNORD_Q));
                            fast = _mm256_max_ps(v, fast);
                        }
                    }
                    if (_mm256_testz_ps(seen_nan, seen_nan)) {
                        _mm256_storeu_ps(best_row + ow0, fast);
                        continue;
                    }
                }
                __m256 best = _mm256_set1_ps(-INFINITY), last_nan = best, any_nan = _mm256_setzero_ps();
                __m256i index = _mm256_set1_epi32(-1);
                for (int h = top; h < bottom; h++) {
                    const float *row = plane + (ptrdiff_t)h * g->width;
                    const __m256i row_start = _mm256_set1_epi32(h * g->width);
                    for (int j = 0; j < g->kernel_width; j++) {
                        const __m256i x = _mm256_add_epi32(first, _mm256_set1_epi32(j));
                        const __m256i inside = _mm256_and_si256(outputs, _mm256_andnot_si256(_mm256_cmpgt_epi32(zero, x),
                                                                                             _mm256_cmpgt_epi32(width, x)));
                        if (_mm256_testz_si256(inside, inside)) continue;
                        const __m256 v = avx2_taps(row, g->stride_width * ow0 - g->pad_left + j, g->width, g->stride_width, input_end);
                        const __m256 nan = _mm256_and_ps(_mm256_cmp_ps(v, v, _CMP_UNORD_Q), _mm256_castsi256_ps(inside));
                        if (index_row) {
                            const __m256 take = _mm256_or_ps(nan, _mm256_and_ps(_mm256_cmp_ps(v, best, _CMP_GT_OQ),
                                                                                _mm256_castsi256_ps(inside)));
                            best = _mm256_blendv_ps(best, v, take);
                            index = _mm256_castps_si256(_mm256_blendv_ps(_mm256_castsi256_ps(index),
                                                                         _mm256_castsi256_ps(_mm256_add_epi32(row_start, x)), take));
                        } else {
                            /* As in the AVX-512 kernel: one max per tap, the last NaN tap kept aside. */
                            best = _mm256_blendv_ps(best, _mm256_max_ps(v, best), _mm256_castsi256_ps(inside));
                            last_nan = _mm256_blendv_ps(last_nan, v, nan);
                            any_nan = _mm256_or_ps(any_nan, nan);
                        }
                    }
                }
                best = _mm256_blendv_ps(best, last_nan, any_nan);
                best = _mm256_blendv_ps(best, _mm256_setzero_ps(), _mm256_castsi256_ps(empty));
                if (count == 8) {
                    _mm256_storeu_ps(best_row + ow0, best);
                    if (index_row) _mm256_storeu_si256((__m256i *)(index_row + ow0), index);
                } else {
                    float values[8];
                    int32_t indices[8];
                    _mm256_storeu_ps(values, best);
                    _mm256_storeu_si256((__m256i *)indices, index);
                    for (int t = 0; t < count; t++) {
                        best_row[ow0 + t] = values[t];
                        if (index_row) index_row[ow0 + t] = indices[t];
                    }
                }
            }
        }
    }
}

int graft_simd_max_pool(graft_simd_isa isa, const float *input, float *output, int32_t *argmax, int planes,
                        const graft_simd_pool *g) {
    if (isa == GRAFT_SIMD_AVX512) {
        max_pool_avx512(input, output, argmax, planes, g);
        return 1;
    }
    if (isa == GRAFT_SIMD_AVX2 && (g->stride_width == 1 || g->stride_width == 2)) {
        max_pool_avx2(input, output, argmax, planes, g);
        return 1;
    }
    return 0;
}

#else

int graft_simd_max_pool(graft_simd_isa isa, const float *input, float *output, int32_t *argmax, int planes,
                        const graft_simd_pool *g) {
    (void)isa; (void)input; (void)output; (void)argmax; (void)planes; (void)g;
    return 0;
}

#endif
