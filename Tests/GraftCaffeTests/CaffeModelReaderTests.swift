import Foundation
import Testing
import GraftTestSupport
@testable import GraftCaffe

private typealias Packer = CaffeModelPacker

private func decode(_ bytes: [UInt8], strict: Bool = false) throws(CaffeError) -> CaffeNet {
    try CaffeModelReader.decode(Data(bytes), file: "m.caffemodel", strict: strict)
}

/// Protobuf wire bytes written by hand, for fields Graft's schema does not know.
private enum Wire {
    static func varint(_ v: UInt64) -> [UInt8] {
        var v = v, out: [UInt8] = []
        while v >= 0x80 { out.append(UInt8(v & 0x7F) | 0x80); v >>= 7 }
        return out + [UInt8(v)]
    }
    static func field(_ number: UInt64, bytes: [UInt8]) -> [UInt8] { varint(number << 3 | 2) + varint(UInt64(bytes.count)) + bytes }
    static func field(_ number: UInt64, varint value: UInt64) -> [UInt8] { varint(number << 3) + varint(value) }
}

/// The fixture: a small net in every storage form the reader must handle, packed by protobuf-c.
private let fixture: [UInt8] = Packer.pack(name: "fixture", layers: [
    .init(name: "data", type: "Input", tops: ["data"]),
    .init(name: "conv", type: "Convolution", bottoms: ["data"], tops: ["conv"],
          blobs: [.init(shape: [2, 1, 1, 2], data: [1, 2, 3, 4]), .init(shape: [2], doubleData: [0.5, -1.25])],
          convolutionNumOutput: 2, lrMults: [1, 2]),
    .init(name: "ip", type: "InnerProduct", bottoms: ["conv"], tops: ["ip"],
          blobs: [.init(legacy: [1, 1, 3, 2], data: [1, 2, 3, 4, 5, 6]), .init(shape: [], data: [7])]),
    .init(name: "pool", type: "Pooling", bottoms: ["ip"], tops: ["pool"], poolingMethod: 1),
])

struct CaffeModelReaderTests {
    @Test func readsAFixturePackedByProtobufC() throws {
        let net = try decode(fixture)
        #expect(net.name == "fixture" && net.generation == .v2)
        #expect(net.layers.map(\.name) == ["data", "conv", "ip", "pool"])
        #expect(net.layers.map(\.type) == ["Input", "Convolution", "InnerProduct", "Pooling"])
        let conv = net.layers[1]
        #expect(conv.bottoms == ["data"] && conv.tops == ["conv"])
        #expect(conv.blobs == [CaffeBlob(shape: [2, 1, 1, 2], data: [1, 2, 3, 4]),
                               CaffeBlob(shape: [2], precision: .double, data: [0.5, -1.25])])
        #expect(conv.convolution?.numOutput == 2 && conv.convolution?.biasTerm == true && conv.convolution?.group == 1)
        #expect(conv.params == [CaffeParamSpec(lrMult: 1), CaffeParamSpec(lrMult: 2)])
        let ip = net.layers[2]
        #expect(ip.blobs[0] == CaffeBlob(shape: [1, 1, 3, 2], shapeSource: .legacy4D, data: [1, 2, 3, 4, 5, 6]))
        #expect(ip.blobs[0].legacy4D == [1, 1, 3, 2])
        #expect(ip.blobs[1] == CaffeBlob(shape: [], data: [7]))  // an empty BlobShape is a scalar
        #expect(net.layers[3].pooling?.pool == .ave && net.layers[3].pooling?.stride == 1)
        #expect(net.warnings.isEmpty)
    }

    @Test func v1LayersAreUpgraded() throws {
        let bytes = Packer.pack(name: "old", inputs: ["data"], inputDims: [1, 3, 4, 4], v1Layers: [
            .init(name: "conv1", type: 4, bottoms: ["data"], tops: ["conv1"],
                  blobs: [.init(legacy: [1, 1, 1, 2], data: [1, 2])], blobsLR: [1, 2], weightDecay: [1, 0]),
            .init(name: "loss", type: 21, bottoms: ["conv1"], tops: ["loss"]),
        ])
        let net = try decode(bytes)
        #expect(net.generation == .v1)
        #expect(net.inputs == [.init(name: "data", shape: [1, 3, 4, 4])])
        #expect(net.layers.map(\.type) == ["Convolution", "SoftmaxWithLoss"])
        #expect(net.layers[0].params == [CaffeParamSpec(lrMult: 1, decayMult: 1), CaffeParamSpec(lrMult: 2, decayMult: 0)])
        #expect(net.layers[0].blobs[0].shapeSource == .legacy4D)
    }

    @Test func blobCountsMustFillTheirShapes() {
        let short = Packer.pack(name: "n", layers: [.init(name: "bad", type: "Convolution",
                                                          blobs: [.init(shape: [1], data: [5]), .init(shape: [2, 3], data: [1, 2, 3])])])
        #expect(throws: CaffeError.blobSizeMismatch(file: "m.caffemodel", layer: "bad", blob: 1, shape: [2, 3], count: 3)) {
            try decode(short)
        }
        let empty = Packer.pack(name: "n", layers: [.init(name: "e", type: "X", blobs: [.init(shape: [2])])])
        #expect(throws: CaffeError.blobSizeMismatch(file: "m.caffemodel", layer: "e", blob: 0, shape: [2], count: 0)) {
            try decode(empty)
        }
        let doubles = Packer.pack(name: "n", layers: [.init(name: "d", type: "X", blobs: [.init(shape: [3], doubleData: [1])])])
        #expect(throws: CaffeError.blobSizeMismatch(file: "m.caffemodel", layer: "d", blob: 0, shape: [3], count: 1)) {
            try decode(doubles)
        }
        let negative = Packer.pack(name: "n", layers: [.init(name: "neg", type: "X", blobs: [.init(shape: [-1, 2], data: [1])])])
        #expect(throws: CaffeError.invalidBlobShape(file: "m.caffemodel", layer: "neg", blob: 0, shape: [-1, 2])) {
            try decode(negative)
        }
        let huge = Packer.pack(name: "n", layers: [.init(name: "h", type: "X", blobs: [.init(shape: [1 << 40, 1 << 40], data: [1])])])
        #expect(throws: CaffeError.invalidBlobShape(file: "m.caffemodel", layer: "h", blob: 0, shape: [1 << 40, 1 << 40])) {
            try decode(huge)
        }
    }

    @Test func undefinedEnumValuesAreTypedErrors() {
        let bytes = Packer.pack(name: "n", layers: [.init(name: "p", type: "Pooling", poolingMethod: 9)])
        #expect(throws: CaffeError.invalidEnum(file: "m.caffemodel", layer: "p", field: "pooling_param.pool", value: 9)) {
            try decode(bytes)
        }
        let v1 = Packer.pack(name: "n", v1Layers: [.init(name: "x", type: 99)])
        #expect(throws: CaffeError.invalidEnum(file: "m.caffemodel", layer: "x", field: "type", value: 99)) { try decode(v1) }
    }

    @Test func unknownFieldsAreWarningsOrStrictErrors() throws {
        // A fork layer: name "p" plus SSD's permute_param (field 202), and an unknown net field 50.
        let layer = Wire.field(1, bytes: Array("p".utf8)) + Wire.field(202, bytes: Wire.field(1, varint: 0))
        let bytes = Packer.pack(name: "n") + Wire.field(100, bytes: layer) + Wire.field(50, varint: 7)
        let net = try decode(bytes)
        #expect(net.layers.map(\.name) == ["p"])
        #expect(net.layers[0].rawUnknown == ["LayerParameter.field 202 (length-delimited, 3 bytes)"])
        #expect(net.rawUnknown == ["NetParameter.field 50 (varint, 1 bytes)"])
        #expect(net.warnings.count == 2)
        #expect(net.warnings.last?.description == "m.caffemodel: warning: LayerParameter of layer 'p' has fields unknown to "
                + "Graft's schema, kept as descriptions: field 202 (length-delimited, 3 bytes)")
        #expect(throws: CaffeError.unknownFields(file: "m.caffemodel", location: "NetParameter", fields: ["field 50 (varint, 1 bytes)"])) {
            try decode(bytes, strict: true)
        }
    }

    @Test func mixedAndV0GenerationsAreRefused() {
        let mixed = Packer.pack(name: "n", layers: [.init(name: "a", type: "X")], v1Layers: [.init(name: "b", type: 4)])
        #expect(throws: CaffeError.invalidNet(file: "m.caffemodel", reason: "the net has both 'layer' (V2) and 'layers' (V1) definitions")) {
            try decode(mixed)
        }
        let v0 = Packer.pack(name: "n", v1Layers: [.init(name: "b", type: 4, v0: true)])
        guard case .unsupported(let file, let reason)? = catching({ () throws(CaffeError) -> CaffeNet in try decode(v0) }) else {
            Issue.record("a V0 definition should be unsupported")
            return
        }
        #expect(file == "m.caffemodel" && reason.hasPrefix("V0 layer definitions (2013 Caffe)"))
    }

    @Test func malformedBytesAreUndecodable() {
        #expect(throws: CaffeError.undecodable(file: "m.caffemodel", byteCount: 0)) { try decode([]) }
        #expect(throws: CaffeError.undecodable(file: "m.caffemodel", byteCount: 5)) { try decode([0xFF, 0xFF, 0xFF, 0xFF, 0xFF]) }
        // Truncated anywhere inside the last layer's message.
        for cut in [fixture.count - 1, fixture.count - 9, fixture.count / 2] {
            #expect(throws: CaffeError.undecodable(file: "m.caffemodel", byteCount: cut)) { try decode(Array(fixture[..<cut])) }
        }
        // A prototxt is not a caffemodel.
        let text = Array("name: \"LeNet\"\nlayer { name: \"x\" }\n".utf8)
        #expect(throws: CaffeError.undecodable(file: "m.caffemodel", byteCount: text.count)) { try decode(text) }
    }

    /// Blobs of 4 MiB and more come from the huge-page allocator (2 MiB-aligned blocks); the values
    /// and the rest of the net are as with small blobs, and freeing goes through the same allocator.
    @Test func largeBlobsDecodeThroughTheHugePageAllocator() throws {
        let count = 1 << 20 + 3   // just over 4 MiB of float32
        let values = (0..<count).map { Float($0 % 977) * 0.25 - 7 }
        let bytes = Packer.pack(name: "big", layers: [
            .init(name: "data", type: "Input", tops: ["data"]),
            .init(name: "fc", type: "InnerProduct", bottoms: ["data"], tops: ["fc"],
                  blobs: [.init(shape: [count], data: values), .init(shape: [3], data: [1, 2, 3])]),
        ])
        for _ in 0..<2 {   // twice: blocks freed by the first decode are reused safely by the second
            let net = try decode(bytes)
            #expect(net.layers[1].blobs[0] == CaffeBlob(shape: [count], data: values))
            #expect(net.layers[1].blobs[1] == CaffeBlob(shape: [3], data: [1, 2, 3]))
        }
    }

    @Test func hugePageAllocatorAlignsLargeBlocksOnly() throws {
        let large = try #require(HugePageAllocator.allocate(4 << 20))
        defer { free(large) }
        #expect(UInt(bitPattern: large) % UInt(2 << 20) == 0)
        large.storeBytes(of: 42, toByteOffset: (4 << 20) - 1, as: UInt8.self)   // the whole block is usable
        let small = try #require(HugePageAllocator.allocate(100))
        free(small)
    }

    @Test func fileErrorsAreTyped() throws {
        let dir = TemporaryDirectory()
        #expect(throws: CaffeError.self) { try CaffeModelReader.read(path: dir.path("missing.caffemodel")) }
        try Data(fixture).write(to: URL(fileURLWithPath: dir.path("f.caffemodel")))
        #expect(throws: CaffeError.tooLarge(file: dir.path("f.caffemodel"), bytes: UInt64(fixture.count), limit: 10)) {
            try CaffeModelReader.read(path: dir.path("f.caffemodel"), limit: 10)
        }
        #expect(try CaffeModelReader.read(path: dir.path("f.caffemodel")).layers.count == 4)
    }
}

private func catching(_ body: () throws(CaffeError) -> CaffeNet) -> CaffeError? {
    do {
        _ = try body()
        return nil
    } catch { return error }
}
