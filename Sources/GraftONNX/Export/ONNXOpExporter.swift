import GraftCore

/// Writes one kind of Graft operation as standard ONNX operators. One conforming type per
/// ``OpKind``, registered in ``ONNXOpExporters/all`` (a test checks completeness); the kind
/// ONNX cannot express (opaque layers) has an exporter that explains why.
protocol ONNXOpExporter: Sendable {
    static var kind: OpKind { get }
    /// Emits the ONNX nodes computing `node`, writing its output values under their Graft names
    /// (and those of nodes it absorbs).
    static func export(_ node: Node, _ builder: inout ONNXExportBuilder) throws(ONNXError)
}

/// The registry: one exporter per ``OpKind``.
enum ONNXOpExporters {
    static let all: [any ONNXOpExporter.Type] = [
        ConvolutionONNXExporter.self, DeconvolutionONNXExporter.self, InnerProductONNXExporter.self,
        PoolingONNXExporter.self, LRNONNXExporter.self, BatchNormONNXExporter.self, LayerNormONNXExporter.self, L2NormONNXExporter.self,
        ScaleONNXExporter.self, BiasONNXExporter.self, ReLUONNXExporter.self, PReLUONNXExporter.self,
        ActivationONNXExporter.self, PowerONNXExporter.self, SoftmaxONNXExporter.self, ConcatONNXExporter.self,
        EltwiseONNXExporter.self, FlattenONNXExporter.self, ReshapeONNXExporter.self, PermuteONNXExporter.self,
        DropoutONNXExporter.self, CropONNXExporter.self, SliceONNXExporter.self, PadONNXExporter.self,
        ConstantONNXExporter.self, OpaqueONNXExporter.self,
    ]

    static let byKind: [OpKind: any ONNXOpExporter.Type] =
        Dictionary(all.map { ($0.kind, $0) }, uniquingKeysWith: { first, _ in first })
}
