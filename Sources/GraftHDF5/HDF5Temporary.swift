internal import CHDF5

/// A short-lived HDF5 identifier (dataspace, datatype, property list, or an attribute or dataset
/// being written) owned by one scope and
/// closed exactly once when it goes out of scope. Non-copyable, so it cannot be closed twice.
struct HDF5Temporary: ~Copyable {
    enum Kind {
        case dataspace, datatype, propertyList, attribute, dataset
    }

    let id: hid_t
    let kind: Kind

    /// Runs `call` through the choke point and takes ownership of the identifier it returns.
    init(_ kind: Kind, _ operation: @autoclosure () -> String, _ path: @autoclosure () -> String,
         _ call: () -> hid_t) throws(HDF5Error) {
        self.id = try hdf5(operation(), path(), call)
        self.kind = kind
    }

    deinit {
        HDF5Library.silenceThisThread()
        switch kind {
        case .dataspace: _ = H5Sclose(id)
        case .datatype: _ = H5Tclose(id)
        case .propertyList: _ = H5Pclose(id)
        case .attribute: _ = H5Aclose(id)
        case .dataset: _ = H5Dclose(id)
        }
    }
}

/// What a dataspace holds: no elements at all (`H5S_NULL`), one (scalar, shape `[]`) or an array.
struct HDF5Extent: Equatable {
    var isNull: Bool
    var shape: [Int]

    /// The number of elements, or nil when the product overflows `Int`.
    var elementCount: Int? {
        if isNull { return 0 }
        var total = 1
        for d in shape {
            let (product, overflow) = total.multipliedReportingOverflow(by: d)
            if overflow { return nil }
            total = product
        }
        return total
    }

    /// The rank HDF5 itself allows (`H5S_MAX_RANK`).
    static let maxRank = 32

    /// Reads a dataspace's extent, refusing ranks and dimensions that do not fit the limits.
    static func read(_ space: borrowing HDF5Temporary, path: String) throws(HDF5Error) -> HDF5Extent {
        HDF5Library.silenceThisThread()
        let spaceID = space.id
        let type = H5Sget_simple_extent_type(spaceID)
        switch type {
        case H5S_NULL: return HDF5Extent(isNull: true, shape: [])
        case H5S_SCALAR: return HDF5Extent(isNull: false, shape: [])
        case H5S_SIMPLE: break
        default:
            throw HDF5Error(operation: "H5Sget_simple_extent_type", path: path, stack: HDF5Library.takeErrorStack())
        }
        let rank = Int(try hdf5("H5Sget_simple_extent_ndims", path) { H5Sget_simple_extent_ndims(spaceID) })
        guard rank <= maxRank else {
            throw HDF5Error(operation: "read dataspace", path: path, stack: [],
                            kind: .limitExceeded(what: "rank", value: "\(rank)", limit: maxRank))
        }
        var dims = [hsize_t](repeating: 0, count: rank)
        try hdf5("H5Sget_simple_extent_dims", path) { H5Sget_simple_extent_dims(spaceID, &dims, nil) }
        var shape: [Int] = []
        for d in dims {
            guard let value = Int(exactly: d) else {
                throw HDF5Error(operation: "read dataspace", path: path, stack: [],
                                kind: .limitExceeded(what: "dimension", value: "\(d)", limit: Int.max))
            }
            shape.append(value)
        }
        return HDF5Extent(isNull: false, shape: shape)
    }

    /// The element count, checked against `limit` before anything is allocated.
    func cappedCount(limit: Int, path: String, operation: String) throws(HDF5Error) -> Int {
        guard let count = elementCount else {
            throw HDF5Error(operation: operation, path: path, stack: [],
                            kind: .limitExceeded(what: "element count of shape \(shape)", value: "overflow", limit: limit))
        }
        guard count <= limit else {
            throw HDF5Error(operation: operation, path: path, stack: [],
                            kind: .limitExceeded(what: "element count", value: "\(count)", limit: limit))
        }
        return count
    }

    /// A dataspace for writing `shape` (scalar for `[]`).
    static func create(shape: [Int], path: String) throws(HDF5Error) -> HDF5Temporary {
        if shape.isEmpty {
            return try HDF5Temporary(.dataspace, "H5Screate", path) { H5Screate(H5S_SCALAR) }
        }
        let dims = shape.map { hsize_t($0) }
        return try HDF5Temporary(.dataspace, "H5Screate_simple", path) {
            H5Screate_simple(Int32(dims.count), dims, nil)
        }
    }
}
