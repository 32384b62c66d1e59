import Foundation

/// Writes files so that readers never see a partial one: the bytes go to a temporary file in the
/// target's directory, are flushed to disk, and the temporary file is renamed over the target.
/// On any failure the temporary file is removed and the target is left as it was.
public enum AtomicFile {
    /// Why an atomic write failed.
    public struct Failure: Error, Equatable, Sendable, CustomStringConvertible {
        public var path: String
        public var reason: String
        public var description: String { "\(path): \(reason)" }
    }

    /// Writes `data` to `path` atomically.
    public static func write(_ data: Data, to path: String) throws(Failure) {
        try write(to: path) { handle in try handle.write(contentsOf: data) }
    }

    /// Calls `body` with a handle on a temporary file, then flushes and renames it over `path`.
    public static func write(to path: String, _ body: (FileHandle) throws -> Void) throws(Failure) {
        let target = URL(fileURLWithPath: path)
        let directory = target.deletingLastPathComponent()
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory.path, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw Failure(path: path, reason: "directory \(directory.path) does not exist")
        }
        let temporary = directory.appendingPathComponent(".\(target.lastPathComponent).tmp-\(UInt32.random(in: .min ... .max))")
        guard FileManager.default.createFile(atPath: temporary.path, contents: nil) else {
            throw Failure(path: path, reason: "cannot create a file in \(directory.path)")
        }
        do {
            let handle = try FileHandle(forWritingTo: temporary)
            do {
                try body(handle)
                try handle.synchronize()
                try handle.close()
            } catch {
                try? handle.close()
                throw error
            }
            if FileManager.default.fileExists(atPath: target.path) {
                _ = try FileManager.default.replaceItemAt(target, withItemAt: temporary)
            } else {
                try FileManager.default.moveItem(at: temporary, to: target)
            }
        } catch {
            try? FileManager.default.removeItem(at: temporary)
            throw Failure(path: path, reason: "write failed: \(error)")
        }
    }
}
