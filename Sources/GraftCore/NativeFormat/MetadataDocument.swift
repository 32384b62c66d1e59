import Foundation

/// Why a metadata document (graph, provenance, ...) could not be decoded or encoded.
public struct MetadataDocumentError: Error, Sendable, CustomStringConvertible {
    /// What is wrong, with the coding path when there is one.
    public var reason: String
    public var description: String { reason }
}

/// Encoding and decoding of the JSON documents stored as `__metadata__` strings.
///
/// Decoding first runs ``StrictJSON`` over the text, because `JSONDecoder` silently keeps the last
/// of two duplicate keys; encoding sorts keys so the same model always gives the same bytes.
/// Other formats that carry Graft's metadata as JSON (ONNX `metadata_props`) use it too.
public enum MetadataDocument {
    /// Decodes a `T` from `json`, refusing duplicate keys and malformed JSON first.
    public static func decode<T: Decodable>(_ type: T.Type, from json: String) throws(MetadataDocumentError) -> T {
        let bytes = Array(json.utf8)
        do {
            _ = try StrictJSON.parse(bytes)
        } catch {
            throw MetadataDocumentError(reason: error.reason)
        }
        do {
            return try JSONDecoder().decode(type, from: Data(bytes))
        } catch {
            throw MetadataDocumentError(reason: describe(error))
        }
    }

    /// Encodes `value` as JSON with sorted keys and unescaped slashes.
    public static func encode<T: Encodable>(_ value: T) throws(MetadataDocumentError) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        do {
            return String(decoding: try encoder.encode(value), as: UTF8.self)
        } catch {
            throw MetadataDocumentError(reason: describe(error))
        }
    }

    /// A one-line account of a Codable error with the coding path, e.g.
    /// "nodes[2].attributes: missing key 'kernel'".
    static func describe(_ error: any Error) -> String {
        func location(_ path: [any CodingKey]) -> String {
            let text = path.map { key in key.intValue.map { "[\($0)]" } ?? ".\(key.stringValue)" }.joined()
            let trimmed = text.hasPrefix(".") ? String(text.dropFirst()) : text
            return trimmed.isEmpty ? "document" : trimmed
        }
        switch error {
        case DecodingError.keyNotFound(let key, let context):
            return "\(location(context.codingPath)): missing key '\(key.stringValue)'"
        case DecodingError.typeMismatch(let type, let context):
            return "\(location(context.codingPath)): expected \(type) (\(context.debugDescription))"
        case DecodingError.valueNotFound(let type, let context):
            return "\(location(context.codingPath)): expected \(type), found null"
        case DecodingError.dataCorrupted(let context):
            return "\(location(context.codingPath)): \(context.debugDescription)"
        case EncodingError.invalidValue(let value, let context):
            return "\(location(context.codingPath)): cannot encode \(value) (\(context.debugDescription))"
        default:
            return String(describing: error)
        }
    }
}

/// Short messages for Foundation file errors.
enum IOErrorText {
    static func describe(_ error: any Error) -> String {
        let nsError = error as NSError
        if let underlying = nsError.userInfo[NSUnderlyingErrorKey] as? NSError, underlying.domain == NSPOSIXErrorDomain {
            return String(cString: strerror(Int32(underlying.code)))
        }
        return nsError.localizedDescription
    }
}
