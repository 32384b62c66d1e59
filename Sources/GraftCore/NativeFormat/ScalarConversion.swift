/// Converts little-endian file scalars of any ``DType`` to float32, and float32 back to
/// little-endian bytes.
///
/// Loads are unaligned because safetensors only aligns the data section, not each tensor.
enum ScalarConversion {
    /// Decodes `count` scalars of `dtype` from `bytes` (which holds exactly `count * byteSize`).
    static func floats(from bytes: UnsafeRawBufferPointer, dtype: DType, count: Int) -> [Float] {
        precondition(bytes.count == count * dtype.byteSize, "ScalarConversion: byte count does not match")
        if count == 0 { return [] }
        #if _endian(little)
        if dtype == .float32 {
            return [Float](unsafeUninitializedCapacity: count) { buffer, initialized in
                UnsafeMutableRawBufferPointer(buffer).copyMemory(from: bytes)
                initialized = count
            }
        }
        #endif
        return [Float](unsafeUninitializedCapacity: count) { buffer, initialized in
            func fill(_ element: (Int) -> Float) {
                for i in 0..<count { buffer.initializeElement(at: i, to: element(i)) }
            }
            switch dtype {
            case .float32:
                fill { Float(bitPattern: UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: $0 * 4, as: UInt32.self))) }
            case .float64:
                fill { Float(Double(bitPattern: UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: $0 * 8, as: UInt64.self)))) }
            case .float16:
                fill { float(fromHalfBits: UInt16(littleEndian: bytes.loadUnaligned(fromByteOffset: $0 * 2, as: UInt16.self))) }
            case .bfloat16:
                fill { Float(bitPattern: UInt32(UInt16(littleEndian: bytes.loadUnaligned(fromByteOffset: $0 * 2, as: UInt16.self))) << 16) }
            case .int64:
                fill { Float(Int64(littleEndian: bytes.loadUnaligned(fromByteOffset: $0 * 8, as: Int64.self))) }
            case .int32:
                fill { Float(Int32(littleEndian: bytes.loadUnaligned(fromByteOffset: $0 * 4, as: Int32.self))) }
            case .int16:
                fill { Float(Int16(littleEndian: bytes.loadUnaligned(fromByteOffset: $0 * 2, as: Int16.self))) }
            case .int8:
                fill { Float(Int8(bitPattern: bytes[$0])) }
            case .uint8:
                fill { Float(bytes[$0]) }
            case .bool:
                fill { bytes[$0] != 0 ? 1 : 0 }
            }
            initialized = count
        }
    }

    /// IEEE 754 binary16 to binary32 by moving the fields, so it works where `Float16` is not
    /// available (x86_64 macOS) and keeps NaN payloads and subnormals exact.
    static func float(fromHalfBits half: UInt16) -> Float {
        let sign = UInt32(half & 0x8000) << 16
        let exponent = UInt32(half >> 10) & 0x1F
        var mantissa = UInt32(half & 0x03FF)
        switch exponent {
        case 0:
            guard mantissa != 0 else { return Float(bitPattern: sign) }  // ±0
            // Subnormal half: normalise it; every one is a normal float.
            var floatExponent: UInt32 = 127 - 15 + 1
            while mantissa & 0x0400 == 0 {
                mantissa <<= 1
                floatExponent -= 1
            }
            mantissa &= 0x03FF
            return Float(bitPattern: sign | floatExponent << 23 | mantissa << 13)
        case 0x1F:
            return Float(bitPattern: sign | 0x7F80_0000 | mantissa << 13)  // ±inf, NaN
        default:
            return Float(bitPattern: sign | (exponent + 127 - 15) << 23 | mantissa << 13)
        }
    }

    /// The little-endian bytes of `scalars`, as written to a file.
    static func littleEndianBytes(_ scalars: [Float]) -> [UInt8] {
        #if _endian(little)
        return scalars.withUnsafeBytes { [UInt8]($0) }
        #else
        var out = [UInt8]()
        out.reserveCapacity(scalars.count * 4)
        for x in scalars { withUnsafeBytes(of: x.bitPattern.littleEndian) { out.append(contentsOf: $0) } }
        return out
        #endif
    }
}
