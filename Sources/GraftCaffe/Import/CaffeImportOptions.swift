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
    /// How blobs the `.caffemodel` does not give are drawn (all of them without one).
    public var weightInit: CaffeWeightInit

    /// Options: the net's own input shape and mean, lenient, seed 0, blobs the caffemodel
    /// does not give drawn from the net's fillers.
    public init(inputShape: [Int]? = nil, mean: [Float]? = nil, meanFile: String? = nil, strict: Bool = false,
                seed: UInt64 = 0, weightInit: CaffeWeightInit = .fillers) {
        self.inputShape = inputShape
        self.mean = mean
        self.meanFile = meanFile
        self.strict = strict
        self.seed = seed
        self.weightInit = weightInit
    }
}

/// How a net imported without weights gets them.
public enum CaffeWeightInit: String, Sendable, Equatable, CaseIterable {
    /// The prototxt's fillers, Caffe's default constant 0 where it declares none: the net Caffe
    /// itself would build.
    case fillers
    /// Every blob random and scaled, whatever the prototxt declares, so activations neither vanish
    /// nor blow up: for comparing implementations, where most deploy prototxts (no fillers) give
    /// all-zero weights that agree trivially and zero BatchNorm variances that give NaN.
    /// He-normal weights (`sqrt(2 / fan-in)`, Caffe's fan-in), biases uniform in [-0.1, 0.1],
    /// BatchNorm means in [-0.5, 0.5], variances in [0.5, 1.5] with factor 1, scales in
    /// [0.5, 1.5], PReLU slopes in [0, 0.5].
    case scaled
}
