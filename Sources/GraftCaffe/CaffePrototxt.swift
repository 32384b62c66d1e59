import Foundation

/// Reads Caffe's text format (`.prototxt`): a deploy or training net definition, usually
/// without weights. Parsed by Graft's own text-format parser (``TextParser``) and decoded
/// against Graft's schema; fields the schema does not know are kept as text on their layer and
/// reported in ``CaffeNet/warnings``, or rejected when `strict`.
public enum CaffePrototxt {
    /// Reads a prototxt file, refusing files over `limit` bytes before reading them.
    public static func read(path: String, strict: Bool = false,
                            limit: Int = TextParser.defaultMaxBytes) throws(CaffeError) -> CaffeNet {
        let size: UInt64
        do {
            let attributes = try FileManager.default.attributesOfItem(atPath: path)
            size = (attributes[.size] as? NSNumber)?.uint64Value ?? 0
        } catch { throw .io(file: path, reason: "cannot open: \(error.localizedDescription)") }
        guard size <= UInt64(limit) else { throw .tooLarge(file: path, bytes: size, limit: UInt64(limit)) }
        guard let data = FileManager.default.contents(atPath: path) else { throw .io(file: path, reason: "cannot read") }
        return try decode([UInt8](data), file: path, strict: strict, limit: limit)
    }

    /// Decodes prototxt text held in memory; `file` only names the source in errors and warnings.
    public static func decode(_ text: String, file: String, strict: Bool = false) throws(CaffeError) -> CaffeNet {
        try decode(Array(text.utf8), file: file, strict: strict)
    }

    /// Decodes prototxt bytes; `file` only names the source in errors and warnings, and
    /// `limit` caps the bytes read.
    public static func decode(_ bytes: [UInt8], file: String, strict: Bool = false,
                              limit: Int = TextParser.defaultMaxBytes) throws(CaffeError) -> CaffeNet {
        let stored: StoredNet
        do {
            let tree = try TextParser.parse(bytes, file: file, maxBytes: limit)
            var decoding = TextDecoding(file: file, source: bytes, strict: strict)
            var net = try decoding.decode(StoredNet.self, from: tree)
            net.rawUnknown = decoding.takeUnknown()
            net.warnings = decoding.warnings
            stored = net
        } catch { throw .text(error) }
        return try CaffeUpgrade.assemble(stored, file: file)
    }
}
