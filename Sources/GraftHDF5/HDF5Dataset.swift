internal import CHDF5

/// An open HDF5 dataset. Owns its identifier and closes it exactly once in `deinit`.
///
/// The shape and element type are read when it is opened; the readers check the element count
/// against a cap (overflow-checked) before allocating anything.
public final class HDF5Dataset: @unchecked Sendable {
    let id: hid_t
    /// The file, kept alive while this dataset is.
    public let file: HDF5File
    /// The dataset's absolute path inside the file.
    public let objectPath: String
    /// The dimensions, outermost first; `[]` for a scalar (and for a null dataspace, which holds nothing).
    public let shape: [Int]
    /// How the dataset's elements are stored.
    public let elementType: HDF5ElementType
    private let extent: HDF5Extent

    /// The default cap on elements read at once: 2^31 (8 GiB of float32).
    public static let defaultElementLimit = 1 << 31

    init(id: hid_t, file: HDF5File, objectPath: String) throws(HDF5Error) {
        self.id = id
        self.file = file
        self.objectPath = objectPath
        let where_ = file.describe(objectPath)
        do {
            let space = try HDF5Temporary(.dataspace, "H5Dget_space", where_) { H5Dget_space(id) }
            extent = try HDF5Extent.read(space, path: where_)
            let type = try HDF5Temporary(.datatype, "H5Dget_type", where_) { H5Dget_type(id) }
            elementType = try HDF5ElementType.classify(type.id, path: where_)
        } catch {
            _ = H5Dclose(id)
            throw error
        }
        shape = extent.shape
    }

    deinit {
        HDF5Library.silenceThisThread()
        _ = H5Dclose(id)
    }

    /// The number of elements, or nil when the shape's product overflows.
    public var elementCount: Int? { extent.elementCount }

    /// The dataset's attributes.
    public var attributes: HDF5Attributes {
        HDF5Attributes(owner: self, id: id, file: file, objectPath: objectPath)
    }

    /// Reads a float16, float32 or float64 dataset as `Float` in row-major order (the library
    /// converts byte order and width; float64 values outside Float's range become infinities).
    public func readFloats(limit: Int = defaultElementLimit) throws(HDF5Error) -> [Float] {
        guard case .float = elementType else {
            throw HDF5Error(operation: "read floats", path: file.describe(objectPath), stack: [],
                            kind: .wrongType(expected: "floating point", found: elementType.description))
        }
        return try read(limit: limit, memoryType: chdf5_t_native_float(), zero: Float(0))
    }

    /// Reads an integer dataset (any width, signed or not) as `Int64`; uint64 values above
    /// `Int64.max` are clipped by the library.
    public func readIntegers(limit: Int = defaultElementLimit) throws(HDF5Error) -> [Int64] {
        switch elementType {
        case .signedInteger, .unsignedInteger: break
        default:
            throw HDF5Error(operation: "read integers", path: file.describe(objectPath), stack: [],
                            kind: .wrongType(expected: "integer", found: elementType.description))
        }
        return try read(limit: limit, memoryType: chdf5_t_native_int64(), zero: Int64(0))
    }

    private func read<T>(limit: Int, memoryType: hid_t, zero: T) throws(HDF5Error) -> [T] {
        let where_ = file.describe(objectPath)
        let count = try extent.cappedCount(limit: limit, path: where_, operation: "read dataset")
        guard count > 0 else { return [] }
        var values = [T](repeating: zero, count: count)
        let datasetID = id
        try hdf5("H5Dread", where_) {
            values.withUnsafeMutableBytes {
                H5Dread(datasetID, memoryType, chdf5_s_all(), chdf5_s_all(), chdf5_p_default(), $0.baseAddress)
            }
        }
        return values
    }
}
