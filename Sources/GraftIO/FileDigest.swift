import Foundation
public import GraftCore
internal import COpenSSL

/// SHA-256 of source files, recorded in a converted model's provenance. Hashed by the system's
/// libcrypto (OpenSSL's EVP interface, with the CPU's SHA extensions where it has them): the only
/// place Graft calls it.
public enum FileDigest {
    /// The file's SHA-256 (lower-case hex) and size, read in 4 MiB chunks into one reused buffer
    /// (a fresh buffer per chunk cost a third of the hashing time on a 244 MB caffemodel).
    public static func sha256(path: String) throws(NumPyError) -> (hex: String, bytes: Int) {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { throw .io(path: path, reason: "cannot open for hashing: \(String(cString: strerror(errno)))") }
        defer { close(descriptor) }
        guard let context = EVP_MD_CTX_new() else { throw .io(path: path, reason: "libcrypto could not allocate a digest context") }
        defer { EVP_MD_CTX_free(context) }
        guard EVP_DigestInit_ex(context, EVP_sha256(), nil) == 1 else {
            throw .io(path: path, reason: "libcrypto could not start a SHA-256 digest")
        }
        let chunk = 4 << 20
        let buffer = UnsafeMutableRawPointer.allocate(byteCount: chunk, alignment: 64)
        defer { buffer.deallocate() }
        var total = 0
        while true {
            let count = read(descriptor, buffer, chunk)
            if count < 0 {
                if errno == EINTR { continue }
                throw .io(path: path, reason: "read failed while hashing: \(String(cString: strerror(errno)))")
            }
            if count == 0 { break }
            guard EVP_DigestUpdate(context, buffer, count) == 1 else { throw .io(path: path, reason: "libcrypto failed while hashing") }
            total += count
        }
        var digest = [UInt8](repeating: 0, count: 32)
        var length: UInt32 = 0
        guard EVP_DigestFinal_ex(context, &digest, &length) == 1, length == 32 else {
            throw .io(path: path, reason: "libcrypto could not finish the SHA-256 digest")
        }
        return (digest.map { String(format: "%02x", $0) }.joined(), total)
    }

    /// A provenance entry for a source file (its name without directories, digest and size).
    public static func sourceFile(path: String) throws(NumPyError) -> Provenance.SourceFile {
        let (hex, bytes) = try sha256(path: path)
        return Provenance.SourceFile(name: URL(fileURLWithPath: path).lastPathComponent, sha256: hex, bytes: bytes)
    }
}
