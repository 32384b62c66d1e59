import Foundation
import GraftTestSupport
import Testing
@testable import GraftCore

/// One hand-made file per kind of damage, each starting from a valid file and breaking exactly
/// one thing, with the error the reader must report for it.
enum Damage: String, CaseIterable, CustomTestStringConvertible, Sendable {
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

    var testDescription: String { rawValue }

    /// The damaged file.
    var bytes: Data {
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

    /// Whether `error` is the one this damage must produce.
    func isExpected(_ error: NativeFormatError, path p: String) -> Bool {
        switch (self, error) {
        case (.lengthPrefixCut, .fileTooSmall(p, 5)): true
        case (.headerLongerThanFile, .headerOutOfBounds(p, _, _)): true
        case (.absurdHeaderLength, .headerTooLarge(p, 0x7FFF_FFFF_FFFF_FFF0, NativeFormat.maxHeaderSize)): true
        case (.invalidUTF8, .invalidUTF8(p, let offset)): offset > 8
        case (.invalidJSON, .invalidJSON(p, _, let reason)): reason.contains("expected a string key")
        case (.trailingGarbageInHeader, .invalidJSON(p, _, let reason)): reason.contains("after the JSON document")
        case (.headerNotAnObject, .invalidJSON(p, 8, _)): true
        case (.leadingWhitespaceInHeader, .invalidJSON(p, 8, _)): true
        case (.nestingTooDeep, .invalidJSON(p, _, let reason)): reason.contains("nesting deeper than 64")
        case (.duplicateTopLevelKey, .duplicateKey(p, "fc.bias", _)): true
        case (.duplicateNestedKey, .duplicateKey(p, "dtype", _)): true
        case (.duplicateMetadataKey, .duplicateKey(p, "graft.format", _)): true
        case (.duplicateKeyInsideGraphDocument, .badGraph(p, let reason)): reason.contains("duplicate key 'name'")
        case (.missingMetadata, .missingMetadata(p, "__metadata__")): true
        case (.metadataValueNotString, .badHeader(p, let reason)): reason.contains("graft.format")
        case (.missingFormatVersion, .missingMetadata(p, "graft.format")): true
        case (.futureVersion, .unsupportedVersion(p, "2", "1")): true
        case (.missingGraph, .missingMetadata(p, "graft.graph")): true
        case (.missingProvenance, .missingMetadata(p, "graft.provenance")): true
        case (.unreadableProvenance, .badMetadata(p, "graft.provenance", let reason)): reason.contains("sourceVersion")
        case (.unreadablePreprocessing, .badMetadata(p, "graft.preprocessing", _)): true
        case (.unknownDType, .unknownDType(p, "fc.bias", "F128")): true
        case (.unknownTensorField, .badHeader(p, let reason)): reason.contains("align")
        case (.negativeDimension, .badShape(p, "fc.bias", let reason)): reason.contains("negative")
        case (.fractionalDimension, .badShape(p, "fc.bias", let reason)): reason.contains("not an integer")
        case (.shapeOverflow, .badShape(p, "fc.bias", let reason)): reason.contains("overflow")
        case (.offsetsWithGap, .offsetMismatch(p, "fc.bias", 16, 20)): true
        case (.offsetsOverlapping, .offsetMismatch(p, "fc.bias", 16, 12)): true
        case (.offsetsReversed, .badOffsets(p, "fc.bias", _)): true
        case (.offsetsNotIntegers, .badOffsets(p, "fc.bias", _)): true
        case (.trailingBytes, .trailingBytes(p, 3)): true
        case (.truncatedData, .dataTruncated(p, "fc.bias", _, _)): true
        case (.sizeNotMatchingShape, .sizeMismatch(p, "fc.bias", 12, 8)): true
        case (.graphReferencesMissingTensor, .missingTensor(p, "fc.bias", "fc")): true
        case (.tensorShapeDiffersFromGraph, .tensorShapeMismatch(p, "fc.weight", [2, 2], [4])): true
        case (.unreferencedTensor, .unreferencedTensor(p, "fc.extra")): true
        case (.graphWithCycle, .badGraph(p, let reason)): reason.contains("reads value 'fc'")
        case (.graphReadingUndefinedValue, .badGraph(p, let reason)): reason.contains("'nowhere'")
        case (.unknownOpKind, .badGraph(p, let reason)): reason.contains("unknown op 'Frobnicate'")
        case (.graphParameterWrongForOp, .badGraph(p, let reason)): reason.contains("weight")
        default: false
        }
    }
}

@Suite("Native format: corrupt files")
struct CorruptFileTests {
    @Test func undamagedBaseFileOpens() throws {
        let file = try NativeFile.parse(data: HandMadeFile().bytes, path: "base.graft")
        #expect(file.tensors.map(\.name) == ["fc.weight", "fc.bias"])
        #expect(try file.tensor("fc.bias").scalars == [4, 5])
    }

    @Test(arguments: Damage.allCases)
    func damagedFileIsRejectedWithTheSpecificError(_ damage: Damage) throws {
        let path = "/corrupt/\(damage.rawValue).graft"
        do {
            let file = try NativeFile.parse(data: damage.bytes, path: path)
            Issue.record("\(damage) opened: \(file.tensors.map(\.name))")
        } catch {
            #expect(damage.isExpected(error, path: path), "\(damage): unexpected error \(error)")
            #expect(error.description.contains(path))
        }
    }

    @Test(arguments: Damage.allCases)
    func damagedFileOnDiskGivesTheSameError(_ damage: Damage) throws {
        let dir = TemporaryDirectory()
        let path = dir.path("\(damage.rawValue).graft")
        try damage.bytes.write(to: URL(fileURLWithPath: path))
        #expect(throws: NativeFormatError.self) { try NativeFile.open(path) }
        do { _ = try NativeFile.open(path) } catch {
            #expect(damage.isExpected(error, path: path), "\(damage): unexpected error \(error)")
        }
    }

    @Test func versionMessageIsPrecise() {
        let error = NativeFormatError.unsupportedVersion(path: "m.graft", found: "2", supported: "1")
        #expect(error.description == "m.graft: format version 2 is not supported (this build reads 1)")
    }

    @Test func headerOrderMayDifferFromDataOrder() throws {
        // safetensors sorts entries by offset; a header listing them in another order is valid.
        var file = HandMadeFile()
        file.tensors.reverse()
        let opened = try NativeFile.parse(data: file.bytes, path: "reordered")
        #expect(opened.tensors.map(\.name) == ["fc.weight", "fc.bias"])
    }

    @Test func emptyFileIsTooSmall() {
        #expect(throws: NativeFormatError.fileTooSmall(path: "empty", size: 0)) {
            try NativeFile.parse(data: Data(), path: "empty")
        }
    }
}
