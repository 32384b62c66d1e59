extension CaffeParam {
    /// `ConvolutionParameter`, used by both Convolution and Deconvolution layers.
    ///
    /// Sizes come either as the repeated `pad`/`kernel_size`/`stride`/`dilation` (one value for
    /// every spatial axis, or one per axis) or as the 2-D `*_h`/`*_w` pairs; Caffe checks which
    /// pair was set, so those stay optional here (nil = absent; `pad_h`/`pad_w` then mean 0).
    public struct Convolution: Equatable, Sendable {
        public var numOutput = 0
        public var biasTerm = true
        public var pad: [Int] = []
        public var kernelSize: [Int] = []
        public var stride: [Int] = []
        public var dilation: [Int] = []
        public var padH: Int?
        public var padW: Int?
        public var kernelH: Int?
        public var kernelW: Int?
        public var strideH: Int?
        public var strideW: Int?
        public var group = 1
        public var weightFiller: Filler?
        public var biasFiller: Filler?
        public var engine: CaffeEngine = .default
        /// The channel axis; spatial axes follow it.
        public var axis = 1
        public var forceNDIm2col = false

        public init() {}
    }

    /// `InnerProductParameter` (fully connected layers).
    public struct InnerProduct: Equatable, Sendable {
        public var numOutput = 0
        public var biasTerm = true
        public var weightFiller: Filler?
        public var biasFiller: Filler?
        /// The first axis folded into the product; earlier axes are kept.
        public var axis = 1
        /// The stored weight is K x N instead of N x K.
        public var transpose = false

        public init() {}
    }
}
