import Dispatch
import Foundation
import GraftCore
import GraftData
import GraftImage

/// The decoded images of a set of samples, shrunk once to about twice the model's input size
/// (GraftData's `ImagePipeline.prepared(_:)`), kept in memory for every epoch.
public struct ImageBank: Sendable {
    /// The prepared images, in sample order.
    public private(set) var images: [Image]
    /// Each image's class index.
    public private(set) var labels: [Int]
    /// Each image's sample identifier.
    public private(set) var ids: [String]
    /// Samples skipped as unreadable or too small (with `skipBad`), with the reason.
    public private(set) var skipped: [String]

    /// Decodes `samples` on all cores. Throws the first bad image's error unless `skipBad`.
    public init(samples: [Sample], pipeline: ImagePipeline, minimumSize: Int, skipBad: Bool) throws(TrainingError) {
        let count = samples.count
        let results = ResultSlots(count: count)
        DispatchQueue.concurrentPerform(iterations: count) { i in
            let sample = samples[i]
            do {
                let image = try sample.image(windows: pipeline.preprocessing.windows ?? [],
                                             channelOrder: pipeline.preprocessing.channelOrder)
                guard image.width >= minimumSize, image.height >= minimumSize else {
                    results.set(i, .failure(DatasetError.imageTooSmall(path: sample.id, width: image.width, height: image.height,
                                                                       minimum: minimumSize).description))
                    return
                }
                results.set(i, .success(pipeline.prepared(image)))
            } catch {
                results.set(i, .failure("\(error)"))
            }
        }
        images = []
        labels = []
        ids = []
        skipped = []
        images.reserveCapacity(count)
        for (i, sample) in samples.enumerated() {
            switch results.get(i) {
            case .success(let image):
                images.append(image)
                labels.append(sample.label)
                ids.append(sample.id)
            case .failure(let message):
                guard skipBad else { throw .data("\(message) (use --skip-bad to skip bad images)") }
                skipped.append(message)
            }
        }
    }

    /// Number of images held.
    public var count: Int { images.count }
}

/// Slots written by concurrent workers, read after they finish.
private final class ResultSlots: @unchecked Sendable {
    enum Outcome { case success(Image), failure(String) }
    private var slots: [Outcome?]
    private let lock = NSLock()
    init(count: Int) { slots = Array(repeating: nil, count: count) }
    func set(_ i: Int, _ outcome: Outcome) { lock.lock(); slots[i] = outcome; lock.unlock() }
    func get(_ i: Int) -> Outcome { slots[i]! }
}
