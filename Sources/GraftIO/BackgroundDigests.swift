import Foundation
public import GraftCore

/// SHA-256 digests of an import's source files, computed on a background thread so that hashing a
/// large weights file overlaps with parsing it (an importer starts it, parses, then waits) and even
/// with writing the converted model (see ``placeholders``).
public final class BackgroundDigests: @unchecked Sendable {
    /// Stand-ins of the final length for a header written before the digests are known: each
    /// file's name and size with a digest of 64 zeros (see `NativeWriter.write(_:to:provenance:)`,
    /// which writes the header last). A file whose size changes before it is hashed fails ``wait()``.
    public let placeholders: [Provenance.SourceFile]
    private let lock = NSLock()
    private let done = DispatchSemaphore(value: 0)
    private var result: Result<[Provenance.SourceFile], NumPyError> = .success([])

    /// Starts hashing `paths` in order.
    public init(paths: [String]) {
        // Sizes before any byte is read: a file rewritten while it is imported is caught in `wait`.
        let sizesBefore = paths.map { path -> Int? in
            ((try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? NSNumber)?.intValue
        }
        placeholders = zip(paths, sizesBefore).map { path, size in
            Provenance.SourceFile(name: URL(fileURLWithPath: path).lastPathComponent, sha256: String(repeating: "0", count: 64),
                                  bytes: size ?? 0)
        }
        Thread.detachNewThread { [self] in
            var outcome: Result<[Provenance.SourceFile], NumPyError>
            do throws(NumPyError) {
                var files: [Provenance.SourceFile] = []
                for (path, before) in zip(paths, sizesBefore) {
                    let file = try FileDigest.sourceFile(path: path)
                    if let before, before != file.bytes {
                        throw .io(path: path, reason: "changed while it was being imported (\(before) bytes, then \(file.bytes))")
                    }
                    files.append(file)
                }
                outcome = .success(files)
            } catch {
                outcome = .failure(error)
            }
            lock.lock()
            result = outcome
            lock.unlock()
            done.signal()
        }
    }

    /// Waits for the digests, in the order of the paths given.
    public func wait() throws(NumPyError) -> [Provenance.SourceFile] {
        done.wait()
        done.signal()  // later calls return at once
        lock.lock()
        defer { lock.unlock() }
        return try result.get()
    }

}
