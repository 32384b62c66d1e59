public import GraftCore

/// Windows of a 2-D pooling over planes of `height × width`, with their output size already
/// decided by the rounding rule (see `Pooling.outputSize` in GraftCore).
public struct PoolingGeometry: Equatable, Sendable {
    /// The plane's height.
    public var height: Int
    /// The plane's width.
    public var width: Int
    /// Output rows.
    public var outputHeight: Int
    /// Output columns.
    public var outputWidth: Int
    /// Window rows.
    public var kernelHeight: Int
    /// Window columns.
    public var kernelWidth: Int
    /// Rows between windows.
    public var strideHeight: Int
    /// Columns between windows.
    public var strideWidth: Int
    /// Padding above the plane.
    public var padTop: Int
    /// Padding left of the plane.
    public var padLeft: Int
    /// Padding below the plane.
    public var padBottom: Int
    /// Padding right of the plane.
    public var padRight: Int

    /// Traps on an empty plane, output or window, or a negative pad.
    public init(height: Int, width: Int, outputHeight: Int, outputWidth: Int, kernelHeight: Int, kernelWidth: Int,
                strideHeight: Int, strideWidth: Int, padTop: Int = 0, padLeft: Int = 0,
                padBottom: Int = 0, padRight: Int = 0) {
        precondition(height >= 1 && width >= 1 && outputHeight >= 1 && outputWidth >= 1
                     && kernelHeight >= 1 && kernelWidth >= 1 && strideHeight >= 1 && strideWidth >= 1
                     && min(padTop, padLeft, padBottom, padRight) >= 0, "PoolingGeometry: invalid sizes")
        self.height = height
        self.width = width
        self.outputHeight = outputHeight
        self.outputWidth = outputWidth
        self.kernelHeight = kernelHeight
        self.kernelWidth = kernelWidth
        self.strideHeight = strideHeight
        self.strideWidth = strideWidth
        self.padTop = padTop
        self.padLeft = padLeft
        self.padBottom = padBottom
        self.padRight = padRight
    }
}

/// Max and average pooling over NCHW planes.
public enum PoolingKernels {
    /// Pools each of `planes` input planes (batch × channels) into an output plane.
    ///
    /// Windows follow Caffe: a window starts at `o * stride - padBegin` and ends at
    /// `min(start + kernel, size + padEnd)`; max and sum run over its part inside the image.
    /// An average divides by the window clipped to the padded input (GraftCore's
    /// `Pooling.AverageDivisor.includePadding`, Caffe) or by its in-image part
    /// (`Pooling.AverageDivisor.excludePadding`, TensorFlow).
    /// A window with no in-image element (only possible when a pad is at least the kernel) gives 0.
    public static func forward(input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>, planes: Int,
                               geometry g: PoolingGeometry, method: Pooling.Method,
                               divisor: Pooling.AverageDivisor) {
        let inputPlane = g.height * g.width
        let outputPlane = g.outputHeight * g.outputWidth
        Parallel.forEach(planes, workPerItem: outputPlane * g.kernelHeight * g.kernelWidth) { range in
            for p in range {
                let source = input + p * inputPlane
                let result = output + p * outputPlane
                for oh in 0..<g.outputHeight {
                    let rows = g.rows(oh)
                    let (top, bottom) = (rows.start, rows.end)
                    for ow in 0..<g.outputWidth {
                        let columns = g.columns(ow)
                        let (left, right) = (columns.start, columns.end)
                        guard !rows.isEmpty, !columns.isEmpty else {
                            result[oh * g.outputWidth + ow] = 0
                            continue
                        }
                        switch method {
                        case .max:
                            var best = -Float.infinity
                            for h in top..<bottom {
                                let row = source + h * g.width
                                for w in left..<right where row[w] > best || row[w].isNaN { best = row[w] }
                            }
                            result[oh * g.outputWidth + ow] = best
                        case .average:
                            var sum: Float = 0
                            for h in top..<bottom {
                                let row = source + h * g.width
                                for w in left..<right { sum += row[w] }
                            }
                            result[oh * g.outputWidth + ow] = sum / Float(PoolingSpan.divisor(rows, columns, divisor))
                        }
                    }
                }
            }
        }
    }

    /// Pools each whole plane of `area` elements to one value.
    public static func global(input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>, planes: Int,
                              area: Int, method: Pooling.Method) {
        // Planes shared out between the workers, each summed in order as before (the same bits):
        // EfficientNet's squeeze-and-excitation pools took 1.8 of its 18 ms at batch 1 on one of two cores.
        Parallel.forEach(planes, workPerItem: area) { range in
            pool(input: input, output: output, planes: range, area: area, method: method)
        }
    }

    private static func pool(input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>, planes: Range<Int>,
                             area: Int, method: Pooling.Method) {
        for p in planes {
            let source = input + p * area
            switch method {
            case .max:
                var best = -Float.infinity
                for i in 0..<area where source[i] > best || source[i].isNaN { best = source[i] }
                output[p] = best
            case .average:
                var sum: Float = 0
                for i in 0..<area { sum += source[i] }
                output[p] = sum / Float(area)
            }
        }
    }
}

/// One pooling window along one axis: its extent clipped to the padded input (what Caffe's average
/// divides by) and to the image (the elements it reads). Shared by the forward and backward passes
/// so that both always agree on the window.
struct PoolingSpan {
    /// Start and end in padded coordinates, the end clipped to the padded input.
    let paddedStart: Int, paddedEnd: Int
    /// The part inside the image (empty when `start >= end`).
    let start: Int, end: Int

    @inline(__always)
    init(index: Int, stride: Int, padBefore: Int, padAfter: Int, kernel: Int, size: Int) {
        paddedStart = index * stride - padBefore
        paddedEnd = min(paddedStart + kernel, size + padAfter)
        start = max(paddedStart, 0)
        end = min(paddedEnd, size)
    }

    var isEmpty: Bool { start >= end }
    /// The divisor of an average window: with padding (Caffe) or image elements only (TensorFlow).
    @inline(__always)
    static func divisor(_ rows: PoolingSpan, _ columns: PoolingSpan, _ kind: Pooling.AverageDivisor) -> Int {
        kind == .includePadding
            ? (rows.paddedEnd - rows.paddedStart) * (columns.paddedEnd - columns.paddedStart)
            : (rows.end - rows.start) * (columns.end - columns.start)
    }
}

extension PoolingGeometry {
    @inline(__always) func rows(_ oh: Int) -> PoolingSpan {
        PoolingSpan(index: oh, stride: strideHeight, padBefore: padTop, padAfter: padBottom, kernel: kernelHeight, size: height)
    }
    @inline(__always) func columns(_ ow: Int) -> PoolingSpan {
        PoolingSpan(index: ow, stride: strideWidth, padBefore: padLeft, padAfter: padRight, kernel: kernelWidth, size: width)
    }
}
