import Foundation
import GraftNativeFixtures
import GraftTestSupport
import Testing
@testable import GraftCore

/// Seeded mutations of a valid file: every outcome must be a valid open or a thrown
/// ``NativeFormatError``, never a crash, and whatever opens must also load and write back.
@Suite("Native format: mutation fuzz")
struct MutationFuzzTests {
    private enum Mutation: CaseIterable {
        case flipBit, setByte, insertBytes, deleteBytes, truncate, duplicateRange, setHeaderLength, editHeaderDigit
    }

    private func mutate(_ bytes: inout [UInt8], headerEnd: Int, rng: inout SeededGenerator) {
        // Most damage goes to the header, where the parsing happens.
        func position() -> Int {
            bytes.isEmpty ? 0 : (Bool.random(using: &rng) ? Int.random(in: 0..<min(headerEnd, bytes.count), using: &rng)
                                                         : Int.random(in: 0..<bytes.count, using: &rng))
        }
        switch Mutation.allCases.randomElement(using: &rng)! {
        case .flipBit:
            guard !bytes.isEmpty else { return }
            bytes[position()] ^= 1 << UInt8.random(in: 0..<8, using: &rng)
        case .setByte:
            guard !bytes.isEmpty else { return }
            let interesting: [UInt8] = [0, 0x22, 0x2C, 0x3A, 0x5B, 0x5D, 0x7B, 0x7D, 0x2D, 0x30, 0x39, 0x5C, 0xFF, 0xC3]
            bytes[position()] = Bool.random(using: &rng) ? interesting.randomElement(using: &rng)! : UInt8.random(in: 0...255, using: &rng)
        case .insertBytes:
            let count = Int.random(in: 1...8, using: &rng)
            bytes.insert(contentsOf: (0..<count).map { _ in UInt8.random(in: 0...255, using: &rng) },
                         at: min(position(), bytes.count))
        case .deleteBytes:
            guard !bytes.isEmpty else { return }
            let start = position()
            bytes.removeSubrange(start..<min(bytes.count, start + Int.random(in: 1...16, using: &rng)))
        case .truncate:
            bytes.removeLast(Int.random(in: 0...bytes.count, using: &rng))
        case .duplicateRange:
            guard !bytes.isEmpty else { return }
            let start = position()
            let slice = bytes[start..<min(bytes.count, start + Int.random(in: 1...32, using: &rng))]
            bytes.insert(contentsOf: slice, at: position())
        case .setHeaderLength:
            guard bytes.count >= 8 else { return }
            let candidates: [UInt64] = [0, 1, UInt64(headerEnd - 8) &+ 1, UInt64(headerEnd - 8) &- 1, .max, 1 << 63,
                                        UInt64(NativeFormat.maxHeaderSize) + 1, UInt64(bytes.count)]
            let value = candidates.randomElement(using: &rng)!
            withUnsafeBytes(of: value.littleEndian) { bytes.replaceSubrange(0..<8, with: $0) }
        case .editHeaderDigit:
            // Nudge a number in the header: shapes and offsets are where off-by-ones hide.
            let digits = (8..<min(headerEnd, bytes.count)).filter { (0x30...0x39).contains(bytes[$0]) }
            guard let at = digits.randomElement(using: &rng) else { return }
            bytes[at] = UInt8.random(in: 0x30...0x39, using: &rng)
        }
    }

    @Test func mutatedFilesOpenOrThrowTypedErrors() throws {
        var model = try Fixtures.smallModel()
        model.weights["state.step"] = Tensor(shape: [1], scalars: [3])
        let original = try NativeWriter.encode(model)
        let headerEnd = try NativeFile.parse(data: original, path: "seed").dataStart
        var rng = SeededGenerator(seed: 0x5EED_6A4F)
        var opened = 0
        var errorKinds: [String: Int] = [:]
        for iteration in 0..<3000 {
            var bytes = original.byteArray
            for _ in 0..<Int.random(in: 1...3, using: &rng) { mutate(&bytes, headerEnd: headerEnd, rng: &rng) }
            do {
                let file = try NativeFile.parse(data: Data(bytes), path: "mutant-\(iteration)")
                let loaded = try file.loadModel()
                // The writer accepts whatever the reader accepts.
                _ = try NativeWriter.encode(loaded)
                opened += 1
            } catch {
                errorKinds[Mirror(reflecting: error).children.first?.label ?? "?", default: 0] += 1
                #expect(error.description.hasPrefix("mutant-\(iteration)"))
            }
        }
        print("mutation fuzz: \(opened) opened, rejected by kind: "
              + errorKinds.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " "))
        // Both outcomes occur, so the mutations neither always break nor never break the file.
        #expect(opened > 0)
        #expect(opened < 3000)
    }
}
