import Crypto
import Foundation
import GraftCore

/// SHA-256 of source files, recorded in a converted model's provenance.
public enum FileDigest {
    /// The file's SHA-256 (lower-case hex) and size, read in 4 MiB chunks into one reused buffer
    /// (a fresh buffer per chunk cost a third of the hashing time on a 244 MB caffemodel).
    public static func sha256(path: String) throws(NumPyError) -> (hex: String, bytes: Int) {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { throw .io(path: path, reason: "cannot open for hashing: \(String(cString: strerror(errno)))") }
        defer { close(descriptor) }
        let chunk = 4 << 20
        let buffer = UnsafeMutableRawPointer.allocate(byteCount: chunk, alignment: 64)
        defer { buffer.deallocate() }
        var hasher = SHA256()
        var total = 0
        while true {
            let count = read(descriptor, buffer, chunk)
            if count < 0 {
                if errno == EINTR { continue }
                throw .io(path: path, reason: "read failed while hashing: \(String(cString: strerror(errno)))")
            }
            if count == 0 { break }
            hasher.update(bufferPointer: UnsafeRawBufferPointer(start: buffer, count: count))
            total += count
        }
        return (hasher.finalize().map { String(format: "%02x", $0) }.joined(), total)
    }

    /// A provenance entry for a source file (its name without directories, digest and size).
    public static func sourceFile(path: String) throws(NumPyError) -> Provenance.SourceFile {
        let (hex, bytes) = try sha256(path: path)
        return Provenance.SourceFile(name: URL(fileURLWithPath: path).lastPathComponent, sha256: hex, bytes: bytes)
    }
}
