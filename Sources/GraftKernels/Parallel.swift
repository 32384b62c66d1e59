import CGraftThreads
import Dispatch
import Synchronization

/// Splits the engine's own loops (im2col, col2im, pooling, LRN, element-wise functions, optimizer
/// updates) over the cores, the way OpenBLAS splits a GEMM.
///
/// ``forEach(_:workPerItem:minimumWork:_:)`` cuts a loop into chunks whose bounds depend only on
/// the item count and the worker count (and the costs, for the weighted form), long ones first
/// and short ones last, and the workers claim the chunks in order, each taking the next one when
/// it is done: on a shared machine one core often runs slower than the other for milliseconds (a
/// Zen 3 VM's two cores each dipped to 79-81 of 102-107 GFLOP/s at times), and with one fixed
/// half per core the faster one waited.
/// Which thread runs a chunk varies, what a chunk computes does not: every element is computed
/// by the same code in the same order on every run. ``forEachPart(_:parts:_:)`` keeps static parts
/// for callers that add up per-part partial sums (their order of addition must not vary).
/// Work below `minimumWork` units stays on the calling thread (a dispatch costs microseconds).
public enum Parallel {
    /// Workers used: OpenBLAS's thread count (``BLAS/setThreadCount(_:)``, `--threads`), so that
    /// one setting governs all of the engine's parallelism.
    public static var workers: Int { max(1, BLAS.threadCount) }

    /// Replaces every loop's `minimumWork` for the current task (tests: 0 forces the parallel paths
    /// on small inputs).
    @TaskLocal public static var minimumWorkOverride: Int?

    /// Calls `body` on consecutive, disjoint chunks of `0..<count` covering it, concurrently when
    /// `count * workPerItem` reaches `minimumWork`: the guided chunks of `withChunkStarts`,
    /// claimed by the workers as they become free.
    @inline(__always)
    public static func forEach(_ count: Int, workPerItem: Int = 1, minimumWork: Int = 1 << 15,
                               _ body: (Range<Int>) -> Void) {
        let parts = min(workers, count)
        guard parts > 1, count * workPerItem >= (minimumWorkOverride ?? minimumWork) else {
            if count > 0 { body(0..<count) }
            return
        }
        withChunkStarts(count: count, parts: parts) { starts in
            claimChunks(starts.count - 1, parts: parts) { _, chunk in body(starts[chunk]..<starts[chunk + 1]) }
        }
    }

    /// A chunk takes the rest of the loop divided by this many times the worker count.
    static let chunkShareOfRest = 2
    /// No chunk but the last is below the whole loop divided by this many times the worker count.
    static let smallestChunkShare = 32

    /// The starts of a loop's chunks, then its end: guided self-scheduling, each chunk
    /// `1 / (2 parts)` of what is left (by count, or by cost when `ends` holds the running sum of
    /// the items' costs) but at least `1 / (32 parts)` of the whole. Long chunks come first and
    /// short ones last, so the cores finish within a short chunk of each other at few claims:
    /// ResNet-50 at batch 1, MobileNetV2 at 1 and 8 and CaffeNet at 1 and 32 ran 2-9 % faster
    /// (median step) than with 8 equal chunks per core, ResNet-50 at batch 8 0.98-1.05x. The
    /// bounds depend on the count, the costs and `parts` only.
    static func withChunkStarts<R>(count: Int, parts: Int, ends: [Int]? = nil,
                                   _ body: (UnsafeBufferPointer<Int>) -> R) -> R {
        let total = ends?.last ?? count
        let smallest = max(1, total / (parts * smallestChunkShare)), divisor = chunkShareOfRest * parts
        func size(_ remaining: Int) -> Int { max(smallest, (remaining + divisor - 1) / divisor) }
        var capacity = 2, remaining = total
        while remaining > 0 {
            remaining -= size(remaining)
            capacity += 1
        }
        return withUnsafeTemporaryAllocation(of: Int.self, capacity: capacity) { starts in
            var n = 1, item = 0, consumed = 0
            starts[0] = 0
            while item < count {
                let target = consumed + size(total - consumed)
                if let ends {
                    // At least one item, then every item whose cost ends before the target.
                    item += 1
                    while item < count && ends[item - 1] < target { item += 1 }
                    consumed = ends[item - 1]
                } else {
                    item = min(count, target)
                    consumed = item
                }
                starts[n] = item
                n += 1
            }
            return body(UnsafeBufferPointer(rebasing: starts[0..<n]))
        }
    }

    /// The chunk bounds the loops use (tests).
    static func chunkStarts(count: Int, parts: Int, ends: [Int]? = nil) -> [Int] {
        withChunkStarts(count: count, parts: parts, ends: ends) { Array($0) }
    }

    /// Runs `body(worker, chunk)` for every chunk in `0..<chunks` on `parts` threads (`worker` in
    /// `0..<parts`), each thread claiming the next unclaimed chunk until none is left.
    static func claimChunks(_ chunks: Int, parts: Int, _ body: (_ worker: Int, _ chunk: Int) -> Void) {
        let next = Atomic<Int>(0)
        runSection(parts: parts) { worker in
            while true {
                let chunk = next.wrappingAdd(1, ordering: .relaxed).oldValue
                guard chunk < chunks else { return }
                body(worker, chunk)
            }
        }
    }

    /// Like ``forEach(_:workPerItem:minimumWork:_:)`` for items of unequal cost: the chunks'
    /// shares are measured in summed `cost` rather than in items (their bounds depend on the
    /// costs only). Where one item costs twice another (a 1x1 convolution's last tile of 8
    /// output channels beside whole tiles of 16), an even split by count gave one worker all the
    /// whole tiles when each worker had one fixed half: MobileNetV2's 144 → 24 layers ran
    /// 10-19 % longer that way.
    public static func forEach(_ count: Int, workPerItem: Int, minimumWork: Int = 1 << 15, cost: (Int) -> Int,
                               _ body: (Range<Int>) -> Void) {
        let parts = min(workers, count)
        guard parts > 1, count * workPerItem >= (minimumWorkOverride ?? minimumWork) else {
            if count > 0 { body(0..<count) }
            return
        }
        var ends = [Int](), total = 0
        ends.reserveCapacity(count)
        for item in 0..<count {
            total += max(0, cost(item))
            ends.append(total)
        }
        withChunkStarts(count: count, parts: parts, ends: ends) { starts in
            claimChunks(starts.count - 1, parts: parts) { _, chunk in body(starts[chunk]..<starts[chunk + 1]) }
        }
    }

    /// Runs `body(part)` for every part in `0..<parts` concurrently, on Graft's own worker threads
    /// (`CGraftThreads`: they spin between sections, so a section starts in about a microsecond
    /// where Dispatch took 30-45 µs to wake a thread on a 2-core VM, which at batch 1 cost more
    /// than most layers' work), or through Dispatch when those are busy with another section (a
    /// nested loop, or another thread's). Which thread runs a part never changes what it computes.
    static func runSection(parts: Int, _ body: (Int) -> Void) {
        withoutActuallyEscaping(body) { escapable in
            let section = Section(escapable)
            if !runOnWorkers(parts: parts, section) {
                DispatchQueue.concurrentPerform(iterations: parts) { part in section.body(part) }
            }
        }
    }

    /// Runs the section on Graft's worker threads; false (nothing run) when they are busy.
    static func runOnWorkers(parts: Int, _ section: Section) -> Bool {
        withExtendedLifetime(section) {
            graft_threads_run(Int32(clamping: parts), { context, part in
                Unmanaged<Section>.fromOpaque(context!).takeUnretainedValue().body(Int(part))
            }, Unmanaged.passUnretained(section).toOpaque()) != 0
        }
    }

    /// How long an idle worker thread spins before it sleeps (200 µs unless set; 0 sleeps at once).
    static func setWorkerSpin(microseconds: Int) {
        graft_threads_set_spin_microseconds(Int32(clamping: microseconds))
    }
}

/// One parallel section's body, passed to the C worker threads as an opaque pointer; the parts
/// touch disjoint memory (the callers guarantee it).
final class Section: @unchecked Sendable {
    let body: (Int) -> Void
    init(_ body: @escaping (Int) -> Void) { self.body = body }
}

extension Parallel {
    /// Like ``forEach(_:workPerItem:minimumWork:_:)``, also passing each part's number
    /// (`0..<min(workers, count, maximumParts)`), for callers that give every part its own scratch.
    @inline(__always)
    public static func forEachPart(_ count: Int, maximumParts: Int, workPerItem: Int = 1, minimumWork: Int = 1 << 15,
                                   _ body: (_ part: Int, _ range: Range<Int>) -> Void) {
        let parts = min(workers, count, max(1, maximumParts))
        let enough = count * workPerItem >= (minimumWorkOverride ?? minimumWork)
        forEachPart(count, parts: enough ? parts : 1, body)
    }
}

extension Parallel {
    /// Calls `body(part, range)` for `parts` consecutive, disjoint parts of `0..<count`, one per
    /// worker, with OpenBLAS single-threaded meanwhile: each worker runs its own small GEMMs on its
    /// own data (kept in its core's cache) instead of both cores sharing every thin GEMM. The body
    /// must not start parallel loops of its own. Callers clamp `parts` to ``workers`` and `count`.
    public static func forEachPartWithSerialBLAS(_ count: Int, parts: Int, _ body: (_ part: Int, _ range: Range<Int>) -> Void) {
        guard parts > 1, count > 1 else {
            if count > 0 { body(0, 0..<count) }
            return
        }
        SerialBLASSection.enter()
        defer { SerialBLASSection.leave() }
        forEachPart(count, parts: parts, body)
    }

    /// Calls `body(part, range)` for exactly `parts` consecutive, disjoint parts of `0..<count`
    /// (part `i` covers `count * i / parts ..< count * (i + 1) / parts`), concurrently, for callers
    /// that size per-part scratch and combine per-part results themselves. Callers clamp `parts`
    /// to ``workers`` and `count`.
    public static func forEachPart(_ count: Int, parts: Int, _ body: (_ part: Int, _ range: Range<Int>) -> Void) {
        guard parts > 1, count > 1 else {
            if count > 0 { body(0, 0..<count) }
            return
        }
        runSection(parts: parts) { part in body(part, count * part / parts ..< count * (part + 1) / parts) }
    }

    /// ``forEachChunk(_:parts:_:)`` on at most `maximumParts` threads, on one when `count *
    /// workPerItem` is below `minimumWork`.
    public static func forEachChunk(_ count: Int, maximumParts: Int, workPerItem: Int = 1, minimumWork: Int = 1 << 15,
                                    _ body: (_ worker: Int, _ range: Range<Int>) -> Void) {
        let parts = min(workers, count, max(1, maximumParts))
        let enough = count * workPerItem >= (minimumWorkOverride ?? minimumWork)
        forEachChunk(count, parts: enough ? parts : 1, body)
    }

    /// Calls `body(worker, range)` on the consecutive, disjoint chunks of `0..<count` that
    /// `withChunkStarts` gives (guided), claimed by `parts` threads as they become
    /// free (see ``forEach(_:workPerItem:minimumWork:_:)``); `worker` (`0..<parts`) names the claiming
    /// thread's scratch. For bodies whose output for an item does not depend on the range it
    /// arrives in or on the scratch it used: not for per-part partial sums, whose order would vary.
    /// Callers clamp `parts` to ``workers`` and `count`.
    public static func forEachChunk(_ count: Int, parts: Int, _ body: (_ worker: Int, _ range: Range<Int>) -> Void) {
        guard parts > 1, count > 1 else {
            if count > 0 { body(0, 0..<count) }
            return
        }
        withChunkStarts(count: count, parts: parts) { starts in
            claimChunks(starts.count - 1, parts: parts) { worker, chunk in body(worker, starts[chunk]..<starts[chunk + 1]) }
        }
    }
}

/// OpenBLAS's thread count is process-wide (0.3.21 has no per-call setting): overlapping serial
/// sections (tests run concurrently) share one switch to 1 thread; the last to leave restores the
/// configured count (``BLAS/threadCount``, which the switch does not change).
enum SerialBLASSection {
    private static let depth = Mutex<Int>(0)

    /// Whether a serial section is running (anywhere in the process): products then stay on the
    /// calling thread.
    static var isActive: Bool { depth.withLock { $0 > 0 } }

    static func enter() {
        depth.withLock { d in
            if d == 0 {
                BLAS.captureThreadCount()
                BLAS.setLibraryThreadCount(1)
            }
            d += 1
        }
    }

    static func leave() {
        depth.withLock { d in
            d -= 1
            if d == 0 { BLAS.setLibraryThreadCount(BLAS.threadCount) }
        }
    }
}
