extension CaffeParam {
    /// `TransformationParameter`: the preprocessing a data layer applied during training, which
    /// inference must repeat (mean subtraction, then scaling).
    public struct Transformation: Equatable, Sendable {
        public var scale: Float = 1
        public var mirror = false
        public var cropSize = 0
        /// A `.binaryproto` mean image path, nil when absent.
        public var meanFile: String?
        /// One value for all channels, or one per channel.
        public var meanValue: [Float] = []
        public var forceColor = false
        public var forceGray = false

        public init() {}
    }

    /// `DataParameter` (LevelDB/LMDB input of training nets). Read so a training net parses; the
    /// importer skips data layers. Its deprecated preprocessing fields move to
    /// ``Transformation`` in ``CaffeUpgrade`` for V1 nets.
    public struct Data: Equatable, Sendable {
        /// `DataParameter.DB`.
        public enum Backend: Int32, CaffeEnum {
            case leveldb = 0, lmdb = 1
            public static let protoNames = ["LEVELDB", "LMDB"]
            public static let protoTypeName = "DataParameter.DB"
        }

        public var source = ""
        public var batchSize = 0
        public var randSkip = 0
        public var backend: Backend = .leveldb
        public var scale: Float = 1
        public var meanFile: String?
        public var cropSize = 0
        public var mirror = false
        public var forceEncodedColor = false
        public var prefetch = 4

        public init() {}
    }

    /// `HDF5DataParameter` (MTCNN's training net). Read so the net parses; skipped on import.
    public struct HDF5Data: Equatable, Sendable {
        public var source = ""
        public var batchSize = 0
        public var shuffle = false

        public init() {}
    }

    /// `ImageDataParameter` (image-list input of training nets). Read so the net parses.
    public struct ImageData: Equatable, Sendable {
        public var source = ""
        public var batchSize = 1
        public var randSkip = 0
        public var shuffle = false
        public var newHeight = 0
        public var newWidth = 0
        public var isColor = true
        public var scale: Float = 1
        public var meanFile: String?
        public var cropSize = 0
        public var mirror = false
        public var rootFolder = ""

        public init() {}
    }

    /// `MemoryDataParameter`: some deploy nets declare their input shape this way.
    public struct MemoryData: Equatable, Sendable {
        public var batchSize = 0
        public var channels = 0
        public var height = 0
        public var width = 0

        public init() {}
    }

    /// `LossParameter`, shared by the loss layers of training nets.
    public struct Loss: Equatable, Sendable {
        /// `LossParameter.NormalizationMode`.
        public enum Normalization: Int32, CaffeEnum {
            case full = 0, valid = 1, batchSize = 2, none = 3
            public static let protoNames = ["FULL", "VALID", "BATCH_SIZE", "NONE"]
            public static let protoTypeName = "LossParameter.NormalizationMode"
        }

        public var ignoreLabel: Int?
        /// nil when absent (declared default VALID); Caffe then looks at `normalize`.
        public var normalization: Normalization?
        public var normalize: Bool?

        public init() {}
    }

    /// `AccuracyParameter` (training and test nets).
    public struct Accuracy: Equatable, Sendable {
        public var topK = 1
        public var axis = 1
        public var ignoreLabel: Int?

        public init() {}
    }
}
