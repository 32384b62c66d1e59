import GraftCore

/// The SSD fork's `PriorBox` (`prior_box_param`, fork field 203): a grid of default boxes over a
/// feature map, which depends only on the shapes of its two bottoms (feature map, image) and its
/// parameters, so the importer evaluates it into a constant.
///
/// The output is `[1, 2, H·W·priors·4]`: channel 0 holds the boxes `(xmin, ymin, xmax, ymax)`
/// as fractions of the image, ordered by row, column, then prior; channel 1 holds the variances.
/// Priors at each position, for each `min_size`: the square of `min_size`, then (with
/// `max_size`) the square of `sqrt(min_size · max_size)`, then one box per aspect ratio
/// `r ≠ 1` (each given ratio once, followed by `1/r` when `flip`), `min_size·√r` wide and
/// `min_size/√r` high. Computed in float as OpenCV's `PriorBoxLayer` does.
struct CaffePriorBox: Sendable {
    var minSizes: [Float]
    var maxSizes: [Float] = []
    /// The given ratios without 1 and duplicates, each followed by its inverse when flipped.
    var aspectRatios: [Float] = []
    var clip = false
    /// One for all coordinates, or four (one per coordinate).
    var variances: [Float] = [0.1]
    /// `img_h`/`img_w` (or `img_size`); nil: the second bottom's. OpenCV ignores these fields.
    var imageSize: (height: Int, width: Int)?
    /// `step_h`/`step_w` (or `step`); nil: image size over feature-map size.
    var step: (height: Float, width: Float)?
    var offset: Float = 0.5

    /// The fields the fork's `PriorBoxParameter` defines.
    static let fields: Set<String> = [
        "min_size", "max_size", "aspect_ratio", "flip", "clip", "variance", "img_size", "img_h", "img_w",
        "step", "step_h", "step_w", "offset",
    ]

    /// The box sizes at one position, in output order.
    var boxes: [(width: Float, height: Float)] {
        var boxes: [(width: Float, height: Float)] = []
        for (i, minSize) in minSizes.enumerated() {
            boxes.append((minSize, minSize))
            if i < maxSizes.count {
                let size = (minSize * maxSizes[i]).squareRoot()
                boxes.append((size, size))
            }
            for ratio in aspectRatios {
                let root = ratio.squareRoot()
                boxes.append((minSize * root, minSize / root))
            }
        }
        return boxes
    }

    /// The output shape for a feature map of `feature` (NCHW) shape.
    func outputShape(feature: Shape) -> Shape {
        [1, 2, feature[2] * feature[3] * boxes.count * 4]
    }

    /// The grid for a feature map of shape `feature` over an image of shape `image` (both NCHW).
    func grid(feature: Shape, image: Shape) -> Tensor {
        let (layerHeight, layerWidth) = (feature[2], feature[3])
        let imageHeight = Float(imageSize?.height ?? image[2]), imageWidth = Float(imageSize?.width ?? image[3])
        let stepY = step?.height ?? imageHeight / Float(layerHeight)
        let stepX = step?.width ?? imageWidth / Float(layerWidth)
        let boxes = self.boxes
        let count = layerHeight * layerWidth * boxes.count * 4
        var values = [Float](repeating: 0, count: 2 * count)
        var k = 0
        for h in 0..<layerHeight {
            for w in 0..<layerWidth {
                let centerX = (Float(w) + offset) * stepX, centerY = (Float(h) + offset) * stepY
                for box in boxes {
                    values[k] = (centerX - box.width * 0.5) / imageWidth
                    values[k + 1] = (centerY - box.height * 0.5) / imageHeight
                    values[k + 2] = (centerX + box.width * 0.5) / imageWidth
                    values[k + 3] = (centerY + box.height * 0.5) / imageHeight
                    k += 4
                }
            }
        }
        if clip {
            for i in 0..<count { values[i] = min(max(values[i], 0), 1) }
        }
        for i in 0..<count { values[count + i] = variances.count == 1 ? variances[0] : variances[i % 4] }
        return Tensor(shape: [1, 2, count], scalars: values)
    }
}

extension CaffePriorBox {
    /// Reads and checks `prior_box_param` as the fork's `PriorBoxLayer::LayerSetUp` does; every
    /// rule the fork enforces with a CHECK is a typed error naming the layer.
    init(_ p: CaffeForkParameters) throws(CaffeImportError) {
        func floats(_ name: String) throws(CaffeImportError) -> [Float] { try p.numbers(name).map { Float($0) } }
        func positiveInt(_ name: String) throws(CaffeImportError) -> Int? {
            guard let v = try p.number(name) else { return nil }
            guard v >= 1, v == v.rounded(), v <= Double(Int32.max) else { throw p.context.invalid("prior_box_param \(name) \(v) must be a positive integer") }
            return Int(v)
        }
        minSizes = try floats("min_size")
        guard !minSizes.isEmpty else { throw p.context.invalid("prior_box_param has no min_size") }
        guard minSizes.allSatisfy({ $0 > 0 && $0.isFinite }) else { throw p.context.invalid("prior_box_param min_size \(minSizes) must be positive") }
        maxSizes = try floats("max_size")
        if !maxSizes.isEmpty {
            guard maxSizes.count == minSizes.count else {
                throw p.context.invalid("prior_box_param has \(maxSizes.count) max_size for \(minSizes.count) min_size")
            }
            for (lo, hi) in zip(minSizes, maxSizes) where !(hi > lo && hi.isFinite) {
                throw p.context.invalid("prior_box_param max_size \(hi) must be greater than min_size \(lo)")
            }
        }
        let flip = try p.bool("flip") ?? true
        for ratio in try floats("aspect_ratio") {
            guard ratio > 0, ratio.isFinite else { throw p.context.invalid("prior_box_param aspect_ratio \(ratio) must be positive") }
            if abs(ratio - 1) < 1e-6 || aspectRatios.contains(where: { abs(ratio - $0) < 1e-6 }) { continue }
            aspectRatios.append(ratio)
            if flip { aspectRatios.append(Float(1 / Double(ratio))) }
        }
        clip = try p.bool("clip") ?? false
        let variances = try floats("variance")
        guard [0, 1, 4].contains(variances.count) else {
            throw p.context.invalid("prior_box_param has \(variances.count) variances; give 1 or 4")
        }
        guard variances.allSatisfy({ $0 > 0 && $0.isFinite }) else { throw p.context.invalid("prior_box_param variance \(variances) must be positive") }
        if !variances.isEmpty { self.variances = variances }

        let (size, height, width) = (try positiveInt("img_size"), try positiveInt("img_h"), try positiveInt("img_w"))
        if height != nil || width != nil {
            guard size == nil else { throw p.context.invalid("prior_box_param gives img_size and img_h/img_w; give one") }
            guard let height, let width else { throw p.context.invalid("prior_box_param needs both img_h and img_w") }
            imageSize = (height, width)
        } else if let size {
            imageSize = (size, size)
        }
        let (stepBoth, stepH, stepW) = (try floats("step").last, try floats("step_h").last, try floats("step_w").last)
        for s in [stepBoth, stepH, stepW].compactMap({ $0 }) where !(s > 0 && s.isFinite) {
            throw p.context.invalid("prior_box_param step \(s) must be positive")
        }
        if stepH != nil || stepW != nil {
            guard stepBoth == nil else { throw p.context.invalid("prior_box_param gives step and step_h/step_w; give one") }
            guard let stepH, let stepW else { throw p.context.invalid("prior_box_param needs both step_h and step_w") }
            step = (stepH, stepW)
        } else if let stepBoth {
            step = (stepBoth, stepBoth)
        }
        offset = try floats("offset").last ?? 0.5
        guard offset.isFinite else { throw p.context.invalid("prior_box_param offset \(offset) must be finite") }
    }
}
