/* The ceiling of the vector kernels: independent chains of FMAs on registers only (no memory),
 * 12 on AVX2 and 24 on AVX-512, most of each set's registers, so that the FMA latency leaves the
 * units idle as little as can be (on AVX2 here one thread reached 87-103 GFLOP/s; AVX-512 not run
 * on an AVX-512 machine yet). Benchmarks print the rate beside their results: on the 2-core VMs
 * Graft is measured on, two threads ran these chains at 184 and then at 98 GFLOP/s two minutes
 * later, and a kernel's ratio to another engine's means little without knowing which phase the
 * host was in. */
#include "graft_simd.h"

#if defined(__x86_64__) || defined(_M_X64)
#include <immintrin.h>

enum { AVX2_CHAINS = 12, AVX512_CHAINS = 24 };

__attribute__((target("avx2,fma"))) static double chains_avx2(long iterations, float multiplier, float addend) {
    const __m256 m = _mm256_set1_ps(multiplier), c = _mm256_set1_ps(addend);
    __m256 a[AVX2_CHAINS];
    for (int i = 0; i < AVX2_CHAINS; i++) a[i] = _mm256_set1_ps((float)i);
    for (long n = 0; n < iterations; n++) {
        _Pragma("clang loop unroll(full)") for (int i = 0; i < AVX2_CHAINS; i++) a[i] = _mm256_fmadd_ps(a[i], m, c);
    }
    double sum = 0;
    for (int i = 0; i < AVX2_CHAINS; i++) {
        float lanes[8];
        _mm256_storeu_ps(lanes, a[i]);
        for (int l = 0; l < 8; l++) sum += lanes[l];
    }
    return sum;
}

__attribute__((target("avx512f"))) static double chains_avx512(long iterations, float multiplier, float addend) {
    const __m512 m = _mm512_set1_ps(multiplier), c = _mm512_set1_ps(addend);
    __m512 a[AVX512_CHAINS];
    for (int i = 0; i < AVX512_CHAINS; i++) a[i] = _mm512_set1_ps((float)i);
    for (long n = 0; n < iterations; n++) {
        _Pragma("clang loop unroll(full)") for (int i = 0; i < AVX512_CHAINS; i++) a[i] = _mm512_fmadd_ps(a[i], m, c);
    }
    double sum = 0;
    for (int i = 0; i < AVX512_CHAINS; i++) {
        float lanes[16];
        _mm512_storeu_ps(lanes, a[i]);
        for (int l = 0; l < 16; l++) sum += lanes[l];
    }
    return sum;
}

double graft_simd_fma_chains(graft_simd_isa isa, long iterations, float multiplier, float addend) {
    switch (isa) {
    case GRAFT_SIMD_AVX512: return chains_avx512(iterations, multiplier, addend);
    case GRAFT_SIMD_AVX2: return chains_avx2(iterations, multiplier, addend);
    default: return 0;
    }
}

int graft_simd_fma_chain_count(graft_simd_isa isa) {
    switch (isa) {
    case GRAFT_SIMD_AVX512: return AVX512_CHAINS;
    case GRAFT_SIMD_AVX2: return AVX2_CHAINS;
    default: return 0;
    }
}

#else

double graft_simd_fma_chains(graft_simd_isa isa, long iterations, float multiplier, float addend) {
    (void)isa; (void)iterations; (void)multiplier; (void)addend;
    return 0;
}

int graft_simd_fma_chain_count(graft_simd_isa isa) { (void)isa; return 0; }

#endif
