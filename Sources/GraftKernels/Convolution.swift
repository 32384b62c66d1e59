/// One grouped 2-D convolution's sizes: the window geometry over all input channels plus the
/// output channels and groups. Weight layout `[outputChannels, inputChannels/groups, kh, kw]`.
public struct ConvolutionGeometry: Equatable, Sendable {
    /// Windows over the input image; `patches.channels` is the input channel count.
    public var patches: PatchGeometry
    /// Filters, hence output channels.
    public var outputChannels: Int
    /// Groups the channels are split into (1: an ordinary convolution).
    public var groups: Int

    /// Traps unless `groups` divides both channel counts.
    public init(patches: PatchGeometry, outputChannels: Int, groups: Int = 1) {
        precondition(groups >= 1 && patches.channels % groups == 0 && outputChannels % groups == 0,
                     "ConvolutionGeometry: \(patches.channels) → \(outputChannels) channels do not split into \(groups) groups")
        self.patches = patches
        self.outputChannels = outputChannels
        self.groups = groups
    }

    /// Input channels (of all groups).
    public var inputChannels: Int { patches.channels }
    /// Input channels each filter reads.
    public var inputChannelsPerGroup: Int { patches.channels / groups }
    /// Output channels of each group.
    public var outputChannelsPerGroup: Int { outputChannels / groups }
    /// Floats in one input image `[inputChannels, height, width]`.
    public var inputImageCount: Int { patches.imageCount }
    /// Floats in one output image `[outputChannels, outputHeight, outputWidth]`.
    public var outputImageCount: Int { outputChannels * patches.outputArea }
    /// Floats in the weight tensor.
    public var weightCount: Int { outputChannels * inputChannelsPerGroup * patches.kernelArea }
    /// The GEMM's reduction length per group: input channels of a group times the kernel area.
    public var reductionLength: Int { inputChannelsPerGroup * patches.kernelArea }

    /// A 1x1 kernel with stride 1 and no padding reads the input image as it is.
    public var isPointwise: Bool {
        patches.kernelHeight == 1 && patches.kernelWidth == 1 && patches.strideHeight == 1
            && patches.strideWidth == 1 && patches.padTop == 0 && patches.padLeft == 0
            && patches.outputHeight == patches.height && patches.outputWidth == patches.width
    }

    /// One input channel per group (depthwise, possibly with a channel multiplier).
    public var isDepthwise: Bool { inputChannelsPerGroup == 1 && groups > 1 }
}

/// Convolution forward passes over NCHW batches.
public enum ConvolutionKernels {
    /// How a convolution is computed. All give the same result up to rounding.
    public enum Strategy: Sendable, CaseIterable {
        /// The input image is already the column matrix: one GEMM per group (1x1, stride 1, no pad).
        case pointwiseGEMM
        /// Per image: im2col, then one GEMM per group (Caffe's method; works for every geometry).
        case im2colGEMM
        /// One input channel per group (a GEMM would be a thin sliver): a vector kernel per plane
        /// (AVX-512, AVX2 for strides 1 and 2), else a direct loop.
        case depthwiseDirect
        /// Per image im2col and GEMM, the images split over the cores with single-threaded GEMMs:
        /// for convolutions whose per-image GEMM is too small to share between cores (the 32x32
        /// CIFAR nets), each core keeps its image's columns in its own cache.
        case imageParallel
        /// Winograd's minimal filtering F(2, 3) for stride-1 3x3 kernels: 2.25x fewer multiply-adds,
        /// as GEMMs over transformed tiles (see ``WinogradTransform``).
        case winograd
        /// Winograd F(4, 3) for stride-1 3x3 kernels at inference: 4x fewer multiply-adds, on
        /// Graft's panel GEMM (needs ``PanelKernels``; gradients, if asked for, are F(2, 3)'s).
        case winograd4
        /// The output channels in the vector lanes, each input broadcast straight from the padded
        /// image (no im2col), the weights packed once per inference plan (needs ``PanelKernels``;
        /// every window, stride and dilation; the panels' bits). Gradients, if asked for, are the
        /// panels' (``imageParallel``).
        case outputLanes
    }

    /// Channels per group (input and output) below which Winograd's transforms cost more than its
    /// fewer multiplications save. Measured per layer at 2 threads (Zen 5, alternating
    /// strategies, best of 6): 32 channels on 32x32 maps took 8.4 ms by Winograd against 1.5 ms by
    /// image-parallel panels (AVX2: 13.2 against 3.0). With F(4, 3) for training's forward pass and
    /// input gradient on large maps and the F(2, 3) GEMMs on the panel kernel, 64 channels on
    /// 56x56 (ResNet-18's first stage, batch 16, Xeon family 6 model 207) took 10-11 ms forward
    /// and 34-37 backward by Winograd against 18-19 and 37-40 by panels (AVX2: 12.5/46 against
    /// 32-39/76-81).
    public static let winogradMinimumChannels = 64

    /// Multiply-adds per image and group below which ``Strategy/imageParallel`` beats sharing
    /// each GEMM between the cores.
    public static let imageParallelMaximumWork = 16 << 20

    /// Column-matrix floats per image up to which ``Strategy/imageParallel`` also takes large
    /// convolutions when the SIMD panel kernels are available (one image's columns per worker).
    /// CaffeNet's conv1 (1.1 M) and conv2 (1.7 M) went from im2col + 2-thread OpenBLAS GEMMs to
    /// image-parallel panels: forward 72 → 56-70 ms and 118 → 75-80 ms at batch 32 (session 3,
    /// alternating runs on a noisy machine); much larger column matrices would fall out of cache.
    public static let imageParallelMaximumColumns = 4 << 20

    /// A strategy that ``preferredStrategy(for:batch:inference:workers:)`` returns whenever it applies, for the
    /// current task: tests pin the path they check (a Winograd gradient check on a few channels,
    /// which the cost rule would send to a GEMM).
    @TaskLocal public static var forcedStrategy: Strategy?

    /// The fastest strategy that applies to this geometry (for `batch` images per pass). For
    /// `inference` with the panel kernels, a single image also goes to the panels, whose forward
    /// pass shares out blocks of one image's columns between the cores (CaffeNet at batch 1:
    /// conv1-5 took 8.4 ms through 2-thread OpenBLAS, where ONNX Runtime needs 3.1); a training
    /// pass keeps im2col + BLAS there, since the panels' backward pass splits by image.
    public static func preferredStrategy(for g: ConvolutionGeometry, batch: Int = 1, inference: Bool = false,
                                         workers: Int = Parallel.workers) -> Strategy {
        if let forced = forcedStrategy, supports(forced, g) { return forced }
        let panels = PanelKernels.active
        if g.isDepthwise { return .depthwiseDirect }
        let gemm: Strategy
        // The panels pad each image first: not for windows that reach far beyond it (hostile
        // pads or dilations would make that copy larger than the image's columns).
        // One worker takes the panels too (they need no second core: CIFAR-10 quick training on
        // one thread 580 → 1175 img/s against im2col + OpenBLAS); without them, one worker gains
        // nothing from the image-parallel split.
        if batch > 1 || (inference && panels != .none), workers > 1 || panels != .none,
           g.patches.paddedCount <= imageParallelMaximumColumns,
           g.outputChannelsPerGroup * g.reductionLength * g.patches.outputArea <= imageParallelMaximumWork
            || (panels != .none && g.patches.columnCount <= imageParallelMaximumColumns) {
            gemm = .imageParallel
        } else {
            gemm = .im2colGEMM
        }
        // A 1x1 convolution is a GEMM on the image itself; the panels (a copy into panels, then
        // Graft's GEMM) still won wherever they apply: MobileNetV2 at batch 8, 60 → 42 ms.
        if g.isPointwise { return gemm == .imageParallel && panels != .none ? .imageParallel : .pointwiseGEMM }
        // At inference beside the panels, F(4, 3) where it pays and the panels otherwise, never
        // F(2, 3): its BLAS GEMMs lost on 7x7 maps (512 channels at batch 1: 3.9 ms against 1.9
        // by panels, Zen 4), and in a whole network OpenBLAS's threads, still spinning after it,
        // slowed the layers that followed (CaffeNet at batch 1: conv3-5 2.7/2.2/1.5 ms by F(2, 3)
        // against 1.8/1.5/1.1 by panels, and fc6 after them 5.9 against 4.7).
        // Where F(4, 3) does not pay, the output channels in the vector lanes: the panels' sums
        // without the unfold (a harness on one Zen 3 core: ResNet-50's and CaffeNet's 3x3 layers
        // 64-96 GFLOP/s against 55-82 by pad + im2col + panels, ResNet-50's 7x7 first layer 84
        // against 57; see lanes.c).
        let lanes = inference && lanesPay(g)
        if inference, panels != .none, supports(.winograd4, g), g.inputChannelsPerGroup >= winograd43MinimumChannels,
           g.outputChannelsPerGroup >= winograd43MinimumChannels {
            return prefersWinograd43(g, batch: batch) ? .winograd4 : lanes ? .outputLanes : gemm
        }
        if lanes { return .outputLanes }
        // In training (and at inference without the panels) F(2, 3), with F(4, 3) for training's
        // forward pass and input gradient where its tiles fit, on every instruction set. Its GEMMs once ran on OpenBLAS, and beside full-rate
        // AVX-512 panels it lost on small maps (Zen 5: CaffeNet's 13x13 conv3-5 25/20/14 ms by
        // panels against 47/31/21); on the panel kernel it wins there too (Xeon family 6 model
        // 207, batch 32, forward + backward: conv3 95 against 135 ms, conv4 88 against 95;
        // ResNet-18's 7x7x512 layers at batch 16 45 against 73).
        if supportsWinograd(g), g.inputChannelsPerGroup >= winogradMinimumChannels,
           g.outputChannelsPerGroup >= winogradMinimumChannels {
            return .winograd
        }
        return gemm
    }

    /// Whether `strategy` can compute this geometry.
    public static func supports(_ strategy: Strategy, _ g: ConvolutionGeometry) -> Bool {
        switch strategy {
        case .pointwiseGEMM: g.isPointwise
        case .im2colGEMM, .imageParallel: true
        case .depthwiseDirect: g.inputChannelsPerGroup == 1
        case .winograd: supportsWinograd(g)
        case .winograd4: supportsWinograd(g) && PanelKernels.active != .none && winograd43Addressable(g)
        case .outputLanes: PanelKernels.active != .none && g.patches.group(of: g.groups).supportsLanes(PanelKernels.active)
            && g.patches.paddedCount <= imageParallelMaximumColumns
        }
    }

    /// Floats of scratch ``forward(input:weight:bias:output:batch:geometry:strategy:scratch:imagesPerChunk:residual:activation:)``
    /// needs. With several images per chunk it holds their columns side by side and the GEMM's
    /// result before it is scattered into NCHW order.
    public static func scratchCount(for g: ConvolutionGeometry, strategy: Strategy, imagesPerChunk: Int = 1) -> Int {
        if strategy == .depthwiseDirect { return 0 }
        if strategy == .winograd { return winogradScratchCount(for: g, imagesPerChunk: imagesPerChunk) }
        if strategy == .winograd4 {
            return winograd43TransformedWeightCount(for: g) + winograd43ChunkCount(g, images: max(1, imagesPerChunk))
        }
        if strategy == .outputLanes {
            return lanesPackedWeightCount(for: g) + lanesForwardScratchCount(for: g, parts: imagesPerChunk)
        }
        if strategy == .imageParallel {
            // Enough for either implementation: BLAS on plain columns, or the SIMD panels.
            return max(1, imagesPerChunk) * max(g.patches.columnCount, panelForwardScratch(for: g))
        }
        if imagesPerChunk > 1 { return imagesPerChunk * (g.patches.columnCount + g.outputImageCount) }
        return strategy == .im2colGEMM ? g.patches.columnCount : 0
    }

    /// How many images' columns to place side by side in one GEMM: enough for the GEMM's `n` to
    /// reach about `targetColumns` (small per-image GEMMs leave the second core idle, see
    /// shared/PERF.md), while the chunk's columns and product stay under `maximumScratch` floats so
    /// that the GEMM still finds them in the last-level cache. Measured on CaffeNet at batch 32
    /// (2 cores, session 2, alternating runs): 2048 columns — conv1 one image per GEMM (3025
    /// columns), conv2 two — gave 33.5-35.4 images/s against 32.0-34.0 with 4096 (conv1 two images,
    /// plus the scatter of the product); 8192+ columns lose (the column blocks fall out of cache).
    public static func imagesPerChunk(for g: ConvolutionGeometry, strategy: Strategy, batch: Int,
                                      targetColumns: Int = 2048, maximumScratch: Int = 4 << 20) -> Int {
        // Image-parallel scratch for every worker, even below that many images (they then share
        // out blocks of an image's panels).
        if strategy == .imageParallel || strategy == .outputLanes { return Parallel.workers }
        guard strategy != .depthwiseDirect, batch > 1 else { return 1 }
        if strategy == .winograd { return winogradImagesPerChunk(for: g, batch: batch) }
        if strategy == .winograd4 { return winograd43ImagesPerChunk(for: g, batch: batch) }
        let wanted = (targetColumns + g.patches.outputArea - 1) / g.patches.outputArea
        let perImage = g.patches.columnCount + g.outputImageCount
        let affordable = max(1, maximumScratch / max(perImage, 1))
        return balancedChunk(batch: batch, atMost: min(wanted, affordable))
    }

    /// Images per chunk when `batch` images go in as few chunks of at most `limit` as possible,
    /// all of about the same size: 32 images in chunks of at most 11 would leave a thin last GEMM
    /// (11 + 11 + 10 rather than 11 + 11 + 11 − 1 is the same count; 30 in chunks of at most 11
    /// become 10 + 10 + 10, not 11 + 11 + 8).
    static func balancedChunk(batch: Int, atMost limit: Int) -> Int {
        let chunk = max(1, min(batch, limit))
        let chunks = (batch + chunk - 1) / chunk
        return (batch + chunks - 1) / chunks
    }

    /// `output[n] = weight ⊛ input[n] + bias` for every image of the batch.
    ///
    /// - Parameters:
    ///   - input: `[batch, inputChannels, height, width]`.
    ///   - weight: `[outputChannels, inputChannels/groups, kh, kw]`.
    ///   - bias: `[outputChannels]` or nil.
    ///   - output: `[batch, outputChannels, outputHeight, outputWidth]`.
    ///   - batch: the number of images.
    ///   - g: the convolution's shapes, strides, pads, dilations and groups.
    ///   - strategy: how to compute it; must be one that ``supports(_:_:)`` this geometry.
    ///   - scratch: at least ``scratchCount(for:strategy:imagesPerChunk:)`` floats (may be nil when that is 0).
    ///   - imagesPerChunk: images whose columns share one GEMM (1: one GEMM per image and group).
    ///   - residual: shaped like `output` and added to it before the activation, or nil.
    ///   - activation: a ReLU applied to the result last (fused into the kernel's loops where it
    ///     can be), or nil.
    public static func forward(input: UnsafePointer<Float>, weight: UnsafePointer<Float>,
                               bias: UnsafePointer<Float>?, output: UnsafeMutablePointer<Float>,
                               batch: Int, geometry g: ConvolutionGeometry, strategy: Strategy,
                               scratch: UnsafeMutablePointer<Float>?, imagesPerChunk: Int = 1,
                               residual: UnsafePointer<Float>? = nil,
                               activation: ActivationKernels.FusedActivation? = nil) {
        precondition(supports(strategy, g), "convolution: strategy \(strategy) does not fit \(g)")
        func needScratch() -> UnsafeMutablePointer<Float> {
            guard let scratch else { preconditionFailure("convolution: strategy \(strategy) needs scratch") }
            return scratch
        }
        switch strategy {
        case .winograd:
            winogradForward(input: input, weight: weight, bias: bias, output: output, batch: batch,
                            geometry: g, imagesPerChunk: imagesPerChunk, scratch: needScratch())
        case .winograd4:
            // The weights are transformed on every call here; inference plans do it once.
            let scratch = needScratch()
            transformWinograd43Weights(weight, geometry: g, into: scratch)
            winograd43Forward(input: input, transformedWeight: scratch, bias: bias, output: output, batch: batch,
                              geometry: g, imagesPerChunk: imagesPerChunk,
                              scratch: scratch + winograd43TransformedWeightCount(for: g),
                              residual: residual, activation: activation)
            return
        case .outputLanes:
            // The weights are packed on every call here; inference plans do it once.
            let scratch = needScratch()
            packLanesWeights(weight, geometry: g, into: scratch)
            lanesForward(input: input, packedWeight: scratch, bias: bias, output: output, batch: batch, geometry: g,
                         parts: imagesPerChunk, scratch: scratch + lanesPackedWeightCount(for: g),
                         residual: residual, activation: activation)
            return
        case .imageParallel where PanelKernels.active != .none:
            // The panels add the residual and apply the activation block by block.
            forwardPanels(input: input, weight: weight, bias: bias, output: output, batch: batch,
                          geometry: g, parts: imagesPerChunk, scratch: needScratch(), isa: PanelKernels.active,
                          residual: residual, activation: activation)
            return
        case .depthwiseDirect where residual == nil:
            // The depthwise kernel applies the activation plane by plane.
            depthwise(input: input, weight: weight, bias: bias, output: output, batch: batch, geometry: g, activation: activation)
            return
        case .depthwiseDirect:
            depthwise(input: input, weight: weight, bias: bias, output: output, batch: batch, geometry: g)
        case .imageParallel:
            forwardImageParallel(input: input, weight: weight, bias: bias, output: output, batch: batch,
                                 geometry: g, parts: imagesPerChunk, scratch: needScratch())
        case .pointwiseGEMM where imagesPerChunk > 1, .im2colGEMM where imagesPerChunk > 1:
            forwardSideBySide(input: input, weight: weight, bias: bias, output: output, batch: batch,
                              geometry: g, imagesPerChunk: imagesPerChunk, scratch: needScratch())
        case .pointwiseGEMM, .im2colGEMM:
            forwardPerImage(input: input, weight: weight, bias: bias, output: output, images: 0..<batch,
                            geometry: g, columns: strategy == .im2colGEMM ? needScratch() : nil, parallel: true)
        }
        finish(output, count: batch * g.outputImageCount, residual: residual, activation: activation)
    }

    /// A fused activation as a pass of its own, for the paths that do not apply it as they go.
    public static func applyActivation(_ activation: ActivationKernels.FusedActivation, to output: UnsafeMutablePointer<Float>, count: Int) {
        finish(output, count: count, residual: nil, activation: activation)
    }

    /// `output = activation(output + residual)` in one pass (either may be absent), for the paths
    /// that do not fold them into their own loops: the same operations as the separate sum and
    /// ReLU layers, so the result is bit-identical.
    public static func finish(_ output: UnsafeMutablePointer<Float>, count: Int, residual: UnsafePointer<Float>?,
                              activation: ActivationKernels.FusedActivation?) {
        guard residual != nil || activation != nil else { return }
        let isa = PanelKernels.active
        Parallel.forEach(count, minimumWork: 1 << 16) { range in
            addResidualAndActivate(output + range.lowerBound, count: range.count,
                                   residual: residual.map { $0 + range.lowerBound }, activation: activation, isa: isa)
        }
    }

    /// `output = activation(output + residual)` over `count` floats on the calling thread.
    @inline(__always)
    static func addResidualAndActivate(_ output: UnsafeMutablePointer<Float>, count: Int, residual: UnsafePointer<Float>?,
                                       activation: ActivationKernels.FusedActivation?, isa: PanelKernels.InstructionSet) {
        if let residual { for i in 0..<count { output[i] += residual[i] } }
        activation?.apply(output, output, count: count, isa: isa)
    }

    /// ``Strategy/imageParallel``'s forward pass: `parts` workers, each with its own columns.
    static func forwardImageParallel(input: UnsafePointer<Float>, weight: UnsafePointer<Float>,
                                     bias: UnsafePointer<Float>?, output: UnsafeMutablePointer<Float>,
                                     batch: Int, geometry g: ConvolutionGeometry, parts: Int,
                                     scratch: UnsafeMutablePointer<Float>) {
        Parallel.forEachPartWithSerialBLAS(batch, parts: min(max(1, parts), batch)) { part, images in
            forwardPerImage(input: input, weight: weight, bias: bias, output: output, images: images, geometry: g,
                            columns: scratch + part * g.patches.columnCount, parallel: false)
        }
    }

    /// One GEMM per image and group: on the image's im2col `columns`, or on the image itself when
    /// `columns` is nil (pointwise); `parallel: false` inside a worker that already owns a core.
    static func forwardPerImage(input: UnsafePointer<Float>, weight: UnsafePointer<Float>, bias: UnsafePointer<Float>?,
                                output: UnsafeMutablePointer<Float>, images: Range<Int>, geometry g: ConvolutionGeometry,
                                columns: UnsafeMutablePointer<Float>?, parallel: Bool) {
        let area = g.patches.outputArea
        for n in images {
            let image = input + n * g.inputImageCount
            let result = output + n * g.outputImageCount
            if let columns { Im2col.unfold(image: image, geometry: g.patches, columns: columns, parallel: parallel) }
            let matrix = columns.map { UnsafePointer($0) } ?? image
            for group in 0..<g.groups {
                BLAS.sgemm(m: g.outputChannelsPerGroup, n: area, k: g.reductionLength,
                           a: weight + group * g.outputChannelsPerGroup * g.reductionLength, lda: g.reductionLength,
                           b: matrix + group * g.reductionLength * area, ldb: area,
                           c: result + group * g.outputChannelsPerGroup * area, ldc: area)
            }
            if let bias { addChannelBias(bias, to: result, channels: g.outputChannels, area: area) }
        }
    }

    /// Adds `bias[c]` to every element of channel `c` of one image `[channels, area]`.
    public static func addChannelBias(_ bias: UnsafePointer<Float>, to image: UnsafeMutablePointer<Float>,
                                      channels: Int, area: Int) {
        for c in 0..<channels {
            let plane = image + c * area
            let b = bias[c]
            for i in 0..<area { plane[i] += b }
        }
    }

    /// Direct loop for one input channel per group: output channel `oc` reads input channel
    /// `oc / (outputChannels / groups)`.
    static func depthwise(input: UnsafePointer<Float>, weight: UnsafePointer<Float>, bias: UnsafePointer<Float>?,
                          output: UnsafeMutablePointer<Float>, batch: Int, geometry g: ConvolutionGeometry,
                          activation: ActivationKernels.FusedActivation? = nil) {
        let p = g.patches
        let plane = p.height * p.width
        let multiplier = g.outputChannelsPerGroup
        var planeWindows = p
        planeWindows.channels = 1
        let isa = PanelKernels.active
        if planeWindows.supportsDepthwiseInterleaved(isa) {
            // Eight channels to a vector: the earlier form with eight outputs of one plane's row to a
            // vector filled 14 of 16 and 7 of 8 lanes on MobileNetV2's 14x14 and 7x7 planes and
            // spent more on masked edges and set-up than on sums (MobileNetV2's depthwise layers
            // at batch 1: 2.9-3.1 → 1.7-2.4 ms on a Zen 3; AVX-512 machines run it too).
            let units = planeWindows.depthwiseInterleavedUnits(images: batch, outputChannels: g.outputChannels)
            let scratchCount = planeWindows.depthwiseInterleavedScratch
            Parallel.forEach(units, workPerItem: max(1, batch * g.outputChannels * p.outputArea * p.kernelArea / max(1, units))) { range in
                let scratch = UnsafeMutableRawPointer.allocate(byteCount: scratchCount * MemoryLayout<Float>.stride, alignment: 32)
                defer { scratch.deallocate() }
                planeWindows.depthwiseInterleaved(input: input, outputChannels: g.outputChannels, multiplier: multiplier,
                                                  units: range, kernel: weight, bias: bias, activation: activation, isa: isa,
                                                  output: output, scratch: scratch.bindMemory(to: Float.self, capacity: scratchCount))
            }
            return
        }
        defer { if let activation { applyActivation(activation, to: output, count: batch * g.outputImageCount) } }
        for n in 0..<batch {
            for oc in 0..<g.outputChannels {
                let source = input + (n * p.channels + oc / multiplier) * plane
                let kernel = weight + oc * p.kernelArea
                let result = output + (n * g.outputChannels + oc) * p.outputArea
                let start = bias?[oc] ?? 0
                result.update(repeating: start, count: p.outputArea)
                for i in 0..<p.kernelHeight {
                    let rowOffset = i * p.dilationHeight - p.padTop
                    let rows = PatchGeometry.validRange(offset: rowOffset, stride: p.strideHeight,
                                                        size: p.height, outputs: p.outputHeight)
                    for j in 0..<p.kernelWidth {
                        let columnOffset = j * p.dilationWidth - p.padLeft
                        let columns = PatchGeometry.validRange(offset: columnOffset, stride: p.strideWidth,
                                                               size: p.width, outputs: p.outputWidth)
                        let w = kernel[i * p.kernelWidth + j]
                        for oh in rows {
                            let sourceRow = source + (oh * p.strideHeight + rowOffset) * p.width + columnOffset
                            let resultRow = result + oh * p.outputWidth
                            for ow in columns { resultRow[ow] += w * sourceRow[ow * p.strideWidth] }
                        }
                    }
                }
            }
        }
    }

    /// The transpose of a convolution: `image[n] = weightᵀ ⊛ columns-of(input[n]) + bias`, i.e.
    /// GEMM then col2im per image. This is Caffe's Deconvolution forward pass and, without bias,
    /// the input gradient of the convolution described by `geometry`.
    ///
    /// - Parameters:
    ///   - input: `[batch, outputChannels, outputHeight, outputWidth]` of `geometry` (the
    ///     deconvolution's input).
    ///   - weight: `[outputChannels, inputChannels/groups, kh, kw]` of `geometry`, which is
    ///     Caffe's deconvolution layout `[deconvInput, deconvOutput/groups, kh, kw]`.
    ///   - bias: `[inputChannels]` of `geometry` (the deconvolution's output channels) or nil.
    ///   - output: `[batch, inputChannels, height, width]` of `geometry`.
    ///   - batch: the number of images.
    ///   - g: the geometry of the convolution this transposes.
    ///   - columns: scratch for one image's columns, at least `geometry.patches.columnCount` floats.
    public static func transposed(input: UnsafePointer<Float>, weight: UnsafePointer<Float>,
                                  bias: UnsafePointer<Float>?, output: UnsafeMutablePointer<Float>,
                                  batch: Int, geometry g: ConvolutionGeometry,
                                  scratch columns: UnsafeMutablePointer<Float>) {
        let area = g.patches.outputArea
        for n in 0..<batch {
            let source = input + n * g.outputImageCount
            let image = output + n * g.inputImageCount
            for group in 0..<g.groups {
                // columns_g[reduction, area] = weight_gᵀ[reduction, outPerGroup] · source_g[outPerGroup, area]
                BLAS.sgemm(.transposed, .none, m: g.reductionLength, n: area, k: g.outputChannelsPerGroup,
                           a: weight + group * g.outputChannelsPerGroup * g.reductionLength, lda: g.reductionLength,
                           b: source + group * g.outputChannelsPerGroup * area, ldb: area,
                           c: columns + group * g.reductionLength * area, ldc: area)
            }
            Im2col.fold(columns: columns, geometry: g.patches, image: image)
            if let bias { addChannelBias(bias, to: image, channels: g.inputChannels, area: g.patches.height * g.patches.width) }
        }
    }
}
