import GraftCore

/// How a Graft value holds a Keras tensor. Graft computes images channels-first (NCHW); a
/// channels-last Keras model's 4-D tensors are therefore held transposed, and a Flatten of such a
/// tensor is held in channel-major order. Layers ask for the layout they need and the graph
/// builder inserts the permutation only then (and only once per value), so a chain of
/// convolutions never pays for it and a Flatten followed by Dense layers never does either.
enum KerasTensorLayout: Equatable, Sendable {
    /// The Graft value has the Keras tensor's shape and element order.
    case keras
    /// The Keras tensor is `[N, H, W, C]`; the Graft value is its transpose `[N, C, H, W]`.
    case channelsFirst
    /// The Keras tensor is `[N, H*W*C]` flattened from `[N, H, W, C]`; the Graft value is
    /// `[N, C*H*W]`, the same numbers in channel-major order.
    case flattenedChannelsFirst(channels: Int, height: Int, width: Int)
}

/// A Keras tensor as the graph holds it: the Graft value, its Graft shape (nil after an opaque
/// layer whose output shape is unknown) and the layout relating the two.
struct KerasTensorBinding: Sendable {
    var value: String
    var shape: Shape?
    var layout: KerasTensorLayout

    /// The tensor's shape as Keras sees it (batch first).
    var kerasShape: Shape? {
        guard let shape else { return nil }
        switch layout {
        case .keras, .flattenedChannelsFirst: return shape
        case .channelsFirst: return [shape[0], shape[2], shape[3], shape[1]]
        }
    }

    /// The Graft axis holding Keras axis `axis` (negative counts from the end), or nil when the
    /// axis is out of range or the layout does not keep axes apart (a flattened tensor's last axis
    /// is in another order).
    func graftAxis(ofKerasAxis axis: Int) -> Int? {
        guard let rank = shape?.rank else { return nil }
        let a = axis < 0 ? axis + rank : axis
        guard (0..<rank).contains(a) else { return nil }
        switch layout {
        case .keras: return a
        case .channelsFirst: return [0, 2, 3, 1][a]
        case .flattenedChannelsFirst: return a == 0 ? 0 : nil
        }
    }
}

/// Why a mapper could not convert a layer.
enum KerasMappingFailure: Error, Sendable {
    /// The layer does not fit the tensors flowing into it: an import error.
    case invalid(String)
    /// Valid Keras that Graft cannot compute: the layer is kept opaque with a warning.
    /// `preservesShape` tells the opaque node that its output has its input's shape.
    case unsupported(String, preservesShape: Bool)
    /// The layer needs its input's shape, which an earlier opaque layer left unknown.
    case needsInputShape
}
