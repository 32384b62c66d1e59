public import GraftCore

/// Pooling's training forward (max pooling records where each maximum came from) and backward.
extension PoolingKernels {
    /// Max pooling with the results of ``forward(input:output:planes:geometry:method:divisor:)``,
    /// also writing (when `argmax` is given) for every output the index within its input plane
    /// (`h * width + w`) of the element it took, or -1 for a window with no element in the image.
    /// The first maximum in row-major window order wins, as in Caffe; NaN propagates.
    public static func maxForward(input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>,
                                  argmax: UnsafeMutablePointer<Int32>?, planes: Int, geometry g: PoolingGeometry) {
        // The innermost loop runs across an output row, one running maximum per output column:
        // the columns' comparisons are independent, so neither a serial chain of selects nor the
        // branch "is this a new maximum" (a coin flip on real data) limits the speed. Each output
        // still visits its window in row-major order with `>`, so the first maximum wins.
        let inputPlane = g.height * g.width
        let outputPlane = g.outputHeight * g.outputWidth
        let isa = PanelKernels.active
        Parallel.forEach(planes, workPerItem: outputPlane * g.kernelHeight * g.kernelWidth) { range in
            if PanelKernels.maxPool(isa, input: input + range.lowerBound * inputPlane,
                                    output: output + range.lowerBound * outputPlane,
                                    argmax: argmax.map { $0 + range.lowerBound * outputPlane },
                                    planes: range.count, geometry: g) { return }
            for p in range {
                let source = input + p * inputPlane
                for oh in 0..<g.outputHeight {
                    let best = output + p * outputPlane + oh * g.outputWidth
                    let index = argmax.map { $0 + p * outputPlane + oh * g.outputWidth }
                    best.update(repeating: -Float.infinity, count: g.outputWidth)
                    index?.update(repeating: -1, count: g.outputWidth)
                    let rows = g.rows(oh)
                    let (top, bottom) = (rows.start, rows.end)
                    for h in top..<max(top, bottom) {
                        let row = source + h * g.width
                        for j in 0..<g.kernelWidth {
                            let offset = j - g.padLeft
                            let columns = PatchGeometry.validRange(offset: offset, stride: g.strideWidth, size: g.width,
                                                                   outputs: g.outputWidth)
                            // Unconditional stores of selects (`take` is `v > best || v.isNaN` without a
                            // short-circuit branch), pointer steps and wrapping index arithmetic: no
                            // branch in the loop.
                            guard !columns.isEmpty else { continue }
                            let stride = g.strideWidth
                            var element = row + offset + columns.lowerBound * stride
                            if let index {
                                // Eight output columns at a time with SIMD blends: scalar selects that
                                // also move an index are turned back into branches by the compiler.
                                var position = Int32(truncatingIfNeeded: h * g.width + offset + columns.lowerBound * stride)
                                let step = Int32(truncatingIfNeeded: stride)
                                let lanes = SIMD8<Int32>(0, 1, 2, 3, 4, 5, 6, 7) &* step
                                var ow = columns.lowerBound
                                while ow + 8 <= columns.upperBound {
                                    let e = element
                                    let v = SIMD8<Float>(e[0], e[stride], e[2 * stride], e[3 * stride],
                                                         e[4 * stride], e[5 * stride], e[6 * stride], e[7 * stride])
                                    let b = UnsafeRawPointer(best + ow).loadUnaligned(as: SIMD8<Float>.self)
                                    let i = UnsafeRawPointer(index + ow).loadUnaligned(as: SIMD8<Int32>.self)
                                    let take = (v .> b) .| (v .!= v)
                                    UnsafeMutableRawPointer(best + ow).storeBytes(of: b.replacing(with: v, where: take), as: SIMD8<Float>.self)
                                    let candidates = SIMD8<Int32>(repeating: position) &+ lanes
                                    UnsafeMutableRawPointer(index + ow).storeBytes(of: i.replacing(with: candidates, where: take),
                                                                                   as: SIMD8<Int32>.self)
                                    element += 8 * stride
                                    position &+= 8 &* step
                                    ow += 8
                                }
                                while ow < columns.upperBound {
                                    let v = element.pointee
                                    if v > best[ow] || v.isNaN {
                                        best[ow] = v
                                        index[ow] = position
                                    }
                                    element += stride
                                    position &+= step
                                    ow += 1
                                }
                            } else {
                                for ow in columns {
                                    let v = element.pointee
                                    let b = best[ow]
                                    best[ow] = (v > b ? 1 : 0) | (v.isNaN ? 1 : 0) != 0 ? v : b
                                    element += stride
                                }
                            }
                        }
                    }
                    // A window with no element in the image (a pad at least the kernel) gives 0.
                    for ow in 0..<g.outputWidth where best[ow] == -.infinity {
                        if let index, index[ow] >= 0 { continue }   // a genuine -inf maximum
                        if rows.isEmpty || g.columns(ow).isEmpty {
                            best[ow] = 0
                        }
                    }
                }
            }
        }
    }

    /// Global max pooling recording the index of each plane's maximum.
    public static func globalMaxForward(input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>,
                                        argmax: UnsafeMutablePointer<Int32>, planes: Int, area: Int) {
        for p in 0..<planes {
            let source = input + p * area
            var best = -Float.infinity
            var index = 0
            for i in 0..<area where source[i] > best || source[i].isNaN {
                best = source[i]
                index = i
            }
            output[p] = best
            argmax[p] = Int32(truncatingIfNeeded: index)
        }
    }

    /// Max pooling's input gradient: each output gradient goes to the element its maximum came from
    /// (overlapping windows add up); everything else is zero. `outputArea` elements of `argmax`
    /// per plane, as written by ``maxForward(input:output:argmax:planes:geometry:)`` or
    /// ``globalMaxForward(input:output:argmax:planes:area:)``.
    public static func maxBackward(outputGradient: UnsafePointer<Float>, argmax: UnsafePointer<Int32>,
                                   inputGradient: UnsafeMutablePointer<Float>,
                                   planes: Int, inputArea: Int, outputArea: Int) {
        inputGradient.update(repeating: 0, count: planes * inputArea)
        Parallel.forEach(planes, workPerItem: outputArea) { range in
            for p in range {
                let dy = outputGradient + p * outputArea
                let indices = argmax + p * outputArea
                let dx = inputGradient + p * inputArea
                for o in 0..<outputArea {
                    let i = Int(indices[o])
                    if i >= 0 { dx[i] += dy[o] }
                }
            }
        }
    }

    /// Average pooling's input gradient: each output gradient is spread evenly, divided by the
    /// same divisor as the forward pass, over the window's elements inside the image.
    public static func averageBackward(outputGradient: UnsafePointer<Float>, inputGradient: UnsafeMutablePointer<Float>,
                                       planes: Int, geometry g: PoolingGeometry, divisor: Pooling.AverageDivisor) {
        let inputPlane = g.height * g.width
        let outputPlane = g.outputHeight * g.outputWidth
        inputGradient.update(repeating: 0, count: planes * inputPlane)
        Parallel.forEach(planes, workPerItem: outputPlane * g.kernelHeight * g.kernelWidth) { range in
            for p in range {
                let dy = outputGradient + p * outputPlane
                let dx = inputGradient + p * inputPlane
                for oh in 0..<g.outputHeight {
                    let rows = g.rows(oh)
                    let (top, bottom) = (rows.start, rows.end)
                    for ow in 0..<g.outputWidth {
                        let columns = g.columns(ow)
                        let (left, right) = (columns.start, columns.end)
                        guard !rows.isEmpty, !columns.isEmpty else { continue }
                        let share = dy[oh * g.outputWidth + ow] / Float(PoolingSpan.divisor(rows, columns, divisor))
                        for h in top..<bottom {
                            let row = dx + h * g.width
                            for w in left..<right { row[w] += share }
                        }
                    }
                }
            }
        }
    }

    /// Global average pooling's input gradient: `dy / area` everywhere in the plane.
    public static func globalAverageBackward(outputGradient: UnsafePointer<Float>, inputGradient: UnsafeMutablePointer<Float>,
                                             planes: Int, area: Int) {
        Parallel.forEach(planes, workPerItem: area) { range in
            for p in range {
                (inputGradient + p * area).update(repeating: outputGradient[p] / Float(area), count: area)
            }
        }
    }
}
