/* Helpers shared by the kernels' C files (not part of the public header). */
#ifndef GRAFT_SIMD_INTERNAL_H
#define GRAFT_SIMD_INTERNAL_H

#include "graft_simd.h"

/* Whether the windows have at least one output and a kernel, stride and dilation of at least 1. */
static inline int windows_valid(const graft_simd_patches *g) {
    return g->kernel_height >= 1 && g->kernel_width >= 1 && g->output_height >= 1 && g->output_width >= 1
           && g->stride_height >= 1 && g->stride_width >= 1 && g->dilation_height >= 1 && g->dilation_width >= 1;
}

#if defined(__x86_64__) || defined(_M_X64)
#include <immintrin.h>

/* A tile's row loops must become straight-line code so that the accumulators live in registers. */
#define UNROLL _Pragma("clang loop unroll(full)")

/* The first `valid` of 16 lanes (none for valid <= 0, all for valid >= 16). */
static inline __mmask16 lanes16(int valid) {
    return valid >= 16 ? (__mmask16)0xFFFF : valid <= 0 ? (__mmask16)0 : (__mmask16)((1u << valid) - 1);
}

/* The first `valid` of 8 lanes, as an AVX2 mask vector. */
__attribute__((target("avx2"))) static inline __m256i lanes8(int valid) {
    return _mm256_cmpgt_epi32(_mm256_set1_epi32(valid), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
}

/* GraftKernels' ReLU, x > threshold ? min(x, ceiling) : slope * (x - threshold), on a vector: the
 * same operations in the same order, so the result equals the separate layer's bit for bit. */
__attribute__((target("avx512f"))) static inline __m512 relu512(__m512 v, __m512 slope, __m512 ceiling, __m512 threshold) {
    const __mmask16 above = _mm512_cmp_ps_mask(v, threshold, _CMP_GT_OQ);
    return _mm512_mask_blend_ps(above, _mm512_mul_ps(slope, _mm512_sub_ps(v, threshold)), _mm512_min_ps(ceiling, v));
}

/* Transposes the 8x8 block r[0..7] (row i = r[i]) in place: 8 unpacks, 8 shuffles, 8 lane swaps. */
__attribute__((target("avx"))) static inline void transpose8x8(__m256 r[8]) {
    const __m256 t0 = _mm256_unpacklo_ps(r[0], r[1]), t1 = _mm256_unpackhi_ps(r[0], r[1]);
    const __m256 t2 = _mm256_unpacklo_ps(r[2], r[3]), t3 = _mm256_unpackhi_ps(r[2], r[3]);
    const __m256 t4 = _mm256_unpacklo_ps(r[4], r[5]), t5 = _mm256_unpackhi_ps(r[4], r[5]);
    const __m256 t6 = _mm256_unpacklo_ps(r[6], r[7]), t7 = _mm256_unpackhi_ps(r[6], r[7]);
    const __m256 s0 = _mm256_shuffle_ps(t0, t2, _MM_SHUFFLE(1, 0, 1, 0)), s1 = _mm256_shuffle_ps(t0, t2, _MM_SHUFFLE(3, 2, 3, 2));
    const __m256 s2 = _mm256_shuffle_ps(t1, t3, _MM_SHUFFLE(1, 0, 1, 0)), s3 = _mm256_shuffle_ps(t1, t3, _MM_SHUFFLE(3, 2, 3, 2));
    const __m256 s4 = _mm256_shuffle_ps(t4, t6, _MM_SHUFFLE(1, 0, 1, 0)), s5 = _mm256_shuffle_ps(t4, t6, _MM_SHUFFLE(3, 2, 3, 2));
    const __m256 s6 = _mm256_shuffle_ps(t5, t7, _MM_SHUFFLE(1, 0, 1, 0)), s7 = _mm256_shuffle_ps(t5, t7, _MM_SHUFFLE(3, 2, 3, 2));
    r[0] = _mm256_permute2f128_ps(s0, s4, 0x20);
    r[1] = _mm256_permute2f128_ps(s1, s5, 0x20);
    r[2] = _mm256_permute2f128_ps(s2, s6, 0x20);
    r[3] = _mm256_permute2f128_ps(s3, s7, 0x20);
    r[4] = _mm256_permute2f128_ps(s0, s4, 0x31);
    r[5] = _mm256_permute2f128_ps(s1, s5, 0x31);
    r[6] = _mm256_permute2f128_ps(s2, s6, 0x31);
    r[7] = _mm256_permute2f128_ps(s3, s7, 0x31);
}

__attribute__((target("avx2"))) static inline __m256 relu256(__m256 v, __m256 slope, __m256 ceiling, __m256 threshold) {
    const __m256 above = _mm256_cmp_ps(v, threshold, _CMP_GT_OQ);
    return _mm256_blendv_ps(_mm256_mul_ps(slope, _mm256_sub_ps(v, threshold)), _mm256_min_ps(ceiling, v), above);
}

/* graft_simd_pointwise_blocks's sums (blocks.c; AVX2, sizes already checked) for `pixels` pixels
 * from `input` (its blocks `plane` floats apart) into the tile's output blocks from `output`
 * (and residual), `out_plane` floats apart: a fused kernel writes them into its own buffer. */
void graft_simd_pointwise_blocks_run(int output_channels, int input_channels, ptrdiff_t plane, const float *input,
                                     const float *packed, const float *bias, const float *residual,
                                     const graft_simd_activation *activation, float *output, ptrdiff_t out_plane, int tile,
                                     ptrdiff_t pixels);
#endif

#endif
