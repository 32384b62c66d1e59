/* Max pooling with AVX-512: sixteen output columns at a time, their window taps fetched with one
 * masked load (stride 1), two loads and a permute (stride 2: gathers are slow) or a gather
 * (other strides), compared and blended with the running maxima
 * and their indices. Same windows and tie rules as the engine's portable loop: taps in row-major
 * window order, a tap wins when greater (`>`) or NaN, taps outside the image never count, and a
 * window with no tap in the image gives 0 with index -1. */
#include "graft_simd.h"

#if defined(__x86_64__) || defined(_M_X64)
#include <immintrin.h>
#include <math.h>

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
    for (int p = 0; p < planes; p++) {
        const float *plane = input + (ptrdiff_t)p * in_plane;
        for (int oh = 0; oh < g->output_height; oh++) {
            const int padded_top = oh * g->stride_height - g->pad_top;
            int bottom = padded_top + g->kernel_height;
            if (bottom > g->height + g->pad_bottom) bottom = g->height + g->pad_bottom;
            if (bottom > g->height) bottom = g->height;
            const int top = padded_top > 0 ? padded_top : 0;
            float *best_row = output + (ptrdiff_t)p * out_plane + (ptrdiff_t)oh * g->output_width;
            int32_t *index_row = argmax ? argmax + (ptrdiff_t)p * out_plane + (ptrdiff_t)oh * g->output_width : 0;
            for (int ow0 = 0; ow0 < g->output_width; ow0 += 16) {
                const int left = g->output_width - ow0;
                const __mmask16 outputs = left >= 16 ? (__mmask16)0xFFFF : (__mmask16)((1u << left) - 1);
                /* The first tap's column of each output, and whether its window has any column in the image. */
                const __m512i first = _mm512_sub_epi32(_mm512_mullo_epi32(_mm512_add_epi32(_mm512_set1_epi32(ow0), lanes),
                                                                          _mm512_set1_epi32(g->stride_width)),
                                                       _mm512_set1_epi32(g->pad_left));
                const __m512i start = _mm512_max_epi32(first, zero);
                const __m512i end = _mm512_min_epi32(_mm512_add_epi32(first, _mm512_set1_epi32(g->kernel_width)), width);
                __mmask16 empty = _mm512_cmpge_epi32_mask(start, end);
                if (top >= bottom) empty = 0xFFFF;
                __m512 best = _mm512_set1_ps(-INFINITY);
                __m512i index = _mm512_set1_epi32(-1);
                for (int h = top; h < bottom; h++) {
                    const float *row = plane + (ptrdiff_t)h * g->width;
                    const __m512i row_start = _mm512_set1_epi32(h * g->width);
                    for (int j = 0; j < g->kernel_width; j++) {
                        const __m512i x = _mm512_add_epi32(first, _mm512_set1_epi32(j));
                        const __mmask16 inside = outputs & _mm512_cmpge_epi32_mask(x, zero) & _mm512_cmplt_epi32_mask(x, width);
                        if (!inside) continue;
                        __m512 v;
                        if (g->stride_width == 1) {
                            v = _mm512_maskz_loadu_ps(inside, row + ow0 - g->pad_left + j);
                        } else if (g->stride_width == 2) {
                            /* The 32 floats from this tap's first column, then their even lanes. */
                            const int x0 = 2 * ow0 - g->pad_left + j;
                            v = _mm512_permutex2var_ps(_mm512_maskz_loadu_ps(span_mask(x0, g->width), row + x0), even,
                                                       _mm512_maskz_loadu_ps(span_mask(x0 + 16, g->width), row + x0 + 16));
                        } else {
                            v = _mm512_mask_i32gather_ps(_mm512_setzero_ps(), inside, x, row, 4);
                        }
                        const __mmask16 take = inside & (_mm512_cmp_ps_mask(v, best, _CMP_GT_OQ) | _mm512_cmp_ps_mask(v, v, _CMP_UNORD_Q));
                        best = _mm512_mask_mov_ps(best, take, v);
                        index = _mm512_mask_mov_epi32(index, take, _mm512_add_epi32(row_start, x));
                    }
                }
                best = _mm512_mask_mov_ps(best, empty, _mm512_setzero_ps());
                _mm512_mask_storeu_ps(best_row + ow0, outputs, best);
                if (index_row) _mm512_mask_storeu_epi32(index_row + ow0, outputs, index);
            }
        }
    }
}

int graft_simd_max_pool(graft_simd_isa isa, const float *input, float *output, int32_t *argmax, int planes,
                        const graft_simd_pool *g) {
    if (isa != GRAFT_SIMD_AVX512) return 0;
    max_pool_avx512(input, output, argmax, planes, g);
    return 1;
}

#else

int graft_simd_max_pool(graft_simd_isa isa, const float *input, float *output, int32_t *argmax, int planes,
                        const graft_simd_pool *g) {
    (void)isa; (void)input; (void)output; (void)argmax; (void)planes; (void)g;
    return 0;
}

#endif
