import Foundation
import Testing
import GraftCore
import GraftEngine
import GraftIO
import GraftTestSupport
@testable import GraftCaffe

/// Every real Caffe model in the reference data that has an OpenCV output: imported, run by the
/// forward executor and compared with OpenCV 4.x element by element (unsorted), then exported to
/// Caffe and re-imported (bit-identical weights, identical outputs), and the export loaded by
/// OpenCV itself when a Python with cv2 is available.
struct CaffeReferenceModelTests {
    struct Case: CustomTestStringConvertible, Sendable {
        var name: String
        var prototxt: String
        var caffemodel: String
        var testDescription: String { name }
    }

    /// Which prototxt goes with which weights and reference, as the reference README describes.
    static let cases: [Case] = [
        Case(name: "v1_lenet", prototxt: "v1_everpeace_2014/lenet.prototxt", caffemodel: "v1_everpeace_2014/lenet_iter_10000.caffemodel"),
        Case(name: "v1_lenet_bvlc_v2_deploy", prototxt: "bvlc/examples_mnist_lenet.prototxt",
             caffemodel: "v1_everpeace_2014/lenet_iter_10000.caffemodel"),
        Case(name: "v1_cifar10_quick", prototxt: "v1_everpeace_2014/cifar10_quick.prototxt",
             caffemodel: "v1_everpeace_2014/cifar10_quick_iter_5000.caffemodel"),
        Case(name: "v1_cifar10_full", prototxt: "v1_everpeace_2014/cifar10_full.prototxt",
             caffemodel: "v1_everpeace_2014/cifar10_full_iter_70000.caffemodel"),
        Case(name: "lenet_ethereon", prototxt: "lenet_ethereon/lenet.prototxt", caffemodel: "lenet_ethereon/lenet_iter_10000.caffemodel"),
        Case(name: "lenet_ethereon_bvlcdeploy", prototxt: "bvlc/examples_mnist_lenet.prototxt",
             caffemodel: "lenet_ethereon/lenet_iter_10000.caffemodel"),
        Case(name: "mtcnn_det1", prototxt: "mtcnn_kpzhang93/det1.prototxt", caffemodel: "mtcnn_kpzhang93/det1.caffemodel"),
        Case(name: "retinaface_mnet25", prototxt: "retinaface_mnet25_charrin/mnet.prototxt",
             caffemodel: "retinaface_mnet25_charrin/mnet.caffemodel"),
        Case(name: "ultraface_slim320", prototxt: "ultraface_linzaer/slim-320.prototxt",
             caffemodel: "ultraface_linzaer/slim-320.caffemodel"),
    ]

    static let available = SharedData.has("reference/caffe") && SharedData.has("reference/outputs/opencv")

    static func importCase(_ c: Case) throws -> CaffeImport {
        try CaffeImporter.importFiles(prototxt: CaffeTesting.reference("caffe/" + c.prototxt),
                                      caffemodel: CaffeTesting.reference("caffe/" + c.caffemodel))
    }

    static func references(_ c: Case) throws -> (input: Tensor, outputs: [(String, Tensor)]) {
        let arrays = try NPZ.read(path: CaffeTesting.reference("outputs/opencv/\(c.name).npz"))
        let input = try #require(arrays.first { $0.name == "input" }?.tensor)
        return (input, arrays.filter { $0.name.hasPrefix("out:") }.map { (String($0.name.dropFirst(4)), $0.tensor) })
    }

    @Test(.enabled(if: CrossCheck.runs(available), "\(SharedData.absentMessage)"), arguments: cases)
    func matchesOpenCV(_ c: Case) throws {
        let imported = try Self.importCase(c)
        let (input, expected) = try Self.references(c)
        let actual = try CaffeTesting.run(imported.model, input: input, outputs: expected.map(\.0))
        for (name, reference) in expected {
            let value = try #require(actual[name], "no value \(name)")
            #expect(value.shape == reference.shape, "\(name)")
            let agreement = TensorComparison(value, reference)
            print("\(c.name) out:\(name) \(reference.shape): \(agreement)")
            #expect(agreement.passed, "\(c.name) out:\(name): \(agreement)")
        }
    }

    @Test(.enabled(if: CrossCheck.runs(available), "\(SharedData.absentMessage)"), arguments: cases)
    func exportsAndReimportsBitIdentically(_ c: Case) throws {
        let imported = try Self.importCase(c)
        let directory = TemporaryDirectory()
        let export = try CaffeExporter.export(imported.model, to: directory.path("caffe"))
        let again = try CaffeImporter.importFiles(prototxt: export.prototxtPath, caffemodel: export.caffemodelPath)
        #expect(again.model.graph.nodes.map(\.name) == imported.model.graph.nodes.map(\.name))
        #expect(again.model.graph.nodes.map(\.outputs) == imported.model.graph.nodes.map(\.outputs), "value names survive")
        #expect(again.model.graph.outputs == imported.model.graph.outputs)
        #expect(Set(again.model.weights.keys) == Set(imported.model.weights.keys))
        for (key, tensor) in imported.model.weights {
            #expect(again.model.weights[key]?.shape == tensor.shape, "\(key)")
            #expect(again.model.weights[key]?.bits == tensor.bits, "\(key) differs")
        }
        #expect(again.model.training == imported.model.training, "lr_mult/decay_mult survive")
        let (input, expected) = try Self.references(c)
        let first = try CaffeTesting.run(imported.model, input: input, outputs: expected.map(\.0))
        let second = try CaffeTesting.run(again.model, input: input, outputs: expected.map(\.0))
        for (name, _) in expected { #expect(first[name]?.bits == second[name]?.bits, "\(name)") }
    }

    /// The export runs in OpenCV's Caffe reader (an independent implementation) to the same outputs.
    @Test(.enabled(if: CrossCheck.runs(available && CaffeTesting.openCVPython != nil),
                   "needs the reference data and a python with opencv-python-headless<5 (GRAFT_PYTHON)"),
          arguments: cases)
    func exportsRunInOpenCV(_ c: Case) throws {
        let python = try #require(CaffeTesting.openCVPython, "GRAFT_PYTHON has no OpenCV 4")
        let imported = try Self.importCase(c)
        let directory = TemporaryDirectory()
        let export = try CaffeExporter.export(imported.model, to: directory.path("caffe"))
        let (_, expected) = try Self.references(c)
        let out = directory.path("opencv.npz")
        let status = try CaffeTesting.openCVForward(python: python, prototxt: export.prototxtPath,
                                                    caffemodel: export.caffemodelPath,
                                                    reference: CaffeTesting.reference("outputs/opencv/\(c.name).npz"), output: out)
        #expect(status == 0, "OpenCV could not run the export")
        let opencv = try NPZ.read(path: out)
        for (name, reference) in expected {
            let value = try #require(opencv.first { $0.name == "out:" + name }?.tensor)
            let agreement = TensorComparison(value, reference, rtol: 0, atol: 0)
            print("\(c.name) export through OpenCV out:\(name): \(agreement)")
            #expect(agreement.passed, "OpenCV on the export, out:\(name): \(agreement)")
        }
    }

    @Test(.enabled(if: CrossCheck.runs(SharedData.has("reference/caffe/generated_tiny")), "\(SharedData.absentMessage)"),
          arguments: ["tiny_v1", "tiny_v2"])
    func generatedTinyNetsMatchOpenCV(_ name: String) throws {
        let base = CaffeTesting.reference("caffe/generated_tiny/\(name)")
        let imported = try CaffeImporter.importFiles(prototxt: base + ".prototxt", caffemodel: base + ".caffemodel")
        let input = try NPY.read(path: base + "_input.npy")
        let expected = try NPY.read(path: base + "_output.npy")
        let output = try #require(imported.model.graph.outputs.first)
        let actual = try #require(try CaffeTesting.run(imported.model, input: input, outputs: [output])[output])
        let agreement = TensorComparison(actual, expected)
        print("\(name) \(output): \(agreement)")
        #expect(agreement.passed, "\(agreement)")
        #expect(imported.model.provenance.sourceVersion == (name == "tiny_v1" ? "V1 layers" : "V2 layer"))
    }

    /// MTCNN's caffemodel alone: its embedded training net (HDF5Data, label Slice and Split,
    /// losses, Accuracy, Silence) reduces to the deploy computation.
    @Test(.enabled(if: CrossCheck.runs(available), "\(SharedData.absentMessage)"))
    func mtcnnCaffemodelAloneGivesTheDeployNet() throws {
        let c = Self.cases.first { $0.name == "mtcnn_det1" }!
        let path = CaffeTesting.reference("caffe/" + c.caffemodel)
        #expect(throws: CaffeImportError.unknownInputShape(file: path, input: "data12face")) {
            try CaffeImporter.importFiles(prototxt: nil, caffemodel: path)
        }
        let imported = try CaffeImporter.importFiles(prototxt: nil, caffemodel: path,
                                                     options: CaffeImportOptions(inputShape: [1, 3, 12, 12]))
        let dropped = imported.droppedLayers.joined(separator: "; ")
        for layer in ["data12 (HDF5Data", "slicer_label (Slice, reads training-only blob", "loss1 (SoftmaxWithLoss", "Accuracy"] {
            #expect(dropped.contains(layer), "\(layer) not in \(dropped)")
        }
        #expect(imported.model.provenance.notes.contains { $0.hasPrefix("dropped layers") })
        let (input, expected) = try Self.references(c)
        let bbox = try #require(expected.first { $0.0 == "conv4-2" }?.1)
        let actual = try #require(try CaffeTesting.run(imported.model, input: input, outputs: ["conv4-2"])["conv4-2"])
        #expect(TensorComparison(actual, bbox).passed)
    }

    @Test(.enabled(if: CrossCheck.runs(available), "\(SharedData.absentMessage)"))
    func ultraFacePermuteLayersBecomePermuteOps() throws {
        let imported = try Self.importCase(Self.cases.first { $0.name == "ultraface_slim320" }!)
        let permutes = imported.model.graph.nodes.filter { $0.op.kind == .permute }
        #expect(permutes.count == 8)
        #expect(permutes.allSatisfy { $0.op == .permute(Permute(order: [0, 2, 3, 1])) })
        #expect(!imported.model.graph.nodes.contains { $0.op.kind == .opaque })
    }

    @Test(.enabled(if: CrossCheck.runs(available), "\(SharedData.absentMessage)"))
    func retinaFaceKeepsItsTrainingMultipliersAndBatchNormStatistics() throws {
        let imported = try Self.importCase(Self.cases.first { $0.name == "retinaface_mnet25" }!)
        let training = try #require(imported.model.training)
        #expect(training.parameters["rf_c3_upsampling_.weight"]?.learningRateMultiplier == 0)
        let raw = try CaffeModelReader.read(path: CaffeTesting.reference("caffe/retinaface_mnet25_charrin/mnet.caffemodel"))
        let bn = try #require(raw.layer(named: "mobilenet0_batchnorm0"))
        #expect(bn.blobs[2].data == [1])
        #expect(imported.model.weights["mobilenet0_batchnorm0.mean"]?.bits == Tensor(shape: [8], scalars: bn.blobs[0].data).bits)
        #expect(imported.model.graph.nodes.filter { $0.op.kind == .deconvolution }.count == 2)
    }
}
