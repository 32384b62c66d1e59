/// The protobuf integer types of caffe.proto fields, for range checks.
enum ProtoIntType {
    case int32, uint32, int64

    var range: ClosedRange<Int64> {
        switch self {
        case .int32: Int64(Int32.min)...Int64(Int32.max)
        case .uint32: 0...Int64(UInt32.max)
        case .int64: Int64.min...Int64.max
        }
    }

    var name: String {
        switch self {
        case .int32: "int32"
        case .uint32: "uint32"
        case .int64: "int64"
        }
    }
}

/// Converting scalar tokens to field values with protobuf text format's rules. Every failure
/// names the field and points at the value.
extension TextDecoding {
    func scalar(_ field: TextField) throws(TextFormatError) -> TextScalar {
        guard case .scalar(let s) = field.value else {
            throw error(.invalidValue(field: field.name, reason: "expected a value but found a message"), at: field.position)
        }
        return s
    }

    func message(_ field: TextField) throws(TextFormatError) -> TextMessage {
        guard case .message(let m) = field.value else {
            throw error(.invalidValue(field: field.name, reason: "expected a message block but found a value"), at: field.position)
        }
        return m
    }

    /// Decimal, `0x` hex or leading-zero octal, with an optional '-'.
    func integer(_ field: TextField, _ type: ProtoIntType) throws(TextFormatError) -> Int {
        let s = try scalar(field)
        guard s.kind == .number, !s.isFloatLiteral else {
            throw error(.invalidValue(field: field.name, reason: "expected an integer (\(type.name)) but found \(Self.describe(s))"), at: s.position)
        }
        guard let value = Self.parseInteger(s.text), type.range.contains(value) else {
            throw error(.invalidValue(field: field.name, reason: "\(s.text) is out of range for \(type.name)"), at: s.position)
        }
        return Int(value)
    }

    /// Any number spelling, or `inf`/`infinity`/`nan` in any case, optionally negative.
    func float(_ field: TextField) throws(TextFormatError) -> Float {
        let s = try scalar(field)
        if let value = Self.parseFloat(s) { return value }
        throw error(.invalidValue(field: field.name, reason: "expected a number but found \(Self.describe(s))"), at: s.position)
    }

    /// `true`/`false`, `True`/`False`, `t`/`f`, or 1/0.
    func bool(_ field: TextField) throws(TextFormatError) -> Bool {
        let s = try scalar(field)
        switch (s.kind, s.text) {
        case (.identifier, "true"), (.identifier, "True"), (.identifier, "t"), (.number, "1"): return true
        case (.identifier, "false"), (.identifier, "False"), (.identifier, "f"), (.number, "0"): return false
        default:
            throw error(.invalidValue(field: field.name, reason: "expected true or false but found \(Self.describe(s))"), at: s.position)
        }
    }

    func string(_ field: TextField) throws(TextFormatError) -> String {
        let s = try scalar(field)
        guard s.kind == .string else {
            throw error(.invalidValue(field: field.name, reason: "expected a quoted string but found \(Self.describe(s))"), at: s.position)
        }
        return s.string
    }

    /// An enum value by its caffe.proto name, or by number.
    func enumeration<E: CaffeEnum>(_ field: TextField, _ type: E.Type) throws(TextFormatError) -> E {
        let s = try scalar(field)
        if s.kind == .identifier, !s.negative, let value = E(protoName: s.text) { return value }
        if s.kind == .number, !s.isFloatLiteral, let number = Self.parseInteger(s.text),
           let raw = Int32(exactly: number), let value = E(rawValue: raw) { return value }
        let names = E.protoNames.joined(separator: ", ")
        throw error(.invalidValue(field: field.name, reason: "\(s.text) is not a \(E.protoTypeName) (\(names))"), at: s.position)
    }

    static func describe(_ s: TextScalar) -> String {
        switch s.kind {
        case .identifier: "identifier '\(s.text)'"
        case .number: "number \(s.text)"
        case .string: "string \(s.text)"
        }
    }

    static func parseInteger(_ text: String) -> Int64? {
        var body = Substring(text)
        let negative = body.hasPrefix("-")
        if negative { body = body.dropFirst() }
        let magnitude: UInt64?
        if body.hasPrefix("0x") || body.hasPrefix("0X") {
            magnitude = UInt64(body.dropFirst(2), radix: 16)
        } else if body.count > 1, body.hasPrefix("0") {
            magnitude = UInt64(body.dropFirst(), radix: 8)
        } else {
            magnitude = UInt64(body, radix: 10)
        }
        guard let magnitude else { return nil }
        if negative {
            guard magnitude <= UInt64(Int64.max) + 1 else { return nil }
            return magnitude == UInt64(Int64.max) + 1 ? Int64.min : -Int64(magnitude)
        }
        return Int64(exactly: magnitude)
    }

    static func parseFloat(_ s: TextScalar) -> Float? {
        switch s.kind {
        case .string:
            return nil
        case .identifier:
            let word = (s.negative ? String(s.text.dropFirst()) : s.text).lowercased()
            switch word {
            case "inf", "infinity": return s.negative ? -.infinity : .infinity
            case "nan": return .nan
            default: return nil
            }
        case .number:
            if !s.isFloatLiteral {
                guard let value = parseInteger(s.text) else {
                    // Integers beyond 64 bits still make fine floats.
                    return Float(s.text)
                }
                return Float(value)
            }
            var text = Substring(s.text)
            if text.hasSuffix("f") || text.hasSuffix("F") { text = text.dropLast() }
            return Float(text)
        }
    }
}
