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
    /// `values` (row-major, `shape`) with its axes permuted: output axis `i` is input axis `order[i]`.
    static func permuted(_ values: [Float], shape: [Int], order: [Int]) -> [Float] {
        precondition(shape.count == order.count && order.sorted() == Array(0..<shape.count) && shape.count <= 4,
                     "permuted: \(order) is not a permutation of rank \(shape.count) (at most 4)")
        precondition(values.count == shape.reduce(1, *), "permuted: \(values.count) values for \(shape)")
        if order == Array(0..<shape.count) || values.isEmpty { return values }
        // Pad to rank 4 with leading unit axes.
        let pad = 4 - shape.count
        let dims = Array(repeating: 1, count: pad) + shape
        let axes = Array(0..<pad) + order.map { $0 + pad }
        var strides = [Int](repeating: 1, count: 4)
        for i in stride(from: 2, through: 0, by: -1) { strides[i] = strides[i + 1] * dims[i + 1] }
        let outDims = axes.map { dims[$0] }
        let source = axes.map { strides[$0] }           // input stride of each output axis
        var out = [Float](repeating: 0, count: values.count)
        values.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                guard let k = axes.firstIndex(of: 3), k != 3 else {
                    // The input's contiguous axis stays last: rows are copied in order.
                    var o = 0
                    for a in 0..<outDims[0] {
                        for b in 0..<outDims[1] {
                            for c in 0..<outDims[2] {
                                var s = a * source[0] + b * source[1] + c * source[2]
                                for _ in 0..<outDims[3] {
                                    dst[o] = src[s]
                                    o += 1
                                    s += source[3]
                                }
                            }
                        }
                    }
                    return
                }
                // Output axis k reads the input contiguously, output axis 3 writes contiguously:
                // copy in square tiles of those two axes so both sides stay in cache.
                var outStrides = [Int](repeating: 1, count: 4)
                for i in stride(from: 2, through: 0, by: -1) { outStrides[i] = outStrides[i + 1] * outDims[i + 1] }
                let others = (0..<3).filter { $0 != k }
                let (p, q) = (others[0], others[1])
                let tile = 32
                let kCount = outDims[k], jCount = outDims[3]
                let kOut = outStrides[k], jIn = source[3]
                for a in 0..<outDims[p] {
                    for b in 0..<outDims[q] {
                        let sBase = a * source[p] + b * source[q]
                        let dBase = a * outStrides[p] + b * outStrides[q]
                        for k0 in stride(from: 0, to: kCount, by: tile) {
                            let k1 = min(k0 + tile, kCount)
                            for j0 in stride(from: 0, to: jCount, by: tile) {
                                let j1 = min(j0 + tile, jCount)
                                for kk in k0..<k1 {
                                    var s = sBase + kk + j0 * jIn
                                    var d = dBase + kk * kOut + j0
                                    for _ in j0..<j1 {
                                        dst[d] = src[s]
                                        d += 1
                                        s += jIn
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        return out
    }

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
        Tensor(shape: Shape([shape[3], shape[2], shape[0], shape[1]]), scalars: permuted(values, shape: shape, order: [3, 2, 0, 1]))
    }

    /// Conv2D: OIHW → HWIO.
    static func hwio(fromOIHW tensor: Tensor) -> (shape: [Int], values: [Float]) {
        let s = tensor.shape.dims
        return ([s[2], s[3], s[1], s[0]], permuted(tensor.scalars, shape: s, order: [2, 3, 1, 0]))
    }

    /// DepthwiseConv2D: `[kh, kw, in, m]` → `[in * m, 1, kh, kw]` (output channel `c * m + j`, as
    /// TensorFlow numbers them).
    static func depthwise(fromKeras values: [Float], shape: [Int]) -> Tensor {
        let permutedValues = permuted(values, shape: shape, order: [2, 3, 0, 1])   // [in, m, kh, kw]
        return Tensor(shape: Shape([shape[2] * shape[3], 1, shape[0], shape[1]]), scalars: permutedValues)
    }

    /// DepthwiseConv2D: `[in * m, 1, kh, kw]` → `[kh, kw, in, m]`.
    static func depthwiseKeras(from tensor: Tensor, inputChannels: Int) -> (shape: [Int], values: [Float]) {
        let s = tensor.shape.dims
        let m = s[0] / inputChannels
        return ([s[2], s[3], inputChannels, m],
                permuted(tensor.scalars, shape: [inputChannels, m, s[2], s[3]], order: [2, 3, 0, 1]))
    }

    /// Conv2DTranspose: `[kh, kw, out, in]` → `[in, out, kh, kw]`.
    static func deconvolution(fromKeras values: [Float], shape: [Int]) -> Tensor {
        Tensor(shape: Shape([shape[3], shape[2], shape[0], shape[1]]), scalars: permuted(values, shape: shape, order: [3, 2, 0, 1]))
    }

    /// Conv2DTranspose: `[in, out, kh, kw]` → `[kh, kw, out, in]`.
    static func deconvolutionKeras(from tensor: Tensor) -> (shape: [Int], values: [Float]) {
        let s = tensor.shape.dims
        return ([s[2], s[3], s[1], s[0]], permuted(tensor.scalars, shape: s, order: [2, 3, 1, 0]))
    }

    // MARK: - Dense kernels

    /// Dense: `[in, units]` → `[units, in]`; with `flattened` (the input is a Keras channels-last
    /// Flatten that Graft computes channels-first), the rows are reordered from H, W, C to C, H, W.
    static func innerProduct(fromKeras values: [Float], shape: [Int],
                             flattened: (channels: Int, height: Int, width: Int)?) -> Tensor {
        let (inputs, units) = (shape[0], shape[1])
        guard let f = flattened else {
            return Tensor(shape: [units, inputs], scalars: permuted(values, shape: shape, order: [1, 0]))
        }
        // [H, W, C, units] → [units, C, H, W].
        let reordered = permuted(values, shape: [f.height, f.width, f.channels, units], order: [3, 2, 0, 1])
        return Tensor(shape: [units, inputs], scalars: reordered)
    }

    /// Dense: `[units, in]` → `[in, units]`, undoing ``innerProduct(fromKeras:shape:flattened:)``.
    static func denseKernel(from tensor: Tensor, flattened: (channels: Int, height: Int, width: Int)?) -> (shape: [Int], values: [Float]) {
        let (units, inputs) = (tensor.shape[0], tensor.shape[1])
        guard let f = flattened else {
            return ([inputs, units], permuted(tensor.scalars, shape: [units, inputs], order: [1, 0]))
        }
        // [units, C, H, W] → [H, W, C, units].
        return ([inputs, units], permuted(tensor.scalars, shape: [units, f.channels, f.height, f.width], order: [2, 3, 1, 0]))
    }
}
