/* Channels in blocks of eight (NCHW8c: per image [channels / 8][pixel][8]): the layout between
 * the pointwise and depthwise convolutions of depthwise-separable networks at inference.
 *
 * In it a 1x1 convolution needs no packing: one input value (one channel of one pixel) is
 * broadcast and multiplied into whole vectors of eight output channels, so a tile of six pixels
 * by sixteen output channels reads its six pixels' values in place and its outputs are contiguous
 * vectors. The planar form packs the image into panels first, and on 7x7 and 14x14 maps its
 * sixteen-pixel panels run part-empty. A harness on one Zen 3 core, MobileNetV2's shapes:
 * 76-95 GFLOP/s against 56-86 by pack + panel GEMM.
 *
 * Every output's sum starts from its bias and adds the products in order of input channel (the
 * panel GEMM's order), then the residual, then the activation: the same bits as the planar paths. */
#include "graft_simd.h"
#include "simd_internal.h"

#include <string.h>

enum { LANES = 8 };

ptrdiff_t graft_simd_pointwise_blocks_tiles(int output_channels) { return (output_channels + 15) / 16; }

void graft_simd_pointwise_blocks_pack(int output_channels, int input_channels, const float *weight, float *packed) {
    /* Tile t holds output channels [16 t, 16 t + width) as [input channel][width]. */
    for (int o0 = 0; o0 < output_channels; o0 += 16) {
        const int width = output_channels - o0 < 16 ? output_channels - o0 : 16;
        float *tile = packed + (ptrdiff_t)o0 * input_channels;
        for (int k = 0; k < input_channels; k++)
            for (int j = 0; j < width; j++) tile[(ptrdiff_t)k * width + j] = weight[(ptrdiff_t)(o0 + j) * input_channels + k];
    }
}

#if defined(__x86_64__) || defined(_M_X64)

/* Tiles ahead whose input each tile prefetches, block by block: the input's blocks lie a whole
 * map apart, more streams than the hardware prefetchers follow; on maps larger than the caches
 * (MobileNetV2 at batch 8) a 144 → 24 layer went 1.85 → 1.32 ms, cached maps unchanged. */
enum { PREFETCH_TILES = 2 };

/* P pixels by F blocks of output channels: sum over input blocks (`plane` floats apart), each of
 * its eight channels' F weight vectors loaded once for the P pixels' broadcast values (and the
 * input of the tile PREFETCH_TILES ahead fetched); output and residual blocks `out_plane` apart. */
#define POINTWISE_TILE(P, F)                                                                       \
    __attribute__((target("avx2,fma"))) static void pointwise_##P##_##F(                           \
        int K, ptrdiff_t plane, const float *x, const float *w, const float *bias, const float *residual, \
        const graft_simd_activation *activation, float *y, ptrdiff_t out_plane) {                  \
        __m256 acc[P][F];                                                                          \
        UNROLL for (int f = 0; f < F; f++) {                                                       \
            const __m256 b = bias ? _mm256_loadu_ps(bias + LANES * f) : _mm256_setzero_ps();       \
            UNROLL for (int p = 0; p < P; p++) acc[p][f] = b;                                      \
        }                                                                                          \
        for (int k0 = 0; k0 < K; k0 += LANES, x += plane) {                                        \
            UNROLL for (int q = 0; q < P * LANES; q += 16)                                         \
                _mm_prefetch((const char *)(x + P * LANES * PREFETCH_TILES + q), _MM_HINT_T0);     \
            UNROLL for (int j = 0; j < LANES; j++, w += F * LANES) {                               \
                __m256 wv[F];                                                              \
                UNROLL for (int f = 0; f < F; f++) wv[f] = _mm256_loadu_ps(w + LANES * f);         \
                UNROLL for (int p = 0; p < P; p++) {                                               \
                    const __m256 v = _mm256_broadcast_ss(x + p * LANES + j);                       \
                    UNROLL for (int f = 0; f < F; f++) acc[p][f] = _mm256_fmadd_ps(v, wv[f], acc[p][f]); \
                }                                                                                  \
            }                                                                                      \
        }                                                                                          \
        if (residual) {                                                                            \
            UNROLL for (int f = 0; f < F; f++) UNROLL for (int p = 0; p < P; p++)                  \
                acc[p][f] = _mm256_add_ps(acc[p][f], _mm256_loadu_ps(residual + f * out_plane + p * LANES)); \
        }                                                                                          \
        if (activation) {                                                                          \
            const act256 act = act256_of(activation);                                              \
            act256_apply_n(&act, &acc[0][0], P * F);                                               \
        }                                                                                          \
        UNROLL for (int f = 0; f < F; f++) UNROLL for (int p = 0; p < P; p++)                      \
            _mm256_storeu_ps(y + f * out_plane + p * LANES, acc[p][f]);                            \
    }

typedef void (*pointwise_tile)(int, ptrdiff_t, const float *, const float *, const float *, const float *,
                               const graft_simd_activation *, float *, ptrdiff_t);

POINTWISE_TILE(1, 2) POINTWISE_TILE(2, 2) POINTWISE_TILE(3, 2) POINTWISE_TILE(4, 2) POINTWISE_TILE(5, 2)
POINTWISE_TILE(6, 2)
POINTWISE_TILE(1, 1) POINTWISE_TILE(2, 1) POINTWISE_TILE(3, 1) POINTWISE_TILE(4, 1) POINTWISE_TILE(5, 1)
POINTWISE_TILE(6, 1) POINTWISE_TILE(7, 1) POINTWISE_TILE(8, 1) POINTWISE_TILE(9, 1) POINTWISE_TILE(10, 1)
POINTWISE_TILE(11, 1) POINTWISE_TILE(12, 1)

/* Indexed by pixels: six pixels by two blocks (12 accumulators, two weight vectors and a
 * broadcast: 15 of AVX2's 16 registers), or for a last block alone twelve pixels by one. */
static const pointwise_tile two_blocks[7] = {
    0, pointwise_1_2, pointwise_2_2, pointwise_3_2, pointwise_4_2, pointwise_5_2, pointwise_6_2,
};
static const pointwise_tile one_block[13] = {
    0, pointwise_1_1, pointwise_2_1, pointwise_3_1, pointwise_4_1, pointwise_5_1, pointwise_6_1,
    pointwise_7_1, pointwise_8_1, pointwise_9_1, pointwise_10_1, pointwise_11_1, pointwise_12_1,
};

__attribute__((target("avx"))) static void to_blocks_avx(const float *planes, int channels, ptrdiff_t area, float *blocks) {
    for (int c0 = 0; c0 < channels; c0 += LANES) {
        const float *in = planes + (ptrdiff_t)c0 * area;
        float *out = blocks + (ptrdiff_t)c0 * area;
        ptrdiff_t p = 0;
        for (; p + LANES <= area; p += LANES) {
            __m256 r[LANES];
            UNROLL for (int c = 0; c < LANES; c++) r[c] = _mm256_loadu_ps(in + c * area + p);
            transpose8x8(r);
            UNROLL for (int q = 0; q < LANES; q++) _mm256_storeu_ps(out + (p + q) * LANES, r[q]);
        }
        for (; p < area; p++)
            for (int c = 0; c < LANES; c++) out[p * LANES + c] = in[c * area + p];
    }
}

__attribute__((target("avx"))) static void from_blocks_avx(const float *blocks, int channels, ptrdiff_t area, float *planes) {
    for (int c0 = 0; c0 < channels; c0 += LANES) {
        const float *in = blocks + (ptrdiff_t)c0 * area;
        float *out = planes + (ptrdiff_t)c0 * area;
        ptrdiff_t p = 0;
        for (; p + LANES <= area; p += LANES) {
            __m256 r[LANES];
            UNROLL for (int q = 0; q < LANES; q++) r[q] = _mm256_loadu_ps(in + (p + q) * LANES);
            transpose8x8(r);
            UNROLL for (int c = 0; c < LANES; c++) _mm256_storeu_ps(out + c * area + p, r[c]);
        }
        for (; p < area; p++)
            for (int c = 0; c < LANES; c++) out[c * area + p] = in[p * LANES + c];
    }
}
#endif

#if defined(__x86_64__) || defined(_M_X64)
void graft_simd_pointwise_blocks_run(int output_channels, int input_channels, ptrdiff_t plane, const float *input,
                                     const float *packed, const float *bias, const float *residual,
                                     const graft_simd_activation *activation, float *output, ptrdiff_t out_plane, int tile,
                                     ptrdiff_t pixels) {
    const int o0 = 16 * tile, blocks = output_channels - o0 < 16 ? 1 : 2;
    const float *w = packed + (ptrdiff_t)o0 * input_channels;
    const float *b = bias ? bias + o0 : 0;
    const int step = blocks == 2 ? 6 : 12;
    const pointwise_tile *kernels = blocks == 2 ? two_blocks : one_block;
    for (ptrdiff_t p = 0; p < pixels; p += step) {
        const int count = pixels - p < step ? (int)(pixels - p) : step;
        kernels[count](input_channels, plane, input + p * LANES, w, b, residual ? residual + p * LANES : 0, activation,
                       output + p * LANES, out_plane);
    }
}
#endif

int graft_simd_pointwise_blocks(graft_simd_isa isa, int output_channels, int input_channels, ptrdiff_t area,
                                const float *input, const float *packed, const float *bias, const float *residual,
                                const graft_simd_activation *activation, float *output,
                                int tile, ptrdiff_t first_pixel, ptrdiff_t pixels) {
    if (isa == GRAFT_SIMD_NONE || output_channels % LANES || input_channels % LANES || output_channels < 1
        || input_channels < 1 || tile < 0 || 16 * tile >= output_channels || first_pixel < 0 || pixels < 0
        || first_pixel + pixels > area)
        return 0;
#if defined(__x86_64__) || defined(_M_X64)
    const ptrdiff_t plane = area * LANES, at = (ptrdiff_t)16 * tile * area + first_pixel * LANES;
    graft_simd_pointwise_blocks_run(output_channels, input_channels, plane, input + first_pixel * LANES, packed, bias,
                                    residual ? residual + at : 0, activation, output + at, plane, tile, pixels);
    return 1;
#else
    (void)input; (void)packed; (void)bias; (void)residual; (void)activation; (void)output;
    return 0;
#endif
}

void graft_simd_to_blocks(graft_simd_isa isa, const float *planes, int channels, ptrdiff_t area, float *blocks) {
#if defined(__x86_64__) || defined(_M_X64)
    if (isa != GRAFT_SIMD_NONE) { to_blocks_avx(planes, channels, area, blocks); return; }
#else
    (void)isa;
#endif
    for (int c = 0; c < channels; c++)
        for (ptrdiff_t p = 0; p < area; p++)
            blocks[((ptrdiff_t)(c / LANES) * area + p) * LANES + c % LANES] = planes[(ptrdiff_t)c * area + p];
}

void graft_simd_from_blocks(graft_simd_isa isa, const float *blocks, int channels, ptrdiff_t area, float *planes) {
#if defined(__x86_64__) || defined(_M_X64)
    if (isa != GRAFT_SIMD_NONE) { from_blocks_avx(blocks, channels, area, planes); return; }
#else
    (void)isa;
#endif
    for (int c = 0; c < channels; c++)
        for (ptrdiff_t p = 0; p < area; p++)
            planes[(ptrdiff_t)c * area + p] = blocks[((ptrdiff_t)(c / LANES) * area + p) * LANES + c % LANES];
}

void graft_simd_blocks_subsample(const float *blocks, int channels, int height, int width, int stride_h, int stride_w,
                                 int out_height, int out_width, float *out) {
    const ptrdiff_t area = (ptrdiff_t)height * width, out_area = (ptrdiff_t)out_height * out_width;
    for (int b = 0; b < channels / LANES; b++) {
        const float *in = blocks + (ptrdiff_t)b * area * LANES;
        float *o = out + (ptrdiff_t)b * out_area * LANES;
        for (int y = 0; y < out_height; y++) {
            const float *row = in + (ptrdiff_t)y * stride_h * width * LANES;
            for (int x = 0; x < out_width; x++, o += LANES)
                memcpy(o, row + (ptrdiff_t)x * stride_w * LANES, LANES * sizeof(float));
        }
    }
}

#if defined(__x86_64__) || defined(_M_X64)
__attribute__((target("avx"))) static void scale_blocks_avx(const float *input, const float *factors, float *output,
                                                            ptrdiff_t blocks, ptrdiff_t area) {
    for (ptrdiff_t b = 0; b < blocks; b++) {
        const __m256 factor = _mm256_loadu_ps(factors + b * LANES);
        const float *x = input + b * area * LANES;
        float *y = output + b * area * LANES;
        ptrdiff_t p = 0;
        for (; p + 4 <= area; p += 4) {
            UNROLL for (int k = 0; k < 4; k++)
                _mm256_storeu_ps(y + (p + k) * LANES, _mm256_mul_ps(_mm256_loadu_ps(x + (p + k) * LANES), factor));
        }
        for (; p < area; p++) _mm256_storeu_ps(y + p * LANES, _mm256_mul_ps(_mm256_loadu_ps(x + p * LANES), factor));
    }
}
#endif

void graft_simd_scale_blocks(graft_simd_isa isa, const float *input, const float *factors, float *output, ptrdiff_t blocks,
                             ptrdiff_t area) {
#if defined(__x86_64__) || defined(_M_X64)
    if (isa != GRAFT_SIMD_NONE) { scale_blocks_avx(input, factors, output, blocks, area); return; }
#else
    (void)isa;
#endif
    for (ptrdiff_t b = 0; b < blocks; b++)
        for (ptrdiff_t p = 0; p < area; p++)
            for (int c = 0; c < LANES; c++) output[(b * area + p) * LANES + c] = input[(b * area + p) * LANES + c] * factors[b * LANES + c];
}
