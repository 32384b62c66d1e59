import GraftCore

// Keras 3 operations and tf.keras TFOpLambda calls → Power, ReLU, Eltwise.

/// Arithmetic recorded as a node of its own (`x + 3.0`, `x * (1 / 6)`, `tf.nn.relu6(x)`; the
/// hard sigmoid of MobileNetV3 is `ReLU(6)(x + 3) * (1 / 6)`). A tensor with a constant becomes
/// a ``Power`` (`shift + scale · x`), two tensors an ``Eltwise`` (broadcasting), `relu6` a capped
/// ``ReLU``. What has no such form (a constant divided by a tensor, the minimum of a tensor and a
/// constant) stays opaque with a warning.
enum OperationMapper {
    static func map(_ context: KerasMappingContext, _ operation: KerasOperation,
                    _ graph: inout KerasGraphBuilder) throws(KerasMappingFailure) -> KerasTensorBinding {
        guard let function = operation.function else {
            throw .unsupported("operation '\(operation.recordedName)' is not one Graft computes", preservesShape: false)
        }
        let arguments = context.arguments.isEmpty
            ? [KerasCallArgument](repeating: .tensor, count: context.inputs.count) : context.arguments
        let tensors = arguments.filter { $0 == .tensor }.count
        guard tensors == context.inputs.count, tensors >= 1, !arguments.contains(.other) else {
            throw .unsupported("operation '\(operation.recordedName)' is called on operands Graft cannot read: \(arguments)",
                               preservesShape: false)
        }
        func unsupported(_ why: String) -> KerasMappingFailure {
            .unsupported("operation '\(operation.recordedName)' \(why)", preservesShape: false)
        }
        func affine(_ scale: Float, _ shift: Float) throws(KerasMappingFailure) -> KerasTensorBinding {
            let x = context.inputs[0]
            return try graph.bind(context.name, .power(Power(power: 1, scale: scale, shift: shift)), inputs: [x.value],
                                  layout: x.layout)
        }

        switch (function, arguments.count, tensors) {
        case (.relu6, 1, 1):
            let x = context.inputs[0]
            return try graph.bind(context.name, .relu(ReLU(maxValue: 6)), inputs: [x.value], layout: x.layout)
        case (.negative, 1, 1):
            return try affine(-1, 0)
        case (_, 2, 2):
            switch function {
            case .add: return try eltwise(.sum, context, &graph)
            case .subtract: return try eltwise(.sum, coefficients: { _ in [1, -1] }, context, &graph)
            case .multiply: return try eltwise(.product, context, &graph)
            case .maximum: return try eltwise(.max, context, &graph)
            default: throw unsupported("of two tensors has no Graft equivalent")
            }
        case (_, 2, 1):
            let constantFirst = arguments[0] != .tensor
            guard case .number(let value) = constantFirst ? arguments[0] : arguments[1] else { throw unsupported("has no constant") }
            let c = Float(value)
            switch function {
            case .add: return try affine(1, c)
            case .subtract: return constantFirst ? try affine(-1, c) : try affine(1, -c)
            case .multiply: return try affine(c, 0)
            case .divide:
                guard !constantFirst else { throw unsupported("divides a constant by a tensor") }
                guard c != 0, (1 / c).isFinite else { throw unsupported("divides by zero") }
                return try affine(1 / c, 0)
            case .maximum where c == 0:
                let x = context.inputs[0]
                return try graph.bind(context.name, .relu(ReLU()), inputs: [x.value], layout: x.layout)
            default: throw unsupported("of a tensor and a constant has no Graft equivalent")
            }
        default:
            throw unsupported("is called on \(arguments.count) operand(s)")
        }
    }
}
