/* Few-row products by a weight in its stored layout: inference's fully connected layers at batch
 * 1-8, which read every weight once and compute little with it (memory-bound GEMVs). Each output
 * is a dot product of the input rows with one contiguous weight row, so every core streams its own
 * weight rows front to back: ONNX Runtime read CaffeNet's fc6 at batch 1 at 48 GB/s on two cores
 * here, where OpenBLAS's sgemm on the transposed copy and a column-blocked loop both reached
 * about 25. Every output is summed in the same fixed order whatever the thread split. */
#include "graft_simd.h"
#include "simd_internal.h"

#if defined(__x86_64__) || defined(_M_X64)
#include <immintrin.h>

/* Two accumulators per input row (to hide the FMA latency at batch 1), summed lane-wise at the end. */
#define DOT_AVX512(R)                                                                              \
    __attribute__((target("avx512f"))) static void dot512_##R(int o0, int o1, int K, const float *x, \
            ptrdiff_t ldx, const float *W, ptrdiff_t ldw, float *y, ptrdiff_t ldy) {               \
        for (int o = o0; o < o1; o++) {                                                            \
            const float *w = W + (ptrdiff_t)o * ldw;                                               \
            __m512 a[R], b[R];                                                                     \
            for (int r = 0; r < R; r++) { a[r] = _mm512_setzero_ps(); b[r] = _mm512_setzero_ps(); } \
            int k = 0;                                                                             \
            for (; k + 32 <= K; k += 32) {                                                         \
                const __m512 w0 = _mm512_loadu_ps(w + k), w1 = _mm512_loadu_ps(w + k + 16);        \
                for (int r = 0; r < R; r++) {                                                      \
                    a[r] = _mm512_fmadd_ps(_mm512_loadu_ps(x + r * ldx + k), w0, a[r]);            \
                    b[r] = _mm512_fmadd_ps(_mm512_loadu_ps(x + r * ldx + k + 16), w1, b[r]);       \
                }                                                                                  \
            }                                                                                      \
            for (; k < K; k += 16) {                                                               \
                const __mmask16 m = lanes16(K - k);                                                \
                const __m512 w0 = _mm512_maskz_loadu_ps(m, w + k);                                 \
                for (int r = 0; r < R; r++)                                                        \
                    a[r] = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(m, x + r * ldx + k), w0, a[r]);   \
            }                                                                                      \
            for (int r = 0; r < R; r++) y[r * ldy + o] = _mm512_reduce_add_ps(_mm512_add_ps(a[r], b[r])); \
        }                                                                                          \
    }
DOT_AVX512(1) DOT_AVX512(2) DOT_AVX512(3) DOT_AVX512(4)

/* Batch 1, four weight rows at a time: four streams per core keep more loads in flight (CaffeNet's
 * fc6 on one core 15.5 → 22.9 GB/s, on two 26 → 30, Zen 4). Each output's sum is the same as
 * dot512_1's, operation for operation. */
__attribute__((target("avx512f"))) static void dot512_1x4(int o0, int o1, int K, const float *x,
        ptrdiff_t ldx, const float *W, ptrdiff_t ldw, float *y, ptrdiff_t ldy) {
    int o = o0;
    for (; o + 4 <= o1; o += 4) {
        const float *w = W + (ptrdiff_t)o * ldw;
        __m512 a[4], b[4];
        for (int j = 0; j < 4; j++) { a[j] = _mm512_setzero_ps(); b[j] = _mm512_setzero_ps(); }
        int k = 0;
        for (; k + 32 <= K; k += 32) {
            const __m512 x0 = _mm512_loadu_ps(x + k), x1 = _mm512_loadu_ps(x + k + 16);
            for (int j = 0; j < 4; j++) {
                a[j] = _mm512_fmadd_ps(x0, _mm512_loadu_ps(w + j * ldw + k), a[j]);
                b[j] = _mm512_fmadd_ps(x1, _mm512_loadu_ps(w + j * ldw + k + 16), b[j]);
            }
        }
        for (; k < K; k += 16) {
            const __mmask16 m = lanes16(K - k);
            const __m512 x0 = _mm512_maskz_loadu_ps(m, x + k);
            for (int j = 0; j < 4; j++) a[j] = _mm512_fmadd_ps(x0, _mm512_maskz_loadu_ps(m, w + j * ldw + k), a[j]);
        }
        for (int j = 0; j < 4; j++) y[o + j] = _mm512_reduce_add_ps(_mm512_add_ps(a[j], b[j]));
    }
    if (o < o1) dot512_1(o, o1, K, x, ldx, W, ldw, y, ldy);
}

__attribute__((target("avx2,fma"))) static inline float sum8(__m256 v) {
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    s = _mm_add_ss(s, _mm_shuffle_ps(s, s, 1));
    return _mm_cvtss_f32(s);
}

#define DOT_AVX2(R)                                                                                \
    __attribute__((target("avx2,fma"))) static void dot256_##R(int o0, int o1, int K, const float *x, \
            ptrdiff_t ldx, const float *W, ptrdiff_t ldw, float *y, ptrdiff_t ldy) {               \
        for (int o = o0; o < o1; o++) {                                                            \
            const float *w = W + (ptrdiff_t)o * ldw;                                               \
            __m256 a[R], b[R];                                                                     \
            for (int r = 0; r < R; r++) { a[r] = _mm256_setzero_ps(); b[r] = _mm256_setzero_ps(); } \
            int k = 0;                                                                             \
            for (; k + 16 <= K; k += 16) {                                                         \
                const __m256 w0 = _mm256_loadu_ps(w + k), w1 = _mm256_loadu_ps(w + k + 8);         \
                for (int r = 0; r < R; r++) {                                                      \
                    a[r] = _mm256_fmadd_ps(_mm256_loadu_ps(x + r * ldx + k), w0, a[r]);            \
                    b[r] = _mm256_fmadd_ps(_mm256_loadu_ps(x + r * ldx + k + 8), w1, b[r]);        \
                }                                                                                  \
            }                                                                                      \
            for (int r = 0; r < R; r++) {                                                          \
                float s = sum8(_mm256_add_ps(a[r], b[r]));                                         \
                for (int j = k; j < K; j++) s += x[r * ldx + j] * w[j]; /* tail, in order */       \
                y[r * ldy + o] = s;                                                                \
            }                                                                                      \
        }                                                                                          \
    }
DOT_AVX2(1) DOT_AVX2(2) DOT_AVX2(3) DOT_AVX2(4)

/* Batch 1, four weight rows at a time (see dot512_1x4); the same sums as dot256_1. */
__attribute__((target("avx2,fma"))) static void dot256_1x4(int o0, int o1, int K, const float *x,
        ptrdiff_t ldx, const float *W, ptrdiff_t ldw, float *y, ptrdiff_t ldy) {
    int o = o0;
    for (; o + 4 <= o1; o += 4) {
        const float *w = W + (ptrdiff_t)o * ldw;
        __m256 a[4], b[4];
        for (int j = 0; j < 4; j++) { a[j] = _mm256_setzero_ps(); b[j] = _mm256_setzero_ps(); }
        int k = 0;
        for (; k + 16 <= K; k += 16) {
            const __m256 x0 = _mm256_loadu_ps(x + k), x1 = _mm256_loadu_ps(x + k + 8);
            for (int j = 0; j < 4; j++) {
                a[j] = _mm256_fmadd_ps(x0, _mm256_loadu_ps(w + j * ldw + k), a[j]);
                b[j] = _mm256_fmadd_ps(x1, _mm256_loadu_ps(w + j * ldw + k + 8), b[j]);
            }
        }
        for (int j = 0; j < 4; j++) {
            float s = sum8(_mm256_add_ps(a[j], b[j]));
            for (int i = k; i < K; i++) s += x[i] * w[j * ldw + i]; /* tail, in order */
            y[o + j] = s;
        }
    }
    if (o < o1) dot256_1(o, o1, K, x, ldx, W, ldw, y, ldy);
}

typedef void (*dot_kernel)(int, int, int, const float *, ptrdiff_t, const float *, ptrdiff_t, float *, ptrdiff_t);
enum { KERNEL_ROWS = 4 };
static const dot_kernel dot512[KERNEL_ROWS + 1] = {0, dot512_1x4, dot512_2, dot512_3, dot512_4};
static const dot_kernel dot256[KERNEL_ROWS + 1] = {0, dot256_1x4, dot256_2, dot256_3, dot256_4};

/* Floats of weight rows a worker takes at a time when it has more than four input rows: a
 * block of 256 KB, read from memory by the first four rows' pass and from cache by the next. */
enum { ROW_BLOCK_FLOATS = 1 << 16 };

/* More than four rows: four at a time over blocks of weight rows that stay in cache (MobileNetV2's
 * classifier took 0.95 ms at batch 8 on the packed panels, 0.28 at batch 4 as dot products, and
 * 0.48 at batch 8 this way; Zen 3, 2 threads). Every row's sums are those of the four-row kernels,
 * so a row's result does not depend on the row count. */
static void few_rows_blocks(const dot_kernel *dot, int rows, int o0, int o1, int K, const float *x, ptrdiff_t ldx,
                            const float *W, ptrdiff_t ldw, float *y, ptrdiff_t ldy) {
    const int block = K > 0 && ROW_BLOCK_FLOATS / K > 4 ? ROW_BLOCK_FLOATS / K : 4;
    for (int b0 = o0; b0 < o1; b0 += block) {
        const int b1 = o1 - b0 > block ? b0 + block : o1;
        for (int r = 0; r < rows; r += KERNEL_ROWS) {
            const int count = rows - r < KERNEL_ROWS ? rows - r : KERNEL_ROWS;
            dot[count](b0, b1, K, x + (ptrdiff_t)r * ldx, ldx, W, ldw, y + (ptrdiff_t)r * ldy, ldy);
        }
    }
}
#endif

void graft_simd_few_rows(graft_simd_isa isa, int rows, int o0, int o1, int K, const float *x, ptrdiff_t ldx,
                         const float *W, ptrdiff_t ldw, float *y, ptrdiff_t ldy) {
    if (rows <= 0 || rows > GRAFT_ROWS_MAX || o1 <= o0) return;
#if defined(__x86_64__) || defined(_M_X64)
    if (isa == GRAFT_SIMD_AVX512 || isa == GRAFT_SIMD_AVX2) {
        const dot_kernel *dot = isa == GRAFT_SIMD_AVX512 ? dot512 : dot256;
        if (rows <= KERNEL_ROWS) dot[rows](o0, o1, K, x, ldx, W, ldw, y, ldy);
        else few_rows_blocks(dot, rows, o0, o1, K, x, ldx, W, ldw, y, ldy);
        return;
    }
#endif
    for (int o = o0; o < o1; o++)
        for (int r = 0; r < rows; r++) {
            const float *w = W + (ptrdiff_t)o * ldw, *xr = x + (ptrdiff_t)r * ldx;
            float s = 0;
            for (int k = 0; k < K; k++) s += xr[k] * w[k];
            y[(ptrdiff_t)r * ldy + o] = s;
        }
}
