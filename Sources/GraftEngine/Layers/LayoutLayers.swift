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

    func backward(_ context: BackwardContext) {
        context.inputGradient?.update(from: context.outputGradient, count: count)
    }
}

/// Channels from NCHW planes into blocks of eight or back (``ChannelBlocks``), inserted by an
/// inference plan where a value crosses between layers that read planes and convolutions that
/// run on blocks. Never part of a training plan.
final class ChannelReorderLayer: Layer {
    let node: String
    let inputs: [ValueID]
    let outputs: [ValueID]
    let toBlocks: Bool
    let batch: Int, channels: Int, area: Int

    init(_ site: LayerSite) {
        node = site.node.name
        inputs = site.inputs
        outputs = site.outputs
        toBlocks = site.channels == .toBlocks
        let shape = site.inputShape
        batch = shape[0]
        channels = shape[1]
        area = shape.count(from: 2)
    }

    func forward(_ context: ForwardContext) {
        if toBlocks {
            ChannelBlocks.toBlocks(context.input(inputs[0]), batch: batch, channels: channels, area: area,
                                   into: context.output(outputs[0]))
        } else {
            ChannelBlocks.fromBlocks(context.input(inputs[0]), batch: batch, channels: channels, area: area,
                                     into: context.output(outputs[0]))
        }
    }

    func backward(_ context: BackwardContext) {
        preconditionFailure("ChannelReorderLayer: backward pass in an inference plan")
    }
}

/// A general transpose; also channels-last Flatten, which is the permutation NCHW → NHWC.
final class PermuteLayer: Layer {
    let node: String
    let inputs: [ValueID]
    let outputs: [ValueID]
    let shape: [Int]
    let order: [Int]

    /// The output's shape and the permutation that maps it back to the input.
    let outputShape: [Int]
    let inverse: [Int]

    init(_ site: LayerSite, order: [Int]) {
        node = site.node.name
        inputs = site.inputs
        outputs = site.outputs
        shape = site.inputShape.dims
        self.order = order
        outputShape = order.map { site.inputShape.dims[$0] }
        var inverse = [Int](repeating: 0, count: order.count)
        for (i, axis) in order.enumerated() { inverse[axis] = i }
        self.inverse = inverse
    }

    func forward(_ context: ForwardContext) {
        AxisPermutation.permute(context.input(inputs[0]), shape: shape, order: order, into: context.output(outputs[0]))
    }

    func backward(_ context: BackwardContext) {
        guard let dx = context.inputGradient else { return }
        AxisPermutation.permute(context.outputGradient, shape: outputShape, order: inverse, into: dx)
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

    func backward(_ context: BackwardContext) {
        var offset = 0
        for (gradient, size) in zip(context.inputGradients, inputAxisSizes) {
            if let gradient {
                LayoutKernels.extractSlab(context.outputGradient, outer: outer, sourceAxis: outputAxisSize, inner: inner,
                                          axisOffset: offset, into: gradient, destinationAxis: size)
            }
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

    func backward(_ context: BackwardContext) {
        guard let dx = context.inputGradient else { return }
        for (gradient, piece) in zip(context.outputGradients, pieces) {
            LayoutKernels.insertSlab(gradient, outer: outer, sourceAxis: piece.count, inner: inner,
                                     into: dx, destinationAxis: inputAxisSize, axisOffset: piece.lowerBound)
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

    /// The adjoint: the box of the output gradient goes back where it came from; the rest of the
    /// input gradient (cropped away) is zero. A Crop's reference input gets a zero gradient.
    func backward(_ context: BackwardContext) {
        if context.inputGradients.count > 1, let reference = context.inputGradients[1] {
            reference.update(repeating: 0, count: context.values.shape(inputs[1]).elementCount)
        }
        guard let dx = context.inputGradient else { return }
        let inputCount = inputShape.reduce(1, *)
        if fill == nil { dx.update(repeating: 0, count: inputCount) }
        LayoutKernels.copyRegion(from: context.outputGradient, shape: outputShape, origin: destinationOrigin,
                                 to: dx, shape: inputShape, origin: sourceOrigin, extent: extent)
    }
}

/// Writes its stored tensor (parameter `value`); its gradient is the output's gradient.
final class ConstantLayer: Layer {
    let node: String
    let inputs: [ValueID] = []
    let outputs: [ValueID]
    let value: Parameter

    init(_ site: LayerSite) throws(ExecutionError) {
        node = site.node.name
        outputs = site.outputs
        value = try site.required("value")
    }

    var parameters: [Parameter] { [value] }

    func forward(_ context: ForwardContext) {
        context.output(outputs[0]).update(from: value.pointer, count: value.count)
    }

    func backward(_ context: BackwardContext) {
        value.gradientPointer?.update(from: context.outputGradient, count: value.count)
    }
}
