import Foundation

extension Data {
    /// The bytes as an array (for byte-level edits in tests).
    var byteArray: [UInt8] { [UInt8](self) }
}

/// The root of the repository (for `schemas/` and `Scripts/`).
let repositoryRoot: String = {
    var url = URL(fileURLWithPath: #filePath)
    for _ in 0..<4 { url.deleteLastPathComponent() }  // Support/, GraftCoreTests/, Tests/, root
    return url.path
}()
