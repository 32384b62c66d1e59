/// Element types a `.graft` (safetensors) file may hold, spelled as safetensors spells them.
///
/// Graft writes `F32`; it reads every type below and converts to float32 for computing.
public enum DType: String, Codable, Sendable, CaseIterable {
    /// IEEE double precision.
    case float64 = "F64"
    /// IEEE single precision, what Graft computes and writes in.
    case float32 = "F32"
    /// IEEE half precision.
    case float16 = "F16"
    /// bfloat16: single precision's exponent with a 7-bit mantissa.
    case bfloat16 = "BF16"
    /// 64-bit signed integer.
    case int64 = "I64"
    /// 32-bit signed integer.
    case int32 = "I32"
    /// 16-bit signed integer.
    case int16 = "I16"
    /// 8-bit signed integer.
    case int8 = "I8"
    /// 8-bit unsigned integer.
    case uint8 = "U8"
    /// One byte per element, 0 false and anything else true.
    case bool = "BOOL"

    /// Bytes per element.
    public var byteSize: Int {
        switch self {
        case .float64, .int64: 8
        case .float32, .int32: 4
        case .float16, .bfloat16, .int16: 2
        case .int8, .uint8, .bool: 1
        }
    }
}
