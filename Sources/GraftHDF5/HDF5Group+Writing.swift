internal import CHDF5

/// Writing: what the Keras exporter needs (groups, float datasets, links for tests) and what the
/// tests use to build fixtures through the same library.
extension HDF5Group {
    /// Creates a member group. With `trackCreationOrder`, its members can later be listed in the
    /// order they were created.
    @discardableResult
    public func createGroup(_ name: String, trackCreationOrder: Bool = false) throws(HDF5Error) -> HDF5Group {
        let path = childPath(name)
        let where_ = file.describe(path)
        try checkWritable(name, where_)
        let plist = try HDF5Temporary(.propertyList, "H5Pcreate(group create)", where_) { H5Pcreate(chdf5_p_group_create()) }
        let plistID = plist.id
        if trackCreationOrder {
            try hdf5("H5Pset_link_creation_order", where_) {
                H5Pset_link_creation_order(plistID, chdf5_crt_order_tracked_indexed())
            }
        }
        let parentID = id
        let groupID = try hdf5("H5Gcreate2", where_) {
            H5Gcreate2(parentID, name, chdf5_p_default(), plistID, chdf5_p_default())
        }
        return HDF5Group(id: groupID, file: file, objectPath: path)
    }

    /// Creates a dataset of `Float` values stored as float16, float32 or float64 (the library
    /// rounds when narrowing to float16).
    @discardableResult
    public func createDataset(_ name: String, shape: [Int], values: [Float],
                              storage: HDF5FloatStorage = .float32) throws(HDF5Error) -> HDF5Dataset {
        let where_ = file.describe(childPath(name))
        switch storage {
        case .float32:
            return try createDataset(name, shape: shape, count: values.count, fileType: chdf5_t_ieee_f32le(),
                                     memoryType: chdf5_t_native_float(), values)
        case .float64:
            return try createDataset(name, shape: shape, count: values.count, fileType: chdf5_t_ieee_f64le(),
                                     memoryType: chdf5_t_native_float(), values)
        case .float16:
            let half = try HDF5Temporary(.datatype, "create float16 type", where_) { chdf5_t_ieee_f16le_create() }
            return try createDataset(name, shape: shape, count: values.count, fileType: half.id,
                                     memoryType: chdf5_t_native_float(), values)
        }
    }

    /// Creates a float64 dataset from `Double` values.
    @discardableResult
    public func createDataset(_ name: String, shape: [Int], doubles: [Double]) throws(HDF5Error) -> HDF5Dataset {
        try createDataset(name, shape: shape, count: doubles.count, fileType: chdf5_t_ieee_f64le(),
                          memoryType: chdf5_t_native_double(), doubles)
    }

    /// Creates a float16 dataset from raw IEEE half-precision bit patterns (no rounding involved).
    @discardableResult
    public func createDataset(_ name: String, shape: [Int], float16Bits: [UInt16]) throws(HDF5Error) -> HDF5Dataset {
        let where_ = file.describe(childPath(name))
        let half = try HDF5Temporary(.datatype, "create float16 type", where_) { chdf5_t_ieee_f16le_create() }
        return try createDataset(name, shape: shape, count: float16Bits.count, fileType: half.id,
                                 memoryType: half.id, float16Bits)
    }

    /// Creates an integer dataset in the given storage width, refusing values it cannot hold.
    @discardableResult
    public func createDataset(_ name: String, shape: [Int], integers: [Int64],
                              storage: HDF5IntegerStorage = .int64) throws(HDF5Error) -> HDF5Dataset {
        if let bad = integers.first(where: { !storage.range.contains($0) }) {
            throw HDF5Error(operation: "write integers", path: file.describe(childPath(name)), stack: [],
                            kind: .invalidArgument("\(bad) does not fit \(storage)"))
        }
        return try createDataset(name, shape: shape, count: integers.count, fileType: storage.fileType,
                                 memoryType: chdf5_t_native_int64(), integers)
    }

    /// Creates a soft link (a path that the library resolves when followed; Graft never follows it).
    public func createSoftLink(_ name: String, target: String) throws(HDF5Error) {
        let where_ = file.describe(childPath(name))
        try checkWritable(name, where_)
        let groupID = id
        try hdf5("H5Lcreate_soft", where_) { H5Lcreate_soft(target, groupID, name, chdf5_p_default(), chdf5_p_default()) }
    }

    /// Creates an external link to `object` in another file.
    public func createExternalLink(_ name: String, file otherFile: String, object: String) throws(HDF5Error) {
        let where_ = file.describe(childPath(name))
        try checkWritable(name, where_)
        let groupID = id
        try hdf5("H5Lcreate_external", where_) {
            H5Lcreate_external(otherFile, object, groupID, name, chdf5_p_default(), chdf5_p_default())
        }
    }

    /// Commits a named float32 datatype: an object that is neither a group nor a dataset.
    public func commitFloatDatatype(_ name: String) throws(HDF5Error) {
        let where_ = file.describe(childPath(name))
        try checkWritable(name, where_)
        let type = try HDF5Temporary(.datatype, "H5Tcopy", where_) { H5Tcopy(chdf5_t_ieee_f32le()) }
        let typeID = type.id
        let groupID = id
        try hdf5("H5Tcommit2", where_) {
            H5Tcommit2(groupID, name, typeID, chdf5_p_default(), chdf5_p_default(), chdf5_p_default())
        }
    }

    private func checkWritable(_ name: String, _ where_: String) throws(HDF5Error) {
        guard file.isWritable else {
            throw HDF5Error(operation: "write", path: where_, stack: [], kind: .invalidArgument("the file is read-only"))
        }
        guard !name.isEmpty, !name.contains("/"), name != "." else {
            throw HDF5Error(operation: "write", path: where_, stack: [],
                            kind: .invalidArgument("'\(name)' is not a single path component"))
        }
    }

    private func createDataset<T>(_ name: String, shape: [Int], count: Int, fileType: hid_t, memoryType: hid_t,
                                  _ values: [T]) throws(HDF5Error) -> HDF5Dataset {
        let path = childPath(name)
        let where_ = file.describe(path)
        try checkWritable(name, where_)
        guard shape.allSatisfy({ $0 >= 0 }), HDF5Extent(isNull: false, shape: shape).elementCount == count else {
            throw HDF5Error(operation: "write dataset", path: where_, stack: [],
                            kind: .invalidArgument("\(count) values do not fill shape \(shape)"))
        }
        let space = try HDF5Extent.create(shape: shape, path: where_)
        let spaceID = space.id
        let groupID = id
        let datasetID = try hdf5("H5Dcreate2", where_) {
            H5Dcreate2(groupID, name, fileType, spaceID, chdf5_p_default(), chdf5_p_default(), chdf5_p_default())
        }
        let dataset = try HDF5Dataset(id: datasetID, file: file, objectPath: path)
        if count > 0 {
            try hdf5("H5Dwrite", where_) {
                values.withUnsafeBytes {
                    H5Dwrite(datasetID, memoryType, chdf5_s_all(), chdf5_s_all(), chdf5_p_default(), $0.baseAddress)
                }
            }
        }
        return dataset
    }
}
