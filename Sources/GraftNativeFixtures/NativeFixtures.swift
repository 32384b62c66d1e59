// Hand-made `.graft` files and the small model the native-format tests are built on, shared by
// GraftCoreTests and the fuzz-seed generator (GraftFuzzSeeds), so the committed seed corpus comes
// from exactly the files the tests check.
import Foundation
import GraftCore

/// Models and files the native-format tests share.
public enum Fixtures {
    /// conv(3→4, 3x3, pad 1) → ReLU → max pool 2x2 → inner product(5), on a 1x3x8x8 input.
    public static func smallGraph() throws -> Graph {
        var graph = Graph(name: "small", inputs: [GraphInput(name: "data", shape: [1, 3, 8, 8])], nodes: [
            Node(name: "conv1", op: .convolution(Convolution(outputChannels: 4, kernel: [3, 3], padBegin: [1, 1])),
                 inputs: ["data"]),
            Node(name: "relu1", op: .relu(ReLU()), inputs: ["conv1"]),
            Node(name: "pool1", op: .pooling(Pooling(method: .max, kernel: [2, 2])), inputs: ["relu1"]),
            Node(name: "fc", op: .innerProduct(InnerProduct(outputCount: 5)), inputs: ["pool1"]),
        ], outputs: ["fc"])
        try graph.deriveParameterSpecs()
        return graph
    }

    /// The small graph with deterministic weights that include values whose bits are easy to
    /// lose (negative zero, infinities, a NaN with a payload, subnormals), and full metadata.
    public static func smallModel() throws -> Model {
        let graph = try smallGraph()
        var rng = SeededGenerator(seed: 42)
        var weights: [String: Tensor] = [:]
        for (key, _, spec) in graph.parameterTensors {
            var scalars = (0..<spec.shape.elementCount).map { _ in Float(Double(rng.next() % 20_001) / 10_000 - 1) }
            if key == "conv1.weight" {
                scalars[0] = -0.0
                scalars[1] = .infinity
                scalars[2] = -.infinity
                scalars[3] = Float(bitPattern: 0x7FC0_1234)
                scalars[4] = .leastNonzeroMagnitude
                scalars[5] = .greatestFiniteMagnitude
            }
            weights[key] = Tensor(shape: spec.shape, scalars: scalars)
        }
        return Model(
            graph: graph, weights: weights,
            preprocessing: Preprocessing(input: "data", inputShape: [1, 3, 8, 8], channelOrder: .bgr,
                                         valueRange: [0, 255], steps: [.subtract([104, 117, 123]), .multiply([0.017])]),
            provenance: Provenance(sourceFormat: "caffe", sourceVersion: "V2 layers",
                                   sourceFiles: [.init(name: "small.caffemodel", sha256: String(repeating: "ab", count: 32), bytes: 1234)],
                                   notes: ["built in a test", "ünïcödé \"quoted\" \\ path/with/slashes"]),
            training: TrainingMetadata(parameters: ["conv1.weight": .init(learningRateMultiplier: 1, decayMultiplier: 1, frozen: true),
                                                    "fc.bias": .init(learningRateMultiplier: 2, decayMultiplier: 0)],
                                       classLabels: ["cat", "dog", "bird", "fish", "newt"]))
    }

    /// A one-node graph (inner product 2→2 on a 1x2 input) for hand-made files: tensors
    /// `fc.weight` [2, 2] and `fc.bias` [2].
    public static func tinyGraph() -> Graph {
        Graph(name: "tiny", inputs: [GraphInput(name: "data", shape: [1, 2])], nodes: [
            Node(name: "fc", op: .innerProduct(InnerProduct(outputCount: 2)), inputs: ["data"],
                 parameters: [ParameterSpec("weight", [2, 2]), ParameterSpec("bias", [2])]),
        ], outputs: ["fc"])
    }

    public static func json<T: Encodable>(_ value: T) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return String(decoding: try! encoder.encode(value), as: UTF8.self)
    }
}

/// A safetensors file assembled from parts, so a test can damage exactly one thing.
public struct HandMadeFile {
    /// The valid tiny file: the one-node graph of ``Fixtures/tinyGraph()`` and its two tensors.
    public init() {}

    /// `__metadata__` entries in order; nil leaves the key out.
    public var metadata: [(key: String, value: String)]? = [
        ("graft.format", "1"),
        ("graft.graph", Fixtures.json(Fixtures.tinyGraph())),
        ("graft.provenance", Fixtures.json(Provenance(sourceFormat: "graft"))),
    ]
    /// Raw JSON text of `__metadata__` when set (overrides `metadata`).
    public var metadataText: String?
    /// Tensor entries in header order, each name with its raw JSON body.
    public var tensors: [(name: String, body: String)] = [
        ("fc.weight", #"{"dtype":"F32","shape":[2,2],"data_offsets":[0,16]}"#),
        ("fc.bias", #"{"dtype":"F32","shape":[2],"data_offsets":[16,24]}"#),
    ]
    /// The data section.
    public var data: [UInt8] = (0..<6).flatMap { i in withUnsafeBytes(of: Float(i).bitPattern.littleEndian, Array.init) }
    /// Overrides the length prefix.
    public var declaredHeaderLength: UInt64?

    /// The header JSON text.
    public var headerText: String {
        var members: [String] = []
        if let metadataText {
            members.append(#""__metadata__":"# + metadataText)
        } else if let metadata {
            let body = metadata.map { JSONValue.string($0.key).serialized + ":" + JSONValue.string($0.value).serialized }
            members.append(#""__metadata__":{"# + body.joined(separator: ",") + "}")
        }
        for (name, body) in tensors { members.append(JSONValue.string(name).serialized + ":" + body) }
        return "{" + members.joined(separator: ",") + "}"
    }

    public var bytes: Data { HandMadeFile.assemble(header: Array(headerText.utf8), data: data, declaredLength: declaredHeaderLength) }

    public static func assemble(header: [UInt8], data: [UInt8], declaredLength: UInt64? = nil) -> Data {
        var file = Data()
        withUnsafeBytes(of: (declaredLength ?? UInt64(header.count)).littleEndian) { file.append(contentsOf: $0) }
        file.append(contentsOf: header)
        file.append(contentsOf: data)
        return file
    }

    /// Builds a hand-made file whose graph parameters are F16 and BF16 and whose `state.` tensors
    /// cover every other dtype.
    public static func mixedDTypes() -> Data {
        var parts: [(name: String, dtype: String, shape: [Int], bytes: [UInt8])] = []
        func le<T: FixedWidthInteger>(_ values: [T]) -> [UInt8] {
            values.flatMap { v in withUnsafeBytes(of: v.littleEndian, Array.init) }
        }
        parts.append(("fc.weight", "F16", [2, 2], le([UInt16(0x3C00), 0xC000, 0x7BFF, 0x3555])))
        parts.append(("fc.bias", "BF16", [2], le([UInt16(0x3F80), 0xC060])))
        parts.append(("state.f16special", "F16", [6], le([UInt16(0x0001), 0x0400, 0x7C00, 0xFC00, 0x8000, 0x7E00])))
        parts.append(("state.f64", "F64", [3], le([(0.1 as Double).bitPattern, (1e300 as Double).bitPattern, (-2.5 as Double).bitPattern])))
        parts.append(("state.i64", "I64", [3], le([Int64(-5), 1 << 40, .max])))
        parts.append(("state.i32", "I32", [2], le([Int32(-7), 123_456])))
        parts.append(("state.i16", "I16", [2], le([Int16(-300), 300])))
        parts.append(("state.i8", "I8", [2], [0xFF, 0x7F]))
        parts.append(("state.u8", "U8", [2], [0xFF, 0x01]))
        parts.append(("state.bool", "BOOL", [3], [0, 1, 2]))
        parts.append(("state.f32", "F32", [1], le([Float(1.5).bitPattern])))
        // One odd-sized tensor first, so that every later one is misaligned in the file.
        parts.insert(("state.odd", "U8", [3], [9, 8, 7]), at: 0)

        var file = HandMadeFile()
        file.tensors = []
        file.data = []
        for part in parts {
            let begin = file.data.count
            file.data += part.bytes
            let shape = part.shape.map(String.init).joined(separator: ",")
            file.tensors.append((part.name, #"{"dtype":"\#(part.dtype)","shape":[\#(shape)],"data_offsets":[\#(begin),\#(file.data.count)]}"#))
        }
        return file.bytes
    }

    /// Replaces the value of one metadata key.
    public mutating func setMetadata(_ key: String, _ value: String?) {
        var entries = metadata ?? []
        entries.removeAll { $0.key == key }
        if let value { entries.append((key, value)) }
        metadata = entries
    }
}

/// One hand-made file per kind of damage, each starting from a valid file and breaking exactly
/// one thing, with the error the reader must report for it.
public enum Damage: String, CaseIterable, Sendable {
    case lengthPrefixCut
    case headerLongerThanFile
    case absurdHeaderLength
    case invalidUTF8
    case invalidJSON
    case trailingGarbageInHeader
    case headerNotAnObject
    case leadingWhitespaceInHeader
    case nestingTooDeep
    case duplicateTopLevelKey
    case duplicateNestedKey
    case duplicateMetadataKey
    case duplicateKeyInsideGraphDocument
    case missingMetadata
    case metadataValueNotString
    case missingFormatVersion
    case futureVersion
    case missingGraph
    case missingProvenance
    case unreadableProvenance
    case unreadablePreprocessing
    case unknownDType
    case unknownTensorField
    case negativeDimension
    case fractionalDimension
    case shapeOverflow
    case offsetsWithGap
    case offsetsOverlapping
    case offsetsReversed
    case offsetsNotIntegers
    case trailingBytes
    case truncatedData
    case sizeNotMatchingShape
    case graphReferencesMissingTensor
    case tensorShapeDiffersFromGraph
    case unreferencedTensor
    case graphWithCycle
    case graphReadingUndefinedValue
    case unknownOpKind
    case graphParameterWrongForOp

    /// The damaged file.
    public var bytes: Data {
        var file = HandMadeFile()
        let graph = Fixtures.json(Fixtures.tinyGraph())
        switch self {
        case .lengthPrefixCut:
            return Data([0x10, 0, 0, 0, 0])
        case .headerLongerThanFile:
            file.declaredHeaderLength = UInt64(file.headerText.utf8.count + file.data.count + 1)
        case .absurdHeaderLength:
            file.declaredHeaderLength = 0x7FFF_FFFF_FFFF_FFF0
        case .invalidUTF8:
            var header = Array(file.headerText.utf8)
            let at = header.firstIndex(of: UInt8(ascii: "w"))!  // inside a string
            header[at] = 0xC3  // a lead byte followed by an ASCII byte
            return HandMadeFile.assemble(header: header, data: file.data)
        case .invalidJSON:
            file.tensors[1].body = #"{"dtype":"F32","shape":[2],"data_offsets":[16,24],}"#
        case .trailingGarbageInHeader:
            return HandMadeFile.assemble(header: Array((file.headerText + " x").utf8), data: file.data)
        case .headerNotAnObject:
            return HandMadeFile.assemble(header: Array("[1,2,3]".utf8), data: [])
        case .leadingWhitespaceInHeader:
            return HandMadeFile.assemble(header: Array((" " + file.headerText).utf8), data: file.data)
        case .nestingTooDeep:
            file.tensors[1].body = #"{"dtype":"F32","shape":[2],"data_offsets":[16,24],"deep":"# + String(repeating: "[", count: 100)
                + String(repeating: "]", count: 100) + "}"
        case .duplicateTopLevelKey:
            file.tensors.append(("fc.bias", #"{"dtype":"F32","shape":[2],"data_offsets":[16,24]}"#))
        case .duplicateNestedKey:
            file.tensors[1].body = #"{"dtype":"F32","shape":[2],"dtype":"F32","data_offsets":[16,24]}"#
        case .duplicateMetadataKey:
            file.metadata!.append(("graft.format", "1"))
        case .duplicateKeyInsideGraphDocument:
            file.setMetadata("graft.graph", graph.replacingOccurrences(of: #""name":"tiny""#, with: #""name":"tiny","name":"other""#))
        case .missingMetadata:
            file.metadata = nil
        case .metadataValueNotString:
            file.metadataText = #"{"graft.format":1}"#
        case .missingFormatVersion:
            file.setMetadata("graft.format", nil)
        case .futureVersion:
            file.setMetadata("graft.format", "2")
        case .missingGraph:
            file.setMetadata("graft.graph", nil)
        case .missingProvenance:
            file.setMetadata("graft.provenance", nil)
        case .unreadableProvenance:
            file.setMetadata("graft.provenance", #"{"sourceFormat":"caffe"}"#)
        case .unreadablePreprocessing:
            file.setMetadata("graft.preprocessing", "not json")
        case .unknownDType:
            file.tensors[1].body = #"{"dtype":"F128","shape":[2],"data_offsets":[16,24]}"#
        case .unknownTensorField:
            file.tensors[1].body = #"{"dtype":"F32","shape":[2],"data_offsets":[16,24],"align":64}"#
        case .negativeDimension:
            file.tensors[1].body = #"{"dtype":"F32","shape":[-2],"data_offsets":[16,24]}"#
        case .fractionalDimension:
            file.tensors[1].body = #"{"dtype":"F32","shape":[2.0],"data_offsets":[16,24]}"#
        case .shapeOverflow:
            file.tensors[1].body = #"{"dtype":"F32","shape":[4294967296,4294967296],"data_offsets":[16,24]}"#
        case .offsetsWithGap:
            file.tensors[1].body = #"{"dtype":"F32","shape":[2],"data_offsets":[20,28]}"#
            file.data += [0, 0, 0, 0]
        case .offsetsOverlapping:
            file.tensors[1].body = #"{"dtype":"F32","shape":[2],"data_offsets":[12,20]}"#
            file.data.removeLast(4)
        case .offsetsReversed:
            file.tensors[1].body = #"{"dtype":"F32","shape":[2],"data_offsets":[24,16]}"#
        case .offsetsNotIntegers:
            file.tensors[1].body = #"{"dtype":"F32","shape":[2],"data_offsets":[16,2.4e1]}"#
        case .trailingBytes:
            file.data += [1, 2, 3]
        case .truncatedData:
            file.data.removeLast(5)
        case .sizeNotMatchingShape:
            file.tensors[1].body = #"{"dtype":"F32","shape":[3],"data_offsets":[16,24]}"#
        case .graphReferencesMissingTensor:
            file.tensors.removeLast()
            file.data.removeLast(8)
        case .tensorShapeDiffersFromGraph:
            file.tensors[0].body = #"{"dtype":"F32","shape":[4],"data_offsets":[0,16]}"#
        case .unreferencedTensor:
            file.tensors.append(("fc.extra", #"{"dtype":"U8","shape":[1],"data_offsets":[24,25]}"#))
            file.data.append(7)
        case .graphWithCycle:
            // The node reads its own output: there is no order in which it can run.
            file.setMetadata("graft.graph", graph.replacingOccurrences(of: #""inputs":["data"]"#, with: #""inputs":["fc"]"#))
        case .graphReadingUndefinedValue:
            file.setMetadata("graft.graph", graph.replacingOccurrences(of: #""inputs":["data"]"#, with: #""inputs":["nowhere"]"#))
        case .unknownOpKind:
            file.setMetadata("graft.graph", graph.replacingOccurrences(of: #""op":"InnerProduct""#, with: #""op":"Frobnicate""#))
        case .graphParameterWrongForOp:
            // File and graph agree on [2, 3], but an inner product 2→2 needs [2, 2].
            file.setMetadata("graft.graph", graph.replacingOccurrences(of: #"{"name":"weight","shape":[2,2]}"#,
                                                                      with: #"{"name":"weight","shape":[2,3]}"#))
            file.tensors[0].body = #"{"dtype":"F32","shape":[2,3],"data_offsets":[0,24]}"#
            file.tensors[1].body = #"{"dtype":"F32","shape":[2],"data_offsets":[24,32]}"#
            file.data += [UInt8](repeating: 0, count: 8)
        }
        return file.bytes
    }
}
