import Foundation
import Testing
import GraftTestSupport
@testable import GraftCaffe

/// Every real `.caffemodel` under the shared reference data, decoded through protobuf-c and
/// checked against what protobuf's own Python runtime (with the same schema) reads from it:
/// layer count, layers with blobs, blob count, total values and their float32 sum.
struct ReferenceCaffemodelTests {
    static let files: [(path: String, layers: Int, withBlobs: Int, blobs: Int, values: Int, sum: Double)] = [
        ("generated_tiny/tiny_v1.caffemodel", 5, 2, 4, 437, -9.847411620547064),
        ("generated_tiny/tiny_v2.caffemodel", 8, 4, 9, 454, 2.9518538097618148),
        ("lenet_ethereon/lenet_iter_10000.caffemodel", 9, 4, 8, 431080, -127.38202574389373),
        ("mtcnn_kpzhang93/det1.caffemodel", 18, 8, 13, 6632, -43.12531704072171),
        ("retinaface_mnet25_charrin/mnet.caffemodel", 223, 152, 322, 434463, 188230.36050795103),
        ("ultraface_linzaer/slim-320.caffemodel", 100, 42, 84, 257916, -874.0272221769025),
        ("v1_everpeace_2014/cifar10_full_iter_70000.caffemodel", 14, 4, 8, 89578, -100.62750786139503),
        ("v1_everpeace_2014/cifar10_quick_iter_5000.caffemodel", 13, 5, 10, 145578, -90.20045715322937),
        ("v1_everpeace_2014/lenet_iter_10000.caffemodel", 9, 4, 8, 431080, -10.97858514152884),
    ]

    static func path(_ file: String) -> String { SharedData.path("reference/caffe/" + file) }

    @Test(.enabled(if: CrossCheck.runs(SharedData.has("reference/caffe")), "\(SharedData.absentMessage)"), arguments: files.map(\.path))
    func everyReferenceCaffemodelDecodes(_ file: String) throws {
        let expected = try #require(Self.files.first { $0.path == file })
        let net = try CaffeModelReader.read(path: Self.path(file))
        #expect(net.layers.count == expected.layers)
        #expect(net.layers.filter { !$0.blobs.isEmpty }.count == expected.withBlobs)
        let blobs = net.layers.flatMap(\.blobs)
        #expect(blobs.count == expected.blobs)
        #expect(blobs.reduce(0) { $0 + $1.data.count } == expected.values)
        let sum = blobs.reduce(0.0) { total, blob in blob.data.reduce(total) { $0 + Double($1) } }
        #expect(abs(sum - expected.sum) <= 1e-9 * max(1, abs(expected.sum)), "sum \(sum)")
        #expect(blobs.allSatisfy { $0.precision == .float && CaffeBlob.elementCount($0.shape) == $0.data.count })
    }

    @Test(.enabled(if: CrossCheck.runs(SharedData.has("reference/caffe/v1_everpeace_2014")), "\(SharedData.absentMessage)"))
    func v1FilesKeepTheirLegacyDims() throws {
        let net = try CaffeModelReader.read(path: Self.path("v1_everpeace_2014/lenet_iter_10000.caffemodel"))
        #expect(net.generation == .v1 && net.name == "LeNet")
        #expect(net.layers.map(\.type) == ["Data", "Convolution", "Pooling", "Convolution", "Pooling", "InnerProduct", "ReLU",
                                           "InnerProduct", "SoftmaxWithLoss"])
        let ip1 = try #require(net.layer(named: "ip1"))
        #expect(ip1.blobs.map(\.legacy4D) == [[1, 1, 500, 800], [1, 1, 1, 500]])
        #expect(net.layer(named: "conv1")?.blobs.map(\.shape) == [[20, 1, 5, 5], [1, 1, 1, 20]])
        #expect(net.layer(named: "conv1")?.blobs.allSatisfy { $0.shapeSource == .legacy4D } == true)
        #expect(net.layer(named: "conv1")?.params.map(\.lrMult) == [1, 2])
        let full = try CaffeModelReader.read(path: Self.path("v1_everpeace_2014/cifar10_full_iter_70000.caffemodel"))
        #expect(full.layer(named: "conv1")?.blobs.map(\.shape) == [[32, 3, 5, 5], [1, 1, 1, 32]])
        #expect(full.layer(named: "cifar")?.data != nil)
    }

    @Test(.enabled(if: CrossCheck.runs(SharedData.has("reference/caffe/mtcnn_kpzhang93/det1.caffemodel")), "\(SharedData.absentMessage)"))
    func mtcnnCaffemodelHoldsItsTrainingNet() throws {
        let weights = try CaffeModelReader.read(path: Self.path("mtcnn_kpzhang93/det1.caffemodel"))
        #expect(weights.name == "12Net")
        #expect(weights.layers.map(\.type) == ["HDF5Data", "Slice", "Split", "Silence", "Convolution", "PReLU", "Pooling",
                                               "Convolution", "PReLU", "Convolution", "PReLU", "Split", "Convolution", "Split",
                                               "Convolution", "SoftmaxWithLoss", "EuclideanLoss", "Accuracy"])
        #expect(weights.layer(named: "data12")?.hdf5Data != nil)
        #expect(weights.layer(named: "conv1")?.blobs.map(\.shape) == [[10, 3, 3, 3], [10]])
        #expect(weights.layer(named: "PReLU1")?.blobs.map(\.shape) == [[10]])
        // The deploy prototxt names the same weighted layers, so they match by name.
        let deploy = try CaffePrototxt.read(path: Self.path("mtcnn_kpzhang93/det1.prototxt"))
        #expect(deploy.name == "PNet")
        let weighted = Set(weights.layers.filter { !$0.blobs.isEmpty }.map(\.name))
        #expect(weighted.isSubset(of: Set(deploy.layers.map(\.name))))
        // The training net's loss layer carries a softmax field this schema does not know.
        #expect(weights.warnings.count == 1 && weights.layer(named: "loss1")?.rawUnknown.count == 1)
    }

    @Test(.enabled(if: CrossCheck.runs(SharedData.has("reference/caffe/retinaface_mnet25_charrin/mnet.caffemodel")), "\(SharedData.absentMessage)"))
    func retinaFaceBatchNormScaleAndDeconvolution() throws {
        let net = try CaffeModelReader.read(path: Self.path("retinaface_mnet25_charrin/mnet.caffemodel"))
        let bn = try #require(net.layer(named: "mobilenet0_batchnorm0"))
        #expect(bn.type == "BatchNorm" && bn.blobs.map(\.shape) == [[8], [8], [1]] && bn.blobs[2].data == [1])
        #expect(net.layer(named: "mobilenet0_batchnorm0_scale")?.blobs.map(\.shape) == [[8], [8]])
        #expect(net.layer(named: "mobilenet0_conv1")?.blobs.map(\.shape) == [[8, 1, 3, 3]])  // depthwise, no bias
        #expect(net.layers.filter { $0.type == "Deconvolution" }.count == 2)
        #expect(net.layers.filter { $0.type == "Crop" }.count == 2)
        #expect(net.inputs == [.init(name: "data", shape: [1, 3, 640, 640])])
    }

    @Test(.enabled(if: CrossCheck.runs(SharedData.has("reference/caffe/ultraface_linzaer/slim-320.caffemodel")), "\(SharedData.absentMessage)"))
    func ultraFaceForkFieldsInBinary() throws {
        let file = Self.path("ultraface_linzaer/slim-320.caffemodel")
        let net = try CaffeModelReader.read(path: file)
        #expect(net.name == "" && net.layer(named: "185")?.blobs.map(\.shape) == [[16, 3, 3, 3], [16]])
        #expect(net.warnings.count == 8)
        #expect(net.layer(named: "233")?.rawUnknown == ["LayerParameter.field 202 (length-delimited, 9 bytes)"])
        #expect(throws: CaffeError.self) { try CaffeModelReader.read(path: file, strict: true) }
    }

    @Test(.enabled(if: CrossCheck.runs(SharedData.has("reference/caffe/lenet_ethereon/lenet_iter_10000.caffemodel")), "\(SharedData.absentMessage)"))
    func truncatedRealFileIsUndecodable() throws {
        let data = try Data(contentsOf: URL(fileURLWithPath: Self.path("lenet_ethereon/lenet_iter_10000.caffemodel")))
        for cut in [data.count - 1, data.count / 2, 100] {
            #expect(throws: CaffeError.undecodable(file: "cut", byteCount: cut)) {
                try CaffeModelReader.decode(data.prefix(cut), file: "cut")
            }
        }
    }

    /// The reader's speed on the largest reference file (printed; the test only guards against a
    /// per-element slow path, which would be orders of magnitude slower).
    @Test(.enabled(if: CrossCheck.runs(SharedData.has("reference/caffe/lenet_ethereon/lenet_iter_10000.caffemodel")), "\(SharedData.absentMessage)"))
    func readSpeedOnTheLargestReferenceFile() throws {
        let path = Self.path("retinaface_mnet25_charrin/mnet.caffemodel")
        let data = try Data(contentsOf: URL(fileURLWithPath: path))
        _ = try CaffeModelReader.decode(data, file: path)
        let clock = ContinuousClock()
        let rounds = 20
        let elapsed = try clock.measure { for _ in 0..<rounds { _ = try CaffeModelReader.decode(data, file: path) } }
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
        let mbps = Double(data.count * rounds) / seconds / 1e6
        print("caffemodel read speed: \(String(format: "%.0f", mbps)) MB/s on \(path) (\(data.count) bytes, 223 layers)")
        #expect(mbps > 10)
    }
}
