import Foundation

/// Shows the progress of long work: a bar redrawn in place on a terminal, plain lines otherwise
/// (logs, CI). Writes to standard error so that standard output stays clean for results.
final class ProgressBar {
    private let total: Int
    private let label: String
    private let interactive: Bool
    private let start = Date()
    private var lastDraw = Date.distantPast
    private var lastPlainPercent = -1

    init(total: Int, label: String, interactive: Bool = isatty(STDERR_FILENO) == 1) {
        self.total = max(total, 1)
        self.label = label
        self.interactive = interactive
    }

    /// Reports `done` of `total` units with a short status text (loss, images/s, AUC ...).
    func update(_ done: Int, status: String = "") {
        let fraction = min(Double(done) / Double(total), 1)
        let elapsed = Date().timeIntervalSince(start)
        let eta = fraction > 0 ? elapsed / fraction - elapsed : 0
        if interactive {
            // Redraw at most 10 times a second, and always at the end.
            guard done >= total || Date().timeIntervalSince(lastDraw) > 0.1 else { return }
            lastDraw = Date()
            let width = 28
            let filled = Int(fraction * Double(width))
            let bar = String(repeating: "█", count: filled) + String(repeating: "░", count: width - filled)
            let line = "\(label) \(bar) \(Int(fraction * 100))% ETA \(Self.duration(eta)) \(status)"
            FileHandle.standardError.write(Data(("\r\u{1B}[2K" + line + (done >= total ? "\n" : "")).utf8))
        } else {
            // A plain line every 10 %.
            let percent = Int(fraction * 10) * 10
            guard percent > lastPlainPercent else { return }
            lastPlainPercent = percent
            let line = "\(label) \(percent)% (\(done)/\(total)) elapsed \(Self.duration(elapsed)) ETA \(Self.duration(eta)) \(status)\n"
            FileHandle.standardError.write(Data(line.utf8))
        }
    }

    /// "1h02m", "3m05s", "12s".
    static func duration(_ seconds: Double) -> String {
        guard seconds.isFinite, seconds >= 0 else { return "?" }
        let s = Int(seconds.rounded())
        if s >= 3600 { return String(format: "%dh%02dm", s / 3600, (s % 3600) / 60) }
        if s >= 60 { return String(format: "%dm%02ds", s / 60, s % 60) }
        return "\(s)s"
    }
}
