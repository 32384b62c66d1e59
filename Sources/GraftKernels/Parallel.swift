import CGraftThreads
import Dispatch
import Synchronization

/// Splits the engine's own loops (im2col, col2im, pooling, LRN, element-wise functions, optimizer
/// updates) over the cores, the way OpenBLAS splits a GEMM.
///
/// The split is static — part `i` of `n` always covers the same range — so results do not depend
/// on scheduling: every element is computed by the same code in the same order on every run.
/// Work below `minimumWork` units stays on the calling thread (a dispatch costs microseconds).
public enum Parallel {
    /// Workers used: OpenBLAS's thread count (``BLAS/setThreadCount(_:)``, `--threads`), so that
    /// one setting governs all of the engine's parallelism.
    public static var workers: Int { max(1, BLAS.threadCount) }

    /// Replaces every loop's `minimumWork` for the current task (tests: 0 forces the parallel paths
    /// on small inputs).
    @TaskLocal public static var minimumWorkOverride: Int?

    /// Calls `body` on consecutive, disjoint parts of `0..<count` covering it, concurrently when
    /// `count * workPerItem` reaches `minimumWork`.
    @inline(__always)
    public static func forEach(_ count: Int, workPerItem: Int = 1, minimumWork: Int = 1 << 15,
                               _ body: (Range<Int>) -> Void) {
        let parts = min(workers, count)
        guard parts > 1, count * workPerItem >= (minimumWorkOverride ?? minimumWork) else {
            if count > 0 { body(0..<count) }
            return
        }
        runSection(parts: parts) { part in body(count * part / parts ..< count * (part + 1) / parts) }
    }

    /// Like ``forEach(_:workPerItem:minimumWork:_:)`` for items of unequal cost: the parts are
    /// consecutive ranges holding about equal shares of the summed `cost` (still static: the
    /// ranges depend on the costs only). Where one item costs twice another (a 1x1 convolution's
    /// last tile of 8 output channels beside whole tiles of 16), an even split by count gave one
    /// worker all the whole tiles: MobileNetV2's 144 → 24 layers ran 10-19 % longer that way.
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
        // Part p starts at the first item whose cost ends past p / parts of the total.
        var starts = [Int](repeating: count, count: parts + 1)
        var item = 0
        for part in 0..<parts {
            let share = total * part / parts
            while item < count && ends[item] <= share { item += 1 }
            starts[part] = part == 0 ? 0 : item
        }
        runSection(parts: parts) { part in
            if starts[part] < starts[part + 1] { body(starts[part]..<starts[part + 1]) }
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
