import Foundation

/// Whether a test that needs an outside tool or data (a Python venv, OpenCV, Keras, ../shared,
/// rsvg-convert) runs. Locally a missing tool skips the test with a message; under CI
/// (`CI=true`) the test runs anyway and fails, so a broken install step can never turn a
/// cross-check green by skipping it.
public enum CrossCheck {
    /// True under CI (`CI=true` or `CI=1`).
    public static let isCI: Bool = {
        let value = ProcessInfo.processInfo.environment["CI"]?.lowercased()
        return value == "true" || value == "1"
    }()

    /// `available`, or true under CI (where the test must then fail on the missing tool).
    public static func runs(_ available: Bool) -> Bool { available || isCI }
}
