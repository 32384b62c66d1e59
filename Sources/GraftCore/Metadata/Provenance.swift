/// Where a model came from: recorded at conversion so a `.graft` file can always be traced back.
public struct Provenance: Codable, Equatable, Sendable {
    /// A file the model was converted from.
    public struct SourceFile: Codable, Equatable, Sendable {
        /// The file's name.
        public var name: String
        /// Lower-case hex SHA-256 of the file's bytes.
        public var sha256: String
        /// The file's size in bytes.
        public var bytes: Int
        /// A source file with its digest and size.
        public init(name: String, sha256: String, bytes: Int) {
            self.name = name
            self.sha256 = sha256
            self.bytes = bytes
        }
    }

    /// "caffe", "keras", "graft" (built or trained by Graft itself).
    public var sourceFormat: String
    /// The source's own version or schema generation, e.g. "V1 layers", "Keras 2.0.5".
    public var sourceVersion: String
    /// The files the model was converted from.
    public var sourceFiles: [SourceFile]
    /// The program that wrote the file, e.g. "graft 0.1.0".
    public var converter: String
    /// Anything the converter wants a reader to know (dropped layers, assumptions).
    public var notes: [String]

    /// A provenance record; `converter` defaults to this build of Graft.
    public init(sourceFormat: String, sourceVersion: String = "", sourceFiles: [SourceFile] = [],
                converter: String = "graft \(GraftVersion.current)", notes: [String] = []) {
        self.sourceFormat = sourceFormat
        self.sourceVersion = sourceVersion
        self.sourceFiles = sourceFiles
        self.converter = converter
        self.notes = notes
    }
}

/// The version of this build of Graft.
public enum GraftVersion {
    /// Graft's version number.
    public static let current = "0.1.0"
}
