import GraftCore

/// Writes one kind of Graft operation as Caffe layers: the reverse of a ``CaffeLayerMapper``.
/// One conforming type per ``OpKind``, registered in ``CaffeOpExporters/all`` (a test checks
/// completeness); kinds without a Caffe layer have an exporter that explains why.
protocol CaffeOpExporter: Sendable {
    static var kind: OpKind { get }
    /// The layer(s) for `export.node` (BatchNorm with its own scale and shift becomes BatchNorm +
    /// Scale), and notes for the user.
    static func export(_ export: CaffeLayerExport) throws(CaffeExportError) -> CaffeLayerExport.Layers
}

/// The registry: one exporter per ``OpKind``.
enum CaffeOpExporters {
    static let all: [any CaffeOpExporter.Type] = [
        ConvolutionCaffeExporter.self, DeconvolutionCaffeExporter.self, InnerProductCaffeExporter.self,
        PoolingCaffeExporter.self, LRNCaffeExporter.self, BatchNormCaffeExporter.self, LayerNormCaffeExporter.self,
        L2NormCaffeExporter.self, ScaleCaffeExporter.self, BiasCaffeExporter.self, ReLUCaffeExporter.self,
        PReLUCaffeExporter.self, ActivationCaffeExporter.self, PowerCaffeExporter.self, SoftmaxCaffeExporter.self,
        ConcatCaffeExporter.self, EltwiseCaffeExporter.self, FlattenCaffeExporter.self, ReshapeCaffeExporter.self,
        PermuteCaffeExporter.self, DropoutCaffeExporter.self, CropCaffeExporter.self, SliceCaffeExporter.self,
        PadCaffeExporter.self, ConstantCaffeExporter.self, OpaqueCaffeExporter.self,
    ]

    static let byKind: [OpKind: any CaffeOpExporter.Type] =
        Dictionary(all.map { ($0.kind, $0) }, uniquingKeysWith: { first, _ in first })
}
