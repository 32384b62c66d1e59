import Foundation
import GraftCore

/// A parsed JSON value. Keras configs are decoded into this once, at the boundary, then read
/// field by field by the layer decoders; nothing else keeps JSON around except the compact text
/// kept for unsupported layers.
enum KerasJSON: Equatable, Sendable {
    case null
    case bool(Bool)
    case number(Double)
    case string(String)
    case array([KerasJSON])
    case object([String: KerasJSON])

    var objectValue: [String: KerasJSON]? {
        if case .object(let o) = self { return o }
        return nil
    }

    var arrayValue: [KerasJSON]? {
        if case .array(let a) = self { return a }
        return nil
    }

    var stringValue: String? {
        if case .string(let s) = self { return s }
        return nil
    }

    var isNull: Bool { self == .null }

    /// The value as an exact integer (JSON has only doubles), or nil.
    var intValue: Int? {
        guard case .number(let d) = self, d.rounded() == d, abs(d) < 9.0e15 else { return nil }
        return Int(d)
    }

    var doubleValue: Double? {
        if case .number(let d) = self { return d }
        return nil
    }

    subscript(key: String) -> KerasJSON? { objectValue?[key] }

    /// A short name of the value's kind for error messages.
    var kindName: String {
        switch self {
        case .null: "null"
        case .bool: "a boolean"
        case .number: "a number"
        case .string: "a string"
        case .array: "an array"
        case .object: "an object"
        }
    }

    /// Compact JSON text with sorted keys, so equal values always print the same.
    var compactText: String {
        var out = ""
        write(to: &out)
        return out
    }

    private func write(to out: inout String) {
        switch self {
        case .null: out += "null"
        case .bool(let b): out += b ? "true" : "false"
        case .number(let d):
            if d.isNaN { out += "NaN" }
            else if d.isInfinite { out += d < 0 ? "-Infinity" : "Infinity" }
            else if d.rounded() == d, abs(d) < 1e15 { out += String(Int64(d)) }
            else { out += "\(d)" }
        case .string(let s): JSONValue.appendQuoted(s, to: &out)
        case .array(let a):
            out += "["
            for (i, v) in a.enumerated() {
                if i > 0 { out += "," }
                v.write(to: &out)
            }
            out += "]"
        case .object(let o):
            out += "{"
            for (i, key) in o.keys.sorted().enumerated() {
                if i > 0 { out += "," }
                JSONValue.appendQuoted(key, to: &out)
                out += ":"
                o[key]!.write(to: &out)
            }
            out += "}"
        }
    }
}

extension KerasJSON {
    /// Converts what `JSONSerialization` returns. Booleans arrive as `NSNumber`s whose
    /// `objCType` is "c" (a JSON number never is), which is how they are told apart from 0 and 1.
    init?(foundation value: Any) {
        switch value {
        case let string as String:
            self = .string(string)
        case let number as NSNumber:
            self = number.objCType.pointee == CChar(UInt8(ascii: "c")) ? .bool(number.boolValue) : .number(number.doubleValue)
        case let dictionary as [String: Any]:
            var object: [String: KerasJSON] = [:]
            object.reserveCapacity(dictionary.count)
            for (key, item) in dictionary {
                guard let converted = KerasJSON(foundation: item) else { return nil }
                object[key] = converted
            }
            self = .object(object)
        case let array as [Any]:
            var items: [KerasJSON] = []
            items.reserveCapacity(array.count)
            for item in array {
                guard let converted = KerasJSON(foundation: item) else { return nil }
                items.append(converted)
            }
            self = .array(items)
        case is NSNull:
            self = .null
        default:
            return nil
        }
    }
}

/// Reads JSON text into a ``KerasJSON`` after refusing absurd sizes and nesting, which would
/// otherwise cost memory or recursion depth inside the parser.
enum JSONReader {
    static func parse(_ bytes: [UInt8], source: String, limits: KerasLimits) throws(KerasError) -> KerasJSON {
        guard bytes.count <= limits.maxConfigBytes else {
            throw .configTooLarge(source: source, bytes: bytes.count, limit: limits.maxConfigBytes)
        }
        let depth = nestingDepth(bytes)
        guard depth <= limits.maxConfigDepth else {
            throw .configTooDeep(source: source, depth: depth, limit: limits.maxConfigDepth)
        }
        let parsed: Any
        do {
            parsed = try JSONSerialization.jsonObject(with: Data(bytes), options: [.fragmentsAllowed])
        } catch {
            throw .invalidConfigJSON(source: source, reason: describe(error))
        }
        guard let value = KerasJSON(foundation: parsed) else {
            throw .invalidConfigJSON(source: source, reason: "unexpected value of type \(type(of: parsed))")
        }
        return value
    }

    /// The deepest bracket nesting outside string literals (a linear scan, no recursion).
    static func nestingDepth(_ bytes: [UInt8]) -> Int {
        var depth = 0, deepest = 0
        var inString = false, escaped = false
        for b in bytes {
            if inString {
                if escaped { escaped = false }
                else if b == UInt8(ascii: "\\") { escaped = true }
                else if b == UInt8(ascii: "\"") { inString = false }
                continue
            }
            switch b {
            case UInt8(ascii: "\""): inString = true
            case UInt8(ascii: "["), UInt8(ascii: "{"):
                depth += 1
                deepest = max(deepest, depth)
            case UInt8(ascii: "]"), UInt8(ascii: "}"): depth -= 1
            default: break
            }
        }
        return deepest
    }

    private static func describe(_ error: any Error) -> String {
        let nsError = error as NSError
        return (nsError.userInfo[NSDebugDescriptionErrorKey] as? String) ?? nsError.localizedDescription
    }
}
