import Foundation
internal import CHDF5

/// The attributes of a group or dataset: listing, reading (including lists that Keras split into
/// numbered chunks) and writing. Keeps its object alive.
public struct HDF5Attributes: @unchecked Sendable {
    private let owner: AnyObject
    private let id: hid_t
    /// The file, kept alive while these attributes are.
    public let file: HDF5File
    /// The absolute path of the object the attributes belong to.
    public let objectPath: String

    init(owner: AnyObject, id: hid_t, file: HDF5File, objectPath: String) {
        self.owner = owner
        self.id = id
        self.file = file
        self.objectPath = objectPath
    }

    /// The largest attribute Keras writes in one piece (`HDF5_OBJECT_HEADER_LIMIT` in Keras's
    /// saving code); longer lists are split into `name0`, `name1`, ...
    public static let kerasChunkByteLimit = 64512

    private func location(_ name: String) -> String { "\(file.describe(objectPath))@\(name)" }

    // MARK: - Reading

    /// The attribute names, alphabetically.
    public func names() throws(HDF5Error) -> [String] {
        let objectID = id
        let where_ = file.describe(objectPath)
        var info = H5O_info_t()
        try hdf5("H5Oget_info2", where_) { H5Oget_info2(objectID, &info, UInt32(H5O_INFO_NUM_ATTRS)) }
        guard info.num_attrs <= UInt64(HDF5Group.maxMembers) else {
            throw HDF5Error(operation: "list attributes", path: where_, stack: [],
                            kind: .limitExceeded(what: "attribute count", value: "\(info.num_attrs)", limit: HDF5Group.maxMembers))
        }
        var result: [String] = []
        for i in 0..<info.num_attrs {
            let length = try hdf5("H5Aget_name_by_idx", where_) {
                H5Aget_name_by_idx(objectID, ".", H5_INDEX_NAME, H5_ITER_INC, i, nil, 0, chdf5_p_default())
            }
            guard length <= HDF5Group.maxNameBytes else {
                throw HDF5Error(operation: "list attributes", path: where_, stack: [],
                                kind: .limitExceeded(what: "name length", value: "\(length)", limit: HDF5Group.maxNameBytes))
            }
            var buffer = [CChar](repeating: 0, count: Int(length) + 1)
            try hdf5("H5Aget_name_by_idx", where_) {
                H5Aget_name_by_idx(objectID, ".", H5_INDEX_NAME, H5_ITER_INC, i, &buffer, buffer.count, chdf5_p_default())
            }
            result.append(String(decoding: buffer.prefix(Int(length)).map { UInt8(bitPattern: $0) }, as: UTF8.self))
        }
        return result
    }

    /// True when the object has an attribute called `name`.
    public func contains(_ name: String) throws(HDF5Error) -> Bool {
        let objectID = id
        return try hdf5Bool("H5Aexists", location(name)) { H5Aexists(objectID, name) }
    }

    /// Opens the attribute called `name`.
    public func open(_ name: String) throws(HDF5Error) -> HDF5Attribute {
        guard try contains(name) else {
            throw HDF5Error(operation: "open attribute", path: location(name), stack: [], kind: .notFound)
        }
        let objectID = id
        let attributeID = try hdf5("H5Aopen", location(name)) { H5Aopen(objectID, name, chdf5_p_default()) }
        return try HDF5Attribute(id: attributeID, owner: owner, file: file, objectPath: objectPath, name: name)
    }

    /// Reads a string attribute, scalar or 1-D.
    public func strings(_ name: String) throws(HDF5Error) -> [String] {
        try open(name).readStrings()
    }

    /// Reads a single string (a scalar, or an array of exactly one element).
    public func string(_ name: String) throws(HDF5Error) -> String {
        let values = try strings(name)
        guard values.count == 1 else {
            throw HDF5Error(operation: "read string", path: location(name), stack: [],
                            kind: .wrongType(expected: "one string", found: "\(values.count) strings"))
        }
        return values[0]
    }

    /// Reads a string list that may have been split into chunks: `name` itself if present, else
    /// `name0`, `name1`, ... up to the first missing index, concatenated. Nil when neither exists.
    ///
    /// An empty numeric array (what Keras writes for a layer without weights) reads as `[]`.
    public func chunkedStrings(_ name: String) throws(HDF5Error) -> [String]? {
        if try contains(name) { return try stringsOrEmpty(name) }
        var result: [String] = []
        var chunk = 0
        while try contains("\(name)\(chunk)") {
            result += try stringsOrEmpty("\(name)\(chunk)")
            chunk += 1
        }
        return chunk == 0 ? nil : result
    }

    private func stringsOrEmpty(_ name: String) throws(HDF5Error) -> [String] {
        let attribute = try open(name)
        if !attribute.elementType.isString, attribute.elementCount == 0 { return [] }
        return try attribute.readStrings()
    }

    /// Reads numbers as `Double`.
    public func doubles(_ name: String) throws(HDF5Error) -> [Double] {
        try open(name).readDoubles()
    }

    /// Reads integers as `Int64`.
    public func integers(_ name: String) throws(HDF5Error) -> [Int64] {
        try open(name).readIntegers()
    }

    // MARK: - Writing

    /// Writes a string attribute (replacing any of the same name). `shape` nil means 1-D with
    /// one element per string; `[]` means a scalar (exactly one string).
    public func setStrings(_ name: String, _ values: [String], encoding: HDF5StringEncoding,
                           shape: [Int]? = nil) throws(HDF5Error) {
        let where_ = location(name)
        let shape = try checkedShape(shape, count: values.count, path: where_)
        let nonASCII = values.contains { $0.utf8.contains { $0 >= 0x80 } }
        let charset = nonASCII ? H5T_CSET_UTF8 : H5T_CSET_ASCII
        let type = try HDF5Temporary(.datatype, "H5Tcopy", where_) { H5Tcopy(chdf5_t_c_s1()) }
        let typeID = type.id
        try hdf5("H5Tset_cset", where_) { H5Tset_cset(typeID, charset) }
        switch encoding {
        case .fixedLength:
            let size = max(1, values.map(\.utf8.count).max() ?? 1)
            try hdf5("H5Tset_size", where_) { H5Tset_size(typeID, size) }
            try hdf5("H5Tset_strpad", where_) { H5Tset_strpad(typeID, H5T_STR_NULLPAD) }
            var bytes = [UInt8](repeating: 0, count: max(1, values.count * size))
            for (i, value) in values.enumerated() {
                bytes.replaceSubrange((i * size)..<(i * size + value.utf8.count), with: Array(value.utf8))
            }
            try write(name, type: typeID, shape: shape) { attributeID throws(HDF5Error) in
                _ = try hdf5("H5Awrite", where_) { bytes.withUnsafeBytes { H5Awrite(attributeID, typeID, $0.baseAddress) } }
            }
        case .variableLength:
            try hdf5("H5Tset_size", where_) { H5Tset_size(typeID, chdf5_t_variable()) }
            let pointers: [UnsafeMutablePointer<CChar>?] = values.map { strdup($0) }
            defer { pointers.forEach { free($0) } }
            try write(name, type: typeID, shape: shape) { attributeID throws(HDF5Error) in
                _ = try hdf5("H5Awrite", where_) { pointers.withUnsafeBytes { H5Awrite(attributeID, typeID, $0.baseAddress) } }
            }
        }
    }

    /// Writes one string as a scalar attribute.
    public func setString(_ name: String, _ value: String, encoding: HDF5StringEncoding = .variableLength) throws(HDF5Error) {
        try setStrings(name, [value], encoding: encoding, shape: [])
    }

    /// Writes a string list the way Keras does: in one attribute when its fixed-length form fits
    /// `chunkByteLimit`, otherwise split (NumPy `array_split` style) into `name0`, `name1`, ...
    /// Returns the number of attributes written.
    @discardableResult
    public func setChunkedStrings(_ name: String, _ values: [String], encoding: HDF5StringEncoding = .fixedLength,
                                  chunkByteLimit: Int = kerasChunkByteLimit) throws(HDF5Error) -> Int {
        let itemSize = max(1, values.map(\.utf8.count).max() ?? 1)
        guard itemSize <= chunkByteLimit else {
            throw HDF5Error(operation: "write chunked strings", path: location(name), stack: [],
                            kind: .invalidArgument("a string of \(itemSize) bytes cannot fit a chunk of \(chunkByteLimit)"))
        }
        var chunks = 1
        while values.count.dividedRoundingUp(by: chunks) * itemSize > chunkByteLimit { chunks += 1 }
        if chunks == 1 {
            try setStrings(name, values, encoding: encoding)
            return 1
        }
        var start = 0
        for chunk in 0..<chunks {
            let length = values.count / chunks + (chunk < values.count % chunks ? 1 : 0)
            try setStrings("\(name)\(chunk)", Array(values[start..<(start + length)]), encoding: encoding)
            start += length
        }
        return chunks
    }

    /// Writes float64 numbers (`shape` nil: 1-D; `[]`: scalar; `[0]`: an empty array, as Keras
    /// writes `weight_names` for layers without weights).
    public func setDoubles(_ name: String, _ values: [Double], shape: [Int]? = nil) throws(HDF5Error) {
        let where_ = location(name)
        let shape = try checkedShape(shape, count: values.count, path: where_)
        try write(name, type: chdf5_t_ieee_f64le(), shape: shape) { attributeID throws(HDF5Error) in
            _ = try hdf5("H5Awrite", where_) {
                values.withUnsafeBytes { H5Awrite(attributeID, chdf5_t_native_double(), $0.baseAddress) }
            }
        }
    }

    /// Writes integers in the given storage width, refusing values it cannot hold.
    public func setIntegers(_ name: String, _ values: [Int64], storage: HDF5IntegerStorage = .int64,
                            shape: [Int]? = nil) throws(HDF5Error) {
        let where_ = location(name)
        let shape = try checkedShape(shape, count: values.count, path: where_)
        if let bad = values.first(where: { !storage.range.contains($0) }) {
            throw HDF5Error(operation: "write integers", path: where_, stack: [],
                            kind: .invalidArgument("\(bad) does not fit \(storage)"))
        }
        try write(name, type: storage.fileType, shape: shape) { attributeID throws(HDF5Error) in
            _ = try hdf5("H5Awrite", where_) {
                values.withUnsafeBytes { H5Awrite(attributeID, chdf5_t_native_int64(), $0.baseAddress) }
            }
        }
    }

    /// Removes an attribute if present.
    public func remove(_ name: String) throws(HDF5Error) {
        let objectID = id
        if try contains(name) {
            try hdf5("H5Adelete", location(name)) { H5Adelete(objectID, name) }
        }
    }

    private func checkedShape(_ shape: [Int]?, count: Int, path: String) throws(HDF5Error) -> [Int] {
        let shape = shape ?? [count]
        let extent = HDF5Extent(isNull: false, shape: shape)
        guard shape.allSatisfy({ $0 >= 0 }), extent.elementCount == count else {
            throw HDF5Error(operation: "write attribute", path: path, stack: [],
                            kind: .invalidArgument("\(count) values do not fill shape \(shape)"))
        }
        return shape
    }

    /// Creates the attribute (replacing one of the same name) and lets `body` write its data.
    private func write(_ name: String, type: hid_t, shape: [Int],
                       _ body: (hid_t) throws(HDF5Error) -> Void) throws(HDF5Error) {
        let where_ = location(name)
        guard file.isWritable else {
            throw HDF5Error(operation: "write attribute", path: where_, stack: [], kind: .invalidArgument("the file is read-only"))
        }
        try remove(name)
        let space = try HDF5Extent.create(shape: shape, path: where_)
        let spaceID = space.id
        let objectID = id
        let attribute = try HDF5Temporary(.attribute, "H5Acreate2", where_) {
            H5Acreate2(objectID, name, type, spaceID, chdf5_p_default(), chdf5_p_default())
        }
        try body(attribute.id)
    }
}

extension Int {
    /// Ceiling division for non-negative values.
    func dividedRoundingUp(by divisor: Int) -> Int { (self + divisor - 1) / divisor }
}
