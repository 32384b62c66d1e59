/* Helpers shared by the kernels' C files (not part of the public header). */
#ifndef GRAFT_SIMD_INTERNAL_H
#define GRAFT_SIMD_INTERNAL_H

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

__attribute__((target("avx2"))) static inline __m256 relu256(__m256 v, __m256 slope, __m256 ceiling, __m256 threshold) {
    const __m256 above = _mm256_cmp_ps(v, threshold, _CMP_GT_OQ);
    return _mm256_blendv_ps(_mm256_mul_ps(slope, _mm256_sub_ps(v, threshold)), _mm256_min_ps(ceiling, v), above);
}
#endif

#endif
