import Foundation
import GraftNativeFixtures
import GraftTestSupport
import Testing
@testable import GraftCore

/// The damages (GraftNativeFixtures) as test arguments, with the error each must produce.
extension Damage: CustomTestStringConvertible {
    public var testDescription: String { rawValue }

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
