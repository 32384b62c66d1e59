import Foundation

/// Writes files so that readers never see a partial one: the bytes go to a temporary file in the
/// target's directory, are flushed to disk, and the temporary file is renamed over the target
/// (POSIX `rename`, atomic on one file system). On any failure the temporary file is removed and
/// the target is left as it was.
public enum AtomicFile {
    /// A failure of the mechanism itself (no directory, cannot create, cannot rename).
    public struct Failure: Error, Equatable, Sendable, CustomStringConvertible {
        public var path: String
        public var reason: String
        public var description: String { "\(path): \(reason)" }
    }

    /// Writes `data` to `path` atomically.
    public static func write(_ data: Data, to path: String) throws(Failure) {
        do {
            try write(to: path) { handle in try handle.write(contentsOf: data) }
        } catch let failure as Failure {
            throw failure
        } catch {
            throw Failure(path: path, reason: "write failed: \(error)")
        }
    }

    /// Calls `body` with a handle on a temporary file, flushes it, calls `beforeRename` (a hook for
    /// fault-injection tests), and renames it over `path`. Errors thrown by `body` or
    /// `beforeRename` propagate unchanged; the mechanism's own errors are ``Failure``s.
    public static func write(to path: String, beforeRename: () throws -> Void = {},
                             _ body: (FileHandle) throws -> Void) throws {
        let target = URL(fileURLWithPath: path)
        let directory = target.deletingLastPathComponent().path
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw Failure(path: path, reason: "directory \(directory) does not exist")
        }
        let temporary = directory + "/." + target.lastPathComponent + ".tmp-"
            + String(UInt64.random(in: .min ... .max), radix: 16)
        guard FileManager.default.createFile(atPath: temporary, contents: nil) else {
            throw Failure(path: path, reason: "cannot create a temporary file in \(directory)")
        }
        do {
            let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: temporary))
            do {
                try body(handle)
                try handle.synchronize()
                try handle.close()
            } catch {
                try? handle.close()
                throw error
            }
            try beforeRename()
            // Foundation has no atomic replace on Linux: moveItem refuses an existing target and
            // replaceItemAt removes the target first.
            guard rename(temporary, path) == 0 else {
                throw Failure(path: path, reason: "cannot rename \(temporary) over it: \(String(cString: strerror(errno)))")
            }
        } catch {
            try? FileManager.default.removeItem(atPath: temporary)
            throw error
        }
        // Persist the rename itself; a failure here cannot undo the complete write, so it is ignored.
        if let handle = FileHandle(forReadingAtPath: directory) {
            try? handle.synchronize()
            try? handle.close()
        }
    }
}
