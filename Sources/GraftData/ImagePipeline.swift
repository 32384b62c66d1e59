import GraftCore
import GraftImage

/// Turns an image into the float CHW input a model expects: resize (box pre-shrink, then
/// bilinear), optional augmentation, channel conversion (grey <-> RGB, RGB <-> BGR), value range,
/// then the model's recorded preprocessing steps.
public struct ImagePipeline: Sendable {
    /// The model's preprocessing: input shape, channel order, value range, steps.
    public let preprocessing: Preprocessing
    /// The model's input channels (1 or 3).
    public var channels: Int { preprocessing.inputShape[1] }
    /// The model's input height in pixels.
    public var height: Int { preprocessing.inputShape[2] }
    /// The model's input width in pixels.
    public var width: Int { preprocessing.inputShape[3] }
    /// Floats per rendered image: channels x height x width.
    public var elementCount: Int { channels * height * width }

    /// A pipeline for a model whose input is N x 1|3 x H x W
    /// (``DatasetError/badSplit(reason:)`` otherwise).
    public init(preprocessing: Preprocessing) throws(DatasetError) {
        guard preprocessing.inputShape.rank == 4, [1, 3].contains(preprocessing.inputShape[1]) else {
            throw .badSplit(reason: "the model's input \(preprocessing.inputShape) is not N x 1|3 x H x W")
        }
        self.preprocessing = preprocessing
    }

    /// Shrinks an image by an integer box filter so that it is at most twice the output size,
    /// which keeps bilinear resampling from aliasing. Cheap enough to cache per sample.
    public func prepared(_ image: Image) -> Image {
        let k = max(1, min(image.width / (2 * width), image.height / (2 * height)))
        guard k > 1 else { return image }
        let w = image.width / k, h = image.height / k, ch = image.channels
        var out = [UInt8](repeating: 0, count: w * h * ch)
        let area = k * k
        for y in 0..<h {
            for x in 0..<w {
                for c in 0..<ch {
                    var sum = 0
                    for dy in 0..<k {
                        let row = ((y * k + dy) * image.width + x * k) * ch + c
                        for dx in 0..<k { sum += Int(image.pixels[row + dx * ch]) }
                    }
                    out[(y * w + x) * ch + c] = UInt8((sum + area / 2) / area)
                }
            }
        }
        return Image(width: w, height: h, channels: ch, pixels: out)
    }

    /// Writes the model input for `image` (CHW floats, `elementCount` of them) to `output`.
    public func render(_ image: Image, transform: WarpTransform = .identity, into output: UnsafeMutablePointer<Float>) {
        let order = preprocessing.channelOrder
        let lo = preprocessing.valueRange.first ?? 0, hi = preprocessing.valueRange.count > 1 ? preprocessing.valueRange[1] : 255
        let scale = (hi - lo) / 255
        let sw = Double(image.width), sh = Double(image.height)
        let plane = height * width
        var rgb = (Float(0), Float(0), Float(0))
        for v in 0..<height {
            let ny = (Double(v) + 0.5) / Double(height) - 0.5
            for u in 0..<width {
                let nx = (Double(u) + 0.5) / Double(width) - 0.5
                let sx = (transform.a * nx + transform.b * ny + transform.tx + 0.5) * sw - 0.5
                let sy = (transform.c * nx + transform.d * ny + transform.ty + 0.5) * sh - 0.5
                rgb = sampleBilinear(image, sx, sy)
                let index = v * width + u
                if channels == 1 {
                    let grey = image.channels == 1 ? rgb.0 : 0.299 * rgb.0 + 0.587 * rgb.1 + 0.114 * rgb.2
                    output[index] = grey * scale + lo
                } else {
                    let (first, third) = order == .bgr ? (rgb.2, rgb.0) : (rgb.0, rgb.2)
                    output[index] = first * scale + lo
                    output[plane + index] = rgb.1 * scale + lo
                    output[2 * plane + index] = third * scale + lo
                }
            }
        }
        for step in preprocessing.steps {
            for c in 0..<channels {
                let base = output + c * plane
                for i in 0..<plane { base[i] = step.apply(base[i], channel: c) }
            }
        }
    }

    /// Decodes image files (PNG, JPEG, DICOM, NIfTI) through the preprocessing's windows and
    /// channel order, as `predict` and `preprocess` take them.
    public func read(_ paths: [String]) throws(DatasetError) -> [Image] {
        var images: [Image] = []
        for path in paths {
            images.append(try InputImage.read(path, windows: preprocessing.windows ?? [], channelOrder: preprocessing.channelOrder))
        }
        return images
    }

    /// The model input for `images` exactly as training, evaluation and prediction render it
    /// (shrunk, resized, windowed channels ordered, value range and steps applied; no
    /// augmentation): an N x C x H x W tensor.
    public func inputs(_ images: [Image]) -> Tensor {
        var scalars = [Float](repeating: 0, count: images.count * elementCount)
        scalars.withUnsafeMutableBufferPointer { buffer in
            for (i, image) in images.enumerated() {
                render(prepared(image), into: buffer.baseAddress! + i * elementCount)
            }
        }
        return Tensor(shape: Shape([images.count, channels, height, width]), scalars: scalars)
    }

    /// Bilinear sample with edge replication; grey images return the same value three times.
    private func sampleBilinear(_ image: Image, _ x: Double, _ y: Double) -> (Float, Float, Float) {
        let maxX = image.width - 1, maxY = image.height - 1
        let cx = min(max(x, 0), Double(maxX)), cy = min(max(y, 0), Double(maxY))
        let x0 = Int(cx), y0 = Int(cy)
        let x1 = min(x0 + 1, maxX), y1 = min(y0 + 1, maxY)
        let fx = Float(cx - Double(x0)), fy = Float(cy - Double(y0))
        let ch = image.channels
        func value(_ c: Int) -> Float {
            image.pixels.withUnsafeBufferPointer { p in
                let a = Float(p[(y0 * image.width + x0) * ch + c]), b = Float(p[(y0 * image.width + x1) * ch + c])
                let d = Float(p[(y1 * image.width + x0) * ch + c]), e = Float(p[(y1 * image.width + x1) * ch + c])
                return (a * (1 - fx) + b * fx) * (1 - fy) + (d * (1 - fx) + e * fx) * fy
            }
        }
        if ch == 1 { let g = value(0); return (g, g, g) }
        return (value(0), value(1), value(2))
    }
}
