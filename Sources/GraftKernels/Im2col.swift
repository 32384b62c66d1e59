/// Unfolding an image into the columns a convolution multiplies (im2col) and folding columns back
/// (col2im, its adjoint), Caffe's layout: column row `(c * kh + i) * kw + j`, column
/// `oh * outputWidth + ow`.
///
/// `rowStride` (default `outputArea`) is the distance between two column rows, so that the columns
/// of several images can sit side by side in one wider matrix `[columnRows, images * outputArea]`
/// (image `b` starting at column `b * outputArea`): one large GEMM then replaces several thin ones.
///
/// Both run their channels in parallel (``Parallel``): a channel's rows, and its plane, belong to
/// one worker.
public enum Im2col {
    /// Writes `columns[columnRows, outputArea]` from one image `[channels, height, width]`;
    /// positions that fall in the padding read as zero.
    ///
    /// - Parameters:
    ///   - image: one image, `[channels, height, width]`.
    ///   - g: the window's shape, strides, pads and dilations over the image.
    ///   - columns: receives the columns, `columnRows` rows `rowStride` apart.
    ///   - rowStride: the distance between two column rows; nil for `outputArea`.
    ///   - parallel: false inside a worker that already owns a core.
    public static func unfold(image: UnsafePointer<Float>, geometry g: PatchGeometry,
                              columns: UnsafeMutablePointer<Float>, rowStride: Int? = nil, parallel: Bool = true) {
        let rowStep = rowStride ?? g.outputArea
        precondition(rowStep >= g.outputArea, "unfold: row stride \(rowStep) shorter than a row (\(g.outputArea))")
        func run(_ channels: Range<Int>) {
            for c in channels {
                unfoldChannel(c, image: image, geometry: g, rows: columns + c * g.kernelArea * rowStep, rowStep: rowStep)
            }
        }
        if parallel { Parallel.forEach(g.channels, workPerItem: g.kernelArea * g.outputArea, run) } else { run(0..<g.channels) }
    }

    /// Folds `columns[columnRows, outputArea]` back onto one image: every column entry is added
    /// to the pixel it was read from; entries that fall in the padding are dropped. This is the
    /// adjoint of ``unfold(image:geometry:columns:rowStride:parallel:)`` (convolution's input gradient,
    /// deconvolution's forward pass).
    ///
    /// - Parameters:
    ///   - columns: the columns, `columnRows` rows `rowStride` apart.
    ///   - g: the window's shape, strides, pads and dilations over the image.
    ///   - image: receives the folded image, `[channels, height, width]`.
    ///   - accumulate: add to the image's current contents instead of overwriting them.
    ///   - rowStride: the distance between two column rows; nil for `outputArea`.
    ///   - parallel: false inside a worker that already owns a core.
    public static func fold(columns: UnsafePointer<Float>, geometry g: PatchGeometry,
                            image: UnsafeMutablePointer<Float>, accumulate: Bool = false, rowStride: Int? = nil,
                            parallel: Bool = true) {
        let rowStep = rowStride ?? g.outputArea
        precondition(rowStep >= g.outputArea, "fold: row stride \(rowStep) shorter than a row (\(g.outputArea))")
        let planeCount = g.height * g.width
        func run(_ channels: Range<Int>) {
            if !accumulate { (image + channels.lowerBound * planeCount).update(repeating: 0, count: channels.count * planeCount) }
            for c in channels {
                foldChannel(c, rows: columns + c * g.kernelArea * rowStep, rowStep: rowStep, geometry: g, image: image)
            }
        }
        if parallel { Parallel.forEach(g.channels, workPerItem: g.kernelArea * g.outputArea, run) } else { run(0..<g.channels) }
    }

    /// The `kh * kw` column rows of channel `c`, starting at `rows`.
    private static func unfoldChannel(_ c: Int, image: UnsafePointer<Float>, geometry g: PatchGeometry,
                                      rows: UnsafeMutablePointer<Float>, rowStep: Int) {
        let plane = image + c * g.height * g.width
        var row = rows
        for i in 0..<g.kernelHeight {
            let rowOffset = i * g.dilationHeight - g.padTop
            let validRows = PatchGeometry.validRange(offset: rowOffset, stride: g.strideHeight,
                                                     size: g.height, outputs: g.outputHeight)
            for j in 0..<g.kernelWidth {
                let columnOffset = j * g.dilationWidth - g.padLeft
                let validColumns = PatchGeometry.validRange(offset: columnOffset, stride: g.strideWidth,
                                                            size: g.width, outputs: g.outputWidth)
                for oh in 0..<g.outputHeight {
                    let out = row + oh * g.outputWidth
                    guard validRows.contains(oh), !validColumns.isEmpty else {
                        out.update(repeating: 0, count: g.outputWidth)
                        continue
                    }
                    let source = plane + (oh * g.strideHeight + rowOffset) * g.width + columnOffset
                    out.update(repeating: 0, count: validColumns.lowerBound)
                    if g.strideWidth == 1 {
                        (out + validColumns.lowerBound).update(from: source + validColumns.lowerBound,
                                                               count: validColumns.count)
                    } else {
                        for ow in validColumns { out[ow] = source[ow * g.strideWidth] }
                    }
                    (out + validColumns.upperBound).update(repeating: 0,
                                                           count: g.outputWidth - validColumns.upperBound)
                }
                row += rowStep
            }
        }
    }

    /// Adds channel `c`'s column rows (starting at `rows`) onto its plane of `image`.
    private static func foldChannel(_ c: Int, rows: UnsafePointer<Float>, rowStep: Int, geometry g: PatchGeometry,
                                    image: UnsafeMutablePointer<Float>) {
        let plane = image + c * g.height * g.width
        var row = rows
        for i in 0..<g.kernelHeight {
            let rowOffset = i * g.dilationHeight - g.padTop
            let validRows = PatchGeometry.validRange(offset: rowOffset, stride: g.strideHeight,
                                                     size: g.height, outputs: g.outputHeight)
            for j in 0..<g.kernelWidth {
                let columnOffset = j * g.dilationWidth - g.padLeft
                let validColumns = PatchGeometry.validRange(offset: columnOffset, stride: g.strideWidth,
                                                            size: g.width, outputs: g.outputWidth)
                if !validColumns.isEmpty {
                    for oh in validRows {
                        let entries = row + oh * g.outputWidth
                        let target = plane + (oh * g.strideHeight + rowOffset) * g.width + columnOffset
                        if g.strideWidth == 1 {
                            for ow in validColumns { target[ow] += entries[ow] }
                        } else {
                            for ow in validColumns { target[ow * g.strideWidth] += entries[ow] }
                        }
                    }
                }
                row += rowStep
            }
        }
    }
}
