extension CaffeParam {
    /// `ConvolutionParameter`, used by both Convolution and Deconvolution layers.
    ///
    /// Sizes come either as the repeated `pad`/`kernel_size`/`stride`/`dilation` (one value for
    /// every spatial axis, or one per axis) or as the 2-D `*_h`/`*_w` pairs; Caffe checks which
    /// pair was set, so those stay optional here (nil = absent; `pad_h`/`pad_w` then mean 0).
    public struct Convolution: Equatable, Sendable {
        /// `num_output`: output channels.
        public var numOutput = 0
        /// `bias_term`: whether the layer has a bias blob.
        public var biasTerm = true
        /// `pad`: zero padding, one value for every spatial axis or one per axis.
        public var pad: [Int] = []
        /// `kernel_size`: one value for every spatial axis or one per axis.
        public var kernelSize: [Int] = []
        /// `stride`: one value for every spatial axis or one per axis (none: 1).
        public var stride: [Int] = []
        /// `dilation`: one value for every spatial axis or one per axis (none: 1).
        public var dilation: [Int] = []
        /// `pad_h`, nil when absent.
        public var padH: Int?
        /// `pad_w`, nil when absent.
        public var padW: Int?
        /// `kernel_h`, nil when absent.
        public var kernelH: Int?
        /// `kernel_w`, nil when absent.
        public var kernelW: Int?
        /// `stride_h`, nil when absent.
        public var strideH: Int?
        /// `stride_w`, nil when absent.
        public var strideW: Int?
        /// `group`: channel groups.
        public var group = 1
        /// `weight_filler`: how Caffe initialises the weights.
        public var weightFiller: Filler?
        /// `bias_filler`: how Caffe initialises the bias.
        public var biasFiller: Filler?
        /// `engine`: which implementation Caffe runs (no effect on the result).
        public var engine: CaffeEngine = .default
        /// The channel axis; spatial axes follow it.
        public var axis = 1
        /// `force_nd_im2col`: an implementation choice of Caffe's (no effect on the result).
        public var forceNDIm2col = false

        /// Every field at its default.
        public init() {}
    }

    /// `InnerProductParameter` (fully connected layers).
    public struct InnerProduct: Equatable, Sendable {
        /// `num_output`: output units.
        public var numOutput = 0
        /// `bias_term`: whether the layer has a bias blob.
        public var biasTerm = true
        /// `weight_filler`: how Caffe initialises the weights.
        public var weightFiller: Filler?
        /// `bias_filler`: how Caffe initialises the bias.
        public var biasFiller: Filler?
        /// The first axis folded into the product; earlier axes are kept.
        public var axis = 1
        /// The stored weight is K x N instead of N x K.
        public var transpose = false

        /// Every field at its default.
        public init() {}
    }
}
