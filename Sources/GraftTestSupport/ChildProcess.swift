import Foundation

/// Runs an outside tool (a venv's python, a browser) the way every cross-check does: arguments,
/// extra environment variables, standard output and error read together through one pipe (so a
/// chatty tool cannot fill a second pipe and deadlock), the exit status.
public enum ChildProcess {
    /// The exit status and everything the tool printed.
    public static func run(_ executable: String, _ arguments: [String],
                           environment extra: [String: String] = [:]) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        if !extra.isEmpty { process.environment = ProcessInfo.processInfo.environment.merging(extra) { _, new in new } }
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    /// Whether `executable` runs `arguments` successfully (a probe: output discarded).
    public static func succeeds(_ executable: String, _ arguments: [String]) -> Bool {
        (try? run(executable, arguments))?.status == 0
    }
}
