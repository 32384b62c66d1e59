import Foundation
import Testing
import GraftTestSupport

/// The engine issue's acceptance test: the CIFAR-10 Caffe net fine-tuned on BUSI (malignant vs
/// rest) reaches a test AUC well above chance; the same command trains it from scratch.
struct BUSITuneTests {
    @Test(.enabled(if: CrossCheck.runs(SharedData.has("data/busi") && SharedData.has("reference/caffe/v1_everpeace_2014")), "\(SharedData.absentMessage)"))
    func cifar10NetOnBUSI() throws {
        let dir = TemporaryDirectory()
        let caffe = SharedData.path("reference/caffe/v1_everpeace_2014")
        let convert = try Graft.run(["convert", caffe + "/cifar10_quick.prototxt", caffe + "/cifar10_quick_iter_5000.caffemodel",
                                     "--mean", "113.9,123.0,125.3", "-o", dir.path("quick.graft")])
        #expect(convert.status == 0, "\(convert.stderr)")
        let busi = SharedData.path("data/busi")
        let tuned = try Graft.run(["tune", dir.path("quick.graft"), "--data", busi, "--positive", "malignant", "--tune-from", "ip1",
                                   "--epochs", "6", "-o", dir.path("tuned.graft")])
        #expect(tuned.status == 0, "\(tuned.stderr)")
        let eval = try Graft.run(["eval", dir.path("tuned.graft"), "--data", busi, "--positive", "malignant", "--json", "--bootstrap", "200"])
        let metrics = try #require(try JSONSerialization.jsonObject(with: Data(eval.stdout.utf8)) as? [String: Any])
        let auc = try #require(metrics["auc"] as? Double)
        let low = try #require(metrics["auc_low"] as? Double)
        #expect(auc > 0.7, "test AUC \(auc)")
        #expect(low > 0.55, "the 95% interval should exclude chance: low \(low)")
        let scratch = try Graft.run(["tune", dir.path("quick.graft"), "--data", busi, "--positive", "malignant", "--scratch",
                                     "--epochs", "1", "-o", dir.path("scratch.graft")])
        #expect(scratch.status == 0, "\(scratch.stderr)")
        #expect(scratch.stdout.contains("test"))
    }
}
