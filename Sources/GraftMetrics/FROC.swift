/// Free-response ROC for detection in frames: sensitivity (the fraction of frames whose polyp is
/// hit by a detection) against the mean number of false-positive detections per frame, as the
/// detection threshold falls.
public struct FROCCurve: Codable, Equatable, Sendable {
    public struct Point: Codable, Equatable, Sendable {
        public var threshold: Double
        public var sensitivity: Double
        public var falsePositivesPerFrame: Double
    }

    /// One scored detection; `hit` when it lies on the frame's target.
    public struct Detection: Codable, Equatable, Sendable {
        public var score: Float
        public var hit: Bool
        public init(score: Float, hit: Bool) {
            self.score = score
            self.hit = hit
        }
    }

    public var points: [Point]
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
