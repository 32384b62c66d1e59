import CGraftSIMD
import Foundation

/// Graft's own SIMD kernels (the C target `CGraftSIMD`): a GEMM whose right-hand operand is packed
/// in panels of 16 (AVX2) or 32 (AVX-512) columns, fed by an im2col that writes those panels
/// directly; a stride-1 direct convolution that reads the padded image instead (no im2col); the
/// tile transforms of Winograd F(4, 3) (``ConvolutionKernels/Strategy/winograd4``); and max pooling. They replace OpenBLAS for the per-image GEMMs of small and mid-sized convolutions
/// (``ConvolutionKernels/Strategy/imageParallel``), where OpenBLAS spends much of its time packing
/// operands that arrive in the wrong layout.
///
/// The instruction set is picked at run time from what the CPU supports; `GRAFT_SIMD=avx2` (or
/// `off`) in the environment caps it, and tests pin one with ``override``. With none available the
/// callers keep their BLAS paths.
public enum PanelKernels {
    /// Vector instruction sets, ordered from none to the widest.
    public enum InstructionSet: Int, Sendable, CaseIterable, Comparable {
        /// No kernels of Graft's own (BLAS paths only), AVX2, or AVX-512.
        case none = 0, avx2 = 1, avx512 = 2

        /// Columns per packed panel (0 for ``none``).
        public var panelWidth: Int { Int(graft_simd_panel_width(graft_simd_isa(UInt32(rawValue)))) }

        /// Rows of C per GEMM register tile (gemm.c: 12 for AVX-512, 6 for AVX2; 1 for ``none``).
        var tileRows: Int { self == .avx512 ? 12 : self == .avx2 ? 6 : 1 }

        var c: graft_simd_isa { graft_simd_isa(UInt32(rawValue)) }

        public static func < (a: Self, b: Self) -> Bool { a.rawValue < b.rawValue }
    }

    /// The widest panel any instruction set uses: scratch sized for it fits all of them.
    public static let maximumPanelWidth = 32

    /// Bytes of one core's L2 cache (glibc's cpuid reading, else sysfs; 1 MB when neither says):
    /// blocks of packed panels are sized from it. Machines of one kind differ four-fold here
    /// (Zen 3 512 KB, Zen 4 1 MB, the Xeons 2 MB).
    static let levelTwoCacheBytes: Int = {
        let reported = sysconf(Int32(_SC_LEVEL2_CACHE_SIZE))
        if reported > 0 { return reported }
        if let text = try? String(contentsOfFile: "/sys/devices/system/cpu/cpu0/cache/index2/size", encoding: .utf8) {
            let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
            if trimmed.hasSuffix("K"), let kilobytes = Int(trimmed.dropLast()), kilobytes > 0 { return kilobytes << 10 }
            if trimmed.hasSuffix("M"), let megabytes = Int(trimmed.dropLast()), megabytes > 0 { return megabytes << 20 }
        }
        return 1 << 20
    }()

    /// What this CPU and OS support.
    public static let supported = InstructionSet(rawValue: Int(graft_simd_best().rawValue)) ?? .none

    /// What the environment allows (`GRAFT_SIMD=off|avx2|avx512`; default: everything supported).
    public static let configured: InstructionSet = {
        switch ProcessInfo.processInfo.environment["GRAFT_SIMD"]?.lowercased() {
        case "off", "none", "0": .none
        case "avx2": min(.avx2, supported)
        default: supported
        }
    }()

    /// Replaces ``configured`` for the current task (tests run both instruction sets); capped at
    /// ``supported``.
    @TaskLocal public static var override: InstructionSet?

    /// The instruction set kernels started now use. Read it once on the calling thread: task-local
    /// values do not reach the workers of a parallel loop.
    public static var active: InstructionSet { min(override ?? configured, supported) }

    /// `C (+)= A · B` for one group of the panel GEMM, C's rows starting from `bias` when not
    /// accumulating; see `graft_simd_gemm` for the addressing.
    @inline(__always)
    static func gemm(_ isa: InstructionSet, m: Int, n: Int, k: Int,
                     a: UnsafePointer<Float>, aRow: Int, aColumn: Int, aBlock: Int = 0, aBlockStride: Int = 0,
                     b: UnsafePointer<Float>, bPanelStride: Int,
                     c: UnsafeMutablePointer<Float>, ldc: Int, accumulate: Bool, bias: UnsafePointer<Float>? = nil,
                     residual: UnsafePointer<Float>? = nil, activation: ActivationKernels.FusedActivation? = nil) {
        guard let activation else {
            graft_simd_gemm(isa.c, Int32(m), Int32(n), Int32(k), a, aRow, aColumn, Int32(aBlock), aBlockStride,
                            b, bPanelStride, c, ldc, accumulate ? 1 : 0, bias, residual, nil)
            return
        }
        var relu = activation.simd
        graft_simd_gemm(isa.c, Int32(m), Int32(n), Int32(k), a, aRow, aColumn, Int32(aBlock), aBlockStride,
                        b, bPanelStride, c, ldc, accumulate ? 1 : 0, bias, residual, &relu)
    }
}

extension PanelKernels {
    /// One SGD step on `weight[m * ld + n]` (`m < m`, `n < n`, history laid out alike) whose
    /// gradient is the product ``gemm(_:m:n:k:a:aRow:aColumn:aBlock:aBlockStride:b:bPanelStride:c:ldc:accumulate:bias:residual:activation:)``
    /// would store (from zero): each tile's sums update the weight straight from the registers,
    /// with ``OptimizerKernels/sgd(weight:gradient:history:count:rate:momentum:decay:)``'s operations
    /// in its order (the same bits), so the gradient is never written and the weight and its
    /// history are each read and written once.
    @inline(__always)
    static func gemmUpdating(_ isa: InstructionSet, m: Int, n: Int, k: Int, a: UnsafePointer<Float>, aRow: Int, aColumn: Int,
                             b: UnsafePointer<Float>, bPanelStride: Int,
                             weight: UnsafeMutablePointer<Float>, history: UnsafeMutablePointer<Float>, ld: Int,
                             rate: Float, momentum: Float, decay: Float) {
        var step = graft_simd_sgd(rate: rate, momentum: momentum, decay: decay)
        graft_simd_gemm_sgd(isa.c, Int32(m), Int32(n), Int32(k), a, aRow, aColumn, b, bPanelStride, weight, history, ld, &step)
    }

    /// Packs `B(k, n) = source[k * ld + n]` (`k < k`, `n < n`) into `isa`'s panels, zero past `n`.
    @inline(__always)
    static func packRows(_ isa: InstructionSet, k: Int, n: Int, source: UnsafePointer<Float>, ld: Int,
                         into panels: UnsafeMutablePointer<Float>) {
        graft_simd_pack_rows(Int32(k), Int32(n), source, ld, Int32(isa.panelWidth), panels, k * isa.panelWidth)
    }

    /// Packs `B(k, n) = source[n * ld + k]` (a row-major `[n, k]` matrix, transposed) into panels
    /// (`panelStride` floats apart; default `k * width`).
    @inline(__always)
    static func packColumns(_ isa: InstructionSet, k: Int, n: Int, source: UnsafePointer<Float>, ld: Int,
                            into panels: UnsafeMutablePointer<Float>, panelStride: Int? = nil) {
        graft_simd_pack_columns(Int32(k), Int32(n), source, ld, Int32(isa.panelWidth), panels, panelStride ?? k * isa.panelWidth)
    }

    /// Max pooling of planes `[planes, height, width]` with the vector kernel, when `isa` has one
    /// (AVX-512; AVX2 for strides 1 and 2 across); returns false otherwise. Same windows and tie rules as
    /// ``PoolingKernels/maxForward(input:output:argmax:planes:geometry:)``'s portable loop.
    /// Floats of `rows` weight rows of `columns` packed for the lanes convolution (rows rounded up
    /// to a panel of 16).
    static func lanesWeightCount(rows: Int, columns: Int) -> Int {
        graft_simd_lanes_weight_count(Int32(rows), Int32(columns))
    }

    /// Packs `rows` weight rows of `columns` (row `m` at `weight + m * weightRow`) for the lanes
    /// convolution: panels of 16 rows, each column's 16 weights side by side.
    static func packLanes(rows: Int, columns: Int, weight: UnsafePointer<Float>, weightRow: Int,
                          into packed: UnsafeMutablePointer<Float>) {
        graft_simd_lanes_pack(Int32(rows), Int32(columns), weight, weightRow, packed)
    }

    static func maxPool(_ isa: InstructionSet, input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>,
                        argmax: UnsafeMutablePointer<Int32>?, planes: Int, geometry g: PoolingGeometry) -> Bool {
        var pool = g.simd
        return graft_simd_max_pool(isa.c, input, output, argmax, Int32(planes), &pool) != 0
    }
}

extension PoolingGeometry {
    /// The windows as the C kernels take them (sizes from validated tensor shapes, far below `Int32.max`).
    var simd: graft_simd_pool {
        graft_simd_pool(height: Int32(height), width: Int32(width),
                        output_height: Int32(outputHeight), output_width: Int32(outputWidth),
                        kernel_height: Int32(kernelHeight), kernel_width: Int32(kernelWidth),
                        stride_height: Int32(strideHeight), stride_width: Int32(strideWidth),
                        pad_top: Int32(padTop), pad_left: Int32(padLeft),
                        pad_bottom: Int32(padBottom), pad_right: Int32(padRight))
    }
}

extension PatchGeometry {
    /// The geometry as the C kernels take it (every size here is far below `Int32.max`: they come
    /// from validated tensor shapes).
    var simd: graft_simd_patches {
        graft_simd_patches(channels: Int32(channels), height: Int32(height), width: Int32(width),
                           kernel_height: Int32(kernelHeight), kernel_width: Int32(kernelWidth),
                           stride_height: Int32(strideHeight), stride_width: Int32(strideWidth),
                           pad_top: Int32(padTop), pad_left: Int32(padLeft),
                           dilation_height: Int32(dilationHeight), dilation_width: Int32(dilationWidth),
                           output_height: Int32(outputHeight), output_width: Int32(outputWidth))
    }

    /// Floats of the padded image the panel im2col reads: the rows and columns the windows reach.
    var paddedCount: Int {
        var g = simd
        var h: Int32 = 0, w: Int32 = 0
        graft_simd_padded_size(&g, &h, &w)
        return channels * Int(h) * Int(w)
    }

    /// Floats of the im2col panels of one image, for panels of `width` pixels.
    func panelCount(width: Int) -> Int { (outputArea + width - 1) / width * width * columnRows }

    /// Writes one image's columns as the panels `isa`'s GEMM reads, through its padded copy.
    func unfoldPanels(image: UnsafePointer<Float>, padded: UnsafeMutablePointer<Float>, isa: PanelKernels.InstructionSet,
                      panels: UnsafeMutablePointer<Float>) {
        var g = simd
        graft_simd_pad_isa(isa.c, image, &g, padded)
        graft_simd_im2col_panels(isa.c, padded, &g, panels, columnRows * isa.panelWidth)
    }

    /// Writes panels `[first, first + count)` of an image already padded (``pad(image:into:)``),
    /// panel `first` at `panels`.
    func unfoldPanels(padded: UnsafePointer<Float>, isa: PanelKernels.InstructionSet, first: Int, count: Int,
                      panels: UnsafeMutablePointer<Float>) {
        var g = simd
        graft_simd_im2col_panel_range(isa.c, padded, &g, Int32(first), Int32(count), panels, columnRows * isa.panelWidth)
    }

    /// Whether ``convolveDirect(weight:rows:reduction:padded:isa:output:ldc:accumulate:)`` handles
    /// these windows on `isa` (stride 1, output rows of whole vectors).
    func supportsDirect(_ isa: PanelKernels.InstructionSet) -> Bool {
        var g = simd
        return graft_simd_direct_supported(isa.c, &g) != 0
    }

    /// Whether ``depthwiseInterleaved(input:outputChannels:multiplier:units:kernel:bias:activation:isa:output:scratch:)``
    /// handles these windows (of one plane) on `isa`.
    func supportsDepthwiseInterleaved(_ isa: PanelKernels.InstructionSet) -> Bool {
        var g = simd
        return graft_simd_depthwise_interleaved_supported(isa.c, &g) != 0
    }

    /// The work units of a depthwise convolution on blocks of eight channels: one per image,
    /// block of channels and band of output rows, numbered `(image * blocks + block) * bands + band`.
    func depthwiseInterleavedUnits(images: Int, outputChannels: Int) -> Int {
        var g = simd
        return graft_simd_depthwise_interleaved_units(&g, Int32(images), Int32(outputChannels))
    }

    /// Output rows per band of ``depthwiseInterleavedUnits(images:outputChannels:)`` (the last
    /// band may have fewer).
    var depthwiseInterleavedBandRows: Int {
        var g = simd
        return Int(graft_simd_depthwise_interleaved_band_rows(&g))
    }

    /// Floats of the scratch one ``depthwiseInterleaved(input:outputChannels:multiplier:units:kernel:bias:activation:isa:output:scratch:)``
    /// call takes.
    var depthwiseInterleavedScratch: Int {
        var g = simd
        return graft_simd_depthwise_interleaved_scratch(&g)
    }

    /// Units `units` of a depthwise convolution computed eight channels to a vector (a band of
    /// rows of eight planes interleaved, every tap one load and one FMA, the outputs transposed
    /// back as they are stored with the activation). Per output the taps are added to the bias in
    /// row-major window order.
    func depthwiseInterleaved(input: UnsafePointer<Float>, outputChannels: Int, multiplier: Int, units: Range<Int>,
                              kernel: UnsafePointer<Float>, bias: UnsafePointer<Float>?,
                              activation: ActivationKernels.FusedActivation?, isa: PanelKernels.InstructionSet,
                              output: UnsafeMutablePointer<Float>, scratch: UnsafeMutablePointer<Float>) {
        var g = simd
        let (channels, multiplier) = (Int32(outputChannels), Int32(multiplier))
        if var relu = activation?.simd {
            graft_simd_depthwise_interleaved(isa.c, input, &g, channels, multiplier, units.lowerBound, units.count,
                                             kernel, bias, &relu, output, scratch)
        } else {
            graft_simd_depthwise_interleaved(isa.c, input, &g, channels, multiplier, units.lowerBound, units.count,
                                             kernel, bias, nil, output, scratch)
        }
    }

    /// Whether ``convolveLanes(rows:packedWeight:bias:padded:panels:pixels:residual:ldc:activation:isa:output:)``
    /// handles these windows on `isa`.
    func supportsLanes(_ isa: PanelKernels.InstructionSet) -> Bool {
        var g = simd
        return graft_simd_lanes_supported(isa.c, &g) != 0
    }

    /// Output rows in panels `panels` (16 rows each, those below `rows`) and pixels `pixels` of one
    /// image and group, the output channels in the vector lanes: weights packed by
    /// ``PanelKernels/packLanes(rows:columns:weight:weightRow:into:)``, inputs broadcast from the
    /// padded image (``pad(image:into:isa:)``; `channels` of this geometry is the group's), the
    /// residual added and the activation applied as they are stored. The same bits as im2col and
    /// the panel GEMM. With `blockedOutput` (one group, `rows` a multiple of 8, `ldc` the map's
    /// area) output and residual hold channels in blocks of eight (``ChannelBlocks``).
    func convolveLanes(rows: Int, packedWeight: UnsafePointer<Float>, bias: UnsafePointer<Float>?,
                       padded: UnsafePointer<Float>, panels: Range<Int>, pixels: Range<Int>,
                       residual: UnsafePointer<Float>?, ldc: Int, activation: ActivationKernels.FusedActivation?,
                       isa: PanelKernels.InstructionSet, output: UnsafeMutablePointer<Float>, blockedOutput: Bool = false) {
        var g = simd
        let blocked: Int32 = blockedOutput ? 1 : 0
        if var relu = activation?.simd {
            graft_simd_lanes(isa.c, Int32(rows), packedWeight, bias, padded, &g, Int32(panels.lowerBound), Int32(panels.count),
                             pixels.lowerBound, pixels.count, residual, ldc, &relu, output, blocked)
        } else {
            graft_simd_lanes(isa.c, Int32(rows), packedWeight, bias, padded, &g, Int32(panels.lowerBound), Int32(panels.count),
                             pixels.lowerBound, pixels.count, residual, ldc, nil, output, blocked)
        }
    }

    /// Pads one image for ``convolveDirect(weight:rows:reduction:padded:isa:output:ldc:accumulate:)``.
    func pad(image: UnsafePointer<Float>, into padded: UnsafeMutablePointer<Float>,
             isa: PanelKernels.InstructionSet = PanelKernels.active) {
        var g = simd
        graft_simd_pad_isa(isa.c, image, &g, padded)
    }

    /// `output[rows, outputArea] (+)= weight[rows, reduction] · columns`, the columns read straight
    /// from the padded image (no im2col); `channels` of this geometry is the group's.
    func convolveDirect(weight: UnsafePointer<Float>, rows: Int, padded: UnsafePointer<Float>,
                        isa: PanelKernels.InstructionSet, output: UnsafeMutablePointer<Float>, accumulate: Bool) {
        var g = simd
        graft_simd_conv_direct(isa.c, Int32(rows), weight, columnRows, padded, &g, output, outputArea, accumulate ? 1 : 0)
    }

    /// The geometry of one group's channels (`channels / groups` planes of the padded image).
    func group(of groups: Int) -> PatchGeometry {
        var g = self
        g.channels = channels / groups
        return g
    }

    /// Floats of one padded plane.
    var paddedPlane: Int { paddedCount / channels }

    /// For stride 1: the windows of the input gradient computed as a convolution of the output
    /// gradient (`outputChannels` planes of the output size) with the flipped kernel; nil when the
    /// leading pads exceed the kernel's reach (no such convolution in Caffe or Keras).
    func mirrored(outputChannels: Int) -> PatchGeometry? {
        let top = (kernelHeight - 1) * dilationHeight - padTop
        let left = (kernelWidth - 1) * dilationWidth - padLeft
        guard strideHeight == 1, strideWidth == 1, top >= 0, left >= 0 else { return nil }
        return PatchGeometry(channels: outputChannels, height: outputHeight, width: outputWidth,
                             kernelHeight: kernelHeight, kernelWidth: kernelWidth, padTop: top, padLeft: left,
                             dilationHeight: dilationHeight, dilationWidth: dilationWidth,
                             outputHeight: height, outputWidth: width)
    }
}

extension ActivationKernels.FusedActivation {
    /// The same activation as the C kernels take it.
    var simd: graft_simd_activation {
        let kind = switch self.kind {
        case .relu: GRAFT_SIMD_RELU
        case .swish: GRAFT_SIMD_SWISH
        case .hardSwish: GRAFT_SIMD_HARD_SWISH
        }
        return graft_simd_activation(negative_slope: negativeSlope, ceiling: ceiling, threshold: threshold, kind: kind)
    }
}
