import Foundation
internal import CHDF5

/// An open attribute. Owns its identifier and closes it exactly once in `deinit`.
///
/// Strings are read whether stored fixed-length (old Keras, NumPy `S` arrays) or variable-length
/// (h5py 3, tf.keras), scalar or 1-D; numbers of any integer or float width.
public final class HDF5Attribute: @unchecked Sendable {
    let id: hid_t
    private let owner: AnyObject
    /// The file, kept alive while this attribute is.
    public let file: HDF5File
    /// The attribute's name.
    public let name: String
    /// The path of the object the attribute is attached to.
    public let objectPath: String
    /// `[]` for a scalar (or a null dataspace, see ``elementCount``).
    public let shape: [Int]
    /// How the attribute's elements are stored.
    public let elementType: HDF5ElementType
    private let extent: HDF5Extent

    /// Caps for attribute reads: elements, and total string bytes (a model_config JSON is a few MB).
    public static let defaultElementLimit = 1 << 24
    /// The default cap on the total bytes of the strings read at once.
    public static let defaultStringByteLimit = 1 << 28

    init(id: hid_t, owner: AnyObject, file: HDF5File, objectPath: String, name: String) throws(HDF5Error) {
        self.id = id
        self.owner = owner
        self.file = file
        self.objectPath = objectPath
        self.name = name
        let where_ = "\(file.describe(objectPath))@\(name)"
        do {
            let space = try HDF5Temporary(.dataspace, "H5Aget_space", where_) { H5Aget_space(id) }
            extent = try HDF5Extent.read(space, path: where_)
            let type = try HDF5Temporary(.datatype, "H5Aget_type", where_) { H5Aget_type(id) }
            elementType = try HDF5ElementType.classify(type.id, path: where_)
        } catch {
            _ = H5Aclose(id)
            throw error
        }
        shape = extent.shape
    }

    deinit {
        HDF5Library.silenceThisThread()
        _ = H5Aclose(id)
    }

    /// The number of elements (0 for a null dataspace or an empty array), nil on overflow.
    public var elementCount: Int? { extent.elementCount }

    /// "file:/object@name", the form error messages use.
    public var location: String { "\(file.describe(objectPath))@\(name)" }

    /// Reads string elements (a scalar gives one). Fixed-length strings are cut at the first NUL
    /// (or have trailing spaces removed when space-padded); bytes are decoded as UTF-8.
    public func readStrings(limit: Int = defaultElementLimit,
                            byteLimit: Int = defaultStringByteLimit) throws(HDF5Error) -> [String] {
        let where_ = location
        let count = try extent.cappedCount(limit: limit, path: where_, operation: "read strings")
        switch elementType {
        case .fixedString(let size): return try readFixed(count: count, size: size, byteLimit: byteLimit)
        case .variableString: return try readVariable(count: count, byteLimit: byteLimit)
        default:
            throw HDF5Error(operation: "read strings", path: where_, stack: [],
                            kind: .wrongType(expected: "strings", found: elementType.description))
        }
    }

    /// Reads numeric elements (integers or floats of any width) as `Double`.
    public func readDoubles(limit: Int = defaultElementLimit) throws(HDF5Error) -> [Double] {
        guard elementType.isNumeric else {
            throw HDF5Error(operation: "read numbers", path: location, stack: [],
                            kind: .wrongType(expected: "numbers", found: elementType.description))
        }
        return try readNumbers(limit: limit, memoryType: chdf5_t_native_double(), zero: Double(0))
    }

    /// Reads integer elements as `Int64`.
    public func readIntegers(limit: Int = defaultElementLimit) throws(HDF5Error) -> [Int64] {
        switch elementType {
        case .signedInteger, .unsignedInteger: break
        default:
            throw HDF5Error(operation: "read integers", path: location, stack: [],
                            kind: .wrongType(expected: "integers", found: elementType.description))
        }
        return try readNumbers(limit: limit, memoryType: chdf5_t_native_int64(), zero: Int64(0))
    }

    private func readNumbers<T>(limit: Int, memoryType: hid_t, zero: T) throws(HDF5Error) -> [T] {
        let where_ = location
        let count = try extent.cappedCount(limit: limit, path: where_, operation: "read numbers")
        guard count > 0 else { return [] }
        var values = [T](repeating: zero, count: count)
        let attributeID = id
        try hdf5("H5Aread", where_) {
            values.withUnsafeMutableBytes { H5Aread(attributeID, memoryType, $0.baseAddress) }
        }
        return values
    }

    private func readFixed(count: Int, size: Int, byteLimit: Int) throws(HDF5Error) -> [String] {
        let where_ = location
        guard count > 0 else { return [] }
        let (total, overflow) = count.multipliedReportingOverflow(by: size)
        guard !overflow, total <= byteLimit else {
            throw HDF5Error(operation: "read strings", path: where_, stack: [],
                            kind: .limitExceeded(what: "string bytes", value: overflow ? "overflow" : "\(total)", limit: byteLimit))
        }
        let attributeID = id
        let fileType = try HDF5Temporary(.datatype, "H5Aget_type", where_) { H5Aget_type(attributeID) }
        let fileTypeID = fileType.id
        let memoryType = try HDF5Temporary(.datatype, "H5Tcopy", where_) { H5Tcopy(fileTypeID) }
        let memoryTypeID = memoryType.id
        let spacePadded = H5Tget_strpad(fileTypeID) == H5T_STR_SPACEPAD
        var bytes = [UInt8](repeating: 0, count: total)
        try hdf5("H5Aread", where_) {
            bytes.withUnsafeMutableBytes { H5Aread(attributeID, memoryTypeID, $0.baseAddress) }
        }
        return (0..<count).map { i in
            var element = bytes[(i * size)..<((i + 1) * size)]
            if let nul = element.firstIndex(of: 0) { element = element[..<nul] }
            if spacePadded {
                while element.last == 0x20 { element = element.dropLast() }
            }
            return String(decoding: element, as: UTF8.self)
        }
    }

    private func readVariable(count: Int, byteLimit: Int) throws(HDF5Error) -> [String] {
        let where_ = location
        guard count > 0 else { return [] }
        let attributeID = id
        let fileType = try HDF5Temporary(.datatype, "H5Aget_type", where_) { H5Aget_type(attributeID) }
        let charset = H5Tget_cset(fileType.id)
        let memoryType = try HDF5Temporary(.datatype, "H5Tcopy", where_) { H5Tcopy(chdf5_t_c_s1()) }
        let memoryTypeID = memoryType.id
        try hdf5("H5Tset_size", where_) { H5Tset_size(memoryTypeID, chdf5_t_variable()) }
        try hdf5("H5Tset_cset", where_) { H5Tset_cset(memoryTypeID, charset) }
        let space = try HDF5Temporary(.dataspace, "H5Aget_space", where_) { H5Aget_space(attributeID) }
        let spaceID = space.id
        var pointers = [UnsafeMutablePointer<CChar>?](repeating: nil, count: count)
        try hdf5("H5Aread", where_) {
            pointers.withUnsafeMutableBytes { H5Aread(attributeID, memoryTypeID, $0.baseAddress) }
        }
        defer {
            _ = pointers.withUnsafeMutableBytes { buffer in
                H5Dvlen_reclaim(memoryTypeID, spaceID, chdf5_p_default(), buffer.baseAddress)
            }
        }
        var strings: [String] = []
        var total = 0
        for pointer in pointers {
            guard let pointer else {
                strings.append("")
                continue
            }
            let length = strlen(pointer)
            total += length
            guard total <= byteLimit else {
                throw HDF5Error(operation: "read strings", path: where_, stack: [],
                                kind: .limitExceeded(what: "string bytes", value: "\(total)+", limit: byteLimit))
            }
            let bytes = UnsafeRawBufferPointer(start: pointer, count: length)
            strings.append(String(decoding: bytes, as: UTF8.self))
        }
        return strings
    }
}
