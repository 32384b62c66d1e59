/// An enum of caffe.proto. Prototxt files spell values by name (`pool: MAX`) or, rarely, by
/// number; `.caffemodel` files store the number. Both readers go through this one table.
public protocol CaffeEnum: RawRepresentable, CaseIterable, Hashable, Sendable where RawValue == Int32 {
    /// The value names in the order of `allCases` (the declaration order), spelled as in caffe.proto.
    static var protoNames: [String] { get }
    /// The enum's name in caffe.proto, for error messages ("PoolingParameter.PoolMethod").
    static var protoTypeName: String { get }
}

extension CaffeEnum {
    /// The name caffe.proto gives this value, e.g. "MAX".
    public var protoName: String {
        let index = Self.allCases.firstIndex(of: self)!
        return Self.protoNames[Self.allCases.distance(from: Self.allCases.startIndex, to: index)]
    }

    /// The value named `name` in caffe.proto (exact spelling, as protobuf's text format requires).
    public init?(protoName name: String) {
        guard let offset = Self.protoNames.firstIndex(of: name) else { return nil }
        self = Self.allCases[Self.allCases.index(Self.allCases.startIndex, offsetBy: offset)]
    }
}

/// `caffe.Phase`: which of the train and test nets a layer or rule belongs to.
public enum CaffePhase: Int32, CaffeEnum {
    /// `TRAIN` or `TEST`.
    case train = 0, test = 1
    public static let protoNames = ["TRAIN", "TEST"]
    public static let protoTypeName = "Phase"
}

/// The `Engine` enums (Convolution, Pooling, LRN, ReLU, Softmax): all have the same three values.
public enum CaffeEngine: Int32, CaffeEnum {
    /// Caffe's default choice, Caffe's own code, or cuDNN.
    case `default` = 0, caffe = 1, cudnn = 2
    public static let protoNames = ["DEFAULT", "CAFFE", "CUDNN"]
    public static let protoTypeName = "Engine"
}

/// `ParamSpec.DimCheckMode` (also V1's `blob_share_mode`): how shared weights must agree.
public enum CaffeDimCheckMode: Int32, CaffeEnum {
    /// Shapes must match exactly (`STRICT`) or only in element count (`PERMISSIVE`).
    case strict = 0, permissive = 1
    public static let protoNames = ["STRICT", "PERMISSIVE"]
    public static let protoTypeName = "ParamSpec.DimCheckMode"
}
