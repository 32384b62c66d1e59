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

/* e^x on eight lanes for x <= 0 or NaN (the sigmoid's e^-|x|), by Cephes's method (exp.c's
 * header comment has it and its accuracy): NaN stays NaN (through the arithmetic; the clamp keeps
 * it), results below 2^-126 round to subnormals, and to 0 below -103.97 (ln 2^-150). No overflow
 * to handle: the sigmoid, and Swish folded into a convolution, spend most of their time here,
 * without a compare or blend (19-24 cycles a vector with the general e^x's blends, 13-16 without,
 * in a one-core C harness on a Zen 3). x is clamped at -110 (e^-110 rounds to 0 as e^x below it
 * does), so n lies in [-159, 0] and 2^n is applied as 2^(n + 64), a normal float, then 2^-64: the
 * first product is exact and the second rounds once, as e^r 2^n itself would. */
__attribute__((target("avx2,fma"))) static inline __m256 exp_nonpositive256(__m256 x) {
    x = _mm256_max_ps(_mm256_set1_ps(-110.0f), x);
    const __m256 n = _mm256_round_ps(_mm256_mul_ps(x, _mm256_set1_ps(1.44269504088896341f)),
                                     _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    __m256 r = _mm256_fnmadd_ps(n, _mm256_set1_ps(0.693359375f), x);
    r = _mm256_fnmadd_ps(n, _mm256_set1_ps(-2.12194440e-4f), r);
    __m256 p = _mm256_set1_ps(1.9875691500e-4f);
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.3981999507e-3f));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(8.3334519073e-3f));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(4.1665795894e-2f));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.6666665459e-1f));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(5.0000001201e-1f));
    const __m256 er = _mm256_add_ps(_mm256_fmadd_ps(_mm256_mul_ps(p, r), r, r), _mm256_set1_ps(1.0f)); /* e^r */
    const __m256i biased = _mm256_add_epi32(_mm256_cvtps_epi32(n), _mm256_set1_epi32(127 + 64));
    const __m256 scaled = _mm256_mul_ps(er, _mm256_castsi256_ps(_mm256_slli_epi32(biased, 23)));
    return _mm256_mul_ps(scaled, _mm256_set1_ps(0x1p-64f));
}

/* The scalar sigmoid's formula, 1 / (1 + e^-x) for x >= 0 and e^x / (1 + e^x) below, on eight
 * lanes (e^-|x| never overflows; -0 takes the second form, which gives the same 0.5). */
__attribute__((target("avx2,fma"))) static inline __m256 sigmoid256(__m256 x) {
    const __m256 one = _mm256_set1_ps(1.0f);
    const __m256 e = exp_nonpositive256(_mm256_or_ps(x, _mm256_set1_ps(-0.0f))); /* e^-|x| */
    /* blendv selects by the sign bit: e where x is negative. */
    return _mm256_div_ps(_mm256_blendv_ps(one, e, x), _mm256_add_ps(one, e));
}

/* x * (min(max(x + 3, 0), 6) / 6) with GraftKernels' HardSwish's operations (max and min keep a
 * NaN, like Swift's `max(x, 0)` and `min(x, 6)`): the same bits. */
__attribute__((target("avx2"))) static inline __m256 hard_swish256(__m256 x) {
    const __m256 six = _mm256_set1_ps(6.0f);
    const __m256 clipped = _mm256_min_ps(six, _mm256_max_ps(_mm256_setzero_ps(), _mm256_add_ps(x, _mm256_set1_ps(3.0f))));
    return _mm256_mul_ps(x, _mm256_div_ps(clipped, six));
}

/* A kernel's activation with its ReLU constants in vectors, set up once per tile or row. */
typedef struct {
    graft_simd_activation_kind kind;
    __m256 slope, ceiling, threshold;
} act256;

/* `a`'s constants (NULL: a zeroed ReLU, which callers then do not apply). */
__attribute__((target("avx2"))) static inline act256 act256_of(const graft_simd_activation *a) {
    act256 r;
    r.kind = a ? a->kind : GRAFT_SIMD_RELU;
    r.slope = _mm256_set1_ps(a ? a->negative_slope : 0);
    r.ceiling = _mm256_set1_ps(a ? a->ceiling : 0);
    r.threshold = _mm256_set1_ps(a ? a->threshold : 0);
    return r;
}

/* The activation on eight lanes, each lane's result a function of that lane alone: a kernel that
 * applies it to its sums in registers stores what the separate layer would (bit for bit). */
__attribute__((target("avx2,fma"))) static inline __m256 act256_apply(const act256 *a, __m256 v) {
    switch (a->kind) {
    case GRAFT_SIMD_SWISH: return _mm256_mul_ps(v, sigmoid256(v));
    case GRAFT_SIMD_HARD_SWISH: return hard_swish256(v);
    default: return relu256(v, a->slope, a->ceiling, a->threshold);
    }
}

/* act256_apply on v[0], ..., v[n - 1], the kind tested once: a tile's twelve accumulators
 * behind a switch each cost MobileNetV2's fused expansions 3-9 % (n is a constant where this is
 * inlined, so each case's loop unrolls and v stays in registers). */
__attribute__((target("avx2,fma"), always_inline)) static inline void act256_apply_n(const act256 *a, __m256 *v, int n) {
    switch (a->kind) {
    case GRAFT_SIMD_SWISH:
        UNROLL for (int i = 0; i < n; i++) v[i] = _mm256_mul_ps(v[i], sigmoid256(v[i]));
        break;
    case GRAFT_SIMD_HARD_SWISH:
        UNROLL for (int i = 0; i < n; i++) v[i] = hard_swish256(v[i]);
        break;
    default:
        UNROLL for (int i = 0; i < n; i++) v[i] = relu256(v[i], a->slope, a->ceiling, a->threshold);
    }
}

/* The same on sixteen lanes: the ReLU at full width, the others on each half. */
__attribute__((target("avx512f"))) static inline __m512 act512_apply(const act256 *a, __m512 v, __m512 slope, __m512 ceiling,
                                                                      __m512 threshold) {
    if (a->kind == GRAFT_SIMD_RELU) return relu512(v, slope, ceiling, threshold);
    const __m256 low = act256_apply(a, _mm512_castps512_ps256(v));
    const __m256 high = act256_apply(a, _mm256_castpd_ps(_mm512_extractf64x4_pd(_mm512_castps_pd(v), 1)));
    return _mm512_castpd_ps(_mm512_insertf64x4(_mm512_castps_pd(_mm512_castps256_ps512(low)), _mm256_castps_pd(high), 1));
}

/* act512_apply on v[0], ..., v[n - 1], the kind tested once (as act256_apply_n). */
__attribute__((target("avx512f"), always_inline)) static inline void act512_apply_n(const act256 *a, __m512 *v, int n, __m512 slope,
                                                                                   __m512 ceiling, __m512 threshold) {
    if (a->kind == GRAFT_SIMD_RELU) {
        UNROLL for (int i = 0; i < n; i++) v[i] = relu512(v[i], slope, ceiling, threshold);
    } else {
        UNROLL for (int i = 0; i < n; i++) v[i] = act512_apply(a, v[i], slope, ceiling, threshold);
    }
}

/* One float through the activation (a lane of a vector for Swish and HardSwish): for the scalar
 * tails of vector kernels. */
__attribute__((target("avx2,fma"))) static inline float act_one(const graft_simd_activation *a, float x) {
    if (a->kind == GRAFT_SIMD_RELU) return x > a->threshold ? (a->ceiling < x ? a->ceiling : x) : a->negative_slope * (x - a->threshold);
    const act256 vector = act256_of(a);
    return _mm256_cvtss_f32(act256_apply(&vector, _mm256_set1_ps(x)));
}

/* graft_simd_pointwise_blocks's sums (blocks.c; AVX2, sizes already checked) for `pixels` pixels
 * from `input` (its blocks `plane` floats apart) into the tile's output blocks from `output`
 * (and residual), `out_plane` floats apart: a fused kernel writes them into its own buffer. */
void graft_simd_pointwise_blocks_run(int output_channels, int input_channels, ptrdiff_t plane, const float *input,
                                     const float *packed, const float *bias, const float *residual,
                                     const graft_simd_activation *activation, float *output, ptrdiff_t out_plane, int tile,
                                     ptrdiff_t pixels);
#else
/* Without vector kernels no kernel is handed anything but a ReLU. */
static inline float act_one(const graft_simd_activation *a, float x) {
    return x > a->threshold ? (a->ceiling < x ? a->ceiling : x) : a->negative_slope * (x - a->threshold);
}
#endif

#endif
