internal import CHDF5

/// An open HDF5 group. Owns its identifier and closes it exactly once in `deinit`.
///
/// Paths given to ``group(_:)``, ``dataset(_:)`` and ``contains(_:)`` are walked one component at
/// a time so that a soft or external link anywhere along them is refused, not followed.
public final class HDF5Group: @unchecked Sendable {
    let id: hid_t
    /// The file, kept alive while this group is.
    public let file: HDF5File
    /// The group's absolute path inside the file, e.g. `/model_weights/conv1`.
    public let objectPath: String

    init(id: hid_t, file: HDF5File, objectPath: String) {
        self.id = id
        self.file = file
        self.objectPath = objectPath
    }

    deinit {
        HDF5Library.silenceThisThread()
        _ = H5Gclose(id)
    }

    /// Caps on what a listing may return, so a hostile file cannot make Graft allocate wildly.
    public static let maxMembers = 1 << 20
    /// The longest member or attribute name read, in bytes.
    public static let maxNameBytes = 1 << 16

    /// The group's attributes.
    public var attributes: HDF5Attributes {
        HDF5Attributes(owner: self, id: id, file: file, objectPath: objectPath)
    }

    /// The absolute path of a member.
    public func childPath(_ name: String) -> String {
        objectPath == "/" ? "/" + name : objectPath + "/" + name
    }

    /// True when the group was created with link creation-order tracking.
    public func tracksCreationOrder() throws(HDF5Error) -> Bool {
        let groupID = id
        let where_ = file.describe(objectPath)
        let plist = try HDF5Temporary(.propertyList, "H5Gget_create_plist", where_) { H5Gget_create_plist(groupID) }
        let plistID = plist.id
        var flags: UInt32 = 0
        try hdf5("H5Pget_link_creation_order", where_) { H5Pget_link_creation_order(plistID, &flags) }
        return flags & UInt32(H5P_CRT_ORDER_TRACKED) != 0
    }

    /// The group's members in the given order, each with its link kind and (for hard links) what
    /// it points at. Nothing is followed.
    public func links(order: HDF5LinkOrder = .name) throws(HDF5Error) -> [HDF5Link] {
        let groupID = id
        let where_ = file.describe(objectPath)
        if order == .creation, try !tracksCreationOrder() {
            throw HDF5Error(operation: "list members in creation order", path: where_, stack: [],
                            kind: .wrongObject(expected: "group tracking creation order", found: "group without creation-order tracking"))
        }
        var info = H5G_info_t()
        try hdf5("H5Gget_info", where_) { H5Gget_info(groupID, &info) }
        guard info.nlinks <= UInt64(Self.maxMembers) else {
            throw HDF5Error(operation: "list members", path: where_, stack: [],
                            kind: .limitExceeded(what: "member count", value: "\(info.nlinks)", limit: Self.maxMembers))
        }
        let index = order == .name ? H5_INDEX_NAME : H5_INDEX_CRT_ORDER
        var result: [HDF5Link] = []
        result.reserveCapacity(Int(info.nlinks))
        for i in 0..<info.nlinks {
            let length = try hdf5("H5Lget_name_by_idx", where_) {
                H5Lget_name_by_idx(groupID, ".", index, H5_ITER_INC, i, nil, 0, chdf5_p_default())
            }
            guard length <= Self.maxNameBytes else {
                throw HDF5Error(operation: "list members", path: where_, stack: [],
                                kind: .limitExceeded(what: "name length", value: "\(length)", limit: Self.maxNameBytes))
            }
            var buffer = [CChar](repeating: 0, count: Int(length) + 1)
            try hdf5("H5Lget_name_by_idx", where_) {
                H5Lget_name_by_idx(groupID, ".", index, H5_ITER_INC, i, &buffer, buffer.count, chdf5_p_default())
            }
            let name = String(decoding: buffer.prefix(Int(length)).map { UInt8(bitPattern: $0) }, as: UTF8.self)
            guard let link = try link(named: name) else {
                throw HDF5Error(operation: "list members", path: file.describe(childPath(name)), stack: [], kind: .notFound)
            }
            result.append(link)
        }
        return result
    }

    /// The member called `name` (one path component), or nil when there is none.
    public func link(named name: String) throws(HDF5Error) -> HDF5Link? {
        let groupID = id
        let where_ = file.describe(childPath(name))
        guard !name.isEmpty, !name.contains("/") else {
            throw HDF5Error(operation: "look up link", path: where_, stack: [],
                            kind: .invalidArgument("'\(name)' is not a single path component"))
        }
        guard try hdf5Bool("H5Lexists", where_, { H5Lexists(groupID, name, chdf5_p_default()) }) else { return nil }
        var info = H5L_info_t()
        try hdf5("H5Lget_info", where_) { H5Lget_info(groupID, name, &info, chdf5_p_default()) }
        switch info.type {
        case H5L_TYPE_HARD:
            var objectInfo = H5O_info_t()
            try hdf5("H5Oget_info_by_name2", where_) {
                H5Oget_info_by_name2(groupID, name, &objectInfo, UInt32(H5O_INFO_BASIC), chdf5_p_default())
            }
            let object: HDF5ObjectKind = switch objectInfo.type {
            case H5O_TYPE_GROUP: .group
            case H5O_TYPE_DATASET: .dataset
            case H5O_TYPE_NAMED_DATATYPE: .namedDatatype
            default: .unknown
            }
            return HDF5Link(name: name, kind: .hard, object: object)
        case H5L_TYPE_SOFT: return HDF5Link(name: name, kind: .soft, object: nil)
        case H5L_TYPE_EXTERNAL: return HDF5Link(name: name, kind: .external, object: nil)
        default: return HDF5Link(name: name, kind: .userDefined(Int(info.type.rawValue)), object: nil)
        }
    }

    /// True when `path` (relative, `/`-separated) names an existing member. Throws when a soft or
    /// external link lies along the way.
    public func contains(_ path: String) throws(HDF5Error) -> Bool {
        let components = Self.components(path)
        guard let last = components.last else { return true }
        var group = self
        for name in components.dropLast() {
            guard let link = try group.link(named: name) else { return false }
            guard link.object == .group else {
                try Self.refuse(link, expected: .group, path: group.file.describe(group.childPath(name)))
                return false
            }
            group = try group.openGroup(name)
        }
        guard let link = try group.link(named: last) else { return false }
        if link.kind != .hard { try Self.refuse(link, expected: .group, path: group.file.describe(group.childPath(last))) }
        return true
    }

    /// Opens the group at `path` (relative, `/`-separated), refusing links and non-groups.
    public func group(_ path: String) throws(HDF5Error) -> HDF5Group {
        var group = self
        for name in Self.components(path) {
            try group.require(name, .group)
            group = try group.openGroup(name)
        }
        return group
    }

    /// Opens the dataset at `path` (relative, `/`-separated), refusing links and non-datasets.
    public func dataset(_ path: String) throws(HDF5Error) -> HDF5Dataset {
        var components = Self.components(path)
        guard let last = components.popLast() else {
            throw HDF5Error(operation: "open dataset", path: file.describe(objectPath), stack: [],
                            kind: .wrongObject(expected: "dataset", found: "group"))
        }
        let parent = try group(components.joined(separator: "/"))
        try parent.require(last, .dataset)
        let parentID = parent.id
        let datasetPath = parent.childPath(last)
        let datasetID = try hdf5("H5Dopen2", file.describe(datasetPath)) { H5Dopen2(parentID, last, chdf5_p_default()) }
        return try HDF5Dataset(id: datasetID, file: file, objectPath: datasetPath)
    }

    // MARK: - Helpers

    static func components(_ path: String) -> [String] {
        path.split(separator: "/", omittingEmptySubsequences: true).map(String.init).filter { $0 != "." }
    }

    /// Checks that `name` is a hard link to an object of the expected kind.
    func require(_ name: String, _ expected: HDF5ObjectKind) throws(HDF5Error) {
        let where_ = file.describe(childPath(name))
        guard let link = try link(named: name) else {
            throw HDF5Error(operation: "open \(expected)", path: where_, stack: [], kind: .notFound)
        }
        try Self.refuse(link, expected: expected, path: where_)
    }

    /// Throws unless `link` is a hard link to an object of the expected kind.
    static func refuse(_ link: HDF5Link, expected: HDF5ObjectKind, path: String) throws(HDF5Error) {
        guard link.kind == .hard else {
            throw HDF5Error(operation: "open \(expected)", path: path, stack: [], kind: .refusedLink(link.kind))
        }
        guard let object = link.object, object == expected else {
            throw HDF5Error(operation: "open \(expected)", path: path, stack: [],
                            kind: .wrongObject(expected: expected.description, found: (link.object ?? .unknown).description))
        }
    }

    private func openGroup(_ name: String) throws(HDF5Error) -> HDF5Group {
        let groupID = id
        let path = childPath(name)
        let child = try hdf5("H5Gopen2", file.describe(path)) { H5Gopen2(groupID, name, chdf5_p_default()) }
        return HDF5Group(id: child, file: file, objectPath: path)
    }
}
