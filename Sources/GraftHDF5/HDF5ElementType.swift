internal import CHDF5

/// The element type of a dataset or attribute, as far as Graft cares: readers dispatch on this
/// once instead of asking the library repeatedly.
public enum HDF5ElementType: Equatable, Sendable, CustomStringConvertible {
    /// IEEE floating point of 2, 4 or 8 bytes (any byte order; the library converts).
    case float(bytes: Int)
    /// Two's-complement integers of 1, 2, 4 or 8 bytes.
    case signedInteger(bytes: Int)
    /// Unsigned integers of 1, 2, 4 or 8 bytes.
    case unsignedInteger(bytes: Int)
    /// Fixed-length strings of this many bytes (NUL- or space-padded).
    case fixedString(bytes: Int)
    /// Variable-length strings (what h5py writes for Python `str`).
    case variableString
    /// Compound, enum, opaque, reference, array or variable-length sequence types.
    case other(String)

    public var description: String {
        switch self {
        case .float(let b): "float\(b * 8)"
        case .signedInteger(let b): "int\(b * 8)"
        case .unsignedInteger(let b): "uint\(b * 8)"
        case .fixedString(let b): "fixed-length string (\(b) bytes)"
        case .variableString: "variable-length string"
        case .other(let name): name
        }
    }

    /// Whether the elements are strings, of fixed or variable length.
    public var isString: Bool {
        switch self {
        case .fixedString, .variableString: true
        default: false
        }
    }

    /// Whether the elements are floats or integers.
    public var isNumeric: Bool {
        switch self {
        case .float, .signedInteger, .unsignedInteger: true
        default: false
        }
    }

    /// Classifies a datatype identifier.
    static func classify(_ type: hid_t, path: String) throws(HDF5Error) -> HDF5ElementType {
        HDF5Library.silenceThisThread()
        let typeClass = H5Tget_class(type)
        let size = H5Tget_size(type)
        switch typeClass {
        case H5T_FLOAT:
            return .float(bytes: size)
        case H5T_INTEGER:
            return H5Tget_sign(type) == H5T_SGN_NONE ? .unsignedInteger(bytes: size) : .signedInteger(bytes: size)
        case H5T_STRING:
            let variable = try hdf5Bool("H5Tis_variable_str", path) { H5Tis_variable_str(type) }
            return variable ? .variableString : .fixedString(bytes: size)
        case H5T_COMPOUND: return .other("compound")
        case H5T_ENUM: return .other("enum")
        case H5T_OPAQUE: return .other("opaque")
        case H5T_REFERENCE: return .other("reference")
        case H5T_ARRAY: return .other("array")
        case H5T_VLEN: return .other("variable-length sequence")
        case H5T_BITFIELD: return .other("bitfield")
        case H5T_TIME: return .other("time")
        default:
            throw HDF5Error(operation: "H5Tget_class", path: path, stack: HDF5Library.takeErrorStack())
        }
    }
}

/// How `Float` values are stored in a dataset Graft writes.
public enum HDF5FloatStorage: Sendable, CaseIterable {
    /// IEEE half, single or double precision.
    case float16, float32, float64
}

/// How integers are stored in a dataset or attribute Graft writes.
public enum HDF5IntegerStorage: Sendable, CaseIterable {
    /// Signed or unsigned integers of 8 to 64 bits, stored little-endian.
    case int8, int16, int32, int64, uint8, uint16, uint32, uint64

    /// The predefined little-endian file type (not owned: predefined types are never closed).
    var fileType: hid_t {
        switch self {
        case .int8: chdf5_t_std_i8le()
        case .int16: chdf5_t_std_i16le()
        case .int32: chdf5_t_std_i32le()
        case .int64: chdf5_t_std_i64le()
        case .uint8: chdf5_t_std_u8le()
        case .uint16: chdf5_t_std_u16le()
        case .uint32: chdf5_t_std_u32le()
        case .uint64: chdf5_t_std_u64le()
        }
    }

    /// The range of values the storage holds, for refusing values that would be clipped.
    var range: ClosedRange<Int64> {
        switch self {
        case .int8: Int64(Int8.min)...Int64(Int8.max)
        case .int16: Int64(Int16.min)...Int64(Int16.max)
        case .int32: Int64(Int32.min)...Int64(Int32.max)
        case .int64: Int64.min...Int64.max
        case .uint8: 0...Int64(UInt8.max)
        case .uint16: 0...Int64(UInt16.max)
        case .uint32: 0...Int64(UInt32.max)
        case .uint64: 0...Int64.max
        }
    }
}

/// How strings are stored in an attribute Graft writes. Old Keras wrote fixed-length byte strings,
/// h5py 3 and tf.keras write variable-length ones.
public enum HDF5StringEncoding: Sendable, CaseIterable {
    /// Fixed-length byte strings (old Keras) or variable-length strings (h5py 3, tf.keras).
    case fixedLength, variableLength
}
