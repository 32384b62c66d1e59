import Foundation
import GraftTestSupport
import Testing

/// `graft study --cell K` then `--collect`, as a Slurm array job runs it (Scripts/slurm-test.sh runs
/// the same under a real one-node cluster): the collected report is the local run's, titled the
/// same, and a collection with cells missing fails, naming them.
struct StudyCommandTests {
    @Test func cellsThenCollectEqualALocalRunAndMissingCellsFail() throws {
        let dir = TemporaryDirectory()
        let images = try Stripes.write(to: dir.url.appendingPathComponent("stripes"), perClass: 10)
        // A CSV list: its dataset name ("list") is not the file name ("list.csv").
        var csv = "path,label\n"
        for label in ["horizontal", "vertical"] {
            for i in 0..<10 { csv += "\(images)/\(label)/\(label) \(i).png,\(label)\n" }
        }
        try csv.write(toFile: dir.path("list.csv"), atomically: false, encoding: .utf8)
        try Graft.run(["create", "tiny-cnn", "-o", dir.path("tiny.graft")])
        let study = ["study", dir.path("tiny.graft"), "--data", dir.path("list.csv"), "--depths", "fc,conv2", "--fractions", "1",
                     "--seeds", "1", "--no-scratch", "--epochs", "1", "--batch-size", "4", "--threads", "1"]
        let local = try Graft.run(study + ["-o", dir.path("local")])
        #expect(local.status == 0, "\(local.stderr)")

        let first = try Graft.run(study + ["-o", dir.path("array"), "--cell", "0"])
        #expect(first.status == 0, "\(first.stderr)")
        let partial = try Graft.run(["study", "--collect", dir.path("array")])
        #expect(partial.status != 0 && partial.stderr.contains("1 of 2 cells have no result") && partial.stderr.contains(": 1"),
                "\(partial.stderr)")
        let second = try Graft.run(study + ["-o", dir.path("array"), "--cell", "1"])
        #expect(second.status == 0, "\(second.stderr)")
        let collected = try Graft.run(["study", "--collect", dir.path("array")])
        #expect(collected.status == 0, "\(collected.stderr)")

        let localReport = try String(contentsOfFile: dir.path("local/report.md"), encoding: .utf8)
        let arrayReport = try String(contentsOfFile: dir.path("array/report.md"), encoding: .utf8)
        #expect(localReport.hasPrefix("# Fine-tuning or full training? list\n"), "\(localReport.prefix(80))")
        #expect(arrayReport == localReport)
    }
}
