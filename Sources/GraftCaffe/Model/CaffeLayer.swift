/// One layer of a Caffe net in V2 form (`LayerParameter`). V1 layers are converted to this by
/// ``CaffeUpgrade``, so `type` is always the V2 string spelling ("Convolution", "InnerProduct").
///
/// The `*_param` blocks live in ``parameters``; they can also be reached directly
/// (`layer.convolution`).
@dynamicMemberLookup
public struct CaffeLayer: Equatable, Sendable {
    /// The layer's name.
    public var name: String
    /// The layer type, V2 spelling.
    public var type: String
    /// The blobs the layer reads.
    public var bottoms: [String]
    /// The blobs the layer writes.
    public var tops: [String]
    /// `phase`: the net phase the layer belongs to, nil when absent.
    public var phase: CaffePhase?
    /// `loss_weight`, one per top.
    public var lossWeights: [Float] = []
    /// `param`: one training spec per blob.
    public var params: [CaffeParamSpec] = []
    /// The learned arrays (from a caffemodel).
    public var blobs: [CaffeBlob] = []
    /// `propagate_down`, one per bottom.
    public var propagateDown: [Bool] = []
    /// `include` rules: the layer is in the net when one matches.
    public var include: [CaffeNetStateRule] = []
    /// `exclude` rules: the layer is left out when one matches.
    public var exclude: [CaffeNetStateRule] = []
    /// The `*_param` blocks.
    public var parameters = CaffeLayerParameters()
    /// Fields Graft's schema does not know (fork fields like SSD's `permute_param`), kept as
    /// their original prototxt text, or as "field N (wire type W)" from a `.caffemodel`.
    public var rawUnknown: [String] = []

    /// A layer of `type` without parameters or blobs.
    public init(name: String, type: String, bottoms: [String] = [], tops: [String] = []) {
        self.name = name
        self.type = type
        self.bottoms = bottoms
        self.tops = tops
    }

    /// A `*_param` block, e.g. `layer.convolution`, read and written through ``parameters``.
    public subscript<T>(dynamicMember keyPath: WritableKeyPath<CaffeLayerParameters, T>) -> T {
        get { parameters[keyPath: keyPath] }
        set { parameters[keyPath: keyPath] = newValue }
    }
}
