/* Depthwise convolution (one input plane per output plane: MobileNet, EfficientNet) on blocks of
 * eight channels interleaved.
 *
 * A vector holds one pixel of eight channels: a band of input rows of eight planes is copied, 8x8
 * blocks transposed, into a zero-padded buffer [row][column][8]; every tap of every output is then
 * one whole-vector load and one FMA with that tap's eight weights, for any window, stride and
 * dilation, eight outputs (eight FMA chains) at a time; each output row is transposed back into the
 * eight output planes with the activation as it is stored. Per output the taps are added to the
 * bias in row-major window order.
 *
 * Why: the earlier form put eight (sixteen) outputs of one plane's row in a vector. On MobileNetV2's
 * 14x14 and 7x7 planes most vectors were part-empty, every row edge needed masks, and a chunk's
 * set-up cost as much as its sums. MobileNetV2's depthwise layers at batch 1 took 2.9-3.1 ms
 * that way and 1.7-2.4 ms this way (Zen 3, 2 threads). AVX-512 machines run this AVX2 form too. */
#include "graft_simd.h"
#include "simd_internal.h"
#include <string.h>

/* Floats the input band buffer is kept within (32 KB: the band stays in L1 while its taps are
 * read), unless one band row alone is larger. */
enum { BAND_BUDGET_FLOATS = 8192, LANES = 8 };

/* Floats each band of the expand + depthwise kernel is kept within (128 KB: a tile's two bands
 * take half of a 512 KB L2 while the expansion writes them and the depthwise taps read them, and
 * fewer, taller bands expand fewer rows twice). MobileNetV2 at batch 8 (Zen 3, 2 threads, least
 * of 4 alternating runs per block): its 112 x 112 block 4.76 / 4.39 / 4.27 ms with 32, 64 and
 * 128 KB. */
enum { EXPANDED_BAND_BUDGET_FLOATS = 32768 };

/* Floats of depthwise outputs (every channel, a band of rows) the depthwise + pointwise kernel
 * keeps for its 1x1 convolution (128 KB, in L2). */
enum { PROJECTED_BUDGET_FLOATS = 32768 };

/* Maps at least this wide are expanded into the bands row by row in place. */
enum { EXPAND_ROWS_IN_PLACE_WIDTH = 32 };

/* Columns of a band row: exactly those the windows reach. */
static int band_width(const graft_simd_patches *g) {
    return (g->output_width - 1) * g->stride_width + (g->kernel_width - 1) * g->dilation_width + 1;
}

/* Input rows that `output_rows` consecutive output rows' windows reach. */
static ptrdiff_t rows_reached(const graft_simd_patches *g, int output_rows) {
    return (ptrdiff_t)(output_rows - 1) * g->stride_height + (ptrdiff_t)(g->kernel_height - 1) * g->dilation_height + 1;
}

/* Output rows per band: as many as keep the band's input rows within `budget` floats. */
static int band_rows_within(const graft_simd_patches *g, ptrdiff_t budget) {
    const ptrdiff_t padded_width = band_width(g);
    const ptrdiff_t reach = rows_reached(g, 1);
    const ptrdiff_t rows_in = budget / (padded_width * LANES);
    ptrdiff_t rows = rows_in > reach ? (rows_in - reach) / g->stride_height + 1 : 1;
    if (rows > g->output_height) rows = g->output_height;
    return rows < 1 ? 1 : (int)rows;
}

static int band_rows(const graft_simd_patches *g) { return band_rows_within(g, BAND_BUDGET_FLOATS); }

/* Floats of the buffer one output row is computed into: [output_width rounded up to 8][8]. */
static ptrdiff_t row_floats(const graft_simd_patches *g) {
    return ((ptrdiff_t)g->output_width + LANES - 1) / LANES * LANES * LANES;
}

/* Floats of the band (without its slack). */
static ptrdiff_t band_floats(const graft_simd_patches *g) { return rows_reached(g, band_rows(g)) * band_width(g) * LANES; }

/* The band is followed by 8 * stride_width zero pixels, which the last row's last block reaches. */
static ptrdiff_t slack_floats(const graft_simd_patches *g) { return (ptrdiff_t)LANES * g->stride_width * LANES; }

/* Output rows per band of the expand + depthwise kernel: its bands (a tile's one or two blocks)
 * live in L2, and every band recomputes the expanded rows it shares with the band before it. */
static int expanded_band_rows(const graft_simd_patches *g) { return band_rows_within(g, EXPANDED_BAND_BUDGET_FLOATS); }

/* Floats from one block's band to the next in the expand + depthwise kernel's scratch: the band
 * and its slack. */
static ptrdiff_t expanded_band_stride(const graft_simd_patches *g) {
    return rows_reached(g, expanded_band_rows(g)) * band_width(g) * LANES + slack_floats(g);
}

/* Floats of one block's expanded rows for a band of a narrow map (the band's image rows, unpadded). */
static ptrdiff_t expanded_flat_floats(const graft_simd_patches *g) {
    if (g->width >= EXPAND_ROWS_IN_PLACE_WIDTH) return 0;
    return rows_reached(g, expanded_band_rows(g)) * g->width * LANES;
}

/* Output rows per unit of the depthwise + pointwise kernel: as many as keep the depthwise
 * outputs of all `channels` within PROJECTED_BUDGET_FLOATS. */
static int projected_rows(const graft_simd_patches *g, int channels) {
    ptrdiff_t rows = PROJECTED_BUDGET_FLOATS / ((ptrdiff_t)channels * g->output_width);
    if (rows > g->output_height) rows = g->output_height;
    return rows < 1 ? 1 : (int)rows;
}

/* The padded columns of a band row that hold image columns: [*first, *last) holds columns
 * [0, *last - *first), the windows' reach clipped to the row. */
static void image_columns(const graft_simd_patches *g, int padded_width, int *first, int *last) {
    *first = g->pad_left < padded_width ? g->pad_left : padded_width;
    *last = g->pad_left + g->width < padded_width ? g->pad_left + g->width : padded_width;
}

int graft_simd_depthwise_interleaved_supported(graft_simd_isa isa, const graft_simd_patches *g) {
    return g->channels == 1 && windows_valid(g) && (isa == GRAFT_SIMD_AVX512 || isa == GRAFT_SIMD_AVX2);
}

int graft_simd_depthwise_interleaved_band_rows(const graft_simd_patches *g) { return band_rows(g); }

ptrdiff_t graft_simd_depthwise_interleaved_units(const graft_simd_patches *g, int images, int output_channels) {
    const int rows = band_rows(g);
    const ptrdiff_t bands = (g->output_height + rows - 1) / rows;
    return (ptrdiff_t)images * ((output_channels + LANES - 1) / LANES) * bands;
}

#if defined(__x86_64__) || defined(_M_X64)

/* Zeros in the padded columns of a band row outside [first, last). */
__attribute__((target("avx"))) static void zero_outside(float *row, int first, int last, int padded_width) {
    const __m256 zero = _mm256_setzero_ps();
    for (int pc = 0; pc < first; pc++) _mm256_storeu_ps(row + (ptrdiff_t)pc * LANES, zero);
    for (int pc = last; pc < padded_width; pc++) _mm256_storeu_ps(row + (ptrdiff_t)pc * LANES, zero);
}

/* One padded band row from row `ih` of the eight planes (zeros where ih or a column lies outside). */
__attribute__((target("avx2"))) static void interleave_row(const float *const planes[LANES], int ih, const graft_simd_patches *g,
                                                           int padded_width, float *row) {
    if (ih < 0 || ih >= g->height) {
        zero_outside(row, padded_width, padded_width, padded_width);
        return;
    }
    /* Padded column pc holds plane column pc - pad_left. */
    int first, last;
    image_columns(g, padded_width, &first, &last);
    zero_outside(row, first, last, padded_width);
    const ptrdiff_t offset = (ptrdiff_t)ih * g->width;
    int pc = first;
    for (; pc + LANES <= last; pc += LANES) {
        __m256 r[LANES];
        UNROLL for (int c = 0; c < LANES; c++) r[c] = _mm256_loadu_ps(planes[c] + offset + (pc - g->pad_left));
        transpose8x8(r);
        UNROLL for (int k = 0; k < LANES; k++) _mm256_storeu_ps(row + (ptrdiff_t)(pc + k) * LANES, r[k]);
    }
    if (pc < last) {
        /* The row's last columns: masked loads (nothing read past the plane), the block's first
         * columns stored. */
        const __m256i columns = lanes8(last - pc);
        __m256 r[LANES];
        UNROLL for (int c = 0; c < LANES; c++) r[c] = _mm256_maskload_ps(planes[c] + offset + (pc - g->pad_left), columns);
        transpose8x8(r);
        for (int k = 0; k < last - pc; k++) _mm256_storeu_ps(row + (ptrdiff_t)(pc + k) * LANES, r[k]);
    }
}

/* One band row of outputs into `row_out` [output_width rounded up to 8][8], from `row0` (the band
 * row of the windows' first row), eight outputs at a time (eight FMA chains; the block past the
 * row's end computes from what follows it in the band and is never stored): sum = bias, then each
 * tap in row-major window order, the tap's eight weights loaded once for the eight outputs, then
 * the activation `act` when the caller's `row_activation` is set. KH, KW
 * and SW are the window and the column stride of an undilated window when constants (0: the
 * geometry's): constant offsets let every load address its tap directly (with a stride known only
 * at run time the compiler chains one addition per load, and that chain, not the FMAs, set the
 * pace: 0.43 ns per FMA on Zen 3, where FMA chains on registers take 0.16-0.18). */
#define OUTPUT_ROW(KH, KW, SW)                                                                     \
    {                                                                                              \
        const int kh_ = (KH) ? (KH) : kh, kw_ = (KW) ? (KW) : kw;                                  \
        const ptrdiff_t output_step_ = (SW) ? (SW) * LANES : output_step;                          \
        const ptrdiff_t tap_step_ = (SW) ? LANES : tap_step;                                       \
        for (int ow = 0; ow < ow_count; ow += LANES) {                                             \
            const float *x = row0 + (ptrdiff_t)ow * output_step_;                                  \
            __m256 sum[LANES];                                                                     \
            UNROLL for (int u = 0; u < LANES; u++) sum[u] = bias;                                  \
            const float *w = wv;                                                                   \
            for (int i = 0; i < kh_; i++) {                                                        \
                const float *xi = x + i * row_step;                                                \
                for (int j = 0; j < kw_; j++, w += LANES) {                                        \
                    const __m256 weight = _mm256_loadu_ps(w);                                      \
                    const float *xj = xi + j * tap_step_;                                          \
                    UNROLL for (int u = 0; u < LANES; u++)                                         \
                        sum[u] = _mm256_fmadd_ps(weight, _mm256_load_ps(xj + u * output_step_), sum[u]); \
                }                                                                                  \
            }                                                                                      \
            float *out = row_out + (ptrdiff_t)ow * LANES;                                          \
            if (row_activation) act256_apply_n(&act, sum, LANES);                                  \
            UNROLL for (int u = 0; u < LANES; u++) _mm256_store_ps(out + u * LANES, sum[u]);       \
        }                                                                                          \
    }

/* OUTPUT_ROW with constants for the windows MobileNets and EfficientNets use: 3x3 and 5x5,
 * undilated, column stride 1 or 2. */
#define OUTPUT_ROW_FOR_GEOMETRY                                                                    \
    {                                                                                              \
        const int undilated_ = g->dilation_height == 1 && g->dilation_width == 1;                  \
        const int sw_ = undilated_ ? g->stride_width : 0;                                          \
        if (kh == 3 && kw == 3 && sw_ == 1) OUTPUT_ROW(3, 3, 1)                                    \
        else if (kh == 3 && kw == 3 && sw_ == 2) OUTPUT_ROW(3, 3, 2)                               \
        else if (kh == 5 && kw == 5 && sw_ == 1) OUTPUT_ROW(5, 5, 1)                               \
        else if (kh == 5 && kw == 5 && sw_ == 2) OUTPUT_ROW(5, 5, 2)                               \
        else OUTPUT_ROW(0, 0, 0)                                                                   \
    }

/* Copies the band row `row_out` [output_width rounded up to 8][8] into row `row` of the first
 * `valid` output planes. A row's last, part-filled block is stored whole when what lands past the
 * row falls within the `later` rows of the plane that the same unit writes after this one, else
 * through a mask. */
__attribute__((target("avx2"))) static void store_row(const float *row_out, int ow_count, float *const planes[LANES],
                                                      int valid, ptrdiff_t row, int later) {
    const int spill = (ptrdiff_t)later * ow_count >= LANES - ow_count % LANES;
    const ptrdiff_t row_offset = row * ow_count;
    for (int ow = 0; ow < ow_count; ow += LANES) {
        __m256 r[LANES];
        UNROLL for (int k = 0; k < LANES; k++) r[k] = _mm256_load_ps(row_out + (ptrdiff_t)(ow + k) * LANES);
        transpose8x8(r);
        if (ow + LANES <= ow_count || spill) {
            for (int c = 0; c < valid; c++) _mm256_storeu_ps(planes[c] + row_offset + ow, r[c]);
        } else {
            const __m256i columns = lanes8(ow_count - ow);
            for (int c = 0; c < valid; c++) _mm256_maskstore_ps(planes[c] + row_offset + ow, columns, r[c]);
        }
    }
}

__attribute__((target("avx2,fma")))
static void interleaved_avx2(const float *input, const graft_simd_patches *g, int output_channels, int multiplier,
                             ptrdiff_t first, ptrdiff_t count, const float *kernel, const float *bias_values,
                             const graft_simd_activation *activation, float *output, float *scratch) {
    const int kh = g->kernel_height, kw = g->kernel_width, taps = kh * kw;
    const int oh_count = g->output_height, ow_count = g->output_width;
    const int padded_width = band_width(g);
    const int rows = band_rows(g), bands = (oh_count + rows - 1) / rows;
    const int groups = (output_channels + LANES - 1) / LANES, channels = output_channels / multiplier;
    const ptrdiff_t plane = (ptrdiff_t)g->height * g->width, output_plane = (ptrdiff_t)oh_count * ow_count;
    const ptrdiff_t row_step = (ptrdiff_t)g->dilation_height * padded_width * LANES;
    const ptrdiff_t tap_step = (ptrdiff_t)g->dilation_width * LANES, output_step = (ptrdiff_t)g->stride_width * LANES;
    const int row_activation = activation != NULL;
    const act256 act = act256_of(activation);
    /* scratch: the taps' weights [taps][8], one output row [output_width rounded up to 8][8], the band. */
    float *wv = scratch, *row_out = wv + (ptrdiff_t)taps * LANES, *band = row_out + row_floats(g);
    for (ptrdiff_t unit = first; unit < first + count; unit++) {
        const ptrdiff_t image = unit / ((ptrdiff_t)groups * bands);
        const int group = (int)(unit / bands % groups), b = (int)(unit % bands);
        const int oc0 = group * LANES, valid = output_channels - oc0 < LANES ? output_channels - oc0 : LANES;
        const float *in_planes[LANES];
        float *out_planes[LANES];
        float bias_lanes[LANES];
        /* Lanes past the last channel repeat it (read, computed, never stored). */
        for (int c = 0; c < LANES; c++) {
            const int oc = oc0 + (c < valid ? c : valid - 1);
            in_planes[c] = input + (image * channels + oc / multiplier) * plane;
            out_planes[c] = output + (image * output_channels + oc) * output_plane;
            bias_lanes[c] = bias_values ? bias_values[oc] : 0;
            for (int t = 0; t < taps; t++) wv[t * LANES + c] = kernel[(ptrdiff_t)oc * taps + t];
        }
        const __m256 bias = _mm256_loadu_ps(bias_lanes);
        const int oh0 = b * rows, oh1 = oh0 + rows < oh_count ? oh0 + rows : oh_count;
        const int ih0 = oh0 * g->stride_height - g->pad_top;
        const int rows_in = (int)rows_reached(g, oh1 - oh0);
        for (int r = 0; r < rows_in; r++)
            interleave_row(in_planes, ih0 + r, g, padded_width, band + (ptrdiff_t)r * padded_width * LANES);
        for (int oh = oh0; oh < oh1; oh++) {
            const float *row0 = band + (ptrdiff_t)(oh - oh0) * g->stride_height * padded_width * LANES;
            OUTPUT_ROW_FOR_GEOMETRY
            store_row(row_out, ow_count, out_planes, valid, oh, oh1 - 1 - oh);
        }
    }
}

/* One padded band row from `source`, a row of a block of eight channels already interleaved
 * ([column][8]; NULL for a row outside the image: zeros throughout), zeros where a column lies
 * outside. */
__attribute__((target("avx2"))) static void copy_block_row(const float *source, const graft_simd_patches *g, int padded_width,
                                                           float *row) {
    int first, last;
    image_columns(g, padded_width, &first, &last);
    if (!source) first = last = padded_width;
    zero_outside(row, first, last, padded_width);
    /* Padded column pc holds image column pc - pad_left. */
    for (int pc = first; pc < last; pc++)
        _mm256_storeu_ps(row + (ptrdiff_t)pc * LANES, _mm256_loadu_ps(source + (ptrdiff_t)(pc - g->pad_left) * LANES));
}

/* Row `ih` of the block `block` ([row][column][8]), or NULL when outside the image. */
static const float *block_row(const float *block, int ih, const graft_simd_patches *g) {
    return ih < 0 || ih >= g->height ? 0 : block + (ptrdiff_t)ih * g->width * LANES;
}

/* Output rows [oh0, oh1) of one block of eight channels from its band (band row 0 holds input
 * row oh0 * stride_height - pad_top) and weights `wv` [tap][8]: act(bias + taps + residual),
 * stored as they are into `out` ([row][column][8] from row oh0; `residual` the same). */
__attribute__((target("avx2,fma")))
static void blocked_band_outputs(const graft_simd_patches *g, const float *band, int oh0, int oh1, const float *wv,
                                 __m256 bias, const float *residual, const graft_simd_activation *activation, float *out,
                                 float *row_out) {
    const int kh = g->kernel_height, kw = g->kernel_width, ow_count = g->output_width;
    const int padded_width = band_width(g);
    const ptrdiff_t row_step = (ptrdiff_t)g->dilation_height * padded_width * LANES;
    const ptrdiff_t tap_step = (ptrdiff_t)g->dilation_width * LANES, output_step = (ptrdiff_t)g->stride_width * LANES;
    const int row_activation = 0; /* applied as the row is stored, after the residual */
    const act256 act = act256_of(activation);
    for (int oh = oh0; oh < oh1; oh++) {
        const float *row0 = band + (ptrdiff_t)(oh - oh0) * g->stride_height * padded_width * LANES;
        OUTPUT_ROW_FOR_GEOMETRY
        float *o = out + (ptrdiff_t)(oh - oh0) * ow_count * LANES;
        const float *res = residual ? residual + (ptrdiff_t)(oh - oh0) * ow_count * LANES : 0;
        for (int ow = 0; ow < ow_count; ow++) {
            __m256 y = _mm256_load_ps(row_out + (ptrdiff_t)ow * LANES);
            if (res) y = _mm256_add_ps(y, _mm256_loadu_ps(res + (ptrdiff_t)ow * LANES));
            if (activation) y = act256_apply(&act, y);
            _mm256_storeu_ps(o + (ptrdiff_t)ow * LANES, y);
        }
    }
}

/* Output rows [oh0, oh1) of the block `in_block` (its input, [row][column][8]) by
 * blocked_band_outputs, its band first copied into `band` (zeros where the windows reach past the
 * image). */
__attribute__((target("avx2,fma")))
static void blocked_rows(const float *in_block, const graft_simd_patches *g, int oh0, int oh1, const float *wv, __m256 bias,
                         const float *residual, const graft_simd_activation *activation, float *out, float *band,
                         float *row_out) {
    const int padded_width = band_width(g), ih0 = oh0 * g->stride_height - g->pad_top;
    const int rows_in = (int)rows_reached(g, oh1 - oh0);
    for (int r = 0; r < rows_in; r++)
        copy_block_row(block_row(in_block, ih0 + r, g), g, padded_width, band + (ptrdiff_t)r * padded_width * LANES);
    blocked_band_outputs(g, band, oh0, oh1, wv, bias, residual, activation, out, row_out);
}

/* The units of interleaved_avx2 on channels already in blocks of eight (input and output
 * [block][row][column][8], one input channel per output channel): the band is a copy, the
 * weights are read as packed once (graft_simd_depthwise_blocks_pack: 7x7 outputs ran in 0.76-0.86x
 * the time of units each transposing its 72 weights), the output row is stored as it is, with the
 * residual (same layout) added before the activation. */
__attribute__((target("avx2,fma")))
static void blocked_avx2(const float *input, const graft_simd_patches *g, int channels, ptrdiff_t first, ptrdiff_t count,
                         const float *packed_kernel, const float *bias_values, const float *residual,
                         const graft_simd_activation *activation, float *output, float *scratch) {
    const int taps = g->kernel_height * g->kernel_width, oh_count = g->output_height, ow_count = g->output_width;
    const int rows = band_rows(g), bands = (oh_count + rows - 1) / rows;
    const int groups = channels / LANES;
    const ptrdiff_t plane = (ptrdiff_t)g->height * g->width, output_plane = (ptrdiff_t)oh_count * ow_count;
    /* scratch as interleaved_avx2's; its first taps x 8 floats (that form's weights) go unused. */
    float *row_out = scratch + (ptrdiff_t)taps * LANES, *band = row_out + row_floats(g);
    for (ptrdiff_t unit = first; unit < first + count; unit++) {
        const ptrdiff_t image = unit / ((ptrdiff_t)groups * bands);
        const int group = (int)(unit / bands % groups), b = (int)(unit % bands);
        const int oc0 = group * LANES;
        const __m256 bias = bias_values ? _mm256_loadu_ps(bias_values + oc0) : _mm256_setzero_ps();
        const float *in_block = input + (image * channels + oc0) * plane;
        const int oh0 = b * rows, oh1 = oh0 + rows < oh_count ? oh0 + rows : oh_count;
        const ptrdiff_t out_offset = (image * channels + oc0) * output_plane + (ptrdiff_t)oh0 * ow_count * LANES;
        blocked_rows(in_block, g, oh0, oh1, packed_kernel + (ptrdiff_t)oc0 * taps, bias, residual ? residual + out_offset : 0,
                     activation, output + out_offset, band, row_out);
    }
}

/* Units (image, tile of 16 expanded channels, band of output rows) of
 * graft_simd_expand_depthwise_blocks: the band's input rows expanded by the 1x1 convolution
 * straight into the padded band buffers (zeros where the windows reach past the image), then
 * each block's depthwise rows from there, as blocked_avx2 computes them from its copies. */
__attribute__((target("avx2,fma")))
static void expanded_avx2(int input_channels, int channels, const float *input, const float *packed_pointwise,
                          const float *pointwise_bias, const graft_simd_activation *pointwise_activation,
                          const graft_simd_patches *g, const float *packed_depthwise, const float *depthwise_bias,
                          const float *residual, const graft_simd_activation *activation, float *output,
                          ptrdiff_t first, ptrdiff_t count, float *scratch) {
    const int taps = g->kernel_height * g->kernel_width, oh_count = g->output_height, ow_count = g->output_width;
    const int padded_width = band_width(g);
    const int rows = expanded_band_rows(g), bands = (oh_count + rows - 1) / rows;
    const int tiles = (channels + 15) / 16;
    const ptrdiff_t stride = expanded_band_stride(g), band_row = (ptrdiff_t)padded_width * LANES;
    const ptrdiff_t in_plane = (ptrdiff_t)g->height * g->width * LANES, in_image = in_plane / LANES * input_channels;
    const ptrdiff_t output_plane = (ptrdiff_t)oh_count * ow_count, out_image = output_plane * channels;
    int first_column, last_column;
    image_columns(g, padded_width, &first_column, &last_column);
    /* Narrow maps are expanded a band at a time into `flat` and copied into the padded rows (row
     * by row, a 7-pixel row by the 6-pixel tiles leaves a 1-pixel tile: MobileNetV2's 7 x 7
     * blocks at batch 8 took 1.11-1.14x the separate layers' time that way, 1.04x so), wide ones
     * row by row in place. */
    const int direct = g->width >= EXPAND_ROWS_IN_PLACE_WIDTH;
    const ptrdiff_t flat_stride = expanded_flat_floats(g);
    float *row_out = scratch, *bands0 = row_out + row_floats(g);
    float *flat0 = bands0 + 2 * stride;
    for (ptrdiff_t unit = first; unit < first + count; unit++) {
        const ptrdiff_t image = unit / ((ptrdiff_t)tiles * bands);
        const int tile = (int)(unit / bands % tiles), b = (int)(unit % bands);
        const int oc0 = 16 * tile, blocks = channels - oc0 < 16 ? 1 : 2;
        const int oh0 = b * rows, oh1 = oh0 + rows < oh_count ? oh0 + rows : oh_count;
        const int ih0 = oh0 * g->stride_height - g->pad_top;
        const int rows_in = (int)rows_reached(g, oh1 - oh0);
        const float *x = input + image * in_image;
        if (direct) {
            for (int r = 0; r < rows_in; r++) {
                const int ih = ih0 + r;
                const int inside = ih >= 0 && ih < g->height && first_column < last_column;
                for (int f = 0; f < blocks; f++)
                    zero_outside(bands0 + f * stride + r * band_row, inside ? first_column : padded_width,
                                 inside ? last_column : padded_width, padded_width);
                if (inside)
                    graft_simd_pointwise_blocks_run(channels, input_channels, in_plane, x + (ptrdiff_t)ih * g->width * LANES,
                                                    packed_pointwise, pointwise_bias, 0, pointwise_activation,
                                                    bands0 + r * band_row + (ptrdiff_t)first_column * LANES, stride, tile,
                                                    last_column - first_column);
            }
        } else {
            /* The band's image rows [lo, hi) expanded as one run of pixels, then copied into the
             * padded rows. */
            const int lo = ih0 > 0 ? ih0 : 0, hi = ih0 + rows_in < g->height ? ih0 + rows_in : g->height;
            if (lo < hi)
                graft_simd_pointwise_blocks_run(channels, input_channels, in_plane, x + (ptrdiff_t)lo * g->width * LANES,
                                                packed_pointwise, pointwise_bias, 0, pointwise_activation, flat0,
                                                flat_stride, tile, (ptrdiff_t)(hi - lo) * g->width);
            for (int f = 0; f < blocks; f++)
                for (int r = 0; r < rows_in; r++) {
                    const int ih = ih0 + r;
                    const float *source = ih < lo || ih >= hi ? 0 : flat0 + f * flat_stride + (ptrdiff_t)(ih - lo) * g->width * LANES;
                    copy_block_row(source, g, padded_width, bands0 + f * stride + r * band_row);
                }
        }
        for (int f = 0; f < blocks; f++) {
            const int c0 = oc0 + LANES * f;
            const __m256 bias = depthwise_bias ? _mm256_loadu_ps(depthwise_bias + c0) : _mm256_setzero_ps();
            const ptrdiff_t offset = image * out_image + c0 * output_plane + (ptrdiff_t)oh0 * ow_count * LANES;
            blocked_band_outputs(g, bands0 + f * stride, oh0, oh1, packed_depthwise + (ptrdiff_t)c0 * taps, bias,
                                 residual ? residual + offset : 0, activation, output + offset, row_out);
        }
    }
}

/* Units (image, band of output rows) of graft_simd_depthwise_pointwise_blocks: every block's
 * depthwise rows as blocked_avx2 computes them (its bands copied from the input), into `d`
 * ([block][row][column][8] for the unit's rows) instead of memory, then the 1x1 convolution of
 * the unit's pixels from there, tile by tile of output channels. */
__attribute__((target("avx2,fma")))
static void projected_avx2(int channels, int output_channels, const float *input, const graft_simd_patches *g,
                           const float *packed_depthwise, const float *depthwise_bias,
                           const graft_simd_activation *depthwise_activation, const float *packed_pointwise,
                           const float *pointwise_bias, const float *residual, const graft_simd_activation *activation,
                           float *output, ptrdiff_t first, ptrdiff_t count, float *scratch) {
    const int taps = g->kernel_height * g->kernel_width, oh_count = g->output_height, ow_count = g->output_width;
    const int band = band_rows(g);
    const int rows = projected_rows(g, channels), parts = (oh_count + rows - 1) / rows;
    const int blocks = channels / LANES, tiles = (output_channels + 15) / 16;
    const ptrdiff_t plane = (ptrdiff_t)g->height * g->width, output_plane = (ptrdiff_t)oh_count * ow_count;
    const ptrdiff_t d_plane = (ptrdiff_t)rows * ow_count * LANES;
    float *row_out = scratch, *band_buffer = row_out + row_floats(g);
    float *d = band_buffer + band_floats(g) + slack_floats(g);
    for (ptrdiff_t unit = first; unit < first + count; unit++) {
        const ptrdiff_t image = unit / parts;
        const int oh0 = (int)(unit % parts) * rows, oh1 = oh0 + rows < oh_count ? oh0 + rows : oh_count;
        for (int b = 0; b < blocks; b++) {
            const float *in_block = input + (image * channels + (ptrdiff_t)b * LANES) * plane;
            const __m256 bias = depthwise_bias ? _mm256_loadu_ps(depthwise_bias + b * LANES) : _mm256_setzero_ps();
            for (int s0 = oh0; s0 < oh1; s0 += band) {
                const int s1 = s0 + band < oh1 ? s0 + band : oh1;
                blocked_rows(in_block, g, s0, s1, packed_depthwise + (ptrdiff_t)b * LANES * taps, bias, 0, depthwise_activation,
                             d + b * d_plane + (ptrdiff_t)(s0 - oh0) * ow_count * LANES, band_buffer, row_out);
            }
        }
        for (int t = 0; t < tiles; t++) {
            const ptrdiff_t at = (image * output_channels + 16 * t) * output_plane + (ptrdiff_t)oh0 * ow_count * LANES;
            graft_simd_pointwise_blocks_run(output_channels, channels, d_plane, d, packed_pointwise, pointwise_bias,
                                            residual ? residual + at : 0, activation, output + at, output_plane * LANES, t,
                                            (ptrdiff_t)(oh1 - oh0) * ow_count);
        }
    }
}
#endif

ptrdiff_t graft_simd_depthwise_interleaved_scratch(const graft_simd_patches *g) {
    const ptrdiff_t weights = (ptrdiff_t)g->kernel_height * g->kernel_width * LANES;
    const ptrdiff_t row = row_floats(g);
    return weights + row + band_floats(g) + slack_floats(g);
}

int graft_simd_depthwise_interleaved(graft_simd_isa isa, const float *input, const graft_simd_patches *g,
                                     int output_channels, int multiplier, ptrdiff_t first, ptrdiff_t count,
                                     const float *kernel, const float *bias, const graft_simd_activation *activation,
                                     float *output, float *scratch) {
    if (!graft_simd_depthwise_interleaved_supported(isa, g) || output_channels < 1 || multiplier < 1
        || output_channels % multiplier != 0)
        return 0;
#if defined(__x86_64__) || defined(_M_X64)
    const ptrdiff_t floats = graft_simd_depthwise_interleaved_scratch(g), slack = slack_floats(g);
    memset(scratch + floats - slack, 0, sizeof(float) * (size_t)slack);
    interleaved_avx2(input, g, output_channels, multiplier, first, count, kernel, bias, activation, output, scratch);
    return 1;
#else
    (void)input; (void)first; (void)count; (void)kernel; (void)bias; (void)activation; (void)output; (void)scratch;
    return 0;
#endif
}

void graft_simd_depthwise_blocks_pack(int channels, int taps, const float *kernel, float *packed) {
    for (int oc0 = 0; oc0 + LANES <= channels; oc0 += LANES)
        for (int c = 0; c < LANES; c++)
            for (int t = 0; t < taps; t++)
                packed[((ptrdiff_t)oc0 * taps) + t * LANES + c] = kernel[(ptrdiff_t)(oc0 + c) * taps + t];
}

int graft_simd_depthwise_blocks(graft_simd_isa isa, const float *input, const graft_simd_patches *g, int channels,
                                ptrdiff_t first, ptrdiff_t count, const float *packed_kernel, const float *bias,
                                const float *residual, const graft_simd_activation *activation, float *output,
                                float *scratch) {
    if (!graft_simd_depthwise_interleaved_supported(isa, g) || channels < LANES || channels % LANES != 0) return 0;
#if defined(__x86_64__) || defined(_M_X64)
    const ptrdiff_t floats = graft_simd_depthwise_interleaved_scratch(g), slack = slack_floats(g);
    memset(scratch + floats - slack, 0, sizeof(float) * (size_t)slack);
    blocked_avx2(input, g, channels, first, count, packed_kernel, bias, residual, activation, output, scratch);
    return 1;
#else
    (void)input; (void)first; (void)count; (void)packed_kernel; (void)bias; (void)residual; (void)activation; (void)output;
    (void)scratch;
    return 0;
#endif
}

ptrdiff_t graft_simd_expand_depthwise_units(const graft_simd_patches *g, int images, int channels) {
    const int rows = expanded_band_rows(g);
    const ptrdiff_t bands = (g->output_height + rows - 1) / rows;
    return (ptrdiff_t)images * ((channels + 15) / 16) * bands;
}

ptrdiff_t graft_simd_expand_depthwise_scratch(const graft_simd_patches *g) {
    const ptrdiff_t row = row_floats(g);
    return row + 2 * expanded_band_stride(g) + 2 * expanded_flat_floats(g);
}

int graft_simd_expand_depthwise_blocks(graft_simd_isa isa, int input_channels, int channels, const float *input,
                                       const float *packed_pointwise, const float *pointwise_bias,
                                       const graft_simd_activation *pointwise_activation, const graft_simd_patches *g,
                                       const float *packed_depthwise, const float *depthwise_bias, const float *residual,
                                       const graft_simd_activation *activation, float *output, ptrdiff_t first,
                                       ptrdiff_t count, float *scratch) {
    if (!graft_simd_depthwise_interleaved_supported(isa, g) || channels < LANES || channels % LANES != 0
        || input_channels < LANES || input_channels % LANES != 0 || first < 0 || count < 0)
        return 0;
#if defined(__x86_64__) || defined(_M_X64)
    const ptrdiff_t stride = expanded_band_stride(g), slack = slack_floats(g);
    float *bands0 = scratch + row_floats(g);
    for (int f = 0; f < 2; f++) memset(bands0 + f * stride + stride - slack, 0, sizeof(float) * (size_t)slack);
    expanded_avx2(input_channels, channels, input, packed_pointwise, pointwise_bias, pointwise_activation, g,
                  packed_depthwise, depthwise_bias, residual, activation, output, first, count, scratch);
    return 1;
#else
    (void)input_channels; (void)input; (void)packed_pointwise; (void)pointwise_bias; (void)pointwise_activation;
    (void)packed_depthwise; (void)depthwise_bias; (void)residual; (void)activation; (void)output; (void)first; (void)count;
    (void)scratch;
    return 0;
#endif
}

ptrdiff_t graft_simd_depthwise_pointwise_units(const graft_simd_patches *g, int images, int channels) {
    if (channels < 1 || g->output_width < 1) return 0;
    const int rows = projected_rows(g, channels);
    return (ptrdiff_t)images * ((g->output_height + rows - 1) / rows);
}

ptrdiff_t graft_simd_depthwise_pointwise_scratch(const graft_simd_patches *g, int channels) {
    const ptrdiff_t row = row_floats(g);
    return row + band_floats(g) + slack_floats(g) + (ptrdiff_t)channels * projected_rows(g, channels) * g->output_width;
}

int graft_simd_depthwise_pointwise_blocks(graft_simd_isa isa, int channels, int output_channels, const float *input,
                                          const graft_simd_patches *g, const float *packed_depthwise,
                                          const float *depthwise_bias, const graft_simd_activation *depthwise_activation,
                                          const float *packed_pointwise, const float *pointwise_bias, const float *residual,
                                          const graft_simd_activation *activation, float *output, ptrdiff_t first,
                                          ptrdiff_t count, float *scratch) {
    if (!graft_simd_depthwise_interleaved_supported(isa, g) || channels < LANES || channels % LANES != 0
        || output_channels < LANES || output_channels % LANES != 0 || first < 0 || count < 0)
        return 0;
#if defined(__x86_64__) || defined(_M_X64)
    memset(scratch + row_floats(g) + band_floats(g), 0, sizeof(float) * (size_t)slack_floats(g));
    projected_avx2(channels, output_channels, input, g, packed_depthwise, depthwise_bias, depthwise_activation,
                   packed_pointwise, pointwise_bias, residual, activation, output, first, count, scratch);
    return 1;
#else
    (void)output_channels; (void)input; (void)packed_depthwise; (void)depthwise_bias; (void)depthwise_activation;
    (void)packed_pointwise; (void)pointwise_bias; (void)residual; (void)activation; (void)output; (void)first; (void)count;
    (void)scratch;
    return 0;
#endif
}
