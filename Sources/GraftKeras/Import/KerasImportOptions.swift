public import GraftCore

/// How a Keras model's input pixels must be prepared, by the names `keras.applications`
/// `preprocess_input` uses for its modes.
public enum KerasPreprocessingMode: Sendable, Equatable {
    /// Decide from the model's name when it is an obvious `keras.applications` model (MobileNet,
    /// Xception, Inception: `tf`; VGG, ResNet: `caffe`; DenseNet: `torch`); otherwise record a
    /// neutral default (raw 0...255 pixels, no steps) and a note saying it was not known.
    case automatic
    /// Record no preprocessing at all.
    case none
    /// BGR, 0...255, subtract the ImageNet mean (103.939, 116.779, 123.68).
    case caffe
    /// RGB, 0...255, multiply by 1/127.5, subtract 1 (values in -1...1).
    case tf
    /// RGB, 0...1, subtract (0.485, 0.456, 0.406), divide by (0.229, 0.224, 0.225).
    case torch
    /// Exactly this (its `input` and `inputShape` are replaced by the graph's).
    case explicit(Preprocessing)
}

/// The backend that computed with the weights when they were trained. Theano's convolution flips
/// the kernel (a true convolution); TensorFlow, CNTK and JAX correlate.
public enum KerasSourceBackend: String, Sendable, Equatable, CaseIterable {
    /// The kernel-correlating backends (TensorFlow and alike), or Theano, whose kernels are flipped.
    case tensorflow, theano
}

/// Choices for ``KerasImporter/importModel(path:architecture:options:)``.
public struct KerasImportOptions: Sendable, Equatable {
    /// What to record as the model's input preprocessing.
    public var preprocessing: KerasPreprocessingMode
    /// Overrides the backend the file records (Keras 1 files record none, and are then read as
    /// TensorFlow-style with a warning). `.theano` flips convolution kernels spatially.
    public var sourceBackend: KerasSourceBackend?
    /// Fills free (`None`) input dimensions, in Keras order without the batch (e.g. `[224, 224, 3]`).
    /// Entries are used only where the model leaves the dimension free; a conflicting fixed
    /// dimension is an error.
    public var inputShape: [Int]?
    /// Caps applied while reading the file.
    public var limits: KerasLimits
    /// Every warning becomes an error (``KerasImportError/strictViolations(source:warnings:)``),
    /// as Caffe's and ONNX's `strict` imports refuse what they would otherwise only warn about.
    public var strict: Bool

    /// Options: automatic preprocessing, the file's backend and input shape, default limits, lenient.
    public init(preprocessing: KerasPreprocessingMode = .automatic, sourceBackend: KerasSourceBackend? = nil,
                inputShape: [Int]? = nil, limits: KerasLimits = .default, strict: Bool = false) {
        self.preprocessing = preprocessing
        self.sourceBackend = sourceBackend
        self.inputShape = inputShape
        self.limits = limits
        self.strict = strict
    }
}
