import GraftCore

/// What a mapper sees of the layer call it converts.
struct KerasMappingContext: Sendable {
    let layer: KerasLayer
    /// The name for the call's main node (the layer's name; `name_1`, ... for further calls of a
    /// shared layer).
    let name: String
    let inputs: [KerasTensorBinding]
    /// The call's operands in order, for operations (``KerasInboundNode/arguments``).
    var arguments: [KerasCallArgument] = []
    /// The major Keras version that wrote the model (nil: not recorded).
    let kerasMajorVersion: Int?
    /// Flip convolution kernels spatially (the weights come from Theano).
    let flipKernels: Bool
    /// Whether everything reading this call's output ends in Dense layers (through element-wise
    /// layers only) and none of it is a model output: a Flatten may then keep Graft's channel-major
    /// order and let the Dense layers permute their rows.
    var outputFeedsOnlyDense = false

    /// The only input of a single-input layer.
    func singleInput() throws(KerasMappingFailure) -> KerasTensorBinding {
        guard inputs.count == 1 else { throw .invalid("expects one input, is called on \(inputs.count)") }
        return inputs[0]
    }

    /// The weight with role `name`. The loader already checked it against the config; a model
    /// built or changed in code is checked here too: positive dimensions whose product is the
    /// value count, and the `expected` pattern (nil entries: any size).
    func weight(_ name: String, expected: [Int?]? = nil) throws(KerasMappingFailure) -> KerasWeight {
        guard let weight = layer.weight(named: name) else {
            throw .invalid("has no weight '\(name)' (weights: \(layer.weights.map(\.name)))")
        }
        guard weight.shape.dims.allSatisfy({ $0 >= 1 }), weight.shape.checkedElementCount == weight.values.count else {
            throw .invalid("weight '\(name)' has shape \(weight.shape) but \(weight.values.count) values")
        }
        if let expected {
            guard expected.count == weight.shape.rank,
                  zip(expected, weight.shape.dims).allSatisfy({ $0 == nil || $0 == $1 }) else {
                let text = "[" + expected.map { $0.map(String.init) ?? "?" }.joined(separator: ", ") + "]"
                throw .invalid("weight '\(name)' has shape \(weight.shape.dims), the config implies \(text)")
            }
        }
        return weight
    }

    /// Kernel sizes, strides and dilations must be positive before any arithmetic uses them.
    func checkSpatial(_ sizes: [(String, KerasSize2D)]) throws(KerasMappingFailure) {
        for (field, size) in sizes where size.height < 1 || size.width < 1 {
            throw .invalid("\(field) \(size) must be positive")
        }
    }

    /// A weight as a 1-D tensor of `count` values (biases, batch-norm statistics).
    func vector(_ name: String, count: Int? = nil) throws(KerasMappingFailure) -> Tensor {
        let w = try weight(name)
        guard w.shape.rank <= 1 || w.shape.dims.filter({ $0 != 1 }).count <= 1 else {
            throw .invalid("weight '\(name)' has shape \(w.shape), expected a vector")
        }
        if let count, w.values.count != count {
            throw .invalid("weight '\(name)' has \(w.values.count) values, expected \(count)")
        }
        return Tensor(shape: [w.values.count], scalars: w.values)
    }

    /// The failure for a configuration case that does not belong to the mapper's class (a
    /// registry bug, reported rather than trapped).
    var wrongConfiguration: KerasMappingFailure {
        .invalid("configuration \(layer.configuration) does not match class \(layer.className)")
    }
}

/// Converts one Keras layer class into Graft nodes. One conforming type per
/// ``KerasLayerClass``, registered in ``KerasLayerMappers/all`` (a test checks completeness).
protocol KerasLayerMapper: Sendable {
    static var layerClass: KerasLayerClass { get }
    /// Adds the nodes computing one call of the layer and returns the binding of its output.
    static func map(_ context: KerasMappingContext,
                    _ graph: inout KerasGraphBuilder) throws(KerasMappingFailure) -> KerasTensorBinding
}

/// The registry: one mapper per ``KerasLayerClass``.
enum KerasLayerMappers {
    static let all: [any KerasLayerMapper.Type] = [
        InputLayerMapper.self, Conv2DMapper.self, DepthwiseConv2DMapper.self, SeparableConv2DMapper.self,
        Conv2DTransposeMapper.self, DenseMapper.self, FlattenMapper.self, BatchNormalizationMapper.self,
        ActivationMapper.self, ReLUMapper.self, LeakyReLUMapper.self, PReLUMapper.self, ELUMapper.self,
        SoftmaxMapper.self, MaxPooling2DMapper.self, AveragePooling2DMapper.self, GlobalAveragePooling2DMapper.self,
        GlobalMaxPooling2DMapper.self, ZeroPadding2DMapper.self, Cropping2DMapper.self, AddMapper.self,
        MultiplyMapper.self, SubtractMapper.self, MaximumMapper.self, AverageMapper.self, PermuteMapper.self, ConcatenateMapper.self, DropoutMapper.self, ReshapeMapper.self,
        RescalingMapper.self, NormalizationMapper.self, LayerNormalizationMapper.self, LayerScaleMapper.self,
        CustomScaleMapper.self,
    ]

    static let byClass: [KerasLayerClass: any KerasLayerMapper.Type] =
        Dictionary(all.map { ($0.layerClass, $0) }, uniquingKeysWith: { first, _ in first })
}
