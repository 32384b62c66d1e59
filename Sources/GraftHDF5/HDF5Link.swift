/// How a group member is linked. Only hard links are followed: soft and external links can point
/// outside the file or form cycles, so readers refuse them with a typed error.
public enum HDF5LinkKind: Equatable, Sendable, CustomStringConvertible {
    /// A hard link (followed), a soft link (a path inside the file) or an external link (into another file).
    case hard, soft, external
    /// A user-defined link class (its numeric identifier).
    case userDefined(Int)

    public var description: String {
        switch self {
        case .hard: "hard"
        case .soft: "soft"
        case .external: "external"
        case .userDefined(let code): "user-defined (\(code))"
        }
    }
}

/// What a hard link points at.
public enum HDF5ObjectKind: Equatable, Sendable, CustomStringConvertible {
    /// A group or a dataset.
    case group, dataset
    /// A committed (named) datatype: neither a group nor a dataset.
    case namedDatatype
    /// An object type HDF5 does not name.
    case unknown

    public var description: String {
        switch self {
        case .group: "group"
        case .dataset: "dataset"
        case .namedDatatype: "named datatype"
        case .unknown: "unknown object"
        }
    }
}

/// One member of a group, as listed by ``HDF5Group/links(order:)``.
public struct HDF5Link: Equatable, Sendable {
    /// The member's name inside its group.
    public var name: String
    /// How the member is linked.
    public var kind: HDF5LinkKind
    /// What the link points at; nil for soft, external and user-defined links (never followed).
    public var object: HDF5ObjectKind?

    /// A member called `name`, linked as `kind`, pointing at `object`.
    public init(name: String, kind: HDF5LinkKind, object: HDF5ObjectKind?) {
        self.name = name
        self.kind = kind
        self.object = object
    }
}

/// The order in which group members are listed.
public enum HDF5LinkOrder: Sendable {
    /// Alphabetical by name (always available; what h5py iterates).
    case name
    /// Order of creation; only for groups created with creation-order tracking.
    case creation
}
