import Foundation
import GraftCore
import GraftIO

/// SHA-256 digests of a conversion's source files, computed on a background thread so that hashing
/// a large weights file overlaps with parsing it and writing the converted model.
final class SourceDigests: @unchecked Sendable {
    private let paths: [String]
    private let lock = NSLock()
    private let done = DispatchSemaphore(value: 0)
    private var result: Result<[Provenance.SourceFile], NumPyError> = .success([])
    /// Seconds the hashing took (valid after ``wait()``).
    private(set) var elapsed: TimeInterval = 0
    /// What ``placeholders()`` handed out (used by the calling thread only).
    private var placeholderFiles: [Provenance.SourceFile]?

    init(paths: [String]) {
        self.paths = paths
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

    /// Stand-ins of the final length for a header written before the digests are known: each file's
    /// name and size with a digest of 64 zeros (see `NativeWriter.write(_:to:provenance:)`).
    func placeholders() throws -> [Provenance.SourceFile] {
        placeholderFiles = try paths.map { path in
            let size: Int
            do {
                let attributes = try FileManager.default.attributesOfItem(atPath: path)
                size = (attributes[.size] as? NSNumber)?.intValue ?? -1
            } catch { throw CommandFailure("cannot read the size of \(path): \(error.localizedDescription)") }
            return Provenance.SourceFile(name: URL(fileURLWithPath: path).lastPathComponent,
                                         sha256: String(repeating: "0", count: 64), bytes: size)
        }
        return placeholderFiles!
    }

    /// Waits for the digests. When ``placeholders()`` were handed out, a file whose size changed
    /// since (it was being rewritten while converted) is an error: its digest would not describe
    /// the bytes that were converted.
    func wait() throws -> [Provenance.SourceFile] {
        done.wait()
        lock.lock()
        defer { lock.unlock() }
        let files = try result.get()
        if let placeholderFiles {
            for (path, (placeholder, file)) in zip(paths, zip(placeholderFiles, files)) where placeholder.bytes != file.bytes {
                throw CommandFailure("\(path) changed while it was being converted (\(placeholder.bytes) bytes, then \(file.bytes))")
            }
        }
        return files
    }
}
