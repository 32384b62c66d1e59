/* Graft's own vector kernels (AVX-512 or AVX2 + FMA, picked at run time): a GEMM on packed column
 * panels and the packing routines that feed it (im2col straight into panels, panel packing of
 * plain and transposed matrices), a stride-1 direct convolution that reads the padded image with
 * no im2col, the tile transforms of Winograd F(4, 3) (written straight into the GEMM's panels),
 * and max pooling.
 *
 * Why not OpenBLAS for these: the convolutions of small nets (CIFAR-sized maps, 32-64 channels)
 * are thin per-image GEMMs where OpenBLAS spends much of its time packing operands it receives in
 * the wrong layout. Here im2col writes the packed layout directly, and the kernel reads it as is.
 *
 * Everything is portable C; the kernels carry per-function target attributes and run only when
 * graft_simd_best() says the CPU (and OS) support them, so the library builds at the baseline
 * instruction set. On other CPUs the callers use BLAS instead. */
#ifndef GRAFT_SIMD_H
#define GRAFT_SIMD_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The instruction sets a panel kernel can use. */
typedef enum {
    GRAFT_SIMD_NONE = 0,   /* no kernel: use BLAS */
    GRAFT_SIMD_AVX2 = 1,   /* AVX2 + FMA: panels of 16 columns, tiles of up to 6 rows */
    GRAFT_SIMD_AVX512 = 2, /* AVX-512F: panels of 32 columns, tiles of up to 12 rows */
} graft_simd_isa;

/* The best instruction set this CPU and OS support (cpuid and xgetbv). */
graft_simd_isa graft_simd_best(void);

/* The most rows graft_simd_few_rows takes. */
#define GRAFT_ROWS_MAX 8

/* y[r][o] = sum over k < K of x[r][k] * W[o][k], for r < rows (1 ... GRAFT_ROWS_MAX) and
 * o0 <= o < o1: a few input rows by a weight in its stored [outputs, K] layout (inference's fully
 * connected layers at batch 1-8, memory-bound). Callers split [0, outputs) across threads; each
 * output's sum has the same order on every split and every row count. GRAFT_SIMD_NONE runs a
 * plain loop. */
void graft_simd_few_rows(graft_simd_isa isa, int rows, int o0, int o1, int K, const float *x, ptrdiff_t ldx,
                         const float *W, ptrdiff_t ldw, float *y, ptrdiff_t ldy);

/* Columns per packed panel for `isa` (0 for GRAFT_SIMD_NONE). */
int graft_simd_panel_width(graft_simd_isa isa);

/* What graft_simd_activation applies. */
typedef enum {
    /* x > threshold ? min(x, ceiling) : negative_slope * (x - threshold), the formula of
     * GraftKernels' separate ReLU (bit for bit). */
    GRAFT_SIMD_RELU = 0,
    /* x * sigmoid(x), with graft_simd_sigmoid's sigmoid (exp.c): the separate vector Swish's bits. */
    GRAFT_SIMD_SWISH = 1,
    /* x * (min(max(x + 3, 0), 6) / 6), the separate HardSwish's formula (bit for bit). */
    GRAFT_SIMD_HARD_SWISH = 2,
} graft_simd_activation_kind;

/* An activation applied to a kernel's output as it is stored (a zeroed struct is a plain ReLU;
 * the three floats are read by GRAFT_SIMD_RELU only). */
typedef struct {
    float negative_slope, ceiling, threshold;
    graft_simd_activation_kind kind;
} graft_simd_activation;

/* C[m, n] = (accumulate ? C[m, n] : bias ? bias[m] : 0) + sum over k < K of A(m, k) * B(k, n),
 * m < M, n < N (the sum starts from that value and adds the products in order of k).
 *
 * A(m, k) = A[m * a_row + (k / a_block) * a_block_stride + (k % a_block) * a_col]: a plain
 * row-major matrix is (a_row = lda, a_col = 1, a_block = K), its transpose (1, lda, K); a packed
 * panel matrix read as A is (width, 1, width, panel stride).
 * B is packed: B(k, n) = B[(n / w) * b_panel_stride + k * w + n % w] with w the panel width;
 * entries past N in the last panel are read but do not reach C.
 * C is row-major with row stride ldc; only its first N columns are read or written.
 * `residual` (NULL: none), laid out like C (row stride ldc), is added to each result after its sum,
 * then `activation` (NULL: none) is applied, as it is stored. */
void graft_simd_gemm(graft_simd_isa isa, int M, int N, int K,
                     const float *A, ptrdiff_t a_row, ptrdiff_t a_col, int a_block, ptrdiff_t a_block_stride,
                     const float *B, ptrdiff_t b_panel_stride,
                     float *C, ptrdiff_t ldc, int accumulate, const float *bias,
                     const float *residual, const graft_simd_activation *activation);

/* Runs `iterations` rounds of the instruction set's independent FMA chains on registers,
 * a = a * multiplier + addend, each chain starting from its index in every lane, and returns the
 * sum of every lane of every chain (so that nothing is left out; multiplier 1 and addend 1 give
 * (index + iterations) per lane while that is exact). 0 for GRAFT_SIMD_NONE. */
double graft_simd_fma_chains(graft_simd_isa isa, long iterations, float multiplier, float addend);

/* The chains graft_simd_fma_chains runs on `isa` (each a vector register: 8 lanes on AVX2, 16 on
 * AVX-512); 0 for GRAFT_SIMD_NONE. */
int graft_simd_fma_chain_count(graft_simd_isa isa);

/* The settings of Caffe's SGD step, already multiplied (rate and decay by their multipliers). */
typedef struct {
    float rate, momentum, decay;
} graft_simd_sgd;

/* One SGD step on weight[m * ld + n] (m < M, n < N) with gradient G = A * B (graft_simd_gemm's
 * operands and sums, a_block = K, starting from 0): h = momentum * h + rate * (G + decay * w),
 * w -= h, h = history[m * ld + n]; the multiplies and adds of GraftKernels' OptimizerKernels.sgd
 * in its order. The gradient never leaves the registers: the weight and its history are each
 * read and written once. */
void graft_simd_gemm_sgd(graft_simd_isa isa, int M, int N, int K,
                         const float *A, ptrdiff_t a_row, ptrdiff_t a_col,
                         const float *B, ptrdiff_t b_panel_stride,
                         float *weight, float *history, ptrdiff_t ld, const graft_simd_sgd *sgd);

/* Packs B(k, n) = src[k * ld + n] (k < K, n < N) into panels of `width` columns, zero past N. */
void graft_simd_pack_rows(int K, int N, const float *src, ptrdiff_t ld, int width,
                          float *dst, ptrdiff_t panel_stride);

/* Packs B(k, n) = src[n * ld + k], the transpose of a row-major [N, K] matrix. */
void graft_simd_pack_columns(int K, int N, const float *src, ptrdiff_t ld, int width,
                             float *dst, ptrdiff_t panel_stride);

/* The windows of a 2-D convolution over one image (Caffe's im2col geometry). */
typedef struct {
    int channels, height, width;
    int kernel_height, kernel_width;
    int stride_height, stride_width;
    int pad_top, pad_left;
    int dilation_height, dilation_width;
    int output_height, output_width;
} graft_simd_patches;

/* Height and width of the padded image: exactly the rows and columns the windows reach. */
void graft_simd_padded_size(const graft_simd_patches *g, int *height, int *width);

/* Copies one image [channels, height, width] into its padded form, zeros around it (rows or
 * columns of the image that no window reaches are left out). */
void graft_simd_pad(const float *image, const graft_simd_patches *g, float *padded);

/* The same with `isa`'s vector moves (plain C for GRAFT_SIMD_NONE). Writes nothing past the padded
 * image; reads nothing past the image. */
void graft_simd_pad_isa(graft_simd_isa isa, const float *image, const graft_simd_patches *g, float *padded);

/* im2col from the padded image straight into the panels `isa`'s GEMM reads (width w): column row
 * k = (c * kh + i) * kw + j, pixel p = oh * ow_count + ow, B(k, p) at
 * dst[(p / w) * panel_stride + k * w + p % w], zero past the last pixel. */
void graft_simd_im2col_panels(graft_simd_isa isa, const float *padded, const graft_simd_patches *g,
                              float *dst, ptrdiff_t panel_stride);

/* The same for panels [first, first + panels) only, panel `first` stored at dst: the forward pass
 * unfolds a few panels at a time and multiplies them while they are in cache. */
void graft_simd_im2col_panel_range(graft_simd_isa isa, const float *padded, const graft_simd_patches *g,
                                   int first, int panels, float *dst, ptrdiff_t panel_stride);

/* Whether graft_simd_conv_direct handles this geometry on `isa`: stride 1, and output rows that
 * split into whole vectors (AVX-512: a multiple of 16 pixels, or 8; AVX2: a multiple of 8). */
int graft_simd_direct_supported(graft_simd_isa isa, const graft_simd_patches *g);

/* A stride-1 convolution of one image (one group) without im2col:
 * C[m, p] = (accumulate ? C[m, p] : 0) + sum over k of A[m * a_row + k] * column k of pixel p,
 * reading the columns straight from the padded image (graft_simd_pad) of g->channels planes.
 * m < M, p < output area; C row-major with row stride ldc. Does nothing when unsupported. */
void graft_simd_conv_direct(graft_simd_isa isa, int M, const float *A, ptrdiff_t a_row,
                            const float *padded, const graft_simd_patches *g,
                            float *C, ptrdiff_t ldc, int accumulate);

/* Direct convolution with the output channels in the vector lanes (lanes.c): weights packed once,
 * inputs read from the padded image (graft_simd_pad), no im2col. */

/* Floats of `rows` weight rows of `columns` (input channels per group x kh x kw) packed for
 * graft_simd_lanes: rows rounded up to a panel of 16. */
ptrdiff_t graft_simd_lanes_weight_count(int rows, int columns);

/* packed[(p * columns + k) * 16 + l] = weight[(16 p + l) * weight_row + k], zero for rows past `rows`. */
void graft_simd_lanes_pack(int rows, int columns, const float *weight, ptrdiff_t weight_row, float *packed);

/* Whether graft_simd_lanes handles these windows on `isa` (AVX2 or AVX-512, which runs the AVX2
 * form; any window, stride and dilation). */
int graft_simd_lanes_supported(graft_simd_isa isa, const graft_simd_patches *g);

/* Output rows [16 first_panel, 16 (first_panel + panels)) (those below `rows`), pixels
 * [first_pixel, first_pixel + pixels) of one image and group: output[m * ldc + q] = act(bias[m] +
 * sum over k = (c * kh + i) * kw + j, in order, of W[m][k] * padded[c][oh * sh + i * dh][ow * sw
 * + j * dw] + residual[m * ldc + q]) with q = oh * output_width + ow, W packed by
 * graft_simd_lanes_pack, the padded image of g->channels planes from graft_simd_pad; bias,
 * residual, activation may be NULL. The panel GEMM's order of operations: the same bits as im2col
 * + graft_simd_gemm. Writes only those outputs. With `blocked_output` (one group, `rows` a multiple
 * of 8, ldc the map's area), output and residual hold channels in blocks of eight (blocks.c):
 * output m of pixel q at [(m / 8) * ldc + q] * 8 + m % 8; the same sums. */
void graft_simd_lanes(graft_simd_isa isa, int rows, const float *packed, const float *bias, const float *padded,
                      const graft_simd_patches *g, int first_panel, int panels, ptrdiff_t first_pixel, ptrdiff_t pixels,
                      const float *residual, ptrdiff_t ldc, const graft_simd_activation *activation, float *output,
                      int blocked_output);

/* Whether graft_simd_depthwise_interleaved handles these windows of one plane on `isa` (AVX2 or
 * AVX-512, which runs the AVX2 form; any window, stride and dilation). */
int graft_simd_depthwise_interleaved_supported(graft_simd_isa isa, const graft_simd_patches *g);

/* Output rows per band of graft_simd_depthwise_interleaved (the last band may have fewer). */
int graft_simd_depthwise_interleaved_band_rows(const graft_simd_patches *g);

/* The work units of graft_simd_depthwise_interleaved for `images` images: one per image, block of
 * eight output channels (the last may be part-filled) and band of output rows, numbered
 * (image * blocks + block) * bands + band. */
ptrdiff_t graft_simd_depthwise_interleaved_units(const graft_simd_patches *g, int images, int output_channels);

/* Floats of the scratch one graft_simd_depthwise_interleaved call needs (32-byte aligned). */
ptrdiff_t graft_simd_depthwise_interleaved_scratch(const graft_simd_patches *g);

/* Units [first, first + count) of a depthwise convolution (depthwise.c), one input
 * plane per output plane (g->channels == 1; input channel = output channel / multiplier):
 * output[n][oc][oh][ow] = act(bias[oc] + sum over the window, row-major, of kernel[oc][i][j] *
 * input at (oh * sh + i * dh - pad_top, ow * sw + j * dw - pad_left), zero outside), act the
 * identity when activation is NULL, bias zero when NULL. `scratch`: 32-byte aligned, of
 * graft_simd_depthwise_interleaved_scratch floats. Reads only the input planes and writes only the
 * units' output rows. Returns 0 (and does nothing) when unsupported. */
int graft_simd_depthwise_interleaved(graft_simd_isa isa, const float *input, const graft_simd_patches *g,
                                     int output_channels, int multiplier, ptrdiff_t first, ptrdiff_t count,
                                     const float *kernel, const float *bias, const graft_simd_activation *activation,
                                     float *output, float *scratch);

/* Rewrites a depthwise weight [channels][taps] (`channels` a multiple of 8) into the form
 * graft_simd_depthwise_blocks reads: per block of eight channels [tap][8]. */
void graft_simd_depthwise_blocks_pack(int channels, int taps, const float *kernel, float *packed);

/* The same units on channels in blocks of eight (blocks.c's layout: per image [channels / 8]
 * [height][width][8]; `channels` a multiple of 8, one input channel per output channel) for input,
 * output and `residual` (NULL: none; added before the activation), the weight packed by
 * graft_simd_depthwise_blocks_pack. The sums are the same as the planar form's, bit for bit.
 * Returns 0 (and does nothing) when unsupported. */
int graft_simd_depthwise_blocks(graft_simd_isa isa, const float *input, const graft_simd_patches *g, int channels,
                                ptrdiff_t first, ptrdiff_t count, const float *packed_kernel, const float *bias,
                                const float *residual, const graft_simd_activation *activation, float *output,
                                float *scratch);

/* A 1x1 convolution (stride 1, no pad, one group; input_channels -> channels) and the depthwise
 * convolution that alone reads its output, in one pass on blocked channels (depthwise.c):
 * MobileNet's expansion and the depthwise layer after it, without writing the expanded map. A
 * unit (image, tile of 16 expanded channels, band of output rows) expands its band's input rows
 * into buffers the depthwise taps then read: output = act(depthwise_bias + taps of e + residual)
 * with e = pointwise_activation(pointwise_bias + 1x1 sums), every sum in the order of the two
 * separate kernels (graft_simd_pointwise_blocks, graft_simd_depthwise_blocks): the same bits.
 * Weights packed by graft_simd_pointwise_blocks_pack and graft_simd_depthwise_blocks_pack; `g` the
 * depthwise windows on the expanded map (the input's height and width). Units [first, first +
 * count) of graft_simd_expand_depthwise_units; scratch: graft_simd_expand_depthwise_scratch floats,
 * 32-byte aligned, one per concurrent call. Returns 0 (and does nothing) when unsupported. */
ptrdiff_t graft_simd_expand_depthwise_units(const graft_simd_patches *g, int images, int channels);
ptrdiff_t graft_simd_expand_depthwise_scratch(const graft_simd_patches *g);
int graft_simd_expand_depthwise_blocks(graft_simd_isa isa, int input_channels, int channels, const float *input,
                                       const float *packed_pointwise, const float *pointwise_bias,
                                       const graft_simd_activation *pointwise_activation, const graft_simd_patches *g,
                                       const float *packed_depthwise, const float *depthwise_bias, const float *residual,
                                       const graft_simd_activation *activation, float *output, ptrdiff_t first,
                                       ptrdiff_t count, float *scratch);

/* A depthwise convolution (no residual) and the 1x1 convolution (stride 1, no pad, one group;
 * channels -> output_channels) that alone reads its output, in one pass on blocked channels
 * (depthwise.c): MobileNet's depthwise layer and the projection after it, without writing the
 * depthwise map. A unit (image, band of output rows) computes its rows of every channel into a
 * buffer in cache, then the 1x1 sums of its pixels from there: output = act(pointwise_bias + 1x1
 * sums of d + residual) with d = depthwise_activation(depthwise_bias + taps), every sum in the
 * order of the two separate kernels: the same bits. Weights packed by
 * graft_simd_depthwise_blocks_pack and graft_simd_pointwise_blocks_pack. Units [first, first +
 * count) of graft_simd_depthwise_pointwise_units; scratch: graft_simd_depthwise_pointwise_scratch
 * floats, 32-byte aligned, one per concurrent call. Returns 0 (and does nothing) when unsupported. */
ptrdiff_t graft_simd_depthwise_pointwise_units(const graft_simd_patches *g, int images, int channels);
ptrdiff_t graft_simd_depthwise_pointwise_scratch(const graft_simd_patches *g, int channels);
int graft_simd_depthwise_pointwise_blocks(graft_simd_isa isa, int channels, int output_channels, const float *input,
                                          const graft_simd_patches *g, const float *packed_depthwise,
                                          const float *depthwise_bias, const graft_simd_activation *depthwise_activation,
                                          const float *packed_pointwise, const float *pointwise_bias, const float *residual,
                                          const graft_simd_activation *activation, float *output, ptrdiff_t first,
                                          ptrdiff_t count, float *scratch);

/* Channels in blocks of eight (blocks.c): one image's [channels][area] planes as
 * [channels / 8][area][8] and back (`channels` a multiple of 8; 8x8 transposes on a vector unit,
 * else a plain loop). */
void graft_simd_to_blocks(graft_simd_isa isa, const float *planes, int channels, ptrdiff_t area, float *blocks);
void graft_simd_from_blocks(graft_simd_isa isa, const float *blocks, int channels, ptrdiff_t area, float *planes);

/* Every stride-th pixel of one image's blocks ([channels / 8][height][width][8]) into
 * [channels / 8][out_height][out_width][8]: pixel (y, x) of the output is (y * stride_h,
 * x * stride_w) of the input (which must hold it). What a 1x1 convolution with a stride reads. */
void graft_simd_blocks_subsample(const float *blocks, int channels, int height, int width, int stride_h, int stride_w,
                                 int out_height, int out_width, float *out);

/* Tiles of output channels of graft_simd_pointwise_blocks: 16 each, the last 8 when
 * output_channels % 16 == 8. */
ptrdiff_t graft_simd_pointwise_blocks_tiles(int output_channels);

/* A 1x1 convolution's weight [output_channels][input_channels] as graft_simd_pointwise_blocks
 * reads it (output_channels * input_channels floats): tile t's channels as [input channel][16]. */
void graft_simd_pointwise_blocks_pack(int output_channels, int input_channels, const float *weight, float *packed);

/* One image's 1x1 convolution (stride 1, no pad, one group) on channels in blocks of eight, for
 * tile `tile` of output channels and pixels [first_pixel, first_pixel + pixels) of `area`:
 * output = act(bias + sum over input channels in order of weight * input + residual), input,
 * output and residual (NULL: none) as [channels / 8][area][8]; channel counts multiples of 8.
 * The same sums in the same order as graft_simd_gemm's. Returns 0 (and does nothing) when
 * unsupported (no vector unit, bad sizes). */
int graft_simd_pointwise_blocks(graft_simd_isa isa, int output_channels, int input_channels, ptrdiff_t area,
                                const float *input, const float *packed, const float *bias, const float *residual,
                                const graft_simd_activation *activation, float *output,
                                int tile, ptrdiff_t first_pixel, ptrdiff_t pixels);

/* output[i] = sigmoid(input[i]), or input[i] * sigmoid(input[i]) (Swish) when `swish`, for
 * i < count, eight at a time (exp.c: Cephes's expf, within a few ulp of the C library's results;
 * NaN stays NaN). Input and output may be the same. Returns 0 (and does nothing) without a vector
 * unit. */
int graft_simd_sigmoid(graft_simd_isa isa, int swish, const float *input, float *output, ptrdiff_t count);

/* Winograd F(4, 3) for stride-1 3x3 convolutions (winograd.c): 4x4 outputs from each 6x6 input
 * tile by 36 GEMMs over transformed tiles. A chunk is `images` consecutive images of the batch;
 * its tiles are numbered image by image, row by row (tile t = (image * tiles_high + ty) *
 * tiles_wide + tx, covering outputs [4 ty, 4 ty + 4) x [4 tx, 4 tx + 4)), and are the columns of
 * the GEMMs: with w the panel width of the instruction set and P = ceil(tiles / w) panels,
 *   V (GEMM B, packed):  v[(xi * P + t / w) * channels * w + c * w + t % w]
 *   U (GEMM A):          u[xi * xi_stride + row * columns + column]
 *   M (GEMM C):          m[(xi * output_channels + oc) * P * w + t]          (row stride P * w).
 * Every size must keep a chunk's padded planes below 2^31 floats (the gathers' offsets are int). */
typedef struct {
    int channels, height, width;              /* the input planes of one image */
    int output_height, output_width;
    int pad_top, pad_left;                    /* at most 2 (the kernel reaches 2 beyond a tile) */
    int images;                               /* images in the chunk */
    int tiles_high, tiles_wide;               /* ceil(output size / 4) */
    int padded_height, padded_width;          /* 4 * tiles + 2: every tile's 6x6 window inside */
} graft_winograd_chunk;

/* u[xi * xi_stride + r * columns + c] = (G w G^T)[xi] of kernel weight[(r * columns + c) * 9 ...],
 * for r < rows, c < columns (rows: output channels, columns: input channels per group). */
void graft_winograd43_weights(int rows, int columns, const float *weight, float *u, ptrdiff_t xi_stride);

/* Copies channels [c0, c1) of the chunk's images [images, channels, height, width] into
 * padded[images, channels, padded_height, padded_width]: the image at (pad_top, pad_left),
 * zeros around it. */
void graft_winograd43_pad(const float *input, const graft_winograd_chunk *w, int c0, int c1, float *padded);

/* V = B^T d B of channels [c0, c1) for the tiles of panels [p0, p1), read from the padded planes;
 * nothing else of v is written. `isa` must be AVX2 or AVX-512 (nothing is done otherwise). Lanes
 * past the last tile are filled from tile 0's window (the GEMM reads them; nothing reaches the
 * output). */
void graft_winograd43_input(graft_simd_isa isa, const float *padded, const graft_winograd_chunk *w,
                            int p0, int p1, int c0, int c1, float *v);

/* output[image, oc, y, x] = act(A^T M A + bias[oc] (+ residual at the same place)) for output
 * channels [oc0, oc1) of the chunk, the tiles' blocks clipped to the output (`output` and
 * `residual` point at the chunk's first image; bias, residual and activation may be NULL). */
void graft_winograd43_output(graft_simd_isa isa, const float *m, const graft_winograd_chunk *w,
                             int output_channels, int oc0, int oc1, const float *bias,
                             const float *residual, const graft_simd_activation *activation, float *output);

/* Winograd F(2, 3) (winograd23.c), training's transforms, vectorised over tiles or kernels with the
 * portable Swift transforms' operations in their order (the results agree to the bit). A chunk is
 * `images` consecutive images; tile t = (image * tiles_high + ty) * tiles_wide + tx covers outputs
 * [2 ty, 2 ty + 2) x [2 tx, 2 tx + 2) and reads inputs from (2 ty - pad_top, 2 tx - pad_left), zero
 * outside the image. With T = images * tiles_high * tiles_wide:
 *   V (input):           v[(c * 16 + xi) * T + t]
 *   Z (output gradient): z[(oc * 16 + xi) * T + t],  M (products) laid out the same
 *   U (kernels):         u[(row * 16 + xi) * columns + column]
 * Each entry point returns 0 (doing nothing) for GRAFT_SIMD_NONE. */
typedef struct {
    int channels, height, width;                      /* input planes of one image */
    int output_channels, output_height, output_width;
    int pad_top, pad_left;                            /* 0 ... 2 */
    int images, tiles_high, tiles_wide;               /* ceil(output size / 2) */
} graft_winograd23;

/* Kernels [output channels][input channels per group][3][3]; `flipped`: U's rows are input
 * channels and its columns a group's output channels, each kernel turned by 180 degrees (the
 * input gradient's convolution). */
typedef struct {
    int input_channels_per_group, output_channels_per_group, flipped;
} graft_winograd23_kernels;

/* Floats of scratch one caller of the input or output-gradient transform needs (a plane padded
 * for the vector loads), and the length of its rows. */
ptrdiff_t graft_winograd23_scratch(const graft_winograd23 *w);
ptrdiff_t graft_winograd23_row_length(const graft_winograd23 *w);

/* V of channels [c0, c1) from input[images][channels][height][width]. */
int graft_winograd23_input(graft_simd_isa isa, const float *input, const graft_winograd23 *w, int c0, int c1,
                           float *v, float *scratch);

/* Z = A dY A^T of output channels [oc0, oc1) from dy[images][output_channels][output area]. */
int graft_winograd23_output_gradient(graft_simd_isa isa, const float *dy, const graft_winograd23 *w, int oc0, int oc1,
                                     float *z, float *scratch);

/* output[image][oc] = A^T M A + bias[oc] (bias may be NULL) for output channels [oc0, oc1), the
 * tiles' blocks clipped to the output. */
int graft_winograd23_output(graft_simd_isa isa, const float *m, const graft_winograd23 *w, int oc0, int oc1,
                            const float *bias, float *output);

/* U rows [r0, r1) = G w G^T of the kernels. */
int graft_winograd23_weights(graft_simd_isa isa, const float *weight, const graft_winograd23_kernels *k, int r0, int r1,
                             float *u);

/* weight_gradient kernels of output channels [oc0, oc1) = G^T dU G (dU laid out as U, unflipped). */
int graft_winograd23_weight_gradient(graft_simd_isa isa, const float *du, const graft_winograd23_kernels *k, int oc0,
                                     int oc1, float *weight_gradient);

/* The windows of a 2-D pooling (Caffe's: a window starts at o * stride - pad_before and ends at
 * min(start + kernel, size + pad_after); only its part inside the image is read). */
typedef struct {
    int height, width, output_height, output_width;
    int kernel_height, kernel_width, stride_height, stride_width;
    int pad_top, pad_left, pad_bottom, pad_right;
} graft_simd_pool;

/* Max pooling of `planes` planes, with the index (h * width + w) of each maximum in `argmax`
 * when not null: taps in row-major window order, a tap wins when greater or NaN, a window with
 * no tap in the image gives 0 (index -1). Returns 0 (and does nothing) when `isa` has no kernel
 * for it (AVX-512: every geometry; AVX2: strides 1 and 2 across). */
int graft_simd_max_pool(graft_simd_isa isa, const float *input, float *output, int32_t *argmax, int planes,
                        const graft_simd_pool *g);

/* Pooling of one block of eight channels (pool_blocks.c; [height][width][8] into
 * [output_height][output_width][8]), output rows [row0, row1): max, or with `average` the mean
 * over the window's taps in the image divided by the window clipped to the padded input
 * (`include_padding`) or by its taps. The planar loops' windows, order and tie rules: their bits. */
void graft_simd_pool_block(graft_simd_isa isa, const float *input, float *output, const graft_simd_pool *g, int row0,
                           int row1, int average, int include_padding);

/* output = input * factors for `blocks` blocks of `area` pixels ([blocks][area][8]), each block's
 * eight channels by their factors ([blocks][8]): squeeze-and-excitation's gate on blocked channels
 * (one rounding per product, the planar broadcast's bits). */
void graft_simd_scale_blocks(graft_simd_isa isa, const float *input, const float *factors, float *output, ptrdiff_t blocks,
                             ptrdiff_t area);

/* The max or (`average`) mean of each of `blocks` blocks' `area` pixels ([blocks][area][8]) into
 * its 8 channels ([blocks][8]); each channel's pixels in order (the planar loop's bits). */
void graft_simd_global_pool_blocks(graft_simd_isa isa, const float *input, float *output, ptrdiff_t blocks, ptrdiff_t area,
                                   int average);

#ifdef __cplusplus
}
#endif

#endif
