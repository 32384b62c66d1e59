import Foundation
import Testing
import GraftCore
import GraftImage
import GraftTestSupport

/// The stripes image folder (``Stripes``) under `dir`.
private func writeStripes(_ dir: TemporaryDirectory, perClass: Int) throws -> String {
    try Stripes.write(to: dir.url.appendingPathComponent("stripes"), perClass: perClass)
}

struct TuneCommandTests {
    @Test func tuneEvalPredict() throws {
        let dir = TemporaryDirectory()
        let data = try writeStripes(dir, perClass: 60)
        try Graft.run(["create", "tiny-cnn", "-o", dir.path("tiny.graft")])
        let tune = try Graft.run(["tune", dir.path("tiny.graft"), "--data", data, "--scratch", "--epochs", "25", "--batch-size", "8",
                                  "--lr", "0.05", "--scratch-lr", "0.05", "--seed", "3", "-o", dir.path("tuned.graft"), "--log", dir.path("run.jsonl")])
        #expect(tune.status == 0, "\(tune.stderr)")
        #expect(tune.stdout.contains("test ") && tune.stdout.contains("wrote"))
        #expect(tune.stderr.contains("epoch 25/25"))
        let log = try String(contentsOfFile: dir.path("run.jsonl"), encoding: .utf8).split(separator: "\n")
        #expect(log.count == 27)  // start, 25 epochs, result
        #expect(log.last?.contains("\"test_auc\"") == true)

        let eval = try Graft.run(["eval", dir.path("tuned.graft"), "--data", data, "--seed", "3", "--json"])
        #expect(eval.status == 0, "\(eval.stderr)")
        let metrics = try #require(try JSONSerialization.jsonObject(with: Data(eval.stdout.utf8)) as? [String: Any])
        #expect((metrics["auc"] as? Double ?? 0) > 0.8, "\(eval.stdout)")
        #expect(FileManager.default.fileExists(atPath: dir.path("tuned-roc.svg")))

        let predict = try Graft.run(["predict", dir.path("tuned.graft"), data + "/vertical/vertical 0.png", "--top", "1"])
        #expect(predict.status == 0, "\(predict.stderr)")
        #expect(predict.stdout.contains("vertical 0.png: "))
    }

    @Test func tuneRejectsBadOptionsClearly() throws {
        let dir = TemporaryDirectory()
        let data = try writeStripes(dir, perClass: 10)
        try Graft.run(["create", "tiny-cnn", "-o", dir.path("tiny.graft")])
        let layer = try Graft.run(["tune", dir.path("tiny.graft"), "--data", data, "--tune-from", "relu1", "-o", dir.path("x.graft")])
        #expect(layer.status != 0 && layer.stderr.contains("conv1, conv2, fc"))
        let head = try Graft.run(["tune", dir.path("tiny.graft"), "--data", data, "--head", "3", "-o", dir.path("x.graft")])
        #expect(head.status != 0 && head.stderr.contains("--head 3"))
        #expect(!FileManager.default.fileExists(atPath: dir.path("x.graft")))
    }

    @Test func killedRunResumesToTheSameModel() throws {
        let dir = TemporaryDirectory()
        let data = try writeStripes(dir, perClass: 24)
        try Graft.run(["create", "tiny-cnn", "-o", dir.path("tiny.graft")])
        let common = ["tune", dir.path("tiny.graft"), "--data", data, "--epochs", "60", "--batch-size", "4", "--lr", "0.02",
                      "--augment", "standard", "--seed", "9"]
        let whole = try Graft.run(common + ["-o", dir.path("whole.graft")])
        #expect(whole.status == 0, "\(whole.stderr)")

        // Start the same run, kill -9 it once it has written a checkpoint, then resume.
        let process = Process()
        process.executableURL = Graft.executable
        process.arguments = common + ["-o", dir.path("resumed.graft")]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        let checkpoint = dir.path("resumed.graft.checkpoints/last.graft")
        let deadline = Date().addingTimeInterval(60)
        while !FileManager.default.fileExists(atPath: checkpoint), Date() < deadline, process.isRunning { usleep(2_000) }
        usleep(30_000)
        let killed = process.isRunning
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        #expect(killed, "the run finished before it could be killed")
        // The checkpoint is whole (atomic writes) and the output was never written.
        let state = try NativeFile.open(checkpoint).training?.checkpoint
        #expect((state?.epoch ?? 0) >= 1)
        #expect(!FileManager.default.fileExists(atPath: dir.path("resumed.graft")))

        let resumed = try Graft.run(common + ["-o", dir.path("resumed.graft"), "--resume"])
        #expect(resumed.status == 0, "\(resumed.stderr)")
        #expect(resumed.stderr.contains("resuming after epoch"))
        let a = try NativeFile.open(dir.path("whole.graft")).loadModel().weights
        let b = try NativeFile.open(dir.path("resumed.graft")).loadModel().weights
        #expect(a == b)
    }
}
