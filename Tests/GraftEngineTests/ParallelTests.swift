import Dispatch
import Foundation
@testable import GraftKernels
import Synchronization
import Testing

/// Graft's worker threads (`CGraftThreads`) behind `Parallel`: every part runs exactly once with
/// its static range, `forEach`'s chunks have fixed bounds and go to whichever thread is free,
/// sections follow each other without losing a part, and nested or concurrent sections (which
/// find the workers busy) still run completely.
@Suite("Parallel sections on Graft's worker threads")
struct ParallelTests {
    /// Runs `parts` parts of `0..<count` and returns how often each index was visited, checking
    /// each part got the static range `count * part / parts ..< count * (part + 1) / parts`.
    static func visits(count: Int, parts: Int) -> [Int] {
        let counts = Mutex([Int](repeating: 0, count: count))
        let wrongRanges = Atomic<Int>(0)
        Parallel.forEachPart(count, parts: parts) { part, range in
            if range != count * part / parts ..< count * (part + 1) / parts { wrongRanges.add(1, ordering: .relaxed) }
            counts.withLock { for i in range { $0[i] += 1 } }
        }
        #expect(wrongRanges.load(ordering: .relaxed) == 0)
        return counts.withLock { $0 }
    }

    @Test("every index once, for 2 to 8 parts (more parts than cores too)")
    func coverage() {
        for parts in 2...8 {
            for count in [parts, 17, 1000] {
                #expect(Self.visits(count: count, parts: parts) == Array(repeating: 1, count: count), "parts \(parts), count \(count)")
            }
        }
    }

    @Test("items of unequal cost: every index once, in consecutive ranges of about equal cost")
    func weightedSplit() {
        // Whole tiles of 16 channels and a last tile of 8 (a 1x1 layer with 24 or 40 outputs), and
        // a run of free items.
        for costs in [[16, 16, 8, 8], Array(repeating: 16, count: 17) + Array(repeating: 8, count: 17),
                      [5, 0, 0, 0, 9, 1, 1, 1, 1, 1, 30], [3]] {
            let ranges = Mutex<[Range<Int>]>([])
            Parallel.$minimumWorkOverride.withValue(0) {
                Parallel.forEach(costs.count, workPerItem: 1, cost: { costs[$0] }) { range in
                    ranges.withLock { $0.append(range) }
                }
            }
            let parts = ranges.withLock { $0 }.sorted { $0.lowerBound < $1.lowerBound }
            #expect(parts.flatMap { Array($0) } == Array(costs.indices), "\(costs): \(parts)")
            let total = costs.reduce(0, +), share = total / min(Parallel.workers, costs.count)
            for part in parts {
                #expect(part.map { costs[$0] }.reduce(0, +) <= share + costs.max()!, "\(costs): \(parts)")
            }
            if Parallel.workers >= 2 && costs.count >= 2 { #expect(parts.count >= 2, "\(costs): \(parts)") }
        }
    }

    @Test("forEach: fixed chunk bounds, every index once, and a slowed thread claims fewer chunks")
    func chunksGoToTheFreeThread() {
        guard Parallel.workers >= 2 else { return }
        let count = 64, starts = Parallel.chunkStarts(count: count, parts: min(Parallel.workers, count))
        let expected = zip(starts, starts.dropFirst()).map { $0 ..< $1 }
        // Chunks run on the caller sleep 3 ms, others 0.3 ms: claimed in turn, the caller's share
        // of the chunks is far below an even one. With one fixed half per thread it would be half.
        // Other tests may hold the worker threads (the section then runs through Dispatch, maybe
        // all on the caller): tried until another thread ran a chunk.
        var fewer = false
        for _ in 0..<50 where !fewer {
            let seen = Mutex<[(range: Range<Int>, caller: Bool)]>([])
            let caller = pthread_self()
            Parallel.forEach(count, workPerItem: 1 << 20) { range in
                let onCaller = pthread_equal(pthread_self(), caller) != 0
                usleep(onCaller ? 3000 : 300)
                seen.withLock { $0.append((range, onCaller)) }
            }
            let runs = seen.withLock { $0 }
            #expect(runs.map(\.range).sorted { $0.lowerBound < $1.lowerBound } == expected)
            let onCaller = runs.filter(\.caller).count
            if onCaller < runs.count { fewer = onCaller * 2 < runs.count / 2 }
        }
        #expect(fewer, "the slowed caller never took fewer chunks than the other threads")
    }

    @Test("chunk bounds: guided (a 2p-th of the rest, at least a 32p-th of the whole), covering the loop, by count or by cost")
    func guidedChunkBounds() {
        for parts in [2, 3, 8] {
            for count in [1, 2, 7, 64, 1000, 100_003] {
                let starts = Parallel.chunkStarts(count: count, parts: parts)
                #expect(starts.first == 0 && starts.last == count && zip(starts, starts.dropFirst()).allSatisfy { $0 < $1 },
                        "\(parts) parts, \(count): \(starts)")
                let smallest = max(1, count / (32 * parts))
                for (k, (start, end)) in zip(starts, starts.dropFirst()).enumerated() {
                    let rest = count - start, expected = min(rest, max(smallest, (rest + 2 * parts - 1) / (2 * parts)))
                    #expect(end - start == expected, "\(parts) parts, \(count): chunk \(k) \(start)..<\(end)")
                }
                if count >= 1000 { #expect(starts.count - 1 <= 8 * parts + 32, "\(parts) parts, \(count): \(starts.count - 1) chunks") }
            }
        }
        // By cost: a chunk ends at the first item whose running cost reaches its share (one item
        // at least): 81 in all, shares 21, 13, 9, 1, 1, 1; the free items 4 and 5 go with item 6.
        let costs = [16, 16, 8, 8, 0, 0, 30, 1, 1, 1]
        var ends: [Int] = [], total = 0
        for c in costs { total += c; ends.append(total) }
        let starts = Parallel.chunkStarts(count: costs.count, parts: 2, ends: ends)
        #expect(starts == [0, 2, 4, 7, 8, 9, 10], "\(starts)")
    }

    @Test("forEachChunk: fixed chunk bounds, every index once, worker numbers below the part count")
    func chunksWithWorkerScratch() {
        for parts in 2...4 {
            for count in [2, 17, 1000] {
                let used = min(parts, count), starts = Parallel.chunkStarts(count: count, parts: used)
                let seen = Mutex<[(worker: Int, range: Range<Int>)]>([])
                Parallel.forEachChunk(count, parts: used) { worker, range in seen.withLock { $0.append((worker, range)) } }
                let runs = seen.withLock { $0 }
                #expect(runs.map(\.range).sorted { $0.lowerBound < $1.lowerBound }
                        == zip(starts, starts.dropFirst()).map { $0 ..< $1 }, "parts \(parts), count \(count)")
                #expect(runs.allSatisfy { (0..<used).contains($0.worker) }, "parts \(parts), count \(count)")
            }
        }
    }

    @Test("a free pool runs the section on other threads, the caller running part 0")
    func runsOnWorkerThreads() {
        // Other tests may hold the pool (one runs thousands of sections): try until it is free.
        var ran = false
        let threads = Mutex<[Int: pthread_t]>([:])
        for _ in 0..<20_000 where !ran {
            ran = Parallel.runOnWorkers(parts: 3, Section { part in threads.withLock { $0[part] = pthread_self() } })
            if !ran { usleep(1000) }
        }
        #expect(ran, "the worker threads stayed busy for 20 seconds")
        guard ran else { return }
        let seen = threads.withLock { $0 }
        #expect(seen.count == 3)
        #expect(pthread_equal(seen[0]!, pthread_self()) != 0)
        #expect(pthread_equal(seen[1]!, pthread_self()) == 0 && pthread_equal(seen[2]!, pthread_self()) == 0)
        #expect(pthread_equal(seen[1]!, seen[2]!) == 0)
    }

    @Test("thousands of sections in a row, spinning and sleeping between them, lose no part")
    func manySections() {
        for spin in [200, 0] {
            Parallel.setWorkerSpin(microseconds: spin)
            defer { Parallel.setWorkerSpin(microseconds: 200) }
            let total = Atomic<Int>(0)
            let sections = spin == 0 ? 300 : 5000
            for s in 0..<sections {
                Parallel.forEachPart(4, parts: 2 + s % 3) { _, range in total.add(range.count, ordering: .relaxed) }
            }
            #expect(total.load(ordering: .relaxed) == 4 * sections, "spin \(spin) µs")
        }
    }

    @Test("a section started inside a part, and sections from many threads at once, run completely")
    func nestedAndConcurrent() {
        let inner = Atomic<Int>(0)
        Parallel.forEachPart(2, parts: 2) { _, _ in
            Parallel.forEachPart(10, parts: 2) { _, range in inner.add(range.count, ordering: .relaxed) }
        }
        #expect(inner.load(ordering: .relaxed) == 20)

        let callers = 6, rounds = 300
        let total = Atomic<Int>(0)
        DispatchQueue.concurrentPerform(iterations: callers) { _ in
            for _ in 0..<rounds {
                Parallel.forEachPart(8, parts: 2) { _, range in total.add(range.count, ordering: .relaxed) }
            }
        }
        #expect(total.load(ordering: .relaxed) == callers * rounds * 8)
    }
}
