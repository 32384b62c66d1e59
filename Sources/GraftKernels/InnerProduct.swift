import CGraftSIMD

/// Fully connected forward pass with the weight pre-packed as `[K, outputCount]`.
///
/// The stored layout is `[outputCount, K]`; `Y = X · Wᵀ` as a transposed-B GEMM is markedly slower
/// for large fully connected layers on OpenBLAS than a plain product with a transposed copy
/// (shared/PERF.md), so callers pack once with ``pack(weight:outputCount:inputCount:into:)``.
public enum InnerProductKernels {
    /// Writes `packed[K, outputCount]`, the transpose of `weight[outputCount, K]`.
    public static func pack(weight: UnsafePointer<Float>, outputCount: Int, inputCount: Int,
                            into packed: UnsafeMutablePointer<Float>) {
        BLAS.transpose(weight, rows: outputCount, columns: inputCount, into: packed)
    }

    /// `output[rows, outputCount] = input[rows, K] · packed[K, outputCount] + bias`.
    public static func forward(input: UnsafePointer<Float>, packedWeight: UnsafePointer<Float>,
                               bias: UnsafePointer<Float>?, output: UnsafeMutablePointer<Float>,
                               rows: Int, inputCount: Int, outputCount: Int) {
        BLAS.sgemm(m: rows, n: outputCount, k: inputCount,
                   a: input, lda: max(inputCount, 1), b: packedWeight, ldb: outputCount,
                   c: output, ldc: outputCount)
        addBias(bias, to: output, rows: rows, outputCount: outputCount)
    }
}

extension InnerProductKernels {
    /// Floats the weight takes packed into `isa`'s panels (outputs rounded up to whole panels).
    public static func panelWeightCount(inputCount: Int, outputCount: Int, isa: PanelKernels.InstructionSet) -> Int {
        let width = isa.panelWidth
        return width == 0 ? 0 : (outputCount + width - 1) / width * width * inputCount
    }

    /// Packs `weight[outputCount, K]` once into the panels of `Wᵀ` that `isa`'s GEMM reads, for
    /// ``forwardPanels(input:panels:isa:bias:output:rows:inputCount:outputCount:)``.
    public static func packPanels(weight: UnsafePointer<Float>, outputCount: Int, inputCount: Int,
                                  isa: PanelKernels.InstructionSet, into panels: UnsafeMutablePointer<Float>) {
        precondition(isa != .none, "packPanels: no panel kernel")
        PanelKernels.packColumns(isa, k: inputCount, n: outputCount, source: weight, ld: inputCount, into: panels)
    }

    /// `output[rows, outputCount] = input[rows, K] · Wᵀ + bias` with `Wᵀ` in the panels of
    /// ``packPanels(weight:outputCount:inputCount:isa:into:)``, the panels split over the cores
    /// (each output summed in one fixed order: the result does not depend on the thread count).
    public static func forwardPanels(input: UnsafePointer<Float>, panels: UnsafePointer<Float>,
                                     isa: PanelKernels.InstructionSet, bias: UnsafePointer<Float>?,
                                     output: UnsafeMutablePointer<Float>, rows: Int, inputCount: Int, outputCount: Int) {
        let width = isa.panelWidth, panelFloats = width * inputCount
        precondition(width > 0, "forwardPanels: no panel kernel")
        let panelCount = (outputCount + width - 1) / width
        Parallel.forEach(panelCount, workPerItem: rows * panelFloats) { range in
            let first = range.lowerBound * width, columns = min(outputCount, range.upperBound * width) - first
            PanelKernels.gemm(isa, m: rows, n: columns, k: inputCount, a: input, aRow: inputCount, aColumn: 1,
                              b: panels + range.lowerBound * panelFloats, bPanelStride: panelFloats,
                              c: output + first, ldc: outputCount, accumulate: false)
        }
        addBias(bias, to: output, rows: rows, outputCount: outputCount)
    }
}

extension InnerProductKernels {
    /// `output[r] += bias` for every row (nothing without a bias).
    @inline(__always)
    static func addBias(_ bias: UnsafePointer<Float>?, to output: UnsafeMutablePointer<Float>, rows: Int, outputCount: Int) {
        guard let bias else { return }
        for r in 0..<rows {
            let row = output + r * outputCount
            for o in 0..<outputCount { row[o] += bias[o] }
        }
    }

    /// Rows (images) up to which inference keeps the stored layout and computes each output as a
    /// dot product with one contiguous weight row (``forwardFewRows(input:weight:bias:output:rows:inputCount:outputCount:)``):
    /// at batch 1 the layer is a memory-bound GEMV, and OpenBLAS's sgemm on the transposed copy
    /// read CaffeNet's fc6 at about 25 GB/s on two cores where ONNX Runtime reaches 48.
    public static let fewRowsMaximum = Int(GRAFT_ROWS_MAX)

    /// Whether ``forwardFewRows(input:weight:bias:output:rows:inputCount:outputCount:)`` takes this product.
    public static func takesFewRows(rows: Int, inputCount: Int, outputCount: Int) -> Bool {
        rows >= 1 && rows <= fewRowsMaximum && inputCount <= Int(Int32.max) && outputCount <= Int(Int32.max)
    }

    /// `output[rows, outputCount] = input[rows, K] · weight[outputCount, K]ᵀ + bias` for at most
    /// ``fewRowsMaximum`` rows on Graft's own kernel, the outputs split over the cores (each
    /// output summed in one fixed order: the result does not depend on the thread count).
    public static func forwardFewRows(input: UnsafePointer<Float>, weight: UnsafePointer<Float>,
                                      bias: UnsafePointer<Float>?, output: UnsafeMutablePointer<Float>,
                                      rows: Int, inputCount: Int, outputCount: Int) {
        precondition(takesFewRows(rows: rows, inputCount: inputCount, outputCount: outputCount),
                     "forwardFewRows: \(rows) rows of \(inputCount) → \(outputCount)")
        let isa = PanelKernels.active
        Parallel.forEach(outputCount, workPerItem: inputCount * rows) { range in
            graft_simd_few_rows(isa.c, Int32(rows), Int32(range.lowerBound), Int32(range.upperBound), Int32(inputCount),
                                input, inputCount, weight, inputCount, output, outputCount)
        }
        addBias(bias, to: output, rows: rows, outputCount: outputCount)
    }

    /// `output[rows, outputCount] = input[rows, K] · weight[outputCount, K]ᵀ + bias`, straight from
    /// the stored layout (a transposed-B GEMM). Training uses it while the weight changes every
    /// step, instead of repacking 37 M floats of fc6 after each update.
    public static func forwardUnpacked(input: UnsafePointer<Float>, weight: UnsafePointer<Float>,
                                       bias: UnsafePointer<Float>?, output: UnsafeMutablePointer<Float>,
                                       rows: Int, inputCount: Int, outputCount: Int) {
        BLAS.sgemm(.none, .transposed, m: rows, n: outputCount, k: inputCount,
                   a: input, lda: max(inputCount, 1), b: weight, ldb: max(inputCount, 1),
                   c: output, ldc: outputCount)
        addBias(bias, to: output, rows: rows, outputCount: outputCount)
    }

    /// Floats of scratch ``backward(input:weight:outputGradient:inputGradient:weightGradient:biasGradient:rows:inputCount:outputCount:scratch:)`` needs.
    public static func backwardScratchCount(rows: Int, outputCount: Int) -> Int { rows * outputCount }

    /// Caffe's SGD step for a weight (``OptimizerKernels/sgd(weight:gradient:history:count:rate:momentum:decay:)``),
    /// applied by ``backward(input:weight:outputGradient:inputGradient:updating:biasGradient:rows:inputCount:outputCount:scratch:)``
    /// while the weight's gradient is computed.
    public struct FusedSGD {
        /// The weight's momentum history, laid out like the weight.
        public var history: UnsafeMutablePointer<Float>
        /// The learning rate with its multiplier, the momentum, the decay with its multiplier.
        public var rate: Float, momentum: Float, decay: Float

        /// An SGD step with this history buffer and these already-multiplied settings.
        public init(history: UnsafeMutablePointer<Float>, rate: Float, momentum: Float, decay: Float) {
            self.history = history
            self.rate = rate
            self.momentum = momentum
            self.decay = decay
        }
    }

    /// Floats of weight gradient computed and applied at a time without a vector kernel (1 MB:
    /// it stays in cache between the product and the update); with one, the rows of this many
    /// floats are the units the workers share. Task-local so that tests can cut a small layer
    /// into many blocks.
    @TaskLocal static var fusedGradientFloats = 1 << 18

    /// The gradients of ``backward(input:weight:outputGradient:inputGradient:weightGradient:biasGradient:rows:inputCount:outputCount:scratch:)``,
    /// except that the weight's is not written out: it is applied by `update` as it is computed,
    /// which leaves the weight and its history exactly as the full gradient and
    /// ``OptimizerKernels/sgd(weight:gradient:history:count:rate:momentum:decay:)`` would. With a
    /// vector kernel each register tile of the gradient updates its weights at once (the weight
    /// and its history each read and written once, no gradient buffer between the product and the
    /// update); without one, a block of rows at a time (4 passes over memory instead of 7: the
    /// gradient is not written out and read back). CaffeNet's fc6 has 151 MB of each. The input
    /// gradient is taken from the weight before its update.
    public static func backward(input: UnsafePointer<Float>, weight: UnsafeMutablePointer<Float>,
                                outputGradient: UnsafePointer<Float>,
                                inputGradient: UnsafeMutablePointer<Float>?,
                                updating update: FusedSGD,
                                biasGradient: UnsafeMutablePointer<Float>?,
                                rows: Int, inputCount: Int, outputCount: Int,
                                scratch: UnsafeMutablePointer<Float>) {
        backward(input: input, weight: weight, outputGradient: outputGradient, inputGradient: inputGradient,
                 weightGradient: nil, biasGradient: biasGradient, rows: rows, inputCount: inputCount,
                 outputCount: outputCount, scratch: scratch)
        guard outputCount > 0, inputCount > 0 else { return }
        BLAS.transpose(outputGradient, rows: rows, columns: outputCount, into: scratch)
        let transposed = UnsafePointer(scratch)
        let blockRows = max(1, fusedGradientFloats / inputCount)
        let blocks = (outputCount + blockRows - 1) / blockRows
        let parts = Double(outputCount) * Double(inputCount) >= Double(1 << 17) ? min(Parallel.workers, blocks) : 1
        let isa = PanelKernels.active, width = isa.panelWidth
        if isa != .none {
            // The input packed into panels once, for every tile of every part.
            let packed = UnsafeMutablePointer<Float>.allocate(capacity: rows * ((inputCount + width - 1) / width * width))
            defer { packed.deallocate() }
            PanelKernels.packRows(isa, k: rows, n: inputCount, source: input, ld: inputCount, into: packed)
            // Each part's rows in one pass: every tile's gradient goes from the registers into
            // the update (`gemmUpdating`), never to memory.
            Parallel.forEachPart(blocks, parts: parts) { _, range in
                let first = range.lowerBound * blockRows, count = min(range.upperBound * blockRows, outputCount) - first
                PanelKernels.gemmUpdating(isa, m: count, n: inputCount, k: rows, a: transposed + first * rows, aRow: rows, aColumn: 1,
                                          b: UnsafePointer(packed), bPanelStride: rows * width,
                                          weight: weight + first * inputCount, history: update.history + first * inputCount,
                                          ld: inputCount, rate: update.rate, momentum: update.momentum, decay: update.decay)
            }
            return
        }
        // Without a vector kernel, a block of the gradient at a time through OpenBLAS (one thread
        // per worker), each block applied while it is in cache.
        Parallel.forEachPartWithSerialBLAS(blocks, parts: parts) { _, range in
            let gradient = UnsafeMutablePointer<Float>.allocate(capacity: blockRows * inputCount)
            defer { gradient.deallocate() }
            for block in range {
                let first = block * blockRows, count = min(blockRows, outputCount - first)
                // The rows of `outputGradientᵀ · input` the full product gives: the same tiles, each
                // summing over the batch in order, whatever rows it is cut into.
                BLAS.sgemm(m: count, n: inputCount, k: rows, a: transposed + first * rows, lda: max(rows, 1),
                           b: input, ldb: inputCount, c: gradient, ldc: inputCount)
                OptimizerKernels.sgdSerial(weight: weight + first * inputCount, gradient: gradient,
                                           history: update.history + first * inputCount, count: count * inputCount,
                                           rate: update.rate, momentum: update.momentum, decay: update.decay)
            }
        }
    }

    /// Gradients of the fully connected layer, each overwritten when requested:
    /// `inputGradient = outputGradient · weight` (a plain GEMM on the stored layout),
    /// `weightGradient = outputGradientᵀ · input` (the small output gradient is transposed into
    /// scratch first so that this too is a plain GEMM), `biasGradient = Σ_rows outputGradient`.
    public static func backward(input: UnsafePointer<Float>, weight: UnsafePointer<Float>,
                                outputGradient: UnsafePointer<Float>,
                                inputGradient: UnsafeMutablePointer<Float>?,
                                weightGradient: UnsafeMutablePointer<Float>?,
                                biasGradient: UnsafeMutablePointer<Float>?,
                                rows: Int, inputCount: Int, outputCount: Int,
                                scratch: UnsafeMutablePointer<Float>) {
        if let inputGradient {
            BLAS.sgemm(m: rows, n: inputCount, k: outputCount,
                       a: outputGradient, lda: outputCount, b: weight, ldb: max(inputCount, 1),
                       c: inputGradient, ldc: max(inputCount, 1))
        }
        if let weightGradient {
            BLAS.transpose(outputGradient, rows: rows, columns: outputCount, into: scratch)
            BLAS.sgemm(m: outputCount, n: inputCount, k: rows,
                       a: scratch, lda: max(rows, 1), b: input, ldb: max(inputCount, 1),
                       c: weightGradient, ldc: max(inputCount, 1))
        }
        if let biasGradient {
            biasGradient.update(repeating: 0, count: outputCount)
            for r in 0..<rows {
                let row = outputGradient + r * outputCount
                for o in 0..<outputCount { biasGradient[o] += row[o] }
            }
        }
    }
}
