import GraftCore

/// Maps one ONNX operator type to Graft. One conforming type per operator, registered in
/// ``ONNXMappers/all``; ONNX spellings and opset differences stay inside these types.
protocol ONNXOpMapper: Sendable {
    static var opType: String { get }
    /// Evaluates the node at import time when every input is a constant; nil when it cannot
    /// (the node is then mapped).
    static func fold(_ node: ONNXNodeContext, _ inputs: [ONNXConstant?]) throws(ONNXError) -> [ONNXConstant]?
    /// True for operators Graft evaluates only on constants (Shape, Gather, Cast...): with a
    /// computed input they stay opaque.
    static var foldsOnly: Bool { get }
    /// Adds the Graft nodes computing the node and binds its outputs.
    static func map(_ node: ONNXNodeContext) throws(ONNXError)
}

extension ONNXOpMapper {
    static func fold(_ node: ONNXNodeContext, _ inputs: [ONNXConstant?]) throws(ONNXError) -> [ONNXConstant]? { nil }
    static var foldsOnly: Bool { false }
    static func map(_ node: ONNXNodeContext) throws(ONNXError) {
        throw node.unsupported("\(opType) is imported only when its inputs are constants")
    }
}

/// The registry: one mapper per ONNX operator type.
enum ONNXMappers {
    static let all: [any ONNXOpMapper.Type] = [
        // Convolution and dense
        ConvMapper.self, ConvTransposeMapper.self, GemmMapper.self, MatMulMapper.self,
        // Pooling and normalisation
        MaxPoolMapper.self, AveragePoolMapper.self, GlobalAveragePoolMapper.self, GlobalMaxPoolMapper.self,
        ReduceMeanMapper.self, ReduceMaxMapper.self,
        LRNMapper.self, BatchNormalizationMapper.self, InstanceNormalizationMapper.self, LayerNormalizationMapper.self,
        // Activations
        ReluMapper.self, LeakyReluMapper.self, PReluMapper.self, ClipMapper.self, EluMapper.self, SeluMapper.self,
        SigmoidMapper.self, TanhMapper.self, HardSigmoidMapper.self, HardSwishMapper.self, SoftplusMapper.self,
        GeluMapper.self, SoftmaxMapper.self,
        // Arithmetic
        AddMapper.self, SubMapper.self, MulMapper.self, DivMapper.self, MaxMapper.self, MinMapper.self,
        SumMapper.self, MeanMapper.self, NegMapper.self, PowMapper.self, ReciprocalMapper.self,
        // Structure
        ConcatMapper.self, FlattenMapper.self, ReshapeMapper.self, TransposeMapper.self, SqueezeMapper.self,
        UnsqueezeMapper.self, DropoutMapper.self, IdentityMapper.self, PadMapper.self, SplitMapper.self,
        SliceMapper.self, UpsampleMapper.self, ResizeMapper.self,
        // Constants and shape arithmetic (folded at import)
        ConstantMapper.self, ConstantOfShapeMapper.self, ShapeMapper.self, GatherMapper.self, CastMapper.self,
        SqrtMapper.self, FloorMapper.self, CeilMapper.self,
    ]

    static let byType: [String: any ONNXOpMapper.Type] =
        Dictionary(all.map { ($0.opType, $0) }, uniquingKeysWith: { first, _ in first })
}

/// What a mapper sees of one node: the node, its Graft name, the opset, its inputs as operands,
/// and the builder to add Graft nodes to.
final class ONNXNodeContext {
    let node: ONNXNode
    /// The Graft node name: the ONNX name, or `<OpType>_<index>` for an unnamed node.
    let name: String
    unowned let builder: ONNXGraphBuilder
    var opset: Int { builder.opset }
    private var suffixes = 0

    init(node: ONNXNode, name: String, builder: ONNXGraphBuilder) {
        self.node = node
        self.name = name
        self.builder = builder
    }

    // MARK: Errors

    func unsupported(_ reason: String) -> ONNXError { .unsupported(file: builder.file, node: name, reason: reason) }
    func invalid(_ reason: String) -> ONNXError { .invalidGraph(file: builder.file, node: name, reason: reason) }
    func invalidAttribute(_ attribute: String, _ reason: String) -> ONNXError {
        .invalidAttribute(file: builder.file, node: name, attribute: attribute, reason: reason)
    }
    func warn(_ message: String) throws(ONNXError) {
        if builder.options.strict { throw unsupported("\(message) (strict import)") }
        builder.warn("node '\(name)' (\(node.opType)): \(message)")
    }

    // MARK: Inputs

    var inputCount: Int { node.inputs.count }

    /// Input `i` as an operand, nil when absent (omitted optional input).
    func operand(_ i: Int) -> ONNXOperand? {
        guard i < node.inputs.count, !node.inputs[i].isEmpty else { return nil }
        return builder.operands[node.inputs[i]]
    }

    func isConstant(_ i: Int) -> Bool { if case .constant? = operand(i) { true } else { false } }

    /// Input `i` as a Graft value and its shape; a constant is materialised as a Constant node.
    func value(_ i: Int) throws(ONNXError) -> (name: String, shape: Shape) {
        switch operand(i) {
        case .value(let v)?:
            guard let shape = builder.shapes[v] ?? nil else { throw unsupported("the shape of input '\(v)' is unknown") }
            return (v, shape)
        case .constant(let c)?:
            let v = try builder.materialize(c, onnxName: node.inputs[i])
            return (v, builder.shapes[v]!!)
        case nil: throw invalid("input \(i) is missing")
        }
    }

    /// Input `i`, which must be known at import time (`what` names it in the error).
    func constant(_ i: Int, _ what: String) throws(ONNXError) -> ONNXConstant {
        switch operand(i) {
        case .constant(let c)?: return c
        case .value?: throw unsupported("\(what) (input \(i)) must be an initializer or a constant; Graft does not compute it at run time")
        case nil: throw invalid("\(what) (input \(i)) is missing")
        }
    }

    func optionalConstant(_ i: Int, _ what: String) throws(ONNXError) -> ONNXConstant? {
        operand(i) == nil ? nil : try constant(i, what)
    }

    func integers(_ i: Int, _ what: String) throws(ONNXError) -> [Int]? {
        guard let c = try optionalConstant(i, what) else { return nil }
        guard let v = c.integers else { throw unsupported("\(what) holds non-integer values") }
        return v.map { Int(clamping: $0) }
    }

    /// Refuses a constant result of `dims` larger than the import's limit, before it is made.
    func checkConstantSize(_ dims: [Int]) throws(ONNXError) {
        guard let count = ONNXShapes.product(dims), count <= builder.options.maxConstantElements else {
            throw unsupported("a constant of dims \(dims) exceeds the limit of \(builder.options.maxConstantElements) elements")
        }
    }

    // MARK: Attributes

    /// Integer attributes beyond this are refused: no real kernel, stride, pad or axis comes
    /// near, and the size arithmetic built on them then cannot overflow.
    static let attributeLimit: Int64 = 1 << 30

    func int(_ name: String) throws(ONNXError) -> Int? {
        switch node.attribute(name) {
        case nil: return nil
        case .int(let v)?:
            guard (-Self.attributeLimit...Self.attributeLimit).contains(v) else { throw invalidAttribute(name, "\(v) is out of range") }
            return Int(v)
        default: throw invalidAttribute(name, "must be an integer")
        }
    }

    func int(_ name: String, default value: Int) throws(ONNXError) -> Int { try int(name) ?? value }

    func ints(_ name: String) throws(ONNXError) -> [Int]? {
        switch node.attribute(name) {
        case nil: return nil
        case .ints(let v)?:
            guard v.allSatisfy({ (-Self.attributeLimit...Self.attributeLimit).contains($0) }) else { throw invalidAttribute(name, "\(v) holds a value out of range") }
            return v.map { Int($0) }
        case .int(let v)?:
            guard (-Self.attributeLimit...Self.attributeLimit).contains(v) else { throw invalidAttribute(name, "\(v) is out of range") }
            return [Int(v)]
        default: throw invalidAttribute(name, "must be a list of integers")
        }
    }

    func float(_ name: String, default value: Float) throws(ONNXError) -> Float {
        switch node.attribute(name) {
        case nil: return value
        case .float(let v)?: return v
        case .int(let v)?: return Float(v)
        default: throw invalidAttribute(name, "must be a float")
        }
    }

    func floats(_ name: String) throws(ONNXError) -> [Float]? {
        switch node.attribute(name) {
        case nil: return nil
        case .floats(let v)?: return v
        case .float(let v)?: return [v]
        default: throw invalidAttribute(name, "must be a list of floats")
        }
    }

    func string(_ name: String, default value: String) throws(ONNXError) -> String {
        switch node.attribute(name) {
        case nil: return value
        case .string(let v)?: return String(decoding: v, as: UTF8.self)
        default: throw invalidAttribute(name, "must be a string")
        }
    }

    /// An axis resolved against `rank` (negative counts from the end).
    func axis(_ axis: Int, rank: Int, _ what: String = "axis") throws(ONNXError) -> Int {
        let a = axis < 0 ? axis + rank : axis
        guard (0..<rank).contains(a) else { throw invalidAttribute(what, "\(axis) is out of range for rank \(rank)") }
        return a
    }

    // MARK: Outputs

    /// Adds one Graft node. The last node of a mapping (`suffix` nil) is named after the ONNX node
    /// and writes its output 0; helper nodes are named `<node>/<suffix>`.
    @discardableResult
    func emit(_ op: Op, inputs: [String], parameters: [(String, Tensor)] = [], suffix: String? = nil) throws(ONNXError) -> (name: String, shape: Shape) {
        let nodeName = suffix.map { "\(name)/\($0)" } ?? name
        let output = builder.uniqueValue(suffix == nil ? node.outputs[0] : nodeName)
        let shapes = try builder.append(name: nodeName, op: op, inputs: inputs, outputs: [output], parameters: parameters, onnxNode: name)
        if suffix == nil { builder.operands[node.outputs[0]] = .value(output) }
        return (output, shapes[0])
    }

    /// Adds a node with several outputs, bound to the ONNX node's outputs in order.
    func emitMany(_ op: Op, inputs: [String]) throws(ONNXError) {
        let outputs = node.outputs.map { builder.uniqueValue($0.isEmpty ? "\(name)/unused" : $0) }
        _ = try builder.append(name: name, op: op, inputs: inputs, outputs: outputs, parameters: [], onnxNode: name)
        for (onnxName, value) in zip(node.outputs, outputs) where !onnxName.isEmpty { builder.operands[onnxName] = .value(value) }
    }

    /// Output `i` is an existing Graft value or constant (identity, folded results).
    func bind(_ i: Int = 0, _ operand: ONNXOperand) {
        guard i < node.outputs.count, !node.outputs[i].isEmpty else { return }
        builder.operands[node.outputs[i]] = operand
    }

    /// Refuses a node whose outputs beyond `count` (training statistics, masks, indices) are read.
    func ignoreOutputs(beyond count: Int, _ why: String) throws(ONNXError) {
        let extra = node.outputs.dropFirst(count).filter { !$0.isEmpty && builder.consumed.contains($0) }
        guard !extra.isEmpty else { return }
        throw unsupported("output(s) \(extra.joined(separator: ", ")) are read by the graph but not imported: \(why)")
    }
}
