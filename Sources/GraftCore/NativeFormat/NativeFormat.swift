/// Constants of the `.graft` format: a safetensors file whose `__metadata__` carries the graph and
/// the model's metadata as JSON documents.
public enum NativeFormat {
    /// The format version this build writes and the only one it reads.
    public static let version = 1
    /// The largest header this reader accepts, the same limit as the safetensors library, so that a
    /// corrupt length prefix cannot make the reader allocate gigabytes.
    public static let maxHeaderSize = 100_000_000
    /// Tensors whose names start with this are allowed without a graph parameter (reserved for
    /// optimizer state that travels with a model being fine-tuned).
    public static let stateTensorPrefix = "state."
    /// The safetensors key of the string-to-string metadata map.
    public static let metadataKey = "__metadata__"

    /// Keys of `__metadata__`; values are strings, the documents among them JSON-encoded.
    public enum MetadataKey {
        /// The format version as a decimal string, "1".
        public static let format = "graft.format"
        /// The ``Graph`` as JSON.
        public static let graph = "graft.graph"
        /// Optional ``Preprocessing`` as JSON.
        public static let preprocessing = "graft.preprocessing"
        /// ``Provenance`` as JSON.
        public static let provenance = "graft.provenance"
        /// Optional ``TrainingMetadata`` as JSON.
        public static let training = "graft.training"
    }
}
