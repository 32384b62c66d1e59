import GraftCore
import GraftMetrics
import GraftData
import GraftImage

/// Frame-level polyp detection with a patch classifier: the polyp probability of every window of
/// a sliding grid is a heatmap; its local maxima are the detections; a detection hits when its
/// centre lies on the polyp mask. The detections of many frames make a `FROCCurve` (GraftMetrics).
public struct FrameDetector {
    /// The patch classifier.
    public let predictor: Predictor
    /// The side of a window, in frame pixels.
    public let patchSize: Int
    /// Pixels between window centres.
    public let stride: Int

    /// A detector sliding `patchSize` windows every `stride` pixels (at least 1).
    public init(predictor: Predictor, patchSize: Int, stride: Int) {
        self.predictor = predictor
        self.patchSize = patchSize
        self.stride = max(1, stride)
    }

    /// Scored detections for one frame (polyp class = the last class).
    public func detections(image: Image, mask: [Bool]) throws(TrainingError) -> [FROCCurve.Detection] {
        let xs = Array(Swift.stride(from: patchSize / 2, through: image.width - patchSize / 2, by: stride))
        let ys = Array(Swift.stride(from: patchSize / 2, through: image.height - patchSize / 2, by: stride))
        guard !xs.isEmpty, !ys.isEmpty else { return [] }
        var windows: [Image] = []
        windows.reserveCapacity(xs.count * ys.count)
        for y in ys { for x in xs { windows.append(predictor.pipeline.prepared(PolypFrames.crop(image, centerX: x, centerY: y, size: patchSize))) } }
        let scores = try predictor.probabilities(windows).map { $0.last ?? 0 }
        var result: [FROCCurve.Detection] = []
        for (j, y) in ys.enumerated() {
            for (i, x) in xs.enumerated() {
                let s = scores[j * xs.count + i]
                // A local maximum over its 8 neighbours (ties broken by position) is a detection.
                var isPeak = true
                for dj in -1...1 { for di in -1...1 where (di, dj) != (0, 0) {
                    let (ni, nj) = (i + di, j + dj)
                    guard ni >= 0, nj >= 0, ni < xs.count, nj < ys.count else { continue }
                    let n = scores[nj * xs.count + ni]
                    if n > s || (n == s && (nj, ni) < (j, i)) { isPeak = false }
                } }
                if isPeak { result.append(.init(score: s, hit: mask[y * image.width + x])) }
            }
        }
        return result
    }
}
