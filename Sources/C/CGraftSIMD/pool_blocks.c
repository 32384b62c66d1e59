/* Pooling on channels in blocks of eight (blocks.c's layout, [blocks][height][width][8]): each
 * tap is one vector of eight channels, so a window of any shape and stride is a run of vector
 * maxima or sums, where the planar kernels shuffle strided columns. ResNet's max pool between its
 * first layer (which then writes blocks) and its blocked 1x1 layers, and its final global average,
 * run here without a conversion on either side.
 *
 * Per channel the same operations in the same order as GraftKernels' planar loops: taps in
 * row-major window order; a max starts from -infinity and a tap wins when greater or NaN (the last
 * NaN of the window stays); a sum starts from 0, adds the taps, then is divided by the divisor as
 * a float; a window with no tap in the image gives 0. So the results are their bits (but for the
 * portable loop's sums of several NaNs, which may carry another of their payloads: C orders an
 * addition's operands freely). */
#include "graft_simd.h"
#include "simd_internal.h"

/* The window's extent along one axis: [*start, *end) in the image, *padded its length clipped to
 * the padded input (an average's divisor with padding). */
static inline void pool_span(int index, int stride, int pad_before, int pad_after, int kernel, int size, int *start,
                             int *end, int *padded) {
    const int padded_start = index * stride - pad_before;
    int padded_end = padded_start + kernel;
    if (padded_end > size + pad_after) padded_end = size + pad_after;
    *padded = padded_end - padded_start;
    *start = padded_start > 0 ? padded_start : 0;
    *end = padded_end < size ? padded_end : size;
}

/* Output (oh, ow)'s window: image rows [w->top, w->bottom) and columns [w->left, w->right) (empty
 * when either is), and what an average divides by. */
typedef struct { int top, bottom, left, right, divisor; } pool_window;

static inline pool_window window_at(const graft_simd_pool *g, int oh, int ow, int include_padding) {
    pool_window w;
    int rows_padded, columns_padded;
    pool_span(oh, g->stride_height, g->pad_top, g->pad_bottom, g->kernel_height, g->height, &w.top, &w.bottom, &rows_padded);
    pool_span(ow, g->stride_width, g->pad_left, g->pad_right, g->kernel_width, g->width, &w.left, &w.right, &columns_padded);
    w.divisor = include_padding ? rows_padded * columns_padded : (w.bottom - w.top) * (w.right - w.left);
    return w;
}

/* Output rows [row0, row1) of one block, a tap at (h, w) being the 8 floats at (h * width + w) * 8. */
static void pool_block_portable(const float *input, float *output, const graft_simd_pool *g, int row0, int row1,
                                int average, int include_padding) {
    for (int oh = row0; oh < row1; oh++) {
        for (int ow = 0; ow < g->output_width; ow++) {
            const pool_window win = window_at(g, oh, ow, include_padding);
            const int top = win.top, bottom = win.bottom, left = win.left, right = win.right;
            float *out = output + ((ptrdiff_t)oh * g->output_width + ow) * 8;
            for (int c = 0; c < 8; c++) {
                if (top >= bottom || left >= right) { out[c] = 0; continue; }
                float value = average ? 0.0f : -__builtin_inff();
                for (int h = top; h < bottom; h++)
                    for (int w = left; w < right; w++) {
                        const float x = input[((ptrdiff_t)h * g->width + w) * 8 + c];
                        if (average) value += x;
                        else if (x > value || x != x) value = x;
                    }
                out[c] = average ? value / (float)win.divisor : value;
            }
        }
    }
}

#if defined(__x86_64__) || defined(_M_X64)
#include <immintrin.h>

__attribute__((target("avx"))) static void pool_block_avx(const float *input, float *output, const graft_simd_pool *g,
                                                          int row0, int row1, int average, int include_padding) {
    for (int oh = row0; oh < row1; oh++) {
        for (int ow = 0; ow < g->output_width; ow++) {
            const pool_window win = window_at(g, oh, ow, include_padding);
            const int top = win.top, bottom = win.bottom, left = win.left, right = win.right;
            float *out = output + ((ptrdiff_t)oh * g->output_width + ow) * 8;
            if (top >= bottom || left >= right) {
                _mm256_storeu_ps(out, _mm256_setzero_ps());
                continue;
            }
            __m256 value = average ? _mm256_setzero_ps() : _mm256_set1_ps(-__builtin_inff());
/* One tap: max(x, value) is value when either is NaN or they are equal, x when greater; a NaN tap
 * then replaces it. */
#define POOL_TAP(AT)                                                                                   \
    {                                                                                                  \
        const __m256 x = _mm256_loadu_ps(AT);                                                          \
        value = average ? _mm256_add_ps(value, x)                                                      \
                        : _mm256_blendv_ps(_mm256_max_ps(x, value), x, _mm256_cmp_ps(x, x, _CMP_UNORD_Q)); \
    }
            if (bottom - top == 3 && right - left == 3) {
                /* A whole 3x3 window (ResNet's max pool) as straight-line code. */
                const float *corner = input + ((ptrdiff_t)top * g->width + left) * 8;
                UNROLL for (int h = 0; h < 3; h++) UNROLL for (int w = 0; w < 3; w++)
                    POOL_TAP(corner + ((ptrdiff_t)h * g->width + w) * 8)
            } else {
                for (int h = top; h < bottom; h++) {
                    const float *row = input + (ptrdiff_t)h * g->width * 8;
                    for (int w = left; w < right; w++) POOL_TAP(row + (ptrdiff_t)w * 8)
                }
            }
#undef POOL_TAP
            if (average) value = _mm256_div_ps(value, _mm256_set1_ps((float)win.divisor));
            _mm256_storeu_ps(out, value);
        }
    }
}

/* GLOBAL_BLOCKS blocks at a time, each block's pixels in order in its own register: a block's
 * sum is one chain of dependent adds (3-4 cycles each), so one block alone ran at a quarter of
 * what the loads allow. */
#define GLOBAL_BLOCKS 4

__attribute__((target("avx"))) static void global_pool_avx(const float *input, float *output, ptrdiff_t blocks,
                                                           ptrdiff_t area, int average) {
    const ptrdiff_t block_floats = area * 8;
    for (ptrdiff_t b0 = 0; b0 < blocks; b0 += GLOBAL_BLOCKS) {
        const int count = blocks - b0 < GLOBAL_BLOCKS ? (int)(blocks - b0) : GLOBAL_BLOCKS;
        /* A short group repeats its last block (computed, not stored). */
        const float *in[GLOBAL_BLOCKS];
        __m256 value[GLOBAL_BLOCKS];
        UNROLL for (int k = 0; k < GLOBAL_BLOCKS; k++) {
            in[k] = input + (b0 + (k < count ? k : count - 1)) * block_floats;
            value[k] = average ? _mm256_setzero_ps() : _mm256_set1_ps(-__builtin_inff());
        }
        if (average) {
            for (ptrdiff_t i = 0; i < block_floats; i += 8)
                UNROLL for (int k = 0; k < GLOBAL_BLOCKS; k++) value[k] = _mm256_add_ps(value[k], _mm256_loadu_ps(in[k] + i));
            UNROLL for (int k = 0; k < GLOBAL_BLOCKS; k++) value[k] = _mm256_div_ps(value[k], _mm256_set1_ps((float)area));
        } else {
            for (ptrdiff_t i = 0; i < block_floats; i += 8) {
                UNROLL for (int k = 0; k < GLOBAL_BLOCKS; k++) {
                    const __m256 x = _mm256_loadu_ps(in[k] + i);
                    value[k] = _mm256_blendv_ps(_mm256_max_ps(x, value[k]), x, _mm256_cmp_ps(x, x, _CMP_UNORD_Q));
                }
            }
        }
        UNROLL for (int k = 0; k < GLOBAL_BLOCKS; k++) {
            if (k < count) _mm256_storeu_ps(output + (b0 + k) * 8, value[k]);
        }
    }
}
#endif

void graft_simd_pool_block(graft_simd_isa isa, const float *input, float *output, const graft_simd_pool *g, int row0,
                           int row1, int average, int include_padding) {
    if (row0 < 0) row0 = 0;
    if (row1 > g->output_height) row1 = g->output_height;
#if defined(__x86_64__) || defined(_M_X64)
    if (isa != GRAFT_SIMD_NONE) {
        pool_block_avx(input, output, g, row0, row1, average, include_padding);
        return;
    }
#endif
    (void)isa;
    pool_block_portable(input, output, g, row0, row1, average, include_padding);
}

void graft_simd_global_pool_blocks(graft_simd_isa isa, const float *input, float *output, ptrdiff_t blocks, ptrdiff_t area,
                                   int average) {
    if (blocks < 1 || area < 1) return;
#if defined(__x86_64__) || defined(_M_X64)
    if (isa != GRAFT_SIMD_NONE) {
        global_pool_avx(input, output, blocks, area, average);
        return;
    }
#endif
    (void)isa;
    for (ptrdiff_t b = 0; b < blocks; b++) {
        const float *block = input + b * area * 8;
        for (int c = 0; c < 8; c++) {
            float value = average ? 0.0f : -__builtin_inff();
            for (ptrdiff_t i = 0; i < area; i++) {
                const float x = block[i * 8 + c];
                if (average) value += x;
                else if (x > value || x != x) value = x;
            }
            output[b * 8 + c] = average ? value / (float)area : value;
        }
    }
}
