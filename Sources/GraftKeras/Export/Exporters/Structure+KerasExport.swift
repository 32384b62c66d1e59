import GraftCore

// Pooling, Flatten, Reshape, Permute, Crop, Pad, Opaque; LRN and Slice (no Keras layer).

enum PoolingExporter: KerasOpExporter {
    static let kind = OpKind.pooling

    static func export(_ node: Node, _ b: inout KerasExportBuilder) throws(KerasExportError) {
        guard case .pooling(let p) = node.op else { return }
        let x = try b.image(try b.input(node))
        let y = try b.shape(node.outputs[0])
        if p.global {
            let className = p.method == .max ? "GlobalMaxPooling2D" : "GlobalAveragePooling2D"
            // The importer's `<pool>/flatten` after a global pooling without keepdims.
            if let flatten = b.soleConsumer(of: node.outputs[0]), flatten.name == node.name + GlobalPooling.flattenSuffix,
               case .flatten = flatten.op {
                b.absorbed.insert(flatten.name)
                let pooled = b.emit(className, name: node.name, config: [("data_format", .string("channels_last")), ("keepdims", .bool(false))],
                                    inputs: [x], shape: [y[0], y[1]], layout: .keras)
                b.bind(flatten.outputs[0], pooled)
                return
            }
            let pooled = b.emit(className, name: node.name, config: [("data_format", .string("channels_last")), ("keepdims", .bool(true))],
                                inputs: [x], shape: y, layout: .channelsFirst)
            b.bind(node.outputs[0], pooled)
            return
        }
        let size = [x.shape[2], x.shape[3]]
        var input = x
        var padding: KerasPadding
        let pads = p.padBegin + p.padEnd
        if pads.allSatisfy({ $0 == 0 }) {
            padding = .valid
        } else if KerasExportPadding.mode(input: size, kernel: p.kernel, stride: p.stride, dilation: [1, 1],
                                          padBegin: p.padBegin, padEnd: p.padEnd) == .same,
                  p.method == .max || p.averageDivisor == .excludePadding {
            padding = .same
        } else if p.method == .average, p.averageDivisor == .includePadding {
            // Zeros padded in count towards the average, as Caffe's divisor counts them.
            let padded: Shape = [x.shape[0], x.shape[1], size[0] + p.padBegin[0] + p.padEnd[0], size[1] + p.padBegin[1] + p.padEnd[1]]
            input = b.emit("ZeroPadding2D", name: node.name + "_pad",
                           config: [("padding", KerasExportPadding.insets(p.padBegin, p.padEnd)), ("data_format", .string("channels_last"))],
                           inputs: [x], shape: padded, layout: .channelsFirst)
            padding = .valid
        } else {
            throw b.unsupported(node, "\(p.method.rawValue) pooling with pads \(p.padBegin)/\(p.padEnd) (Keras pads only as 'same')")
        }
        // Keras rounds down; a ceil-rounded node must come out the same size.
        let inputSize = [input.shape[2], input.shape[3]]
        for i in 0..<2 {
            let keras = padding == .same ? (inputSize[i] + p.stride[i] - 1) / p.stride[i]
                                         : (inputSize[i] - p.kernel[i]) / p.stride[i] + 1
            guard keras == y[2 + i] else {
                throw b.unsupported(node, "output size \(y[2 + i]) on axis \(2 + i); Keras's \(padding.rawValue) pooling gives \(keras)")
            }
        }
        let pooled = b.emit(p.method == .max ? "MaxPooling2D" : "AveragePooling2D", name: node.name,
                            config: [("pool_size", KerasConfigValue.ints(p.kernel)), ("padding", .string(padding.rawValue)),
                                     ("strides", KerasConfigValue.ints(p.stride)), ("data_format", .string("channels_last"))],
                            inputs: [input], shape: y, layout: .channelsFirst)
        b.bind(node.outputs[0], pooled)
    }
}

enum FlattenExporter: KerasOpExporter {
    static let kind = OpKind.flatten

    static func export(_ node: Node, _ b: inout KerasExportBuilder) throws(KerasExportError) {
        guard case .flatten(let p) = node.op else { return }
        var x = try b.input(node)
        let y = try b.shape(node.outputs[0])
        let rank = x.shape.rank
        guard let first = x.shape.normalizedAxis(p.axis), let last = x.shape.normalizedAxis(p.endAxis) else {
            throw b.unsupported(node, "axes \(p.axis)...\(p.endAxis)")
        }
        if first == last {                                   // nothing merged: the same tensor
            b.bind(node.outputs[0], KerasExportBinding(layer: x.layer, shape: y, layout: x.layout))
            return
        }
        let flatten = [("data_format", JSONValue.string("channels_last"))]
        if first == 1, last == rank - 1 {
            switch (x.layout, p.order) {
            case (.channelsFirst, .channelsFirst):
                let layout: KerasTensorLayout = KerasGraphBuilder.isMemoryOrderPreserved(x.shape.dims, order: [0, 2, 3, 1])
                    ? .keras : .flattenedChannelsFirst(channels: x.shape[1], height: x.shape[2], width: x.shape[3])
                b.bind(node.outputs[0], b.emit("Flatten", name: node.name, config: flatten, inputs: [x], shape: y, layout: layout))
                return
            case (.channelsFirst, .channelsLast):
                b.bind(node.outputs[0], b.emit("Flatten", name: node.name, config: flatten, inputs: [x], shape: y, layout: .keras))
                return
            case (.keras, .channelsLast) where rank == 4:
                x = b.emit("Permute", name: node.name + "_nhwc", config: [("dims", KerasConfigValue.ints([2, 3, 1]))],
                           inputs: [x], shape: [x.shape[0], x.shape[2], x.shape[3], x.shape[1]], layout: .keras)
                b.bind(node.outputs[0], b.emit("Flatten", name: node.name, config: flatten, inputs: [x], shape: y, layout: .keras))
                return
            default:
                x = b.keras(x)
                b.bind(node.outputs[0], b.emit("Flatten", name: node.name, config: flatten, inputs: [x], shape: y, layout: .keras))
                return
            }
        }
        guard p.order == .channelsFirst else { throw b.unsupported(node, "a channels-last flatten of axes \(first)...\(last)") }
        x = b.keras(x)
        b.bind(node.outputs[0], b.emit("Reshape", name: node.name, config: [("target_shape", KerasConfigValue.ints(Array(y.dims.dropFirst())))],
                                       inputs: [x], shape: y, layout: .keras))
    }
}

/// Reshapes act on element order: a reshape that only relabels an image between NCHW and NHWC
/// with unit axes (what the importer writes instead of a Permute) is no layer at all.
enum ReshapeExporter: KerasOpExporter {
    static let kind = OpKind.reshape

    static func export(_ node: Node, _ b: inout KerasExportBuilder) throws(KerasExportError) {
        var x = try b.input(node)
        let y = try b.shape(node.outputs[0])
        guard y[0] == x.shape[0] else { throw b.unsupported(node, "a reshape that changes the batch (\(x.shape) → \(y))") }
        let s = x.shape
        if x.layout == .channelsFirst, y == [s[0], s[2], s[3], s[1]], KerasGraphBuilder.isMemoryOrderPreserved(s.dims, order: [0, 2, 3, 1]) {
            b.bind(node.outputs[0], KerasExportBinding(layer: x.layer, shape: y, layout: .keras))
            return
        }
        if x.layout == .keras, s.rank == 4, y == [s[0], s[3], s[1], s[2]],
           KerasGraphBuilder.isMemoryOrderPreserved(s.dims, order: [0, 3, 1, 2]) {
            b.bind(node.outputs[0], KerasExportBinding(layer: x.layer, shape: y, layout: .channelsFirst))
            return
        }
        switch x.layout {
        case .keras: break
        case .channelsFirst where KerasGraphBuilder.isMemoryOrderPreserved(s.dims, order: [0, 2, 3, 1]): break
        default: x = b.keras(x)
        }
        b.bind(node.outputs[0], b.emit("Reshape", name: node.name, config: [("target_shape", KerasConfigValue.ints(Array(y.dims.dropFirst())))],
                                       inputs: [x], shape: y, layout: .keras))
    }
}

enum PermuteExporter: KerasOpExporter {
    static let kind = OpKind.permute

    static func export(_ node: Node, _ b: inout KerasExportBuilder) throws(KerasExportError) {
        guard case .permute(let p) = node.op else { return }
        // The first Permute of a BatchNorm over another axis: written with the BatchNorm.
        if let bn = b.soleConsumer(of: node.outputs[0]), case .batchNorm = bn.op,
           BatchNormExporter.permutedPattern(bn, b)?.before.name == node.name { return }
        var x = try b.input(node)
        let y = try b.shape(node.outputs[0])
        if x.layout == .channelsFirst, p.order == [0, 2, 3, 1] {
            b.bind(node.outputs[0], KerasExportBinding(layer: x.layer, shape: y, layout: .keras))
            return
        }
        if x.layout == .keras, x.shape.rank == 4, p.order == [0, 3, 1, 2] {
            b.bind(node.outputs[0], KerasExportBinding(layer: x.layer, shape: y, layout: .channelsFirst))
            return
        }
        guard p.order.first == 0 else { throw b.unsupported(node, "a permutation \(p.order) that moves the batch axis") }
        x = b.keras(x)
        b.bind(node.outputs[0], b.emit("Permute", name: node.name, config: [("dims", KerasConfigValue.ints(Array(p.order.dropFirst())))],
                                       inputs: [x], shape: y, layout: .keras))
    }
}

enum CropExporter: KerasOpExporter {
    static let kind = OpKind.crop

    static func export(_ node: Node, _ b: inout KerasExportBuilder) throws(KerasExportError) {
        guard case .crop(let p) = node.op else { return }
        let x = try b.input(node)
        let y = try b.shape(node.outputs[0])
        guard x.shape.rank == 4, let axis = x.shape.normalizedAxis(p.axis), axis >= 1 else {
            throw b.unsupported(node, "a crop of a \(x.shape.rank)-D tensor from axis \(p.axis)")
        }
        func offset(_ dim: Int) -> Int {
            guard dim >= axis else { return 0 }
            return p.offsets.count == 1 ? p.offsets[0] : p.offsets[dim - axis]
        }
        guard (0..<2).allSatisfy({ y[$0] == x.shape[$0] && offset($0) == 0 }) else {
            throw b.unsupported(node, "a crop of the batch or channel axis")
        }
        let begin = [offset(2), offset(3)]
        let end = [x.shape[2] - begin[0] - y[2], x.shape[3] - begin[1] - y[3]]
        let image = try b.image(x)
        b.bind(node.outputs[0], b.emit("Cropping2D", name: node.name,
                                       config: [("cropping", KerasExportPadding.insets(begin, end)), ("data_format", .string("channels_last"))],
                                       inputs: [image], shape: y, layout: .channelsFirst))
    }
}

enum PadExporter: KerasOpExporter {
    static let kind = OpKind.pad

    static func export(_ node: Node, _ b: inout KerasExportBuilder) throws(KerasExportError) {
        guard case .pad(let p) = node.op else { return }
        guard p.value == 0 else { throw b.unsupported(node, "padding with \(p.value) (ZeroPadding2D pads with 0)") }
        let x = try b.image(try b.input(node))
        b.bind(node.outputs[0], b.emit("ZeroPadding2D", name: node.name,
                                       config: [("padding", KerasExportPadding.insets(p.padBegin, p.padEnd)), ("data_format", .string("channels_last"))],
                                       inputs: [x], shape: try b.shape(node.outputs[0]), layout: .channelsFirst))
    }
}

/// Keras has no layer that outputs a stored tensor without an input.
enum ConstantExporter: KerasOpExporter {
    static let kind = OpKind.constant

    static func export(_ node: Node, _ b: inout KerasExportBuilder) throws(KerasExportError) {
        throw b.unsupported(node, "a stored constant tensor; Keras has no layer without an input that outputs one")
    }
}

/// An opaque Keras layer carried through Graft is written back verbatim: its class, its config
/// and its weights, reading Keras-ordered tensors as it did.
enum OpaqueExporter: KerasOpExporter {
    static let kind = OpKind.opaque

    static func export(_ node: Node, _ b: inout KerasExportBuilder) throws(KerasExportError) {
        guard case .opaque(let o) = node.op else { return }
        guard o.framework == "keras" else { throw b.unsupported(node, "an opaque \(o.framework) layer '\(o.type)'") }
        guard node.outputs.count == 1 else { throw b.unsupported(node, "an opaque layer with \(node.outputs.count) outputs") }
        guard let config = try? StrictJSON.parse(Array(o.rawParameters.utf8), maxDepth: 256), let members = config.objectValue,
              config["graft_note"] == nil else {
            throw b.unsupported(node, "the Keras config of this '\(o.type)' layer was not kept")
        }
        var inputs: [KerasExportBinding] = []
        for i in node.inputs.indices { inputs.append(b.keras(try b.input(node, i))) }
        var weights: [KerasExportLayer.Weight] = []
        for spec in node.parameters {
            let tensor = try b.weight(node, spec.name)
            weights.append(.init(name: spec.name, shape: tensor.shape.dims, values: tensor.scalars))
        }
        let shape = try b.shape(node.outputs[0])
        let fields = members.filter { !["name", "trainable"].contains($0.key) }
        b.bind(node.outputs[0], b.emit(o.type, name: node.name, config: fields, inputs: inputs, weights: weights,
                                       trainable: b.isTrainable([node]), shape: shape, layout: .keras, verbatim: true))
    }
}

enum LRNExporter: KerasOpExporter {
    static let kind = OpKind.lrn

    static func export(_ node: Node, _ b: inout KerasExportBuilder) throws(KerasExportError) {
        throw b.unsupported(node, "Keras has no local response normalization layer")
    }
}

enum SliceExporter: KerasOpExporter {
    static let kind = OpKind.slice

    static func export(_ node: Node, _ b: inout KerasExportBuilder) throws(KerasExportError) {
        throw b.unsupported(node, "Keras has no layer that splits a tensor into several outputs")
    }
}
