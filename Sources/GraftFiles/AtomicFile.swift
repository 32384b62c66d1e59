import Foundation

/// Writes files so that readers never see a partial one: the bytes go to a temporary file in the
/// target's directory, are flushed to disk, and the temporary file is renamed over the target
/// (POSIX `rename`, atomic on one file system). On any failure the temporary file is removed and
/// the target is left as it was.
public enum AtomicFile {
    /// A failure of the mechanism itself (no directory, cannot create, cannot rename).
    public struct Failure: Error, Equatable, Sendable, CustomStringConvertible {
        /// The file that was being written.
        public var path: String
        /// What went wrong, in words.
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
        let temporary = try temporaryPath(for: path)
        guard FileManager.default.createFile(atPath: temporary, contents: nil) else {
            throw Failure(path: path, reason: "cannot create a temporary file in \(directory(of: path))")
        }
        try replace(path, with: temporary, beforeRename: beforeRename) {
            let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: temporary))
            do {
                try body(handle)
                try handle.synchronize()
                try handle.close()
            } catch {
                try? handle.close()
                throw error
            }
        }
    }

    /// Writes a file of exactly `length` bytes whose first `headLength` bytes are known only at the
    /// end: `body` appends the bytes after the head to the ``StagedFileWriter`` it is given, then
    /// calls its `finish(head:)`. With `directIO` (Linux), the bytes bypass the page cache. Then as
    /// ``write(to:beforeRename:_:)``: synced, renamed over `path`, nothing left behind on failure.
    package static func write(to path: String, length: Int, headLength: Int, directIO: Bool,
                      beforeRename: () throws -> Void = {}, _ body: (StagedFileWriter) throws -> Void) throws {
        let temporary = try temporaryPath(for: path)
        let writer: StagedFileWriter
        do {
            writer = try StagedFileWriter(creating: temporary, length: length, headLength: headLength, direct: directIO)
        } catch {
            throw Failure(path: path, reason: "cannot create a temporary file in \(directory(of: path)): \(error.reason)")
        }
        try replace(path, with: temporary, beforeRename: beforeRename) {
            try body(writer)
            try writer.syncAndClose()
        }
    }

    /// A fresh name in `path`'s directory, which must exist.
    private static func temporaryPath(for path: String) throws(Failure) -> String {
        let target = URL(fileURLWithPath: path)
        let directory = directory(of: path)
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw Failure(path: path, reason: "directory \(directory) does not exist")
        }
        return directory + "/." + target.lastPathComponent + ".tmp-" + String(UInt64.random(in: .min ... .max), radix: 16)
    }

    private static func directory(of path: String) -> String {
        URL(fileURLWithPath: path).deletingLastPathComponent().path
    }

    /// Runs `fill` (which writes and syncs `temporary`), `beforeRename`, then renames `temporary`
    /// over `path`; removes `temporary` if anything fails.
    private static func replace(_ path: String, with temporary: String, beforeRename: () throws -> Void,
                                fill: () throws -> Void) throws {
        do {
            try fill()
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
        if let handle = FileHandle(forReadingAtPath: directory(of: path)) {
            try? handle.synchronize()
            try? handle.close()
        }
    }
}
