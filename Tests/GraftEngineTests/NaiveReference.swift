import GraftCore

// Straightforward reference implementations, written independently of the kernels: direct loops
// over every output element, accumulation in Double, no im2col, no GEMM, no clipping tricks.

/// NCHW element index.
@inline(__always)
func at(_ s: Shape, _ n: Int, _ c: Int, _ h: Int, _ w: Int) -> Int { ((n * s[1] + c) * s[2] + h) * s[3] + w }

/// Direct 7-loop grouped convolution.
func naiveConvolution(_ x: Tensor, weight: Tensor, bias: Tensor?, _ p: Convolution) -> Tensor {
    let s = x.shape
    let (kh, kw) = (p.kernel[0], p.kernel[1])
    let oh = (s[2] + p.padBegin[0] + p.padEnd[0] - (p.dilation[0] * (kh - 1) + 1)) / p.stride[0] + 1
    let ow = (s[3] + p.padBegin[1] + p.padEnd[1] - (p.dilation[1] * (kw - 1) + 1)) / p.stride[1] + 1
    let outShape: Shape = [s[0], p.outputChannels, oh, ow]
    let cinPerGroup = s[1] / p.groups, coutPerGroup = p.outputChannels / p.groups
    var y = Tensor(shape: outShape)
    for n in 0..<s[0] {
        for oc in 0..<p.outputChannels {
            let g = oc / coutPerGroup
            for i in 0..<oh {
                for j in 0..<ow {
                    var sum = Double(bias?.scalars[oc] ?? 0)
                    for icg in 0..<cinPerGroup {
                        for a in 0..<kh {
                            for b in 0..<kw {
                                let ih = i * p.stride[0] - p.padBegin[0] + a * p.dilation[0]
                                let iw = j * p.stride[1] - p.padBegin[1] + b * p.dilation[1]
                                guard ih >= 0, ih < s[2], iw >= 0, iw < s[3] else { continue }
                                let xv = x.scalars[at(s, n, g * cinPerGroup + icg, ih, iw)]
                                let wv = weight.scalars[((oc * cinPerGroup + icg) * kh + a) * kw + b]
                                sum += Double(xv) * Double(wv)
                            }
                        }
                    }
                    y.scalars[at(outShape, n, oc, i, j)] = Float(sum)
                }
            }
        }
    }
    return y
}

/// Deconvolution as a scatter: every input element adds `x * w` to the output positions its
/// kernel covers.
func naiveDeconvolution(_ x: Tensor, weight: Tensor, bias: Tensor?, _ p: Deconvolution) -> Tensor {
    let s = x.shape
    let (kh, kw) = (p.kernel[0], p.kernel[1])
    let oh = p.stride[0] * (s[2] - 1) + p.dilation[0] * (kh - 1) + 1 - p.padBegin[0] - p.padEnd[0] + p.outputPadding[0]
    let ow = p.stride[1] * (s[3] - 1) + p.dilation[1] * (kw - 1) + 1 - p.padBegin[1] - p.padEnd[1] + p.outputPadding[1]
    let outShape: Shape = [s[0], p.outputChannels, oh, ow]
    let cinPerGroup = s[1] / p.groups, coutPerGroup = p.outputChannels / p.groups
    var sums = [Double](repeating: 0, count: outShape.elementCount)
    for n in 0..<s[0] {
        for oc in 0..<p.outputChannels {
            for i in 0..<oh { for j in 0..<ow { sums[at(outShape, n, oc, i, j)] = Double(bias?.scalars[oc] ?? 0) } }
        }
        for ic in 0..<s[1] {
            let g = ic / cinPerGroup
            for i in 0..<s[2] {
                for j in 0..<s[3] {
                    let xv = Double(x.scalars[at(s, n, ic, i, j)])
                    for ocg in 0..<coutPerGroup {
                        for a in 0..<kh {
                            for b in 0..<kw {
                                let y = i * p.stride[0] - p.padBegin[0] + a * p.dilation[0]
                                let z = j * p.stride[1] - p.padBegin[1] + b * p.dilation[1]
                                guard y >= 0, y < oh, z >= 0, z < ow else { continue }
                                let wv = Double(weight.scalars[((ic * coutPerGroup + ocg) * kh + a) * kw + b])
                                sums[at(outShape, n, g * coutPerGroup + ocg, y, z)] += xv * wv
                            }
                        }
                    }
                }
            }
        }
    }
    return Tensor(shape: outShape, scalars: sums.map(Float.init))
}

/// `y[r, o] = Σ_k x[r, k] * w[o, k] + b[o]` with the input's dims from `axis` on flattened.
func naiveInnerProduct(_ x: Tensor, weight: Tensor, bias: Tensor?, axis: Int) -> Tensor {
    let a = x.shape.normalizedAxis(axis)!
    let rows = x.shape.count(from: 0, to: a), k = x.shape.count(from: a)
    let out = weight.shape[0]
    var y = [Float](repeating: 0, count: rows * out)
    for r in 0..<rows {
        for o in 0..<out {
            var sum = Double(bias?.scalars[o] ?? 0)
            for i in 0..<k { sum += Double(x.scalars[r * k + i]) * Double(weight.scalars[o * k + i]) }
            y[r * out + o] = Float(sum)
        }
    }
    return Tensor(shape: Shape(Array(x.shape.dims[..<a]) + [out]), scalars: y)
}

/// Pooling by visiting every kernel cell: a cell counts towards the Caffe divisor when it lies in
/// the padded input `[-padBegin, size + padEnd)`, and towards max/sum and the TensorFlow divisor
/// when it lies in the image.
func naivePooling(_ x: Tensor, _ p: Pooling, outputSize: (Int, Int)) -> Tensor {
    let s = x.shape
    let outShape: Shape = [s[0], s[1], outputSize.0, outputSize.1]
    var y = Tensor(shape: outShape)
    for n in 0..<s[0] {
        for c in 0..<s[1] {
            for i in 0..<outputSize.0 {
                for j in 0..<outputSize.1 {
                    var best = -Float.infinity, sum = 0.0, paddedCells = 0, imageCells = 0
                    for a in 0..<p.kernel[0] {
                        for b in 0..<p.kernel[1] {
                            let h = i * p.stride[0] - p.padBegin[0] + a
                            let w = j * p.stride[1] - p.padBegin[1] + b
                            if h < s[2] + p.padEnd[0], w < s[3] + p.padEnd[1] { paddedCells += 1 }
                            guard h >= 0, h < s[2], w >= 0, w < s[3] else { continue }
                            imageCells += 1
                            let v = x.scalars[at(s, n, c, h, w)]
                            best = max(best, v)
                            sum += Double(v)
                        }
                    }
                    let value: Float
                    switch p.method {
                    case .max: value = best
                    case .average:
                        value = Float(sum / Double(p.averageDivisor == .includePadding ? paddedCells : imageCells))
                    }
                    y.scalars[at(outShape, n, c, i, j)] = value
                }
            }
        }
    }
    return y
}
