/// The three keys of a `.npy` header dict, parsed from its Python literal without evaluating it.
struct NPYHeader {
    var dtype: NPYDType
    var fortranOrder: Bool
    var shape: [Int]

    init(parsing text: String, path: String) throws(NumPyError) {
        var scanner = LiteralScanner(text: Array(text.unicodeScalars))
        var descr: String?, fortran: Bool?, shape: [Int]?
        do throws(LiteralScanner.Failure) {
            try scanner.expect("{")
            while true {
                scanner.skipSpace()
                if scanner.consume("}") { break }
                let key = try scanner.string()
                try scanner.expect(":")
                switch key {
                case "descr": descr = try scanner.string()
                case "fortran_order": fortran = try scanner.bool()
                case "shape": shape = try scanner.tuple()
                default: throw LiteralScanner.Failure(reason: "unexpected key '\(key)'")
                }
                scanner.skipSpace()
                if scanner.consume(",") { continue }
                try scanner.expect("}")
                break
            }
        } catch {
            throw .badHeader(path: path, reason: error.reason)
        }
        guard let descr, let fortran, let shape else {
            throw .badHeader(path: path, reason: "needs 'descr', 'fortran_order' and 'shape'")
        }
        guard let dtype = NPYDType(descr: descr) else { throw .unsupportedDType(path: path, descr: descr) }
        self.dtype = dtype
        self.fortranOrder = fortran
        self.shape = shape
    }
}

/// Reads the small subset of Python literal syntax `.npy` headers use.
private struct LiteralScanner {
    struct Failure: Error { var reason: String }
    let text: [Unicode.Scalar]
    var index = 0

    init(text: [Unicode.Scalar]) { self.text = text }

    mutating func skipSpace() {
        while index < text.count, text[index] == " " || text[index] == "\n" || text[index] == "\t" { index += 1 }
    }

    mutating func consume(_ c: Unicode.Scalar) -> Bool {
        skipSpace()
        guard index < text.count, text[index] == c else { return false }
        index += 1
        return true
    }

    mutating func expect(_ c: Unicode.Scalar) throws(Failure) {
        guard consume(c) else { throw Failure(reason: "expected '\(c)' at character \(index)") }
    }

    mutating func string() throws(Failure) -> String {
        skipSpace()
        guard index < text.count, text[index] == "'" || text[index] == "\"" else {
            throw Failure(reason: "expected a quoted string at character \(index)")
        }
        let quote = text[index]
        index += 1
        var result = ""
        while index < text.count, text[index] != quote {
            result.unicodeScalars.append(text[index])
            index += 1
        }
        guard index < text.count else { throw Failure(reason: "unterminated string") }
        index += 1
        return result
    }

    mutating func bool() throws(Failure) -> Bool {
        skipSpace()
        for (word, value) in [("True", true), ("False", false)] {
            let scalars = Array(word.unicodeScalars)
            if index + scalars.count <= text.count, Array(text[index..<(index + scalars.count)]) == scalars {
                index += scalars.count
                return value
            }
        }
        throw Failure(reason: "expected True or False at character \(index)")
    }

    mutating func tuple() throws(Failure) -> [Int] {
        try expect("(")
        var values: [Int] = []
        while true {
            if consume(")") { return values }
            skipSpace()
            var digits = ""
            while index < text.count, ("0"..."9").contains(text[index]) {
                digits.unicodeScalars.append(text[index])
                index += 1
            }
            // Dims above 2^40 are no real array; refusing them keeps later products small.
            guard !digits.isEmpty, digits.count <= 13, let value = Int(digits), value <= 1 << 40 else {
                throw Failure(reason: "expected a dimension at character \(index)")
            }
            values.append(value)
            guard values.count <= 32 else { throw Failure(reason: "more than 32 dimensions") }
            if consume(",") { continue }
            try expect(")")
            return values
        }
    }
}

/// The element types Graft reads from `.npy`, little- or big-endian.
struct NPYDType {
    enum Kind { case float, signed, unsigned, bool }
    var kind: Kind
    var byteSize: Int
    var bigEndian: Bool

    init?(descr: String) {
        guard descr.count >= 2 else { return nil }
        let order = descr.first!
        let code = descr.dropFirst()
        guard order == "<" || order == ">" || order == "|" || order == "=" else { return nil }
        bigEndian = order == ">"
        switch code {
        case "f2": (kind, byteSize) = (.float, 2)
        case "f4": (kind, byteSize) = (.float, 4)
        case "f8": (kind, byteSize) = (.float, 8)
        case "i1": (kind, byteSize) = (.signed, 1)
        case "i2": (kind, byteSize) = (.signed, 2)
        case "i4": (kind, byteSize) = (.signed, 4)
        case "i8": (kind, byteSize) = (.signed, 8)
        case "u1": (kind, byteSize) = (.unsigned, 1)
        case "u2": (kind, byteSize) = (.unsigned, 2)
        case "u4": (kind, byteSize) = (.unsigned, 4)
        case "u8": (kind, byteSize) = (.unsigned, 8)
        case "b1": (kind, byteSize) = (.bool, 1)
        default: return nil
        }
    }

    /// Converts raw elements to float32.
    func convert(_ raw: UnsafeRawBufferPointer, into out: inout [Float]) {
        for i in 0..<out.count {
            let offset = i * byteSize
            func uint<T: FixedWidthInteger>(_: T.Type) -> T {
                let v = raw.loadUnaligned(fromByteOffset: offset, as: T.self)
                return bigEndian ? T(bigEndian: v) : T(littleEndian: v)
            }
            out[i] = switch (kind, byteSize) {
            case (.float, 2): Self.halfToFloat(uint(UInt16.self))
            case (.float, 4): Float(bitPattern: uint(UInt32.self))
            case (.float, 8): Float(Double(bitPattern: uint(UInt64.self)))
            case (.signed, 1): Float(Int8(bitPattern: uint(UInt8.self)))
            case (.signed, 2): Float(Int16(bitPattern: uint(UInt16.self)))
            case (.signed, 4): Float(Int32(bitPattern: uint(UInt32.self)))
            case (.signed, _): Float(Int64(bitPattern: uint(UInt64.self)))
            case (.unsigned, 1), (.bool, _): Float(uint(UInt8.self))
            case (.unsigned, 2): Float(uint(UInt16.self))
            case (.unsigned, 4): Float(uint(UInt32.self))
            default: Float(uint(UInt64.self))
            }
        }
    }

    /// IEEE half to single precision, by bits (no reliance on Float16 availability).
    static func halfToFloat(_ h: UInt16) -> Float {
        let sign = UInt32(h >> 15) << 31
        let exponent = Int((h >> 10) & 0x1F)
        let mantissa = UInt32(h & 0x3FF)
        switch exponent {
        case 0:
            // Zero or subnormal: mantissa * 2^-24.
            let magnitude = Float(mantissa) * Float(sign: .plus, exponent: -24, significand: 1)
            return sign != 0 ? -magnitude : magnitude
        case 31:
            return Float(bitPattern: sign | 0x7F80_0000 | (mantissa << 13))
        default:
            return Float(bitPattern: sign | UInt32(exponent - 15 + 127) << 23 | (mantissa << 13))
        }
    }
}
