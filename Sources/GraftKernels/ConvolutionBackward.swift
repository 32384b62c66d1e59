/// Convolution with several images' columns side by side, and the backward passes of convolution
/// and deconvolution.
///
/// Side by side: the columns of `b` images form one matrix `[columnRows, b * outputArea]`, so each
/// group needs one GEMM with `n = b * outputArea` instead of `b` thin ones (shared/PERF.md: about
/// twice the throughput on two cores for CaffeNet's conv1). The GEMM's result `[outputChannels,
/// b * outputArea]` is then scattered into NCHW order. Gradients use the same layout: the output
/// gradient is gathered into `[outputChannels, b * outputArea]`, the weight gradient is one GEMM
/// whose reduction runs over all `b` images, and the column gradient is folded back per image.
extension ConvolutionKernels {
    /// The forward pass with `imagesPerChunk` images per GEMM (pointwise and im2col strategies).
    static func forwardSideBySide(input: UnsafePointer<Float>, weight: UnsafePointer<Float>,
                                  bias: UnsafePointer<Float>?, output: UnsafeMutablePointer<Float>,
                                  batch: Int, geometry g: ConvolutionGeometry, imagesPerChunk: Int,
                                  scratch: UnsafeMutablePointer<Float>) {
        let area = g.patches.outputArea
        let columns = scratch
        let product = scratch + imagesPerChunk * g.patches.columnCount
        var start = 0
        while start < batch {
            let count = min(imagesPerChunk, batch - start)
            let width = count * area
            for b in 0..<count {
                Im2col.unfold(image: input + (start + b) * g.inputImageCount, geometry: g.patches,
                              columns: columns + b * area, rowStride: width)
            }
            for group in 0..<g.groups {
                BLAS.sgemm(m: g.outputChannelsPerGroup, n: width, k: g.reductionLength,
                           a: weight + group * g.outputChannelsPerGroup * g.reductionLength, lda: g.reductionLength,
                           b: columns + group * g.reductionLength * width, ldb: width,
                           c: product + group * g.outputChannelsPerGroup * width, ldc: width)
            }
            Parallel.forEach(g.outputChannels, workPerItem: width) { channels in
                for b in 0..<count {
                    let result = output + (start + b) * g.outputImageCount
                    for c in channels {
                        let source = product + c * width + b * area
                        let plane = result + c * area
                        if let bias {
                            let v = bias[c]
                            for i in 0..<area { plane[i] = source[i] + v }
                        } else {
                            plane.update(from: source, count: area)
                        }
                    }
                }
            }
            start += count
        }
    }

    /// Floats of scratch ``backward(input:weight:outputGradient:inputGradient:weightGradient:biasGradient:batch:geometry:strategy:imagesPerChunk:scratch:)``
    /// needs: the (side-by-side) columns and, for more than one image per chunk, the gathered
    /// output gradient.
    public static func backwardScratchCount(for g: ConvolutionGeometry, strategy: Strategy, imagesPerChunk: Int = 1) -> Int {
        switch strategy {
        case .depthwiseDirect: 0
        case .winograd, .winograd4:
            max(winogradScratchCount(for: g, imagesPerChunk: imagesPerChunk),
                winograd43InputGradientScratchCount(for: g, imagesPerChunk: imagesPerChunk))
        case .imageParallel, .outputLanes:
            max(max(1, imagesPerChunk) * (g.patches.columnCount + g.weightCount),
                panelBackwardScratch(for: g, parts: imagesPerChunk))
        case .pointwiseGEMM where imagesPerChunk <= 1: 0
        default: imagesPerChunk * g.patches.columnCount + (imagesPerChunk > 1 ? imagesPerChunk * g.outputImageCount : 0)
        }
    }

    /// Gradients of ``forward(input:weight:bias:output:batch:geometry:strategy:scratch:imagesPerChunk:residual:activation:)``.
    ///
    /// Each requested gradient is overwritten (not accumulated):
    /// - `inputGradient[n] = foldᵀ(weightᵀ · outputGradient[n])` (col2im of the column gradient),
    /// - `weightGradient = Σₙ outputGradient[n] · columns(input[n])ᵀ` per group,
    /// - `biasGradient[c] = Σ` of channel `c` of the output gradient.
    ///
    /// The columns are recomputed from the input (as Caffe does) rather than kept from the forward
    /// pass, which would cost a column matrix per image.
    public static func backward(input: UnsafePointer<Float>, weight: UnsafePointer<Float>,
                                outputGradient: UnsafePointer<Float>,
                                inputGradient: UnsafeMutablePointer<Float>?,
                                weightGradient: UnsafeMutablePointer<Float>?,
                                biasGradient: UnsafeMutablePointer<Float>?,
                                batch: Int, geometry g: ConvolutionGeometry, strategy: Strategy,
                                imagesPerChunk: Int = 1, scratch: UnsafeMutablePointer<Float>?) {
        precondition(supports(strategy, g), "convolution backward: strategy \(strategy) does not fit \(g)")
        let area = g.patches.outputArea
        if let biasGradient {
            Parallel.forEach(g.outputChannels, workPerItem: batch * area) { channels in
                for c in channels {
                    var sum: Float = 0
                    for n in 0..<batch { sum += Reduction.sum(outputGradient + n * g.outputImageCount + c * area, count: area) }
                    biasGradient[c] = sum
                }
            }
        }
        guard inputGradient != nil || weightGradient != nil else { return }
        func needScratch() -> UnsafeMutablePointer<Float> {
            guard let scratch else { preconditionFailure("convolution backward: strategy \(strategy) needs scratch") }
            return scratch
        }
        switch strategy {
        case .winograd, .winograd4:
            let byF43 = inputGradient != nil && prefersWinograd43InputGradient(g, batch: batch)
            winogradBackward(input: input, weight: weight, outputGradient: outputGradient,
                             inputGradient: byF43 ? nil : inputGradient, weightGradient: weightGradient,
                             batch: batch, geometry: g, imagesPerChunk: max(1, imagesPerChunk), scratch: needScratch())
            if byF43, let inputGradient {
                winograd43InputGradient(weight: weight, outputGradient: outputGradient, inputGradient: inputGradient,
                                        batch: batch, geometry: g, imagesPerChunk: max(1, imagesPerChunk),
                                        scratch: needScratch())
            }
        case .imageParallel where PanelKernels.active != .none, .outputLanes:
            backwardPanels(input: input, weight: weight, outputGradient: outputGradient, inputGradient: inputGradient,
                           weightGradient: weightGradient, batch: batch, geometry: g, parts: imagesPerChunk,
                           scratch: needScratch(), isa: PanelKernels.active)
        case .imageParallel:
            backwardImageParallel(input: input, weight: weight, outputGradient: outputGradient, inputGradient: inputGradient,
                                  weightGradient: weightGradient, batch: batch, geometry: g, parts: imagesPerChunk,
                                  scratch: needScratch())
        case .depthwiseDirect:
            depthwiseBackward(input: input, weight: weight, outputGradient: outputGradient,
                              inputGradient: inputGradient, weightGradient: weightGradient, batch: batch, geometry: g)
        case .pointwiseGEMM where imagesPerChunk <= 1:
            // The input image is its own column matrix and the column gradient is the input gradient.
            for n in 0..<batch {
                let image = input + n * g.inputImageCount
                let dy = outputGradient + n * g.outputImageCount
                if let weightGradient {
                    weightGradientGEMMs(dy, columns: image, width: area, beta: n == 0 ? 0 : 1, geometry: g, into: weightGradient)
                }
                if let inputGradient {
                    columnGradientGEMMs(weight, dy, width: area, geometry: g, into: inputGradient + n * g.inputImageCount)
                }
            }
        case .pointwiseGEMM, .im2colGEMM:
            backwardSideBySide(input: input, weight: weight, outputGradient: outputGradient, inputGradient: inputGradient,
                               weightGradient: weightGradient, batch: batch, geometry: g,
                               imagesPerChunk: max(1, imagesPerChunk), scratch: needScratch())
        }
    }

    /// The im2col gradients with `imagesPerChunk` images' columns side by side per GEMM (one image:
    /// per-image GEMMs on the same buffers).
    static func backwardSideBySide(input: UnsafePointer<Float>, weight: UnsafePointer<Float>,
                                   outputGradient: UnsafePointer<Float>,
                                   inputGradient: UnsafeMutablePointer<Float>?,
                                   weightGradient: UnsafeMutablePointer<Float>?,
                                   batch: Int, geometry g: ConvolutionGeometry, imagesPerChunk chunkSize: Int,
                                   scratch: UnsafeMutablePointer<Float>) {
        let area = g.patches.outputArea
        let columns = scratch
        let gathered = scratch + chunkSize * g.patches.columnCount
        var start = 0
        while start < batch {
            let count = min(chunkSize, batch - start)
            let width = count * area
            // The output gradient as [outputChannels, width].
            let dy: UnsafePointer<Float>
            if count == 1 {
                dy = outputGradient + start * g.outputImageCount
            } else {
                Parallel.forEach(g.outputChannels, workPerItem: width) { channels in
                    for b in 0..<count {
                        let image = outputGradient + (start + b) * g.outputImageCount
                        for c in channels {
                            (gathered + c * width + b * area).update(from: image + c * area, count: area)
                        }
                    }
                }
                dy = UnsafePointer(gathered)
            }
            if let weightGradient {
                for b in 0..<count {
                    Im2col.unfold(image: input + (start + b) * g.inputImageCount, geometry: g.patches,
                                  columns: columns + b * area, rowStride: width)
                }
                weightGradientGEMMs(dy, columns: columns, width: width, beta: start == 0 ? 0 : 1, geometry: g,
                                    into: weightGradient)
            }
            if let inputGradient {
                columnGradientGEMMs(weight, dy, width: width, geometry: g, into: columns)
                for b in 0..<count {
                    Im2col.fold(columns: columns + b * area, geometry: g.patches,
                                image: inputGradient + (start + b) * g.inputImageCount, rowStride: width)
                }
            }
            start += count
        }
    }

    /// ``Strategy/imageParallel``'s gradients: each worker folds its images' input gradients and
    /// sums its images' weight gradient into its own partial, and the partials are added in part
    /// order afterwards (a fixed order: the same bits on every run).
    static func backwardImageParallel(input: UnsafePointer<Float>, weight: UnsafePointer<Float>,
                                      outputGradient: UnsafePointer<Float>,
                                      inputGradient: UnsafeMutablePointer<Float>?,
                                      weightGradient: UnsafeMutablePointer<Float>?,
                                      batch: Int, geometry g: ConvolutionGeometry, parts: Int,
                                      scratch: UnsafeMutablePointer<Float>) {
        let area = g.patches.outputArea
        let perPart = g.patches.columnCount + g.weightCount
        let used = min(max(1, parts), batch)
        Parallel.forEachPartWithSerialBLAS(batch, parts: used) { part, images in
            let columns = scratch + part * perPart
            let partial = columns + g.patches.columnCount
            for n in images {
                let dy = outputGradient + n * g.outputImageCount
                if weightGradient != nil {
                    Im2col.unfold(image: input + n * g.inputImageCount, geometry: g.patches, columns: columns, parallel: false)
                    weightGradientGEMMs(dy, columns: columns, width: area, beta: n == images.lowerBound ? 0 : 1,
                                        geometry: g, into: partial)
                }
                if let inputGradient {
                    columnGradientGEMMs(weight, dy, width: area, geometry: g, into: columns)
                    Im2col.fold(columns: columns, geometry: g.patches, image: inputGradient + n * g.inputImageCount, parallel: false)
                }
            }
        }
        guard let weightGradient else { return }
        Parallel.forEach(g.weightCount) { range in
            for i in range {
                var sum = scratch[g.patches.columnCount + i]
                for part in 1..<used { sum += scratch[part * perPart + g.patches.columnCount + i] }
                weightGradient[i] = sum
            }
        }
    }

    /// `weightGradient (+)= dy · columnsᵀ` per group, for `width` columns (`beta` 0 overwrites, 1 adds).
    @inline(__always)
    static func weightGradientGEMMs(_ dy: UnsafePointer<Float>, columns: UnsafePointer<Float>, width: Int, beta: Float,
                                    geometry g: ConvolutionGeometry, into weightGradient: UnsafeMutablePointer<Float>) {
        for group in 0..<g.groups {
            BLAS.sgemm(.none, .transposed, m: g.outputChannelsPerGroup, n: g.reductionLength, k: width,
                       a: dy + group * g.outputChannelsPerGroup * width, lda: width,
                       b: columns + group * g.reductionLength * width, ldb: width, beta: beta,
                       c: weightGradient + group * g.outputChannelsPerGroup * g.reductionLength, ldc: g.reductionLength)
        }
    }

    /// `columnGradient = weightᵀ · dy` per group, for `width` columns (col2im folds it onto the image).
    @inline(__always)
    static func columnGradientGEMMs(_ weight: UnsafePointer<Float>, _ dy: UnsafePointer<Float>, width: Int,
                                    geometry g: ConvolutionGeometry, into columnGradient: UnsafeMutablePointer<Float>) {
        for group in 0..<g.groups {
            BLAS.sgemm(.transposed, .none, m: g.reductionLength, n: width, k: g.outputChannelsPerGroup,
                       a: weight + group * g.outputChannelsPerGroup * g.reductionLength, lda: g.reductionLength,
                       b: dy + group * g.outputChannelsPerGroup * width, ldb: width,
                       c: columnGradient + group * g.reductionLength * width, ldc: width)
        }
    }

    /// Direct-loop gradients for one input channel per group (the depthwise forward's adjoint).
    static func depthwiseBackward(input: UnsafePointer<Float>, weight: UnsafePointer<Float>,
                                  outputGradient: UnsafePointer<Float>,
                                  inputGradient: UnsafeMutablePointer<Float>?,
                                  weightGradient: UnsafeMutablePointer<Float>?,
                                  batch: Int, geometry g: ConvolutionGeometry) {
        let p = g.patches
        let plane = p.height * p.width
        let multiplier = g.outputChannelsPerGroup
        inputGradient?.update(repeating: 0, count: batch * p.imageCount)
        weightGradient?.update(repeating: 0, count: g.weightCount)
        for n in 0..<batch {
            for oc in 0..<g.outputChannels {
                let channel = (n * p.channels + oc / multiplier) * plane
                let source = input + channel
                let kernel = weight + oc * p.kernelArea
                let dy = outputGradient + (n * g.outputChannels + oc) * p.outputArea
                for i in 0..<p.kernelHeight {
                    let rowOffset = i * p.dilationHeight - p.padTop
                    let rows = PatchGeometry.validRange(offset: rowOffset, stride: p.strideHeight,
                                                        size: p.height, outputs: p.outputHeight)
                    for j in 0..<p.kernelWidth {
                        let columnOffset = j * p.dilationWidth - p.padLeft
                        let columns = PatchGeometry.validRange(offset: columnOffset, stride: p.strideWidth,
                                                               size: p.width, outputs: p.outputWidth)
                        let w = kernel[i * p.kernelWidth + j]
                        var dw: Float = 0
                        for oh in rows {
                            let offset = (oh * p.strideHeight + rowOffset) * p.width + columnOffset
                            let sourceRow = source + offset
                            let dyRow = dy + oh * p.outputWidth
                            if weightGradient != nil {
                                for ow in columns { dw += dyRow[ow] * sourceRow[ow * p.strideWidth] }
                            }
                            if let inputGradient {
                                let target = inputGradient + channel + offset
                                for ow in columns { target[ow * p.strideWidth] += w * dyRow[ow] }
                            }
                        }
                        weightGradient?[oc * p.kernelArea + i * p.kernelWidth + j] += dw
                    }
                }
            }
        }
    }

    /// Floats of scratch ``transposedBackward(input:weight:outputGradient:inputGradient:weightGradient:biasGradient:batch:geometry:scratch:)`` needs.
    public static func transposedBackwardScratchCount(for g: ConvolutionGeometry) -> Int { g.patches.columnCount }

    /// Gradients of ``transposed(input:weight:bias:output:batch:geometry:scratch:)`` (deconvolution),
    /// with `geometry` the convolution it transposes. Per image the output gradient is unfolded into
    /// columns `C`; then `inputGradient = weight · C` (a convolution of the output gradient) and
    /// `weightGradient += input · Cᵀ`, per group. Each requested gradient is overwritten.
    public static func transposedBackward(input: UnsafePointer<Float>, weight: UnsafePointer<Float>,
                                          outputGradient: UnsafePointer<Float>,
                                          inputGradient: UnsafeMutablePointer<Float>?,
                                          weightGradient: UnsafeMutablePointer<Float>?,
                                          biasGradient: UnsafeMutablePointer<Float>?,
                                          batch: Int, geometry g: ConvolutionGeometry,
                                          scratch columns: UnsafeMutablePointer<Float>) {
        let area = g.patches.outputArea
        let imageArea = g.patches.height * g.patches.width
        if let biasGradient {
            biasGradient.update(repeating: 0, count: g.inputChannels)
            for n in 0..<batch {
                let image = outputGradient + n * g.inputImageCount
                for c in 0..<g.inputChannels { biasGradient[c] += Reduction.sum(image + c * imageArea, count: imageArea) }
            }
        }
        guard inputGradient != nil || weightGradient != nil else { return }
        for n in 0..<batch {
            Im2col.unfold(image: outputGradient + n * g.inputImageCount, geometry: g.patches, columns: columns)
            let x = input + n * g.outputImageCount
            for group in 0..<g.groups {
                let w = weight + group * g.outputChannelsPerGroup * g.reductionLength
                let c = columns + group * g.reductionLength * area
                if let inputGradient {
                    BLAS.sgemm(m: g.outputChannelsPerGroup, n: area, k: g.reductionLength,
                               a: w, lda: g.reductionLength, b: c, ldb: area,
                               c: inputGradient + n * g.outputImageCount + group * g.outputChannelsPerGroup * area, ldc: area)
                }
                if let weightGradient {
                    BLAS.sgemm(.none, .transposed, m: g.outputChannelsPerGroup, n: g.reductionLength, k: area,
                               a: x + group * g.outputChannelsPerGroup * area, lda: area, b: c, ldb: area,
                               beta: n == 0 ? 0 : 1,
                               c: weightGradient + group * g.outputChannelsPerGroup * g.reductionLength, ldc: g.reductionLength)
                }
            }
        }
    }
}

/// Sums with several independent accumulators (the compiler may not reorder a float reduction by
/// itself, so one accumulator would run at the latency of one addition per element).
public enum Reduction {
    /// The sum of `count` floats from `x`.
    @inline(__always)
    public static func sum(_ x: UnsafePointer<Float>, count: Int) -> Float {
        var a0: Float = 0, a1: Float = 0, a2: Float = 0, a3: Float = 0
        var a4: Float = 0, a5: Float = 0, a6: Float = 0, a7: Float = 0
        var i = 0
        while i + 8 <= count {
            a0 += x[i]; a1 += x[i + 1]; a2 += x[i + 2]; a3 += x[i + 3]
            a4 += x[i + 4]; a5 += x[i + 5]; a6 += x[i + 6]; a7 += x[i + 7]
            i += 8
        }
        while i < count { a0 += x[i]; i += 1 }
        return ((a0 + a1) + (a2 + a3)) + ((a4 + a5) + (a6 + a7))
    }

    /// `Σ (x[i] - center)²` with several accumulators (batch normalisation's variance).
    @inline(__always)
    public static func squaredDeviations(_ x: UnsafePointer<Float>, from center: Float, count: Int) -> Float {
        var s0 = SIMD8<Float>(), s1 = SIMD8<Float>()
        let c = SIMD8<Float>(repeating: center)
        var i = 0
        while i + 16 <= count {
            let d0 = UnsafeRawPointer(x + i).loadUnaligned(as: SIMD8<Float>.self) - c
            let d1 = UnsafeRawPointer(x + i + 8).loadUnaligned(as: SIMD8<Float>.self) - c
            s0 += d0 * d0
            s1 += d1 * d1
            i += 16
        }
        var sum = (s0 + s1).sum()
        while i < count { let d = x[i] - center; sum += d * d; i += 1 }
        return sum
    }

    /// `(Σ y[i], Σ y[i] * (x[i] - center))` in one pass, with several accumulators each (batch
    /// normalisation's backward sums).
    @inline(__always)
    public static func sumAndCenteredDot(_ y: UnsafePointer<Float>, _ x: UnsafePointer<Float>, center: Float,
                                         count: Int) -> (Float, Float) {
        var s = SIMD8<Float>(), t = SIMD8<Float>()
        var i = 0
        while i + 8 <= count {
            let dy = UnsafeRawPointer(y + i).loadUnaligned(as: SIMD8<Float>.self)
            let v = UnsafeRawPointer(x + i).loadUnaligned(as: SIMD8<Float>.self)
            s += dy
            t += dy * (v - SIMD8(repeating: center))
            i += 8
        }
        var sum = s.sum(), dot = t.sum()
        while i < count { sum += y[i]; dot += y[i] * (x[i] - center); i += 1 }
        return (sum, dot)
    }

    /// `Σ x[i] * y[i]` with several accumulators.
    @inline(__always)
    public static func dot(_ x: UnsafePointer<Float>, _ y: UnsafePointer<Float>, count: Int) -> Float {
        var a0: Float = 0, a1: Float = 0, a2: Float = 0, a3: Float = 0
        var a4: Float = 0, a5: Float = 0, a6: Float = 0, a7: Float = 0
        var i = 0
        while i + 8 <= count {
            a0 += x[i] * y[i]; a1 += x[i + 1] * y[i + 1]; a2 += x[i + 2] * y[i + 2]; a3 += x[i + 3] * y[i + 3]
            a4 += x[i + 4] * y[i + 4]; a5 += x[i + 5] * y[i + 5]; a6 += x[i + 6] * y[i + 6]; a7 += x[i + 7] * y[i + 7]
            i += 8
        }
        while i < count { a0 += x[i] * y[i]; i += 1 }
        return ((a0 + a1) + (a2 + a3)) + ((a4 + a5) + (a6 + a7))
    }
}
