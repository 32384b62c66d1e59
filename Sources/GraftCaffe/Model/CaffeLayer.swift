/// One layer of a Caffe net in V2 form (`LayerParameter`). V1 layers are converted to this by
/// ``CaffeUpgrade``, so `type` is always the V2 string spelling ("Convolution", "InnerProduct").
///
/// The `*_param` blocks live in ``parameters``; they can also be reached directly
/// (`layer.convolution`).
@dynamicMemberLookup
public struct CaffeLayer: Equatable, Sendable {
    public var name: String
    public var type: String
    public var bottoms: [String]
    public var tops: [String]
    public var phase: CaffePhase?
    public var lossWeights: [Float] = []
    public var params: [CaffeParamSpec] = []
    public var blobs: [CaffeBlob] = []
    public var propagateDown: [Bool] = []
    public var include: [CaffeNetStateRule] = []
    public var exclude: [CaffeNetStateRule] = []
    public var parameters = CaffeLayerParameters()
    /// Fields Graft's schema does not know (fork fields like SSD's `permute_param`), kept as
    /// their original prototxt text, or as "field N (wire type W)" from a `.caffemodel`.
    public var rawUnknown: [String] = []

    public init(name: String, type: String, bottoms: [String] = [], tops: [String] = []) {
        self.name = name
        self.type = type
        self.bottoms = bottoms
        self.tops = tops
    }

    public subscript<T>(dynamicMember keyPath: WritableKeyPath<CaffeLayerParameters, T>) -> T {
        get { parameters[keyPath: keyPath] }
        set { parameters[keyPath: keyPath] = newValue }
    }
}
