/* Sigmoid and Swish over arrays, eight floats to a vector (AVX2): EfficientNet spends more time in
 * its Swish passes than in its convolutions when every element calls the C library's expf.
 *
 * e^x is Cephes's expf: x = n ln 2 + r with |r| <= ln 2 / 2 (ln 2 split in two so that r is exact),
 * e^r = 1 + r + r^2 p(r) with p of degree 5, scaled by 2^n through the exponent bits; relative
 * error within 2 ulp of the true value where it is normal, 2^n applied in two halves so that
 * results near the top stay finite and those below 2^-126 round to subnormals; below -104 it is 0,
 * above 88.72 infinity (what expf rounds to there); NaN stays NaN. The
 * sigmoid is then the scalar one's formula: 1 / (1 + e^-x) for x >= 0, e^x / (1 + e^x) below. */
#include "graft_simd.h"
#include "simd_internal.h"

#if defined(__x86_64__) || defined(_M_X64)

__attribute__((target("avx2,fma"))) static inline __m256 exp256(__m256 x) {
    const __m256 high = _mm256_set1_ps(88.7228393f), low = _mm256_set1_ps(-103.972076f);
    const __m256 clamped = _mm256_max_ps(_mm256_min_ps(x, high), low);
    const __m256 n = _mm256_round_ps(_mm256_mul_ps(clamped, _mm256_set1_ps(1.44269504088896341f)),
                                     _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    __m256 r = _mm256_fnmadd_ps(n, _mm256_set1_ps(0.693359375f), clamped);
    r = _mm256_fnmadd_ps(n, _mm256_set1_ps(-2.12194440e-4f), r);
    __m256 p = _mm256_set1_ps(1.9875691500e-4f);
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.3981999507e-3f));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(8.3334519073e-3f));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(4.1665795894e-2f));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.6666665459e-1f));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(5.0000001201e-1f));
    const __m256 er = _mm256_add_ps(_mm256_fmadd_ps(_mm256_mul_ps(p, r), r, r), _mm256_set1_ps(1.0f));
    /* 2^n as 2^(n/2) 2^(n - n/2): both factors normal for n in [-150, 128] (the clamp), so that
     * results near the top stay finite and those near the bottom round to subnormals. */
    const __m256i whole = _mm256_cvtps_epi32(n), half = _mm256_srai_epi32(whole, 1);
    const __m256i bias = _mm256_set1_epi32(127);
    const __m256 first = _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_add_epi32(half, bias), 23));
    const __m256 second = _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_add_epi32(_mm256_sub_epi32(whole, half), bias), 23));
    __m256 result = _mm256_mul_ps(_mm256_mul_ps(er, first), second);
    result = _mm256_blendv_ps(result, _mm256_setzero_ps(), _mm256_cmp_ps(x, low, _CMP_LT_OQ));
    result = _mm256_blendv_ps(result, _mm256_set1_ps(__builtin_inff()), _mm256_cmp_ps(x, high, _CMP_GT_OQ));
    return _mm256_blendv_ps(result, x, _mm256_cmp_ps(x, x, _CMP_UNORD_Q));
}

__attribute__((target("avx2,fma"))) static inline __m256 sigmoid256(__m256 x) {
    const __m256 one = _mm256_set1_ps(1.0f);
    const __m256 negative = _mm256_cmp_ps(x, _mm256_setzero_ps(), _CMP_LT_OQ);
    /* e^-|x|: e^-x for x >= 0, e^x below (never overflows). */
    const __m256 e = exp256(_mm256_blendv_ps(_mm256_sub_ps(_mm256_setzero_ps(), x), x, negative));
    const __m256 denominator = _mm256_add_ps(one, e);
    return _mm256_div_ps(_mm256_blendv_ps(one, e, negative), denominator);
}

__attribute__((target("avx2,fma"))) static void activation_avx2(int swish, const float *input, float *output, ptrdiff_t count) {
    ptrdiff_t i = 0;
    for (; i + 8 <= count; i += 8) {
        const __m256 x = _mm256_loadu_ps(input + i);
        const __m256 s = sigmoid256(x);
        _mm256_storeu_ps(output + i, swish ? _mm256_mul_ps(x, s) : s);
    }
    if (i < count) {
        float lanes[8] = {0};
        for (ptrdiff_t k = i; k < count; k++) lanes[k - i] = input[k];
        const __m256 x = _mm256_loadu_ps(lanes);
        const __m256 s = sigmoid256(x);
        _mm256_storeu_ps(lanes, swish ? _mm256_mul_ps(x, s) : s);
        for (ptrdiff_t k = i; k < count; k++) output[k] = lanes[k - i];
    }
}
#endif

int graft_simd_sigmoid(graft_simd_isa isa, int swish, const float *input, float *output, ptrdiff_t count) {
    if (isa == GRAFT_SIMD_NONE || count < 0) return 0;
#if defined(__x86_64__) || defined(_M_X64)
    activation_avx2(swish, input, output, count);
    return 1;
#else
    (void)swish; (void)input; (void)output;
    return 0;
#endif
}
