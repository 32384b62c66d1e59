/// `TensorProto.DataType`: the element types, by their numbers in `onnx.proto`.
public struct ONNXDataType: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public var rawValue: Int32
    public init(rawValue: Int32) { self.rawValue = rawValue }

    /// `FLOAT` (32-bit).
    public static let float = ONNXDataType(rawValue: 1)
    /// `UINT8`.
    public static let uint8 = ONNXDataType(rawValue: 2)
    /// `INT8`.
    public static let int8 = ONNXDataType(rawValue: 3)
    /// `UINT16`.
    public static let uint16 = ONNXDataType(rawValue: 4)
    /// `INT16`.
    public static let int16 = ONNXDataType(rawValue: 5)
    /// `INT32`.
    public static let int32 = ONNXDataType(rawValue: 6)
    /// `INT64`.
    public static let int64 = ONNXDataType(rawValue: 7)
    /// `STRING`.
    public static let string = ONNXDataType(rawValue: 8)
    /// `BOOL`.
    public static let bool = ONNXDataType(rawValue: 9)
    /// `FLOAT16`.
    public static let float16 = ONNXDataType(rawValue: 10)
    /// `DOUBLE`.
    public static let double = ONNXDataType(rawValue: 11)
    /// `UINT32`.
    public static let uint32 = ONNXDataType(rawValue: 12)
    /// `UINT64`.
    public static let uint64 = ONNXDataType(rawValue: 13)
    /// `BFLOAT16`.
    public static let bfloat16 = ONNXDataType(rawValue: 16)

    static let names: [Int32: String] = [
        0: "UNDEFINED", 1: "FLOAT", 2: "UINT8", 3: "INT8", 4: "UINT16", 5: "INT16", 6: "INT32", 7: "INT64",
        8: "STRING", 9: "BOOL", 10: "FLOAT16", 11: "DOUBLE", 12: "UINT32", 13: "UINT64", 14: "COMPLEX64",
        15: "COMPLEX128", 16: "BFLOAT16",
    ]
    public var description: String { Self.names[rawValue] ?? "data type \(rawValue)" }

    /// Bytes per element in `raw_data`, for the types Graft decodes.
    public var byteWidth: Int? {
        switch self {
        case .float, .int32, .uint32: 4
        case .double, .int64, .uint64: 8
        case .uint8, .int8, .bool: 1
        case .uint16, .int16, .float16, .bfloat16: 2
        default: nil
        }
    }

    /// Float, double, float16 or bfloat16.
    public var isFloatingPoint: Bool { self == .float || self == .double || self == .float16 || self == .bfloat16 }
    /// An integer or boolean type Graft decodes.
    public var isInteger: Bool { byteWidth != nil && !isFloatingPoint }
}

/// A `TensorProto` with its data decoded: floating-point types (float, double, float16, bfloat16)
/// as `Float`, integer and boolean types as `Int64`; data stored outside the model file is
/// referenced, read later by ``loadingExternalData(folder:modelFile:)`` when the model's folder
/// is known.
public struct ONNXTensor: Equatable, Sendable {
    /// The decoded elements, or where they are stored.
    public enum Data: Equatable, Sendable {
        /// Floating-point elements.
        case floats([Float])
        /// Integer and boolean elements.
        case integers([Int64])
        /// Strings, as bytes.
        case strings([[UInt8]])
        /// Data in a file beside the model, not read yet.
        case external(ONNXExternalData)
    }

    /// The tensor's name.
    public var name: String
    /// Its dimensions.
    public var dims: [Int]
    /// Its element type as declared.
    public var dataType: ONNXDataType
    /// Its elements.
    public var data: Data

    /// A tensor of these parts.
    public init(name: String, dims: [Int], dataType: ONNXDataType = .float, data: Data) {
        self.name = name
        self.dims = dims
        self.dataType = dataType
        self.data = data
    }

    /// A float tensor.
    public init(name: String, dims: [Int], floats: [Float]) {
        self.init(name: name, dims: dims, dataType: .float, data: .floats(floats))
    }

    /// An INT64 tensor.
    public init(name: String, dims: [Int], int64s: [Int64]) {
        self.init(name: name, dims: dims, dataType: .int64, data: .integers(int64s))
    }

    /// The number of elements the dims declare (1 for a scalar), nil on overflow.
    public var elementCount: Int? {
        var count = 1
        for d in dims {
            guard d >= 0 else { return nil }
            let (product, overflow) = count.multipliedReportingOverflow(by: d)
            guard !overflow else { return nil }
            count = product
        }
        return count
    }

    /// The values as floats (integers converted), nil for strings and unread external data.
    public var floatValues: [Float]? {
        switch data {
        case .floats(let v): v
        case .integers(let v): v.map(Float.init)
        default: nil
        }
    }
}

/// Where a tensor's bytes live outside the model file: `location` relative to the model's
/// folder, `offset` and `length` in bytes (length nil: to the end of the file).
public struct ONNXExternalData: Equatable, Sendable {
    /// The data file, relative to the model's folder.
    public var location: String
    /// Where the tensor's bytes start in it.
    public var offset: Int
    /// How many bytes; nil: to the end of the file.
    public var length: Int?

    /// A reference to `location` from `offset` on.
    public init(location: String, offset: Int = 0, length: Int? = nil) {
        self.location = location
        self.offset = offset
        self.length = length
    }
}
