import GraftCore
import GraftKernels

/// Ops that keep the elements in order and only relabel the shape (Reshape, channels-first Flatten,
/// Dropout at inference): a plain copy. A later liveness planner may alias the buffers instead.
final class CopyLayer: Layer {
    let node: String
    let inputs: [ValueID]
    let outputs: [ValueID]
    let count: Int

    init(_ site: LayerSite) {
        node = site.node.name
        inputs = site.inputs
        outputs = site.outputs
        count = site.outputShape.elementCount
    }

    func forward(_ context: ForwardContext) {
        context.output(outputs[0]).update(from: context.input(inputs[0]), count: count)
    }
}

/// A general transpose; also channels-last Flatten, which is the permutation NCHW → NHWC.
final class PermuteLayer: Layer {
    let node: String
    let inputs: [ValueID]
    let outputs: [ValueID]
    let shape: [Int]
    let order: [Int]

    init(_ site: LayerSite, order: [Int]) {
        node = site.node.name
        inputs = site.inputs
        outputs = site.outputs
        shape = site.inputShape.dims
        self.order = order
    }

    func forward(_ context: ForwardContext) {
        LayoutKernels.permute(context.input(inputs[0]), shape: shape, order: order, into: context.output(outputs[0]))
    }
}

/// Joins the inputs along one axis.
final class ConcatLayer: Layer {
    let node: String
    let inputs: [ValueID]
    let outputs: [ValueID]
    let outer: Int
    let inner: Int
    let inputAxisSizes: [Int]
    let outputAxisSize: Int

    init(_ site: LayerSite, _ op: Concat) {
        node = site.node.name
        inputs = site.inputs
        outputs = site.outputs
        let y = site.outputShape
        let axis = y.normalizedAxis(op.axis) ?? 1   // checked by shape inference
        outer = y.count(from: 0, to: axis)
        inner = y.count(from: axis + 1)
        inputAxisSizes = site.inputShapes.map { $0[axis] }
        outputAxisSize = y[axis]
    }

    func forward(_ context: ForwardContext) {
        var offset = 0
        for (input, size) in zip(inputs, inputAxisSizes) {
            LayoutKernels.insertSlab(context.input(input), outer: outer, sourceAxis: size, inner: inner,
                                     into: context.output(outputs[0]), destinationAxis: outputAxisSize, axisOffset: offset)
            offset += size
        }
    }
}

/// Splits the input along one axis into consecutive pieces, one per output.
final class SliceLayer: Layer {
    let node: String
    let inputs: [ValueID]
    let outputs: [ValueID]
    let outer: Int
    let inner: Int
    let inputAxisSize: Int
    let pieces: [Range<Int>]

    init(_ site: LayerSite, _ op: Slice) {
        node = site.node.name
        inputs = site.inputs
        outputs = site.outputs
        let x = site.inputShape
        let axis = x.normalizedAxis(op.axis) ?? 1   // checked by shape inference
        outer = x.count(from: 0, to: axis)
        inner = x.count(from: axis + 1)
        inputAxisSize = x[axis]
        var start = 0
        pieces = site.outputShapes.map { shape in
            defer { start += shape[axis] }
            return start ..< start + shape[axis]
        }
    }

    func forward(_ context: ForwardContext) {
        for (output, piece) in zip(outputs, pieces) {
            LayoutKernels.extractSlab(context.input(inputs[0]), outer: outer, sourceAxis: inputAxisSize, inner: inner,
                                      axisOffset: piece.lowerBound, into: context.output(output),
                                      destinationAxis: piece.count)
        }
    }
}

/// Copies a box of the input (Crop) or the input into a box of a filled output (Pad).
final class RegionCopyLayer: Layer {
    let node: String
    let inputs: [ValueID]
    let outputs: [ValueID]
    let inputShape: [Int]
    let outputShape: [Int]
    let sourceOrigin: [Int]
    let destinationOrigin: [Int]
    let extent: [Int]
    /// Written to the whole output first (Pad); nil when the box covers the output (Crop).
    let fill: Float?

    /// Crop: the output is the box of the input starting at the per-axis offsets from `axis` on.
    init(_ site: LayerSite, crop op: Crop) {
        node = site.node.name
        inputs = site.inputs
        outputs = site.outputs
        inputShape = site.inputShape.dims
        outputShape = site.outputShape.dims
        let axis = site.inputShape.normalizedAxis(op.axis) ?? 2   // checked by shape inference
        sourceOrigin = (0..<inputShape.count).map { i in
            i < axis ? 0 : (op.offsets.count == 1 ? op.offsets[0] : op.offsets[i - axis])
        }
        destinationOrigin = Array(repeating: 0, count: inputShape.count)
        extent = outputShape
        fill = nil
    }

    /// Pad: the input lands at [0, 0, top, left] of an output filled with the pad value.
    init(_ site: LayerSite, pad op: Pad) {
        node = site.node.name
        inputs = site.inputs
        outputs = site.outputs
        inputShape = site.inputShape.dims
        outputShape = site.outputShape.dims
        sourceOrigin = [0, 0, 0, 0]
        destinationOrigin = [0, 0, op.padBegin[0], op.padBegin[1]]
        extent = inputShape
        fill = op.value
    }

    func forward(_ context: ForwardContext) {
        let y = context.output(outputs[0])
        if let fill { y.update(repeating: fill, count: outputShape.reduce(1, *)) }
        LayoutKernels.copyRegion(from: context.input(inputs[0]), shape: inputShape, origin: sourceOrigin,
                                 to: y, shape: outputShape, origin: destinationOrigin, extent: extent)
    }
}
