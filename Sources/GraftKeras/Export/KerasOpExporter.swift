import GraftCore

/// Writes one kind of Graft operation as Keras layers. One conforming type per ``OpKind``,
/// registered in ``KerasOpExporters/all`` (a test checks completeness); kinds without a Keras
/// counterpart have an exporter that explains why.
protocol KerasOpExporter: Sendable {
    static var kind: OpKind { get }
    /// Emits the layers computing `node` and binds its outputs (and those of nodes it absorbs).
    static func export(_ node: Node, _ builder: inout KerasExportBuilder) throws(KerasExportError)
}

/// The registry: one exporter per ``OpKind``.
enum KerasOpExporters {
    static let all: [any KerasOpExporter.Type] = [
        ConvolutionExporter.self, DeconvolutionExporter.self, InnerProductExporter.self, PoolingExporter.self,
        LRNExporter.self, BatchNormExporter.self, LayerNormExporter.self, L2NormExporter.self, ScaleExporter.self, BiasExporter.self, ReLUExporter.self,
        PReLUExporter.self, ActivationExporter.self, PowerExporter.self, SoftmaxExporter.self, ConcatExporter.self,
        EltwiseExporter.self, FlattenExporter.self, ReshapeExporter.self, PermuteExporter.self, DropoutExporter.self,
        CropExporter.self, SliceExporter.self, PadExporter.self, ConstantExporter.self, OpaqueExporter.self,
    ]

    static let byKind: [OpKind: any KerasOpExporter.Type] =
        Dictionary(all.map { ($0.kind, $0) }, uniquingKeysWith: { first, _ in first })
}

extension KerasExportBuilder {
    /// The error for a setting Keras has no layer for.
    func unsupported(_ node: Node, _ reason: String) -> KerasExportError {
        .noKerasEquivalent(node: node.name, op: node.op.displayName, reason: reason)
    }

    /// The Keras activation name for an activation node fused after `host` (a node the importer
    /// named `<host>/<activation>`), when the target Keras reads that name with the same meaning.
    func fusableActivation(after host: Node, output: KerasExportBinding) -> (node: Node, name: String)? {
        guard let next = soleConsumer(of: host.outputs[0]), next.name.hasPrefix(host.name + "/"), next.inputs.count == 1 else {
            return nil
        }
        let keras3 = format == .keras3Weights
        let name: String? = switch next.op {
        case .relu(let r) where r == ReLU(): "relu"
        case .relu(let r) where r == ReLU(maxValue: 6) && keras3: "relu6"
        case .relu(let r) where r == ReLU(negativeSlope: 0.2) && keras3: "leaky_relu"
        case .activation(.sigmoid): "sigmoid"
        case .activation(.tanh): "tanh"
        case .activation(.selu): "selu"
        case .activation(.softplus): "softplus"
        case .activation(.swish): "swish"
        case .activation(.elu(let alpha)) where alpha == 1: "elu"
        case .activation(.hardSigmoidOneSixth) where keras3: "hard_sigmoid"
        case .activation(.hardSwish) where keras3: "hard_silu"
        case .activation(.gelu(approximate: false)): "gelu"
        case .softmax(let s) where output.isLastKerasAxis(s.axis): "softmax"
        default: nil
        }
        return name.map { (next, $0) }
    }

    /// Emits `className` with an `activation` field, fusing the activation node that follows
    /// `host` when possible, and binds the output(s).
    mutating func emitWithActivation(_ className: String, host: Node, config: [(key: String, value: JSONValue)],
                                     inputs: [KerasExportBinding], weights: [KerasExportLayer.Weight], trainable: Bool,
                                     shape: Shape, layout: KerasTensorLayout) {
        let provisional = KerasExportBinding(layer: "", shape: shape, layout: layout)
        var config = config
        let fused = fusableActivation(after: host, output: provisional)
        config.append(("activation", .string(fused?.name ?? "linear")))
        if let fused { absorbed.insert(fused.node.name) }
        let output = emit(className, name: host.name, config: config, inputs: inputs, weights: weights,
                          trainable: trainable, shape: shape, layout: layout)
        bind(host.outputs[0], output)
        if let fused { bind(fused.node.outputs[0], output) }
    }
}

/// Keras `valid`/`same` for per-side pads, or nil when neither produces them.
enum KerasExportPadding {
    static func mode(input: [Int], kernel: [Int], stride: [Int], dilation: [Int], padBegin: [Int],
                     padEnd: [Int]) -> KerasPadding? {
        if padBegin.allSatisfy({ $0 == 0 }) && padEnd.allSatisfy({ $0 == 0 }) { return .valid }
        for i in 0..<2 {
            let same = TensorFlowPadding.same(input: input[i], kernel: kernel[i], stride: stride[i], dilation: dilation[i])
            guard same.begin == padBegin[i], same.end == padEnd[i] else { return nil }
        }
        return .same
    }

    /// The pads as a ZeroPadding2D config value `[[top, bottom], [left, right]]`.
    static func insets(_ begin: [Int], _ end: [Int]) -> JSONValue {
        .array([KerasConfigValue.ints([begin[0], end[0]]), KerasConfigValue.ints([begin[1], end[1]])])
    }
}
