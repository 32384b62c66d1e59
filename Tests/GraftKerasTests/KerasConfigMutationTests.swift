import Foundation
import Testing
import GraftCore
import GraftTestSupport
@testable import GraftKeras

/// Seeded mutations of valid configs (byte damage and structural edits) must each either decode
/// or throw a ``KerasError`` — never crash, hang or allocate wildly. Runs are reproducible from
/// the seed printed in any failure.
struct KerasConfigMutationTests {
    /// Valid configs in the three dialects, covering most decoders.
    static let seeds: [String] = [
        KerasConfigs.sequential(),
        """
        {"class_name": "Sequential", "keras_version": "1.2.2", "config": [
          {"class_name": "Convolution2D", "config": {"name": "c1", "nb_filter": 4, "nb_row": 3, "nb_col": 3, "subsample": [1, 1],
            "border_mode": "same", "dim_ordering": "th", "bias": true, "batch_input_shape": [null, 3, 8, 8]}},
          {"class_name": "BatchNormalization", "config": {"name": "bn", "mode": 0, "axis": 1}},
          {"class_name": "ZeroPadding2D", "config": {"name": "z", "padding": {"top_pad": 1, "bottom_pad": 0, "left_pad": 1, "right_pad": 0}}},
          {"class_name": "Cropping2D", "config": {"name": "cr", "cropping": [[1, 0], [0, 1]]}},
          {"class_name": "AveragePooling2D", "config": {"name": "ap", "pool_size": [2, 2], "strides": null}},
          {"class_name": "Flatten", "config": {"name": "f"}},
          {"class_name": "Dense", "config": {"name": "d", "output_dim": 3, "activation": "tanh"}},
          {"class_name": "Dropout", "config": {"name": "dr", "p": 0.5}},
          {"class_name": "PReLU", "config": {"name": "pr", "shared_axes": [1]}}
        ]}
        """,
        """
        {"module": "keras", "class_name": "Functional", "registered_name": "Functional", "config": {"name": "f", "layers": [
          {"class_name": "InputLayer", "config": {"batch_shape": [null, 8, 8, 3], "name": "x"}, "name": "x", "inbound_nodes": []},
          {"class_name": "SeparableConv2D", "config": {"name": "s", "filters": 4, "kernel_size": 3, "padding": "same",
            "dtype": {"module": "keras", "class_name": "DTypePolicy", "config": {"name": "float32"}}}, "name": "s",
           "inbound_nodes": [{"args": [{"class_name": "__keras_tensor__", "config": {"keras_history": ["x", 0, 0]}}], "kwargs": {}}]},
          {"class_name": "Conv2DTranspose", "config": {"name": "t", "filters": 4, "kernel_size": 2, "strides": 2, "output_padding": null},
           "name": "t", "inbound_nodes": [{"args": [{"class_name": "__keras_tensor__", "config": {"keras_history": ["s", 0, 0]}}], "kwargs": {}}]},
          {"class_name": "MaxPooling2D", "config": {"name": "m", "pool_size": 2}, "name": "m",
           "inbound_nodes": [{"args": [{"class_name": "__keras_tensor__", "config": {"keras_history": ["t", 0, 0]}}], "kwargs": {}}]},
          {"class_name": "Concatenate", "config": {"name": "c", "axis": -1}, "name": "c",
           "inbound_nodes": [{"args": [[{"class_name": "__keras_tensor__", "config": {"keras_history": ["m", 0, 0]}},
                                        {"class_name": "__keras_tensor__", "config": {"keras_history": ["s", 0, 0]}}]], "kwargs": {}}]},
          {"class_name": "Normalization", "config": {"name": "n", "axis": -1, "mean": [0.5], "variance": [2.0]}, "name": "n",
           "inbound_nodes": [{"args": [{"class_name": "__keras_tensor__", "config": {"keras_history": ["c", 0, 0]}}], "kwargs": {}}]},
          {"class_name": "GlobalAveragePooling2D", "config": {"name": "g", "keepdims": false}, "name": "g",
           "inbound_nodes": [{"args": [{"class_name": "__keras_tensor__", "config": {"keras_history": ["n", 0, 0]}}], "kwargs": {}}]},
          {"class_name": "Reshape", "config": {"name": "r", "target_shape": [2, -1]}, "name": "r",
           "inbound_nodes": [{"args": [{"class_name": "__keras_tensor__", "config": {"keras_history": ["g", 0, 0]}}], "kwargs": {}}]},
          {"class_name": "ELU", "config": {"name": "e", "alpha": 0.5}, "name": "e",
           "inbound_nodes": [{"args": [{"class_name": "__keras_tensor__", "config": {"keras_history": ["r", 0, 0]}}], "kwargs": {}}]}
        ], "input_layers": ["x", 0, 0], "output_layers": [["e", 0, 0]]}}
        """,
    ]

    static let seed: UInt64 = 0x4752_4146_5431

    /// Every node of a JSON tree, as a path of object keys and array indices.
    enum Step: Hashable { case key(String), index(Int) }

    static func paths(_ value: KerasJSON, prefix: [Step] = [], into result: inout [[Step]]) {
        result.append(prefix)
        switch value {
        case .array(let items): for (i, item) in items.enumerated() { paths(item, prefix: prefix + [.index(i)], into: &result) }
        case .object(let object): for key in object.keys.sorted() { paths(object[key]!, prefix: prefix + [.key(key)], into: &result) }
        default: break
        }
    }

    static func replacing(_ value: KerasJSON, at path: ArraySlice<Step>, with new: KerasJSON?) -> KerasJSON {
        guard let step = path.first else { return new ?? .null }
        switch (value, step) {
        case (.array(var items), .index(let i)):
            if path.count == 1, new == nil { items.remove(at: i) } else { items[i] = replacing(items[i], at: path.dropFirst(), with: new) }
            return .array(items)
        case (.object(var object), .key(let key)):
            if path.count == 1, new == nil { object[key] = nil } else { object[key] = replacing(object[key]!, at: path.dropFirst(), with: new) }
            return .object(object)
        default:
            return value
        }
    }

    static func randomValue(_ rng: inout SeededGenerator) -> KerasJSON {
        let classes = KerasLayerClass.allCases.map(\.rawValue) + ["Lambda", "Sequential", "__keras_tensor__"]
        switch rng.next() % 14 {
        case 0: return .null
        case 1: return .bool(rng.next() % 2 == 0)
        case 2: return .number(0)
        case 3: return .number(-1)
        case 4: return .number(1e300)
        case 5: return .number(0.5)
        case 6: return .number(Double(rng.next() % 100_000))
        case 7: return .string("")
        case 8: return .string(classes[Int(rng.next() % UInt64(classes.count))])
        case 9: return .array([])
        case 10: return .object([:])
        case 11: return .array([.number(3), .number(3)])
        case 12: return .array([.string("x"), .number(0), .number(0)])
        default: return .array([.null, .number(-5), .number(4)])
        }
    }

    /// One mutation of `text`: byte damage or a structural edit of its parsed tree.
    static func mutate(_ text: String, _ rng: inout SeededGenerator) -> [UInt8] {
        var bytes = Array(text.utf8)
        func position() -> Int { Int(rng.next() % UInt64(max(bytes.count, 1))) }
        switch rng.next() % 9 {
        case 0:
            bytes[position()] = UInt8(truncatingIfNeeded: rng.next())
        case 1:
            let start = position()
            bytes.removeSubrange(start..<min(bytes.count, start + 1 + Int(rng.next() % 16)))
        case 2:
            let start = position()
            bytes.insert(contentsOf: bytes[start..<min(bytes.count, start + 1 + Int(rng.next() % 32))], at: position())
        case 3:
            bytes = Array(bytes.prefix(position()))
        case 4:
            let tokens = ["[", "]", "{", "}", "\"", ",", ":", "null", "true", "-1", "1e999", "\\u0000"]
            bytes.insert(contentsOf: Array(tokens[Int(rng.next() % UInt64(tokens.count))].utf8), at: position())
        default:
            guard let tree = try? JSONReader.parse(bytes, source: "seed", limits: .default) else { return bytes }
            var all: [[Step]] = []
            paths(tree, into: &all)
            let target = all[Int(rng.next() % UInt64(all.count))]
            let edited = rng.next() % 3 == 0 && !target.isEmpty
                ? replacing(tree, at: target[...], with: nil)
                : replacing(tree, at: target[...], with: randomValue(&rng))
            bytes = Array(edited.compactText.utf8)
        }
        return bytes
    }

    @Test func seedConfigsAreValid() throws {
        for (i, text) in Self.seeds.enumerated() {
            let model = try KerasModel.parseArchitecture(json: Array(text.utf8), source: "seed \(i)")
            #expect(model.layers.allSatisfy { $0.isSupported }, "seed \(i)")
        }
    }

    @Test func mutatedConfigsDecodeOrThrowTypedErrors() {
        var rng = SeededGenerator(seed: Self.seed)
        var decoded = 0, refused = 0
        var refusedKinds = Set<String>()
        for iteration in 0..<3000 {
            let text = Self.seeds[iteration % Self.seeds.count]
            let bytes = Self.mutate(text, &rng)
            do {
                let model = try KerasModel.parseArchitecture(json: bytes, source: "mutation \(iteration)")
                #expect(!model.layers.isEmpty)
                decoded += 1
            } catch {
                #expect(!error.description.isEmpty)
                refusedKinds.insert(String(describing: error).prefix { $0 != "(" }.description)
                refused += 1
            }
        }
        // Both outcomes occur, and the refusals are of several kinds (not one catch-all).
        #expect(decoded > 100 && refused > 100, "decoded \(decoded), refused \(refused)")
        #expect(refusedKinds.count >= 5, "\(refusedKinds)")
    }

    /// Mutated configs embedded in a full-model file with the original weights: binding must
    /// report mismatches as typed errors too.
    @Test func mutatedConfigsAgainstRealWeights() throws {
        var rng = SeededGenerator(seed: Self.seed ^ 0xFFFF)
        let directory = TemporaryDirectory()
        let builder = KerasFileBuilder()
        var outcomes: [String: Int] = [:]
        for iteration in 0..<150 {
            let bytes = Self.mutate(Self.seeds[0], &rng)
            let path = directory.path("m\(iteration).h5")
            try builder.writeLegacyFull(path, config: String(decoding: bytes, as: UTF8.self), layers: KerasConfigs.sequentialLayers())
            do {
                _ = try KerasModel.load(path: path)
                outcomes["loaded", default: 0] += 1
            } catch {
                outcomes[String(describing: error).prefix { $0 != "(" }.description, default: 0] += 1
            }
            try? FileManager.default.removeItem(atPath: path)
        }
        #expect(outcomes["loaded", default: 0] > 0)
        #expect(outcomes.count >= 4, "\(outcomes)")
    }
}
