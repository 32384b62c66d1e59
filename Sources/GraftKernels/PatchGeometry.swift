/// Where the sliding windows of a convolution fall on one image: the image's size, the window
/// (kernel, stride, dilation, leading pads) and how many window positions there are.
///
/// Only the leading pads appear: the trailing pads are already expressed by `outputHeight` and
/// `outputWidth`, and positions outside the image read as zero. Keeping the output size explicit
/// lets the same geometry describe a deconvolution whose output was padded (Keras
/// `output_padding`).
public struct PatchGeometry: Equatable, Sendable {
    /// Input channels.
    public var channels: Int
    /// The image's height.
    public var height: Int
    /// The image's width.
    public var width: Int
    /// Kernel rows.
    public var kernelHeight: Int
    /// Kernel columns.
    public var kernelWidth: Int
    /// Rows between window positions.
    public var strideHeight: Int
    /// Columns between window positions.
    public var strideWidth: Int
    /// Zero rows above the image.
    public var padTop: Int
    /// Zero columns left of the image.
    public var padLeft: Int
    /// Rows between kernel taps.
    public var dilationHeight: Int
    /// Columns between kernel taps.
    public var dilationWidth: Int
    /// Window positions down and across (the convolution's output size).
    public var outputHeight: Int
    /// Window positions across.
    public var outputWidth: Int

    /// Traps on an empty image or output, a non-positive window or a negative pad.
    public init(channels: Int, height: Int, width: Int, kernelHeight: Int, kernelWidth: Int,
                strideHeight: Int = 1, strideWidth: Int = 1, padTop: Int = 0, padLeft: Int = 0,
                dilationHeight: Int = 1, dilationWidth: Int = 1, outputHeight: Int, outputWidth: Int) {
        precondition(channels >= 1 && height >= 1 && width >= 1, "PatchGeometry: empty image")
        precondition(kernelHeight >= 1 && kernelWidth >= 1 && strideHeight >= 1 && strideWidth >= 1
                     && dilationHeight >= 1 && dilationWidth >= 1, "PatchGeometry: non-positive window")
        precondition(padTop >= 0 && padLeft >= 0 && outputHeight >= 1 && outputWidth >= 1,
                     "PatchGeometry: negative pad or empty output")
        self.channels = channels
        self.height = height
        self.width = width
        self.kernelHeight = kernelHeight
        self.kernelWidth = kernelWidth
        self.strideHeight = strideHeight
        self.strideWidth = strideWidth
        self.padTop = padTop
        self.padLeft = padLeft
        self.dilationHeight = dilationHeight
        self.dilationWidth = dilationWidth
        self.outputHeight = outputHeight
        self.outputWidth = outputWidth
    }

    /// Floats in one image.
    public var imageCount: Int { channels * height * width }
    /// Taps in one kernel plane.
    public var kernelArea: Int { kernelHeight * kernelWidth }
    /// Window positions in all.
    public var outputArea: Int { outputHeight * outputWidth }
    /// Rows of the column matrix: one per (channel, kernel row, kernel column).
    public var columnRows: Int { channels * kernelArea }
    /// Floats in the column matrix `[columnRows, outputArea]`.
    public var columnCount: Int { columnRows * outputArea }

    /// The output positions `o` in `0..<outputs` whose input coordinate
    /// `o * stride + offset` lies in `0..<size`.
    @inline(__always)
    static func validRange(offset: Int, stride: Int, size: Int, outputs: Int) -> Range<Int> {
        // o * stride + offset >= 0  ⇔  o >= ceil(-offset / stride)
        let low = offset >= 0 ? 0 : (-offset + stride - 1) / stride
        // o * stride + offset <= size - 1  ⇔  o <= floor((size - 1 - offset) / stride)
        let last = size - 1 - offset
        let high = last < 0 ? 0 : last / stride + 1
        let lower = min(low, outputs)
        return lower..<max(lower, min(high, outputs))
    }
}
