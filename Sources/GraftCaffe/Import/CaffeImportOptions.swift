/// What a Caffe import may be told beyond the files themselves.
public struct CaffeImportOptions: Sendable, Equatable {
    /// Replaces the declared shape of the (single) net input, batch first, e.g. `[1, 3, 227, 227]`.
    /// Required when the net declares no shape (a `.caffemodel` holding only a training net).
    public var inputShape: [Int]?
    /// Per-channel mean to subtract (in the net's channel order, BGR for Caffe), overriding the
    /// training net's `transform_param`.
    public var mean: [Float]?
    /// A `.binaryproto` mean image; its per-channel means are recorded in the preprocessing.
    public var meanFile: String?
    /// Unknown fields, unused or missing weights and opaque layers become errors instead of warnings.
    public var strict: Bool
    /// Seed for the random weights of a prototxt imported without a `.caffemodel`.
    public var seed: UInt64

    public init(inputShape: [Int]? = nil, mean: [Float]? = nil, meanFile: String? = nil, strict: Bool = false,
                seed: UInt64 = 0) {
        self.inputShape = inputShape
        self.mean = mean
        self.meanFile = meanFile
        self.strict = strict
        self.seed = seed
    }
}
