/// Writes a ``TextMessage`` back as text format: two-space indentation, `name: value` and
/// `name { ... }`, strings double-quoted with C escapes. Parsing the output gives the same
/// tree (positions aside), which is what the round-trip tests check.
extension TextMessage {
    /// The message as text format, one field per line.
    public func formatted() -> String {
        var out = ""
        write(to: &out, indent: "")
        return out
    }

    func write(to out: inout String, indent: String) {
        for field in fields {
            switch field.value {
            case .scalar(let s):
                out += "\(indent)\(field.name): \(s.kind == .string ? Self.quote(s.bytes) : s.text)\n"
            case .message(let m):
                out += "\(indent)\(field.name) {\n"
                m.write(to: &out, indent: indent + "  ")
                out += "\(indent)}\n"
            }
        }
    }

    /// A double-quoted text-format string for `bytes`.
    public static func quote(_ bytes: [UInt8]) -> String {
        var out = "\""
        for b in bytes {
            switch b {
            case 0x0A: out += "\\n"
            case 0x0D: out += "\\r"
            case 0x09: out += "\\t"
            case UInt8(ascii: "\""): out += "\\\""
            case UInt8(ascii: "'"): out += "\\'"
            case UInt8(ascii: "\\"): out += "\\\\"
            case 0x20..<0x7F: out.unicodeScalars.append(Unicode.Scalar(b))
            default:
                let octal = String(b, radix: 8)
                out += "\\" + String(repeating: "0", count: 3 - octal.count) + octal
            }
        }
        return out + "\""
    }
}
