import Foundation
import Testing
import GraftCore
import GraftZoo
import GraftIO
import GraftTestSupport

/// `graft convert` and `graft export` through the real binary: conversions that work, and
/// malformed inputs that must fail with a clear message and leave no output file.
struct ConvertCommandTests {
    static let reference = SharedData.has("reference/caffe") && SharedData.has("reference/outputs/opencv")

    /// A small Caffe model made by Graft itself (create tiny-cnn, export --to caffe).
    static func tinyCaffeModel(in dir: TemporaryDirectory) throws -> (prototxt: String, caffemodel: String) {
        let source = dir.path("tiny.graft")
        let created = try Graft.run(["create", "tiny-cnn", "--seed", "4", "-o", source])
        #expect(created.status == 0, "\(created.stderr)")
        let exported = try Graft.run(["export", source, "--to", "caffe", "-o", dir.path("caffe")])
        #expect(exported.status == 0, "\(exported.stderr)")
        return (dir.path("caffe/deploy.prototxt"), dir.path("caffe/weights.caffemodel"))
    }

    @Test(.enabled(if: CrossCheck.runs(reference), "\(SharedData.absentMessage)"))
    func convertsRetinaFaceAndVerifiesAgainstOpenCV() throws {
        let dir = TemporaryDirectory()
        let base = SharedData.path("reference/caffe/retinaface_mnet25_charrin/mnet")
        let out = dir.path("mnet.graft")
        let converted = try Graft.run(["convert", base + ".prototxt", base + ".caffemodel", "-o", out])
        #expect(converted.status == 0, "\(converted.stderr)")
        let verified = try Graft.run(["verify", out, "--reference", SharedData.path("reference/outputs/opencv/retinaface_mnet25.npz")])
        #expect(verified.status == 0, "\(verified.stdout)\(verified.stderr)")
        #expect(verified.stdout.components(separatedBy: " ok").count - 1 == 9)
        let inspected = try Graft.run(["inspect", out])
        #expect(inspected.stdout.contains("Source: caffe V2 layer from mnet.prototxt (sha256 "))
        #expect(inspected.stdout.contains("Preprocessing: data 1x3x640x640: BGR 0...255"))
    }

    @Test(.enabled(if: CrossCheck.runs(reference), "\(SharedData.absentMessage)"))
    func warningsGoToStderrAndStrictRefuses() throws {
        let dir = TemporaryDirectory()
        let base = SharedData.path("reference/caffe/ultraface_linzaer/slim-320")
        let loose = try Graft.run(["convert", base + ".prototxt", base + ".caffemodel", "-o", dir.path("u.graft")])
        #expect(loose.status == 0)
        #expect(loose.stderr.contains("warning: ") && loose.stderr.contains("permute_param"))
        let strict = try Graft.run(["convert", base + ".prototxt", base + ".caffemodel", "--strict", "-o", dir.path("s.graft")])
        #expect(strict.status != 0)
        #expect(strict.stderr.contains("slim-320.prototxt:421:3: unknown field 'permute_param'"), "\(strict.stderr)")
        #expect(!FileManager.default.fileExists(atPath: dir.path("s.graft")))
    }

    /// The CaffeNet deploy prototxt alone: random weights from its fillers; inspect shows the shapes,
    /// 60,965,224 parameters and about 0.72 GMACs.
    @Test(.enabled(if: CrossCheck.runs(SharedData.has("reference/caffe/bvlc")), "\(SharedData.absentMessage)"))
    func caffeNetPrototxtAloneInspects() throws {
        let dir = TemporaryDirectory()
        let out = dir.path("caffenet.graft")
        let converted = try Graft.run(["convert", SharedData.path("reference/caffe/bvlc/models_bvlc_reference_caffenet_deploy.prototxt"),
                                       "--seed", "3", "-o", out])
        #expect(converted.status == 0, "\(converted.stderr)")
        let inspected = try Graft.run(["inspect", out])
        #expect(inspected.status == 0)
        print(inspected.stdout)
        let lines = inspected.stdout.split(separator: "\n").map(String.init)
        #expect(lines.contains { $0.contains(" conv1 ") && $0.contains("1x96x55x55") && $0.contains("105,415,200") })
        #expect(lines.contains { $0.contains(" fc6 ") && $0.contains("1x4096") && $0.contains("37,752,832") })
        #expect(lines.contains { $0.contains(" prob ") && $0.contains("1x1000") })
        #expect(inspected.stdout.contains("Total: 60,965,224 parameters"))
        #expect(inspected.stdout.contains("724.4M MACs"))
        #expect(inspected.stdout.contains("fillers"))
    }

    @Test func exportsAndReconvertsAGraftModel() throws {
        let dir = TemporaryDirectory()
        let (prototxt, caffemodel) = try Self.tinyCaffeModel(in: dir)
        let text = try String(contentsOfFile: prototxt, encoding: .utf8)
        #expect(text.contains("type: \"Input\"") && text.contains("dim: 16"))
        let back = try Graft.run(["convert", prototxt, caffemodel, "-o", dir.path("back.graft")])
        #expect(back.status == 0, "\(back.stderr)")
        var rng = SeededGenerator(seed: 2)
        try NPY.write(Tensor(shape: [1, 3, 16, 16], scalars: (0..<768).map { _ in rng.nextUnitFloat() }), to: dir.path("x.npy"))
        let a = try Graft.run(["run", dir.path("tiny.graft"), "--input", dir.path("x.npy"), "-o", dir.path("a.npz")])
        #expect(a.status == 0)
        let verified = try Graft.run(["verify", dir.path("back.graft"), "--reference", dir.path("a.npz"), "--rtol", "0", "--atol", "0"])
        #expect(verified.status == 0, "\(verified.stdout)")
    }

    /// The header is written after the tensors, once the source digests (hashed on another thread)
    /// are known: the file holds the real SHA-256 and size of each source, never the placeholders.
    @Test func provenanceHoldsTheSourcesRealDigests() throws {
        let dir = TemporaryDirectory()
        let (prototxt, caffemodel) = try Self.tinyCaffeModel(in: dir)
        let out = dir.path("tiny-back.graft")
        let converted = try Graft.run(["convert", prototxt, caffemodel, "-o", out])
        #expect(converted.status == 0, "\(converted.stderr)")
        let files = try NativeFile.open(out).provenance.sourceFiles
        #expect(files == [try FileDigest.sourceFile(path: prototxt), try FileDigest.sourceFile(path: caffemodel)])
        #expect(!files.contains { $0.sha256 == String(repeating: "0", count: 64) })
        #expect(dir.contents.filter { $0.hasPrefix(".tiny-back") }.isEmpty, "temporary file left behind")
    }

    enum Malformed: String, CaseIterable, CustomTestStringConvertible {
        case truncatedCaffemodel, garbageCaffemodel, prototxtSyntaxError, blobShapeMismatch, missingBottom, cycle, emptyInputs
        var testDescription: String { rawValue }
    }

    /// Each malformed input: a non-zero exit, an error naming the problem, and no output file.
    @Test(arguments: Malformed.allCases)
    func malformedInputsFailWithoutOutput(_ malformed: Malformed) throws {
        let dir = TemporaryDirectory()
        let (prototxt, caffemodel) = try Self.tinyCaffeModel(in: dir)
        let deploy = try String(contentsOfFile: prototxt, encoding: .utf8)
        let bytes = try Data(contentsOf: URL(fileURLWithPath: caffemodel))
        let out = dir.path("out.graft")
        func write(_ text: String, _ name: String) throws -> String {
            try text.write(toFile: dir.path(name), atomically: true, encoding: .utf8)
            return dir.path(name)
        }
        let arguments: [String]
        let expected: String
        switch malformed {
        case .truncatedCaffemodel:
            try bytes.prefix(bytes.count / 2).write(to: dir.url.appendingPathComponent("cut.caffemodel"))
            arguments = [prototxt, dir.path("cut.caffemodel")]
            expected = "not a Caffe NetParameter (truncated or not a .caffemodel)"
        case .garbageCaffemodel:
            var rng = SeededGenerator(seed: 5)
            try Data((0..<4096).map { _ in UInt8(truncatingIfNeeded: rng.next()) }).write(to: dir.url.appendingPathComponent("junk.caffemodel"))
            arguments = [dir.path("junk.caffemodel")]
            expected = "junk.caffemodel"
        case .prototxtSyntaxError:
            arguments = [try write("name: \"x\"\nlayer {\n  name: \"a\"\n  type: \"ReLU\" bottom: \"data\" }}\n", "bad.prototxt")]
            expected = "bad.prototxt:4:"
        case .blobShapeMismatch:
            arguments = [try write(deploy.replacingOccurrences(of: "num_output: 8", with: "num_output: 9"), "wide.prototxt"), caffemodel]
            expected = "layer 'conv1' blob 0 (weight) has shape 8x3x3x3, expected 9x3x3x3"
        case .missingBottom:
            arguments = [try write(deploy.replacingOccurrences(of: "bottom: \"relu1\"", with: "bottom: \"nowhere\""), "orphan.prototxt"), caffemodel]
            expected = "reads blob 'nowhere', which no earlier layer or input produces"
        case .cycle:
            let cyclic = """
                input: "data" input_shape { dim: 1 dim: 2 }
                layer { name: "a" type: "Eltwise" bottom: "data" bottom: "b" top: "a" }
                layer { name: "b" type: "ReLU" bottom: "a" top: "b" }
                """
            arguments = [try write(cyclic, "cycle.prototxt")]
            expected = "layer 'a' reads blob 'b', which no earlier layer or input produces (missing layer, cycle, or wrong order)"
        case .emptyInputs:
            arguments = [try write("name: \"nothing\"\n", "empty.prototxt")]
            expected = "no input"
        }
        let result = try Graft.run(["convert"] + arguments + ["-o", out])
        #expect(result.status != 0)
        #expect(result.stderr.contains(expected), "\(result.stderr)")
        #expect(!FileManager.default.fileExists(atPath: out))
        #expect(!dir.contents.contains { $0.hasPrefix(".out.graft") }, "temporary file left behind")
    }

    @Test func exportRefusesWhatCaffeCannotHoldAndWritesNothing() throws {
        let dir = TemporaryDirectory()
        var b = GraphBuilder(name: "g", input: "data", shape: [1, 1, 4, 4])
        b.add("pad", .pad(Pad(padBegin: [1, 1])))
        let graph = b.graph
        try NativeWriter.write(Model(graph: graph, weights: [:], provenance: Provenance(sourceFormat: "graft")), to: dir.path("pad.graft"))
        let result = try Graft.run(["export", dir.path("pad.graft"), "--to", "caffe", "-o", dir.path("out")])
        #expect(result.status != 0)
        #expect(result.stderr.contains("node 'pad' cannot be written as a Caffe layer"), "\(result.stderr)")
        #expect(!FileManager.default.fileExists(atPath: dir.path("out/deploy.prototxt")))
        let usage = try Graft.run(["convert", dir.path("model.tflite"), "-o", dir.path("x.graft")])
        #expect(usage.status != 0 && usage.stderr.contains("cannot tell the format"))
    }
}
