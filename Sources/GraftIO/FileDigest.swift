import Crypto
import Foundation
import GraftCore

/// SHA-256 of source files, recorded in a converted model's provenance.
public enum FileDigest {
    /// The file's SHA-256 (lower-case hex) and size, read in 4 MiB chunks.
    public static func sha256(path: String) throws(NumPyError) -> (hex: String, bytes: Int) {
        guard let handle = FileHandle(forReadingAtPath: path) else { throw .io(path: path, reason: "cannot open for hashing") }
        defer { try? handle.close() }
        var hasher = SHA256()
        var total = 0
        do {
            while let chunk = try handle.read(upToCount: 4 << 20), !chunk.isEmpty {
                hasher.update(data: chunk)
                total += chunk.count
            }
        } catch { throw .io(path: path, reason: "read failed while hashing: \(error)") }
        return (hasher.finalize().map { String(format: "%02x", $0) }.joined(), total)
    }

    /// A provenance entry for a source file (its name without directories, digest and size).
    public static func sourceFile(path: String) throws(NumPyError) -> Provenance.SourceFile {
        let (hex, bytes) = try sha256(path: path)
        return Provenance.SourceFile(name: URL(fileURLWithPath: path).lastPathComponent, sha256: hex, bytes: bytes)
    }
}
