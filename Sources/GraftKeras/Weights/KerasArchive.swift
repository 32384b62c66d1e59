import Foundation
import ZIPFoundation

/// A Keras 3 `.keras` file: a zip holding `config.json` (the architecture), `metadata.json`
/// (`keras_version`, save date) and `model.weights.h5` (the Keras 3 weight layout). Members are
/// size-checked before extraction and the weights are opened as an in-memory HDF5 image, so
/// nothing is written to disk.
struct KerasArchive {
    var config: [UInt8]
    var metadata: [UInt8]?
    var weights: [UInt8]

    static let zipSignature: [UInt8] = [0x50, 0x4B, 0x03, 0x04]

    static func read(path: String, limits: KerasLimits) throws(KerasError) -> KerasArchive {
        let archive: Archive
        do { archive = try Archive(url: URL(fileURLWithPath: path), accessMode: .read) } catch {
            throw .archive(path: path, reason: "\(error)")
        }
        func member(_ name: String, limit: Int) throws(KerasError) -> [UInt8]? {
            guard let entry = archive[name] else { return nil }
            guard entry.type == .file else { throw .archive(path: path, reason: "'\(name)' is not a file") }
            guard entry.uncompressedSize <= UInt64(limit) else {
                throw .limitExceeded(path: "\(path)[\(name)]", what: "member size", value: "\(entry.uncompressedSize)",
                                     limit: limit)
            }
            var bytes: [UInt8] = []
            bytes.reserveCapacity(Int(entry.uncompressedSize))
            do {
                _ = try archive.extract(entry, skipCRC32: false) { chunk in
                    guard bytes.count + chunk.count <= Int(entry.uncompressedSize) else {
                        throw CocoaError(.fileReadCorruptFile)
                    }
                    bytes.append(contentsOf: chunk)
                }
            } catch {
                throw .archive(path: path, reason: "cannot extract '\(name)': \(error)")
            }
            return bytes
        }
        guard let config = try member("config.json", limit: limits.maxConfigBytes) else {
            throw .missingArchiveMember(path: path, member: "config.json")
        }
        guard let weights = try member("model.weights.h5", limit: limits.maxArchiveMemberBytes) else {
            throw .missingArchiveMember(path: path, member: "model.weights.h5")
        }
        let metadata = try member("metadata.json", limit: limits.maxConfigBytes)
        return KerasArchive(config: config, metadata: metadata, weights: weights)
    }

    /// `keras_version` from `metadata.json`, if readable.
    func kerasVersion(path: String, limits: KerasLimits) -> String? {
        guard let metadata, let value = try? JSONReader.parse(metadata, source: "\(path)[metadata.json]", limits: limits)
        else { return nil }
        return value["keras_version"]?.stringValue
    }
}
