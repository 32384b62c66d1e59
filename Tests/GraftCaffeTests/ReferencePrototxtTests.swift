import Foundation
import Testing
import GraftTestSupport
@testable import GraftCaffe

/// Every real prototxt under the shared reference data, checked against what protobuf's own
/// Python text_format parser reads from it (layer counts, names, inputs).
struct ReferencePrototxtTests {
    static let files: [(path: String, name: String, generation: CaffeNet.Generation, layers: Int, inputs: [CaffeNet.Input])] = [
        ("bvlc/examples_cifar10_cifar10_quick.prototxt", "CIFAR10_quick_test", .v2, 13, [.init(name: "data", shape: [1, 3, 32, 32])]),
        ("bvlc/examples_mnist_lenet.prototxt", "LeNet", .v2, 9, [.init(name: "data", shape: [64, 1, 28, 28])]),
        ("bvlc/models_bvlc_reference_caffenet_deploy.prototxt", "CaffeNet", .v2, 24, [.init(name: "data", shape: [10, 3, 227, 227])]),
        ("generated_tiny/tiny_v1.prototxt", "tiny_v1", .v1, 5, [.init(name: "data", shape: [1, 3, 8, 8])]),
        ("generated_tiny/tiny_v2.prototxt", "tiny_v2", .v2, 8, [.init(name: "data", shape: [1, 3, 8, 8])]),
        ("lenet_ethereon/lenet.prototxt", "LeNet", .v2, 9, [.init(name: "data", shape: [64, 1, 28, 28])]),
        ("mtcnn_kpzhang93/det1.prototxt", "PNet", .v2, 10, [.init(name: "data", shape: [1, 3, 12, 12])]),
        ("retinaface_mnet25_charrin/mnet.prototxt", "", .v2, 210, [.init(name: "data", shape: [1, 3, 640, 640])]),
        ("ultraface_linzaer/slim-320.prototxt", "", .v2, 96, [.init(name: "input", shape: [1, 3, 240, 320])]),
        ("v1_everpeace_2014/cifar10_full.prototxt", "CIFAR10_full_deploy", .v1, 13, [.init(name: "data", shape: [1, 3, 32, 32])]),
        ("v1_everpeace_2014/cifar10_quick.prototxt", "CIFAR10_quick_test", .v1, 12, [.init(name: "data", shape: [1, 3, 32, 32])]),
        ("v1_everpeace_2014/lenet.prototxt", "LeNet", .v1, 8, [.init(name: "data", shape: [64, 1, 28, 28])]),
    ]

    static func path(_ file: String) -> String { SharedData.path("reference/caffe/" + file) }

    @Test(.enabled(if: CrossCheck.runs(SharedData.has("reference/caffe")), "\(SharedData.absentMessage)"), arguments: files.map(\.path))
    func everyReferencePrototxtParses(_ file: String) throws {
        let expected = try #require(Self.files.first { $0.path == file })
        let net = try CaffePrototxt.read(path: Self.path(file))
        #expect(net.name == expected.name)
        #expect(net.generation == expected.generation)
        #expect(net.layers.count == expected.layers)
        #expect(net.inputs == expected.inputs)
        #expect(net.layers.allSatisfy { !$0.type.isEmpty && $0.type.first!.isUppercase })
        if !file.hasPrefix("ultraface") { #expect(net.warnings.isEmpty, "\(net.warnings)") }
    }

    @Test(.enabled(if: CrossCheck.runs(SharedData.has("reference/caffe/ultraface_linzaer/slim-320.prototxt")), "\(SharedData.absentMessage)"))
    func forkFieldIsAWarningNotAnError() throws {
        let file = Self.path("ultraface_linzaer/slim-320.prototxt")
        let net = try CaffePrototxt.read(path: file)
        #expect(net.warnings.count == 8)
        #expect(net.warnings.first?.description == "\(file):421:3: warning: unknown field 'permute_param' in LayerParameter of layer '233' kept as text")
        let permute = try #require(net.layer(named: "233"))
        #expect(permute.type == "Permute")
        #expect(permute.rawUnknown == ["permute_param {\n    order: 0\n    order: 2\n    order: 3\n    order: 1\n  }"])
        let conv = try #require(net.layer(named: "185")?.convolution)
        #expect(conv.kernelH == 3 && conv.kernelW == 3 && conv.strideH == 2 && conv.padW == 1 && conv.dilation == [1] && conv.kernelSize.isEmpty)
        #expect(throws: CaffeError.text(TextFormatError(file: file, line: 421, column: 3,
                                                         reason: .unknownField(name: "permute_param", message: "LayerParameter")))) {
            try CaffePrototxt.read(path: file, strict: true)
        }
    }

    @Test(.enabled(if: CrossCheck.runs(SharedData.has("reference/caffe/retinaface_mnet25_charrin/mnet.prototxt")), "\(SharedData.absentMessage)"))
    func retinaFaceLayerKinds() throws {
        let net = try CaffePrototxt.read(path: Self.path("retinaface_mnet25_charrin/mnet.prototxt"))
        var counts: [String: Int] = [:]
        for l in net.layers { counts[l.type, default: 0] += 1 }
        #expect(counts == ["BatchNorm": 47, "Concat": 3, "Convolution": 56, "Crop": 2, "Deconvolution": 2, "Eltwise": 2,
                           "Input": 1, "ReLU": 41, "Reshape": 6, "Scale": 47, "Softmax": 3])
        let deconv = try #require(net.layers.first { $0.type == "Deconvolution" })
        #expect(deconv.convolution?.numOutput == 64 && deconv.convolution?.group == 64 && deconv.convolution?.biasTerm == false)
        #expect(deconv.convolution?.weightFiller?.value == 1 && deconv.params.first?.lrMult == 0)
        #expect(net.layers.first { $0.type == "BatchNorm" }?.batchNorm?.useGlobalStats == true)
        #expect(net.layers.first { $0.type == "Crop" }?.crop == nil)
        #expect(net.layers.first { $0.type == "Reshape" }?.reshape?.shape?.count == 4)
    }

    @Test(.enabled(if: CrossCheck.runs(SharedData.has("reference/caffe/v1_everpeace_2014/cifar10_full.prototxt")), "\(SharedData.absentMessage)"))
    func v1CifarFullIsUpgraded() throws {
        let net = try CaffePrototxt.read(path: Self.path("v1_everpeace_2014/cifar10_full.prototxt"))
        #expect(net.layers.map(\.type) == ["Convolution", "Pooling", "ReLU", "LRN", "Convolution", "ReLU", "Pooling", "LRN",
                                           "Convolution", "ReLU", "Pooling", "InnerProduct", "Softmax"])
        let norm = try #require(net.layer(named: "norm1")?.lrn)
        #expect(norm.normRegion == .withinChannel && norm.localSize == 3 && norm.alpha == 5e-05 && norm.beta == 0.75)
        #expect(net.layer(named: "pool2")?.pooling?.pool == .ave)
        #expect(net.layer(named: "ip1")?.params == [CaffeParamSpec(lrMult: 1, decayMult: 250), CaffeParamSpec(lrMult: 2, decayMult: 0)])
    }
}
