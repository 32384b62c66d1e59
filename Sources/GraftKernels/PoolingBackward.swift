public import GraftCore

/// Pooling's training forward (max pooling records where each maximum came from) and backward.
extension PoolingKernels {
    /// Max pooling as ``forward(input:output:planes:geometry:method:divisor:)`` does it, also writing
    /// for every output the index within its input plane (`h * width + w`) of the element it took,
    /// or -1 for a window with no element in the image. The first maximum in row-major window order
    /// wins, as in Caffe.
    public static func maxForward(input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>,
                                  argmax: UnsafeMutablePointer<Int32>, planes: Int, geometry g: PoolingGeometry) {
        let inputPlane = g.height * g.width
        let outputPlane = g.outputHeight * g.outputWidth
        for p in 0..<planes {
            let source = input + p * inputPlane
            let result = output + p * outputPlane
            let where_ = argmax + p * outputPlane
            for oh in 0..<g.outputHeight {
                let paddedTop = oh * g.strideHeight - g.padTop
                let top = max(paddedTop, 0)
                let bottom = min(min(paddedTop + g.kernelHeight, g.height + g.padBottom), g.height)
                for ow in 0..<g.outputWidth {
                    let paddedLeft = ow * g.strideWidth - g.padLeft
                    let left = max(paddedLeft, 0)
                    let right = min(min(paddedLeft + g.kernelWidth, g.width + g.padRight), g.width)
                    let o = oh * g.outputWidth + ow
                    guard top < bottom, left < right else {
                        result[o] = 0
                        where_[o] = -1
                        continue
                    }
                    var best = -Float.infinity
                    var index = top * g.width + left
                    for h in top..<bottom {
                        let row = source + h * g.width
                        for w in left..<right where row[w] > best || row[w].isNaN {
                            best = row[w]
                            index = h * g.width + w
                        }
                    }
                    result[o] = best
                    where_[o] = Int32(truncatingIfNeeded: index)
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
        for p in 0..<planes {
            let dy = outputGradient + p * outputArea
            let indices = argmax + p * outputArea
            let dx = inputGradient + p * inputArea
            for o in 0..<outputArea {
                let i = Int(indices[o])
                if i >= 0 { dx[i] += dy[o] }
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
        for p in 0..<planes {
            let dy = outputGradient + p * outputPlane
            let dx = inputGradient + p * inputPlane
            for oh in 0..<g.outputHeight {
                let paddedTop = oh * g.strideHeight - g.padTop
                let paddedBottom = min(paddedTop + g.kernelHeight, g.height + g.padBottom)
                let top = max(paddedTop, 0)
                let bottom = min(paddedBottom, g.height)
                for ow in 0..<g.outputWidth {
                    let paddedLeft = ow * g.strideWidth - g.padLeft
                    let paddedRight = min(paddedLeft + g.kernelWidth, g.width + g.padRight)
                    let left = max(paddedLeft, 0)
                    let right = min(paddedRight, g.width)
                    guard top < bottom, left < right else { continue }
                    let count = divisor == .includePadding
                        ? (paddedBottom - paddedTop) * (paddedRight - paddedLeft)
                        : (bottom - top) * (right - left)
                    let share = dy[oh * g.outputWidth + ow] / Float(count)
                    for h in top..<bottom {
                        let row = dx + h * g.width
                        for w in left..<right { row[w] += share }
                    }
                }
            }
        }
    }

    /// Global average pooling's input gradient: `dy / area` everywhere in the plane.
    public static func globalAverageBackward(outputGradient: UnsafePointer<Float>, inputGradient: UnsafeMutablePointer<Float>,
                                             planes: Int, area: Int) {
        for p in 0..<planes {
            (inputGradient + p * area).update(repeating: outputGradient[p] / Float(area), count: area)
        }
    }
}
