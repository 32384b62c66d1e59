import GraftCore

/// The conversions between Keras's weight layouts and Graft's, in one place so that import and
/// export are exact inverses (pure permutations and flips: no arithmetic touches a value, which
/// is what makes a round trip bit-identical).
///
/// | weight | Keras | Graft |
/// |---|---|---|
/// | Conv2D kernel | `[kh, kw, in/groups, out]` (HWIO; Keras 1 `th`: OIHW) | `[out, in/groups, kh, kw]` |
/// | DepthwiseConv2D kernel | `[kh, kw, in, multiplier]` | `[in * multiplier, 1, kh, kw]` |
/// | Conv2DTranspose kernel | `[kh, kw, out, in]` | `[in, out, kh, kw]` |
/// | Dense kernel | `[in, units]` | `[units, in]` |
/// | Dense kernel after a channels-last Flatten | rows in H, W, C order | rows in C, H, W order |
enum KerasWeightLayout {
    /// Reverses the last two axes (a kernel's height and width) of an `[a, b, kh, kw]` array.
    static func flippedSpatially(_ values: [Float], shape: [Int]) -> [Float] {
        precondition(shape.count == 4 && values.count == shape.reduce(1, *), "flippedSpatially: shape \(shape)")
        let plane = shape[2] * shape[3]
        var out = values
        for p in 0..<(shape[0] * shape[1]) {
            for y in 0..<shape[2] {
                for x in 0..<shape[3] {
                    out[p * plane + y * shape[3] + x] = values[p * plane + (shape[2] - 1 - y) * shape[3] + (shape[3] - 1 - x)]
                }
            }
        }
        return out
    }

    // MARK: - Convolution kernels

    /// Conv2D: HWIO `[kh, kw, in, out]` → OIHW `[out, in, kh, kw]`.
    static func oihw(fromHWIO values: [Float], shape: [Int]) -> Tensor {
        Tensor(shape: Shape([shape[3], shape[2], shape[0], shape[1]]), scalars: AxisPermutation.permuted(values, shape: shape, order: [3, 2, 0, 1]))
    }

    /// Conv2D: OIHW → HWIO.
    static func hwio(fromOIHW tensor: Tensor) -> (shape: [Int], values: [Float]) {
        let s = tensor.shape.dims
        return ([s[2], s[3], s[1], s[0]], AxisPermutation.permuted(tensor.scalars, shape: s, order: [2, 3, 1, 0]))
    }

    /// DepthwiseConv2D: `[kh, kw, in, m]` → `[in * m, 1, kh, kw]` (output channel `c * m + j`, as
    /// TensorFlow numbers them).
    static func depthwise(fromKeras values: [Float], shape: [Int]) -> Tensor {
        let permutedValues = AxisPermutation.permuted(values, shape: shape, order: [2, 3, 0, 1])   // [in, m, kh, kw]
        return Tensor(shape: Shape([shape[2] * shape[3], 1, shape[0], shape[1]]), scalars: permutedValues)
    }

    /// DepthwiseConv2D: `[in * m, 1, kh, kw]` → `[kh, kw, in, m]`.
    static func depthwiseKeras(from tensor: Tensor, inputChannels: Int) -> (shape: [Int], values: [Float]) {
        let s = tensor.shape.dims
        let m = s[0] / inputChannels
        return ([s[2], s[3], inputChannels, m],
                AxisPermutation.permuted(tensor.scalars, shape: [inputChannels, m, s[2], s[3]], order: [2, 3, 0, 1]))
    }

    /// Conv2DTranspose: `[kh, kw, out, in]` → `[in, out, kh, kw]`.
    static func deconvolution(fromKeras values: [Float], shape: [Int]) -> Tensor {
        Tensor(shape: Shape([shape[3], shape[2], shape[0], shape[1]]), scalars: AxisPermutation.permuted(values, shape: shape, order: [3, 2, 0, 1]))
    }

    /// Conv2DTranspose: `[in, out, kh, kw]` → `[kh, kw, out, in]`.
    static func deconvolutionKeras(from tensor: Tensor) -> (shape: [Int], values: [Float]) {
        let s = tensor.shape.dims
        return ([s[2], s[3], s[1], s[0]], AxisPermutation.permuted(tensor.scalars, shape: s, order: [2, 3, 1, 0]))
    }

    // MARK: - Dense kernels

    /// Dense: `[in, units]` → `[units, in]`; with `flattened` (the input is a Keras channels-last
    /// Flatten that Graft computes channels-first), the rows are reordered from H, W, C to C, H, W.
    static func innerProduct(fromKeras values: [Float], shape: [Int],
                             flattened: (channels: Int, height: Int, width: Int)?) -> Tensor {
        let (inputs, units) = (shape[0], shape[1])
        guard let f = flattened else {
            return Tensor(shape: [units, inputs], scalars: AxisPermutation.permuted(values, shape: shape, order: [1, 0]))
        }
        // [H, W, C, units] → [units, C, H, W].
        let reordered = AxisPermutation.permuted(values, shape: [f.height, f.width, f.channels, units], order: [3, 2, 0, 1])
        return Tensor(shape: [units, inputs], scalars: reordered)
    }

    /// Dense: `[units, in]` → `[in, units]`, undoing ``innerProduct(fromKeras:shape:flattened:)``.
    static func denseKernel(from tensor: Tensor, flattened: (channels: Int, height: Int, width: Int)?) -> (shape: [Int], values: [Float]) {
        let (units, inputs) = (tensor.shape[0], tensor.shape[1])
        guard let f = flattened else {
            return ([inputs, units], AxisPermutation.permuted(tensor.scalars, shape: [units, inputs], order: [1, 0]))
        }
        // [units, C, H, W] → [H, W, C, units].
        return ([inputs, units], AxisPermutation.permuted(tensor.scalars, shape: [units, f.channels, f.height, f.width], order: [2, 3, 1, 0]))
    }
}
