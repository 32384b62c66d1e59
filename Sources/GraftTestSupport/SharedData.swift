import Foundation

/// Locates the reference data folder (`../shared` beside the repository, or `$GRAFT_SHARED`)
/// that integration tests read. Tests that need it are skipped with a message when it is absent,
/// so `make test` passes on a fresh clone too.
public enum SharedData {
    /// The repository root, found from this source file's location.
    public static let repositoryRoot: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// The shared folder, or nil when it does not exist.
    public static let root: URL? = {
        let environment = ProcessInfo.processInfo.environment["GRAFT_SHARED"]
        let url = environment.map { URL(fileURLWithPath: $0) }
            ?? repositoryRoot.deletingLastPathComponent().appendingPathComponent("shared")
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory), isDirectory.boolValue else {
            return nil
        }
        return url
    }()

    /// True when `relativePath` exists under the shared folder.
    public static func has(_ relativePath: String) -> Bool {
        guard let root else { return false }
        return FileManager.default.fileExists(atPath: root.appendingPathComponent(relativePath).path)
    }

    /// The path of a file under the shared folder (check ``has(_:)`` first).
    public static func path(_ relativePath: String) -> String {
        (root ?? URL(fileURLWithPath: "/nonexistent/shared")).appendingPathComponent(relativePath).path
    }

    /// Why a shared-data test is skipped, for the test's `.enabled(if:)` comment.
    public static let absentMessage = "reference data not found: set GRAFT_SHARED or place it at ../shared"
}

/// A fresh temporary directory, removed when the value is deinitialised, or when the test
/// process exits for one that never is (a `static let` shared by a suite's tests).
public final class TemporaryDirectory: @unchecked Sendable {
    public let url: URL

    public init() {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("graft-test-\(UUID().uuidString)")
        try? FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        LeftAtExit.shared.add(url.path)
    }

    deinit {
        try? FileManager.default.removeItem(at: url)
        LeftAtExit.shared.remove(url.path)
    }

    /// The path of a file in the directory.
    public func path(_ name: String) -> String { url.appendingPathComponent(name).path }

    /// Names of the files in the directory, sorted.
    public var contents: [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: url.path)) ?? []).sorted()
    }
}

/// The temporary directories still alive, removed by an `atexit` handler: Swift never
/// deinitialises a static, so a suite's shared directory would otherwise outlive every run.
private final class LeftAtExit: @unchecked Sendable {
    static let shared: LeftAtExit = {
        let registry = LeftAtExit()
        atexit { LeftAtExit.shared.removeAll() }
        return registry
    }()

    private let lock = NSLock()
    private var paths: Set<String> = []

    func add(_ path: String) { lock.withLock { _ = paths.insert(path) } }
    func remove(_ path: String) { lock.withLock { _ = paths.remove(path) } }

    func removeAll() {
        let left = lock.withLock { paths }
        for path in left { try? FileManager.default.removeItem(atPath: path) }
    }
}
