/* Sigmoid and Swish over arrays, eight floats to a vector (AVX2): EfficientNet spends more time in
 * its Swish passes than in its convolutions when every element calls the C library's expf. The
 * vector functions live in simd_internal.h, where the convolutions that apply Swish as they store
 * their outputs take them too (the same bits as these passes).
 *
 * The sigmoid needs e^-|x| only, so e^x for x <= 0: Cephes's expf, x = n ln 2 + r with
 * |r| <= ln 2 / 2 (ln 2 split in two so that r is exact), e^r = 1 + r + r^2 p(r) with p of degree
 * 5, scaled by 2^n through the exponent bits; relative error within 2 ulp of the true value where
 * it is normal, results below 2^-126 rounded to subnormals, 0 below -103.97; NaN stays NaN. The
 * sigmoid is then the scalar one's formula: 1 / (1 + e^-x) for x >= 0, e^x / (1 + e^x) below. */
#include "graft_simd.h"
#include "simd_internal.h"

#if defined(__x86_64__) || defined(_M_X64)

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
