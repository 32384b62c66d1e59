extension CaffeParam {
    /// `TransformationParameter`: the preprocessing a data layer applied during training, which
    /// inference must repeat (mean subtraction, then scaling).
    public struct Transformation: Equatable, Sendable {
        /// `scale`: multiplies the pixels after mean subtraction.
        public var scale: Float = 1
        /// `mirror`: random horizontal flips.
        public var mirror = false
        /// `crop_size`: side of a square crop (0: none).
        public var cropSize = 0
        /// A `.binaryproto` mean image path, nil when absent.
        public var meanFile: String?
        /// One value for all channels, or one per channel.
        public var meanValue: [Float] = []
        /// `force_color`: decode images as colour.
        public var forceColor = false
        /// `force_gray`: decode images as grey.
        public var forceGray = false

        /// Every field at its default.
        public init() {}
    }

    /// `DataParameter` (LevelDB/LMDB input of training nets). Read so a training net parses; the
    /// importer skips data layers. Its deprecated preprocessing fields move to
    /// ``Transformation`` in ``CaffeUpgrade`` for V1 nets.
    public struct Data: Equatable, Sendable {
        /// `DataParameter.DB`.
        public enum Backend: Int32, CaffeEnum {
            /// LevelDB or LMDB.
            case leveldb = 0, lmdb = 1
            public static let protoNames = ["LEVELDB", "LMDB"]
            public static let protoTypeName = "DataParameter.DB"
        }

        /// `source`: the database, file list or HDF5 list read.
        public var source = ""
        /// `batch_size`.
        public var batchSize = 0
        /// `rand_skip`: up to this many inputs skipped at the start.
        public var randSkip = 0
        /// `backend`: LevelDB or LMDB.
        public var backend: Backend = .leveldb
        /// `scale`: multiplies the input after mean subtraction.
        public var scale: Float = 1
        /// `mean_file`: a `.binaryproto` mean image, nil when absent.
        public var meanFile: String?
        /// `crop_size`: side of a square crop (0: none).
        public var cropSize = 0
        /// `mirror`: random horizontal flips.
        public var mirror = false
        /// `force_encoded_color`: decode stored images as colour.
        public var forceEncodedColor = false
        /// `prefetch`: batches read ahead.
        public var prefetch = 4

        /// Every field at its default.
        public init() {}
    }

    /// `HDF5DataParameter` (MTCNN's training net). Read so the net parses; skipped on import.
    public struct HDF5Data: Equatable, Sendable {
        /// `source`: the database, file list or HDF5 list read.
        public var source = ""
        /// `batch_size`.
        public var batchSize = 0
        /// `shuffle`: shuffle the inputs every epoch.
        public var shuffle = false

        /// Every field at its default.
        public init() {}
    }

    /// `ImageDataParameter` (image-list input of training nets). Read so the net parses.
    public struct ImageData: Equatable, Sendable {
        /// `source`: the database, file list or HDF5 list read.
        public var source = ""
        /// `batch_size`.
        public var batchSize = 1
        /// `rand_skip`: up to this many inputs skipped at the start.
        public var randSkip = 0
        /// `shuffle`: shuffle the inputs every epoch.
        public var shuffle = false
        /// `new_height`: images resized to this height (0: as stored).
        public var newHeight = 0
        /// `new_width`: images resized to this width (0: as stored).
        public var newWidth = 0
        /// `is_color`: decode as colour (else grey).
        public var isColor = true
        /// `scale`: multiplies the input after mean subtraction.
        public var scale: Float = 1
        /// `mean_file`: a `.binaryproto` mean image, nil when absent.
        public var meanFile: String?
        /// `crop_size`: side of a square crop (0: none).
        public var cropSize = 0
        /// `mirror`: random horizontal flips.
        public var mirror = false
        /// `root_folder`: prefixed to every path in the list.
        public var rootFolder = ""

        /// Every field at its default.
        public init() {}
    }

    /// `MemoryDataParameter`: some deploy nets declare their input shape this way.
    public struct MemoryData: Equatable, Sendable {
        /// `batch_size` of the input.
        public var batchSize = 0
        /// `channels` of the input.
        public var channels = 0
        /// `height` of the input.
        public var height = 0
        /// `width` of the input.
        public var width = 0

        /// Every field at its default.
        public init() {}
    }

    /// `LossParameter`, shared by the loss layers of training nets.
    public struct Loss: Equatable, Sendable {
        /// `LossParameter.NormalizationMode`.
        public enum Normalization: Int32, CaffeEnum {
            /// Divide the loss by every sample (`FULL`), the samples not ignored (`VALID`), the
            /// batch size, or nothing.
            case full = 0, valid = 1, batchSize = 2, none = 3
            public static let protoNames = ["FULL", "VALID", "BATCH_SIZE", "NONE"]
            public static let protoTypeName = "LossParameter.NormalizationMode"
        }

        /// `ignore_label`: samples with this label add no loss; nil when absent.
        public var ignoreLabel: Int?
        /// nil when absent (declared default VALID); Caffe then looks at `normalize`.
        public var normalization: Normalization?
        /// `normalize` (deprecated by `normalization`), nil when absent.
        public var normalize: Bool?

        /// Every field at its default.
        public init() {}
    }

    /// `AccuracyParameter` (training and test nets).
    public struct Accuracy: Equatable, Sendable {
        /// `top_k`: a sample counts as correct when its label is among the k highest scores.
        public var topK = 1
        /// `axis`: the class axis.
        public var axis = 1
        /// `ignore_label`: samples with this label are not counted; nil when absent.
        public var ignoreLabel: Int?

        /// Every field at its default.
        public init() {}
    }
}
