import GraftCore

/// One blob a layer needs: the Graft parameter it becomes (or feeds), its shape as Caffe stores it,
/// and the filler Caffe would initialise it with (used when a net comes without weights).
struct CaffeBlobRequirement: Equatable, Sendable {
    /// What the blob holds: named in errors, and what ``CaffeWeightInit/scaled`` draws it as.
    enum Role: String, Sendable {
        case weight, bias, mean, variance, factor = "moving average factor", scale, slope
    }

    var role: Role
    var shape: [Int]
    var filler: CaffeParam.Filler

    init(_ role: Role, _ shape: [Int], filler: CaffeParam.Filler?, default fallback: CaffeParam.Filler = .caffeDefault) {
        self.role = role
        self.shape = shape
        self.filler = filler ?? fallback
    }
}

/// What a mapper sees of one layer: the layer, the file it came from (for errors) and the shapes
/// of its bottoms.
struct CaffeLayerContext: Sendable {
    let layer: CaffeLayer
    let file: String
    let inputShapes: [Shape]

    var input: Shape { inputShapes[0] }

    func invalid(_ reason: String) -> CaffeImportError {
        .invalidLayer(file: file, layer: layer.name, reason: reason)
    }

    /// Resolves a Caffe axis (negative counts from the end) against the first bottom.
    func axis(_ axis: Int, of shape: Shape? = nil, field: String) throws(CaffeImportError) -> Int {
        let x = shape ?? input
        guard let a = x.normalizedAxis(axis) else { throw invalid("\(field) \(axis) is out of range for input \(x)") }
        return a
    }

    func requireBottoms(_ range: ClosedRange<Int>) throws(CaffeImportError) {
        guard range.contains(inputShapes.count) else {
            let expected = range.lowerBound == range.upperBound ? "\(range.lowerBound)" :
                (range.upperBound == Int.max ? "at least \(range.lowerBound)" : "\(range.lowerBound) to \(range.upperBound)")
            throw invalid("has \(inputShapes.count) bottom(s), expected \(expected)")
        }
    }
}

/// A Graft parameter made from a layer's blobs; `blob` is the Caffe blob index it came from, so
/// the blob's `lr_mult`/`decay_mult` follow it into the training metadata.
struct CaffeMappedParameter: Sendable {
    var name: String
    var tensor: Tensor
    var blob: Int?
}

/// What one Caffe layer becomes.
enum CaffeMapping: Sendable {
    /// One Graft node.
    case node(Op, parameters: [CaffeMappedParameter], warnings: [String])
    /// No node: every top is the bottom's value (Split).
    case passThrough
    /// No node and no value: the layer only declares graph inputs (Input).
    case declaration
    /// Several parameterless nodes, for a fork layer that is a composition of Graft operations
    /// (Axpy, ShuffleChannel). The last is named after the layer and writes its top; the others
    /// are named and write `<layer>/<suffix>`.
    case composite([CaffeMappedNode])
    /// A ``GraftCore/Constant`` holding the layer's output, computed at import from the bottoms'
    /// shapes alone (PriorBox): the node reads no value, and records the layer as its origin so
    /// that the Caffe exporter can write it back. The value is frozen for training.
    case constant(Tensor)

    static func node(_ op: Op, _ parameters: [CaffeMappedParameter] = []) -> CaffeMapping {
        .node(op, parameters: parameters, warnings: [])
    }
}

/// One node of a ``CaffeMapping/composite(_:)`` mapping.
struct CaffeMappedNode: Sendable {
    /// Where an input comes from: a bottom of the layer, or an earlier node of the same mapping.
    enum Input: Sendable, Equatable { case bottom(Int), node(Int) }

    var suffix: String
    var op: Op
    var inputs: [Input]
}

/// Maps one Caffe layer type to Graft. One conforming type per ``CaffeLayerKind``, registered in
/// ``CaffeMappers/all``; framework spellings stay inside these types.
protocol CaffeLayerMapper: Sendable {
    static var kind: CaffeLayerKind { get }
    /// The blobs the layer needs, in Caffe's order, with Caffe's shapes. The importer checks a
    /// `.caffemodel`'s blobs against these (or fills them from the fillers) before ``map(_:blobs:)``.
    static func blobs(_ context: CaffeLayerContext) throws(CaffeImportError) -> [CaffeBlobRequirement]
    /// The Graft node for the layer; `blobs` have exactly the shapes ``blobs(_:)`` asked for.
    static func map(_ context: CaffeLayerContext, blobs: [Tensor]) throws(CaffeImportError) -> CaffeMapping
    /// Why this layer stays opaque although its type is known (a fork block that only a prototxt
    /// keeps), checked before its blobs are bound, so that they are kept as stored; nil to map it.
    static func unavailable(_ context: CaffeLayerContext) throws(CaffeImportError) -> String?
}

extension CaffeLayerMapper {
    static func unavailable(_ context: CaffeLayerContext) throws(CaffeImportError) -> String? { nil }
    static func blobs(_ context: CaffeLayerContext) throws(CaffeImportError) -> [CaffeBlobRequirement] { [] }
}

/// The registry: one mapper per ``CaffeLayerKind``.
enum CaffeMappers {
    static let all: [any CaffeLayerMapper.Type] = [
        InputMapper.self, ConvolutionMapper.self, ConvolutionDepthwiseMapper.self, DeconvolutionMapper.self, InnerProductMapper.self,
        PoolingMapper.self, LRNMapper.self, ReLUMapper.self, PReLUMapper.self, ELUMapper.self,
        SigmoidMapper.self, TanHMapper.self, PowerMapper.self, BatchNormMapper.self, ScaleMapper.self,
        BiasMapper.self, EltwiseMapper.self, ConcatMapper.self, SliceMapper.self, FlattenMapper.self,
        ReshapeMapper.self, SoftmaxMapper.self, DropoutMapper.self, CropMapper.self, SplitMapper.self,
        PermuteMapper.self, AxpyMapper.self, ShuffleChannelMapper.self, NormalizeMapper.self, PriorBoxMapper.self,
    ]

    static let byKind: [CaffeLayerKind: any CaffeLayerMapper.Type] =
        Dictionary(all.map { ($0.kind, $0) }, uniquingKeysWith: { first, _ in first })

    static func mapper(for type: String) -> (any CaffeLayerMapper.Type)? {
        CaffeLayerKind(rawValue: type).flatMap { byKind[$0] }
    }
}

extension CaffeParam.Filler {
    /// What Caffe uses when a layer declares no filler: `FillerParameter`'s defaults, constant 0.
    static let caffeDefault = CaffeParam.Filler()

    static func constant(_ value: Float) -> CaffeParam.Filler {
        var filler = CaffeParam.Filler()
        filler.value = value
        return filler
    }
}
