import Foundation
import GraftFiles
import GraftCore
import ZIPFoundation

/// NumPy's `.npz`: a zip archive (stored or deflated) of `<name>.npy` members, as written by
/// `numpy.savez` and `numpy.savez_compressed`.
public enum NPZ {
    /// Reads every array of an `.npz`, keyed by name without the `.npy` suffix, in archive order.
    ///
    /// Sizes are checked before anything is extracted: a member whose declared size exceeds
    /// `memberLimit`, or members adding up to more than `totalLimit`, are refused.
    public static func read(path: String, memberLimit: UInt64 = 4 << 30,
                            totalLimit: UInt64 = 16 << 30) throws(NumPyError) -> [(name: String, tensor: Tensor)] {
        let archive: Archive
        do { archive = try Archive(url: URL(fileURLWithPath: path), accessMode: .read) } catch {
            if !FileManager.default.fileExists(atPath: path) { throw .io(path: path, reason: "no such file") }
            throw .notAnArchive(path: path, reason: "\(error)")
        }
        var total: UInt64 = 0
        var arrays: [(String, Tensor)] = []
        for entry in archive where entry.type == .file {
            let member = "\(path)[\(entry.path)]"
            guard entry.uncompressedSize <= memberLimit else {
                throw .tooLarge(path: member, bytes: entry.uncompressedSize, limit: memberLimit)
            }
            total += entry.uncompressedSize
            guard total <= totalLimit else { throw .tooLarge(path: path, bytes: total, limit: totalLimit) }
            var data = Data(capacity: Int(entry.uncompressedSize))
            do {
                _ = try archive.extract(entry) { chunk in
                    guard UInt64(data.count + chunk.count) <= entry.uncompressedSize else {
                        throw NumPyError.tooLarge(path: member, bytes: UInt64(data.count + chunk.count), limit: entry.uncompressedSize)
                    }
                    data.append(chunk)
                }
            } catch let error as NumPyError {
                throw error
            } catch {
                throw .notAnArchive(path: member, reason: "\(error)")
            }
            let name = entry.path.hasSuffix(".npy") ? String(entry.path.dropLast(4)) : entry.path
            arrays.append((name, try NPY.decode(data, path: member)))
        }
        return arrays
    }

    /// Writes arrays (float32, uncompressed members) to an `.npz`, atomically.
    public static func write(_ arrays: [(name: String, tensor: Tensor)], to path: String) throws(NumPyError) {
        let archive: Archive
        do { archive = try Archive(data: Data(), accessMode: .create) } catch {
            throw .io(path: path, reason: "cannot create archive: \(error)")
        }
        do {
            for (name, tensor) in arrays {
                let data = NPY.encode(tensor)
                try archive.addEntry(with: name + ".npy", type: .file, uncompressedSize: Int64(data.count),
                                     modificationDate: Date(timeIntervalSince1970: 315_532_800)) { position, size in
                    data.subdata(in: Int(position)..<(Int(position) + size))
                }
            }
        } catch {
            throw .io(path: path, reason: "cannot add to archive: \(error)")
        }
        guard let bytes = archive.data else { throw .io(path: path, reason: "archive has no data") }
        do { try AtomicFile.write(bytes, to: path) } catch { throw .io(path: path, reason: error.reason) }
    }
}
