import GraftCore

/// Caffe `Pooling` (`PoolingLayer::LayerSetUp`): the sizes are scalars here, unlike convolution.
///
/// - kernel: `kernel_size` for both axes, else `kernel_h` and `kernel_w` together;
///   `global_pooling` pools the whole plane instead.
/// - pad: `pad_h`/`pad_w` when either is set (an absent one is 0), else `pad` for both axes;
///   stride likewise from `stride_h`/`stride_w` or `stride` (default 1).
/// - output size: Caffe's ceil rounding (or `round_mode: FLOOR`, or the forks' `ceil_mode: false`,
///   as OpenCV reads it), average windows divided by their size clipped to the padded input
///   (``Pooling/AverageDivisor/includePadding``).
/// - `STOCHASTIC` pooling has no Graft operation: the layer becomes opaque.
struct PoolingMapper: CaffeLayerMapper {
    static let kind = CaffeLayerKind.pooling

    static func map(_ context: CaffeLayerContext, blobs: [Tensor]) throws(CaffeImportError) -> CaffeMapping {
        try context.requireBottoms(1...1)
        guard context.input.rank == 4 else { throw context.invalid("needs a 4-D NCHW input, got \(context.input)") }
        let p = context.layer.pooling ?? CaffeParam.Pooling()
        let method: Pooling.Method
        switch p.pool {
        case .max: method = .max
        case .ave: method = .average
        case .stochastic:
            return CaffeOpaqueMapper.map(context.layer, blobs: blobs,
                                         reason: "STOCHASTIC pooling has no Graft operation")
        }
        if p.ceilMode == true, p.roundMode == .floor {
            throw context.invalid("round_mode: FLOOR and ceil_mode: true disagree")
        }
        let rounding: Pooling.Rounding = p.rounding == .floor ? .floor : .ceil
        if p.globalPooling {
            guard p.kernelSize == nil, p.kernelH == nil, p.kernelW == nil else {
                throw context.invalid("global_pooling and a kernel size are both given")
            }
            guard p.pad == 0, (p.padH ?? 0) == 0, (p.padW ?? 0) == 0, p.stride == 1, (p.strideH ?? 1) == 1, (p.strideW ?? 1) == 1 else {
                throw context.invalid("global_pooling needs pad 0 and stride 1")
            }
            return .node(.pooling(Pooling(method: method, kernel: [context.input[2], context.input[3]], stride: [1, 1],
                                          rounding: rounding, global: true)))
        }
        let kernel: [Int]
        if let k = p.kernelSize {
            guard p.kernelH == nil, p.kernelW == nil else { throw context.invalid("kernel_size and kernel_h/kernel_w are both given") }
            kernel = [k, k]
        } else {
            guard let h = p.kernelH, let w = p.kernelW else {
                throw context.invalid("needs kernel_size, or kernel_h and kernel_w together")
            }
            kernel = [h, w]
        }
        let pad = p.padH != nil || p.padW != nil ? [p.padH ?? 0, p.padW ?? 0] : [p.pad, p.pad]
        let stride = p.strideH != nil || p.strideW != nil ? [p.strideH ?? 1, p.strideW ?? 1] : [p.stride, p.stride]
        guard kernel.allSatisfy({ $0 >= 1 }), stride.allSatisfy({ $0 >= 1 }) else {
            throw context.invalid("kernel \(kernel) and stride \(stride) must be positive")
        }
        guard pad[0] < kernel[0], pad[1] < kernel[1] else {
            throw context.invalid("padding \(pad) must be smaller than the kernel \(kernel)")
        }
        return .node(.pooling(Pooling(method: method, kernel: kernel, stride: stride, padBegin: pad, padEnd: pad,
                                      rounding: rounding, global: false, averageDivisor: .includePadding)))
    }
}

/// Caffe `LRN`: Graft's LRN uses Caffe's convention (alpha divided by the window size; `k`
/// ignored within a channel), so the parameters carry over unchanged.
struct LRNMapper: CaffeLayerMapper {
    static let kind = CaffeLayerKind.lrn

    static func map(_ context: CaffeLayerContext, blobs: [Tensor]) throws(CaffeImportError) -> CaffeMapping {
        try context.requireBottoms(1...1)
        let p = context.layer.lrn ?? CaffeParam.LRN()
        guard p.localSize >= 1, p.localSize % 2 == 1 else { throw context.invalid("local_size must be odd, got \(p.localSize)") }
        let region: LRN.Region = p.normRegion == .withinChannel ? .withinChannel : .acrossChannels
        return .node(.lrn(LRN(region: region, size: p.localSize, alpha: p.alpha, beta: p.beta, k: p.k)))
    }
}
