import Foundation
import Testing
import GraftCore
import GraftTestSupport
@testable import GraftCaffe

/// Seeded mutation fuzzing: flip, insert, delete, duplicate and splice bytes of valid inputs and
/// check the readers only ever return a net or a typed error (a crash fails the whole run).
struct FuzzTests {
    static let prototxtSeed = """
        name: "fuzz"
        input: "data" input_dim: 1 input_dim: 3 input_dim: 8 input_dim: 8
        layer { name: "conv" type: "Convolution" bottom: "data" top: "conv" param { lr_mult: 1 } param { lr_mult: 2 }
          convolution_param { num_output: 4 kernel_size: [3, 3] pad: 1 weight_filler { type: "xavier" } bias_term: true } }
        layer { name: "pool" type: "Pooling" bottom: "conv" top: "pool" pooling_param < pool: MAX kernel_size: 2 stride: 2 > }
        layer { name: "s" type: "Permute" permute_param { order: [0, 2, 3, 1] } blobs { shape { dim: 2 } data: [1.5e-3, -inf] } }
        layers { name: 'v1' type: INNER_PRODUCT blobs_lr: 1; weight_decay: 0x1 }  # mixed on purpose
        """

    static func mutate(_ input: [UInt8], _ rng: inout SeededGenerator, alphabet: [UInt8]) -> [UInt8] {
        var bytes = input
        for _ in 0..<Int.random(in: 1...4, using: &rng) {
            let position = bytes.isEmpty ? 0 : Int.random(in: 0..<bytes.count, using: &rng)
            switch Int.random(in: 0..<6, using: &rng) {
            case 0 where !bytes.isEmpty: bytes[position] = UInt8.random(in: 0...255, using: &rng)
            case 1: bytes.insert(alphabet.randomElement(using: &rng)!, at: position)
            case 2 where !bytes.isEmpty: bytes.remove(at: position)
            case 3 where !bytes.isEmpty:
                let end = min(bytes.count, position + Int.random(in: 1...16, using: &rng))
                bytes.insert(contentsOf: bytes[position..<end], at: Int.random(in: 0...bytes.count, using: &rng))
            case 4: bytes = Array(bytes.prefix(position))
            default:
                if !bytes.isEmpty { bytes[position] = alphabet.randomElement(using: &rng)! }
            }
        }
        return bytes
    }

    @Test func prototxtParserNeverCrashes() {
        var rng = SeededGenerator(seed: 0xCAFFE)
        let seed = Array(Self.prototxtSeed.utf8)
        let alphabet = Array("{}<>[]:;,-\"'\\#\n 0123456789.exfFx_abnTLMAX".utf8)
        var parsed = 0, failed = 0
        for _ in 0..<3000 {
            let input = Self.mutate(seed, &rng, alphabet: alphabet)
            do {
                _ = try CaffePrototxt.decode(input, file: "fuzz.prototxt")
                parsed += 1
            } catch {
                failed += 1
                if case .text(let e) = error { #expect(e.line >= 1 && e.column >= 1) }
            }
        }
        #expect(parsed + failed == 3000)
        #expect(parsed > 0 && failed > 0)
    }

    @Test func caffemodelReaderNeverCrashes() throws {
        var rng = SeededGenerator(seed: 0xB10B)
        var seeds: [[UInt8]] = [CaffeModelPacker.pack(name: "fuzz", inputs: ["data"], inputDims: [1, 3, 2, 2], layers: [
            .init(name: "conv", type: "Convolution", bottoms: ["data"], tops: ["c"],
                  blobs: [.init(shape: [2, 3, 1, 1], data: [1, 2, 3, 4, 5, 6]), .init(shape: [2], doubleData: [1, 2])],
                  convolutionNumOutput: 2, poolingMethod: 1, lrMults: [1, 2]),
            .init(name: "ip", type: "InnerProduct", blobs: [.init(legacy: [1, 1, 2, 2], data: [1, 2, 3, 4])]),
        ]), CaffeModelPacker.pack(name: "v1", v1Layers: [
            .init(name: "c", type: 4, blobs: [.init(legacy: [1, 1, 1, 3], data: [1, 2, 3])], blobsLR: [1], weightDecay: [0]),
        ])]
        if SharedData.has("reference/caffe/mtcnn_kpzhang93/det1.caffemodel") {
            seeds.append(Array(try Data(contentsOf: URL(fileURLWithPath: SharedData.path("reference/caffe/mtcnn_kpzhang93/det1.caffemodel")))))
        }
        let alphabet: [UInt8] = [0x00, 0x01, 0x02, 0x05, 0x08, 0x0A, 0x12, 0x1A, 0x22, 0x2A, 0x3A, 0x7F, 0x80, 0xFF]
        var decoded = 0, failed = 0
        for i in 0..<3000 {
            let input = Self.mutate(seeds[i % seeds.count], &rng, alphabet: alphabet)
            do {
                _ = try CaffeModelReader.decode(Data(input), file: "fuzz.caffemodel")
                decoded += 1
            } catch {
                failed += 1
            }
        }
        #expect(decoded + failed == 3000)
        #expect(decoded > 0 && failed > 0)
    }
}
