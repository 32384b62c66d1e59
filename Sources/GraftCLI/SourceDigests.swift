import Foundation
import GraftCore
import GraftIO

/// SHA-256 digests of a conversion's source files, computed on a background thread so that hashing
/// a large weights file overlaps with parsing it.
final class SourceDigests: @unchecked Sendable {
    private let lock = NSLock()
    private let done = DispatchSemaphore(value: 0)
    private var result: Result<[Provenance.SourceFile], NumPyError> = .success([])
    /// Seconds the hashing took (valid after ``wait()``).
    private(set) var elapsed: TimeInterval = 0

    init(paths: [String]) {
        Thread.detachNewThread { [self] in
            let start = Date()
            var files: [Provenance.SourceFile] = []
            var outcome: Result<[Provenance.SourceFile], NumPyError>
            do throws(NumPyError) {
                for path in paths { files.append(try FileDigest.sourceFile(path: path)) }
                outcome = .success(files)
            } catch {
                outcome = .failure(error)
            }
            lock.lock()
            result = outcome
            elapsed = Date().timeIntervalSince(start)
            lock.unlock()
            done.signal()
        }
    }

    /// Waits for the digests.
    func wait() throws -> [Provenance.SourceFile] {
        done.wait()
        lock.lock()
        defer { lock.unlock() }
        return try result.get()
    }
}
