/// Unfolding an image into the columns a convolution multiplies (im2col) and folding columns back
/// (col2im, its adjoint), Caffe's layout: column row `(c * kh + i) * kw + j`, column
/// `oh * outputWidth + ow`.
///
/// `rowStride` (default `outputArea`) is the distance between two column rows, so that the columns
/// of several images can sit side by side in one wider matrix `[columnRows, images * outputArea]`
/// (image `b` starting at column `b * outputArea`): one large GEMM then replaces several thin ones.
public enum Im2col {
    /// Writes `columns[columnRows, outputArea]` from one image `[channels, height, width]`;
    /// positions that fall in the padding read as zero.
    public static func unfold(image: UnsafePointer<Float>, geometry g: PatchGeometry,
                              columns: UnsafeMutablePointer<Float>, rowStride: Int? = nil) {
        let rowStep = rowStride ?? g.outputArea
        precondition(rowStep >= g.outputArea, "unfold: row stride \(rowStep) shorter than a row (\(g.outputArea))")
        var row = columns
        for c in 0..<g.channels {
            let plane = image + c * g.height * g.width
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
    }

    /// Folds `columns[columnRows, outputArea]` back onto one image: every column entry is added
    /// to the pixel it was read from; entries that fall in the padding are dropped. This is the
    /// adjoint of ``unfold(image:geometry:columns:)`` (convolution's input gradient,
    /// deconvolution's forward pass).
    ///
    /// - Parameter accumulate: add to the image's current contents instead of overwriting them.
    public static func fold(columns: UnsafePointer<Float>, geometry g: PatchGeometry,
                            image: UnsafeMutablePointer<Float>, accumulate: Bool = false, rowStride: Int? = nil) {
        let rowStep = rowStride ?? g.outputArea
        precondition(rowStep >= g.outputArea, "fold: row stride \(rowStep) shorter than a row (\(g.outputArea))")
        if !accumulate { image.update(repeating: 0, count: g.imageCount) }
        var row = columns
        for c in 0..<g.channels {
            let plane = image + c * g.height * g.width
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
                            for ow in validColumns { target[ow * g.strideWidth] += entries[ow] }
                        }
                    }
                    row += rowStep
                }
            }
        }
    }
}
