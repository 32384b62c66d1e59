/// Free-response ROC for detection in frames: sensitivity (the fraction of frames whose polyp is
/// hit by a detection) against the mean number of false-positive detections per frame, as the
/// detection threshold falls.
public struct FROCCurve: Codable, Equatable, Sendable {
    /// One point of the curve: the sensitivity and false positives per frame at one threshold.
    public struct Point: Codable, Equatable, Sendable {
        /// Detections scoring at or above this count.
        public var threshold: Double
        /// Fraction of frames whose target is hit by a counted detection.
        public var sensitivity: Double
        /// Mean number of counted detections per frame that miss the target.
        public var falsePositivesPerFrame: Double
    }

    /// One scored detection; `hit` when it lies on the frame's target.
    public struct Detection: Codable, Equatable, Sendable {
        /// The detector's confidence.
        public var score: Float
        /// Whether the detection lies on the frame's target.
        public var hit: Bool
        /// A detection with `score` that does or does not hit the target.
        public init(score: Float, hit: Bool) {
            self.score = score
            self.hit = hit
        }
    }

    /// One point per distinct score, the threshold falling.
    public var points: [Point]
    /// Number of frames the curve was computed from.
    public var frames: Int

    /// - Parameter detections: per frame (every frame holds one target), its scored detections.
    public init(frames detections: [[Detection]]) {
        frames = detections.count
        let thresholds = Set(detections.flatMap { $0.map(\.score) }).sorted(by: >)
        var points: [Point] = []
        // Each frame is detected from the highest score of its hits on.
        let firstHit = detections.map { $0.filter(\.hit).map(\.score).max() }
        let misses = detections.flatMap { $0.filter { !$0.hit }.map(\.score) }.sorted(by: >)
        var missIndex = 0
        for t in thresholds {
            while missIndex < misses.count, misses[missIndex] >= t { missIndex += 1 }
            let detected = firstHit.filter { ($0 ?? -.infinity) >= t }.count
            points.append(Point(threshold: Double(t), sensitivity: frames > 0 ? Double(detected) / Double(frames) : 0,
                                falsePositivesPerFrame: frames > 0 ? Double(missIndex) / Double(frames) : 0))
        }
        self.points = points
    }

    /// Sensitivity at the largest threshold giving at most `rate` false positives per frame.
    public func sensitivity(atFalsePositivesPerFrame rate: Double) -> Double {
        points.filter { $0.falsePositivesPerFrame <= rate }.map(\.sensitivity).max() ?? 0
    }
}
