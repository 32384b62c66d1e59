import Foundation
import GraftCore
import GraftIO
import GraftTestSupport
import Testing

/// A CT dataset of DICOM files end to end through the command line: `tune` refuses it without a
/// window and records the windows it is given, `eval` refuses other windows, `predict` and
/// `preprocess` apply the recorded ones.
struct MedicalCommandTests {
    @Test func windowsFromTuneToPredictAndPreprocess() throws {
        let dir = TemporaryDirectory()
        // "contrast": a bright vessel (300 HU) across soft tissue (40 HU); "plain": tissue only.
        var generator = SeededGenerator(seed: 3)
        var hounsfield: [String: [Int]] = [:]
        for label in ["contrast", "plain"] {
            let folder = dir.url.appendingPathComponent("ct/\(label)")
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            for i in 0..<12 {
                var file = TinyDICOM(rows: 16, columns: 16)
                file.bitsStored = 16
                let hu = (0..<256).map { p in
                    let vessel = label == "contrast" && abs(p / 16 - 8) < 2
                    return (vessel ? 300 : 40) + Int.random(in: -30...30, using: &generator)
                }
                hounsfield["\(label)/IM\(i)"] = hu
                file.pixels = hu.map { $0 + 1024 }   // stored; the file's intercept is -1024
                try file.write(to: folder.appendingPathComponent("IM\(i)").path)
            }
        }
        try Graft.run(["create", "tiny-cnn", "-o", dir.path("tiny.graft")])
        let tune = ["tune", dir.path("tiny.graft"), "--data", dir.path("ct"), "--epochs", "1", "--batch-size", "4", "--threads", "1",
                    "-o", dir.path("tuned.graft")]
        let noWindow = try Graft.run(tune)
        #expect(noWindow.status != 0 && noWindow.stderr.contains("--window"), "\(noWindow.stderr)")
        #expect(!FileManager.default.fileExists(atPath: dir.path("tuned.graft")))

        let tuned = try Graft.run(tune + ["--window", "pe", "--window", "mediastinum", "--window=-600,1500"])
        #expect(tuned.status == 0, "\(tuned.stderr)")
        let model = try NativeFile.open(dir.path("tuned.graft")).loadModel()
        let windows = try #require(model.preprocessing?.windows)
        #expect(windows.map(\.level) == [100, 40, -600] && windows.map(\.width) == [700, 400, 1500])

        let other = try Graft.run(["eval", dir.path("tuned.graft"), "--data", dir.path("ct"), "--window", "bone"])
        #expect(other.status != 0 && other.stderr.contains("tuned with"), "\(other.stderr)")
        let evaluated = try Graft.run(["eval", dir.path("tuned.graft"), "--data", dir.path("ct")])
        #expect(evaluated.status == 0, "\(evaluated.stderr)")

        let sample = dir.path("ct/contrast/IM0")
        let predicted = try Graft.run(["predict", dir.path("tuned.graft"), sample])
        #expect(predicted.status == 0 && predicted.stdout.contains("contrast"), "\(predicted.stdout) \(predicted.stderr)")

        let written = try Graft.run(["preprocess", dir.path("tuned.graft"), sample, dir.path("ct/plain/IM1"), "-o", dir.path("inputs.npy")])
        #expect(written.status == 0, "\(written.stderr)")
        let inputs = try NPY.read(path: dir.path("inputs.npy"))
        #expect(inputs.shape == [2, 3, 16, 16])
        // Same size in and out (no resampling), the model's value range 0...1: channel c is window
        // c of the Hounsfield values, quantised to 8 bits, over 255.
        let hu = try #require(hounsfield["contrast/IM0"])
        var worst: Float = 0
        for (c, window) in windows.enumerated() {
            for p in 0..<256 {
                let expected = (window.apply(Float(hu[p])) * 255).rounded() / 255
                worst = max(worst, abs(inputs.scalars[c * 256 + p] - expected))
            }
        }
        #expect(worst < 1e-5, "preprocess differs from the windows by \(worst)")
    }
}

/// The paper's CT task end to end on a synthetic dataset pydicom writes (DICOM series of eight
/// patients, embolus and vessel candidates in patient millimetres): `graft study` on the
/// candidates CSV, split by patient.
struct CandidateStudyTests {
    @Test func studyOnCandidatesSplitsByPatient() throws {
        guard let python = CrossCheck.medicalPython else {
            try CrossCheck.require(false, "no Python with pydicom (make test builds .build-medical-venv)")
            return
        }
        let dir = TemporaryDirectory()
        let fixture = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Fixtures/medical/synthetic_ct.py").path
        let (status, output) = try ChildProcess.run(python, [fixture, dir.path("ct")])
        try #require(status == 0, "\(output)")
        try Graft.run(["create", "tiny-cnn", "-o", dir.path("tiny.graft")])
        let study = try Graft.run(["study", dir.path("tiny.graft"), "--data", dir.path("ct/candidates.csv"), "--window", "pe",
                                   "--patch-mm", "20", "--patch-pixels", "16", "--patch-layout", "3plane",
                                   "--depths", "fc", "--fractions", "1", "--seeds", "1", "--epochs", "2", "--batch-size", "8",
                                   "--threads", "1", "-o", dir.path("results")])
        #expect(study.status == 0, "\(study.stderr)")
        let splits = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: dir.path("results/splits.json")))) as! [String: Any]
        let rows = splits["rows"] as! [[String: Any]]
        #expect(rows.map { $0["images"] as! Int }.reduce(0, +) == 64)
        // Eight patients, each in exactly one split.
        #expect(rows.map { $0["groups"] as! Int }.reduce(0, +) == 8, "\(rows)")
        let report = try String(contentsOfFile: dir.path("results/report.md"), encoding: .utf8)
        #expect(report.contains("candidates"))
    }
}

/// Volumes with label masks through `graft study`: six NIfTI volumes with a bright lesion each
/// and its mask, lesion and background patches, split by patient.
struct VolumeMaskStudyTests {
    @Test func studyOnVolumesWithMasksSplitsByPatient() throws {
        let dir = TemporaryDirectory()
        var csv = "volume,mask,group\n"
        for patient in 0..<6 {
            let center = (5 + patient * 2, 14 - patient, 3 + patient % 4)
            var values: [Int16] = [], mask: [Int16] = []
            for k in 0..<10 { for j in 0..<20 { for i in 0..<20 {
                let d = (i - center.0) * (i - center.0) + (j - center.1) * (j - center.1) + (k - center.2) * (k - center.2)
                values.append(d <= 5 ? 250 : 30 + Int16((i * 7 + j * 3 + k) % 20))
                mask.append(d <= 5 ? 1 : 0)
            } } }
            var volume = TinyNIfTI(dims: [20, 20, 10])
            volume.slope = 1; volume.intercept = 0; volume.voxels = values
            try Data(volume.encoded()).write(to: URL(fileURLWithPath: dir.path("v\(patient).nii")))
            var labels = TinyNIfTI(dims: [20, 20, 10])
            labels.slope = 1; labels.intercept = 0; labels.voxels = mask
            try Data(labels.encoded()).write(to: URL(fileURLWithPath: dir.path("v\(patient)-mask.nii")))
            csv += "v\(patient).nii,v\(patient)-mask.nii,patient\(patient)\n"
        }
        try csv.write(toFile: dir.path("volumes.csv"), atomically: true, encoding: .utf8)
        try Graft.run(["create", "tiny-cnn", "-o", dir.path("tiny.graft")])
        let study = try Graft.run(["study", dir.path("tiny.graft"), "--data", dir.path("volumes.csv"), "--window", "40,400",
                                   "--patch-mm", "6", "--patch-pixels", "16", "--patches-per-frame", "4",
                                   "--depths", "fc", "--fractions", "1", "--seeds", "1", "--epochs", "1", "--batch-size", "8",
                                   "--threads", "1", "-o", dir.path("results")])
        #expect(study.status == 0, "\(study.stderr)")
        let splits = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: dir.path("results/splits.json")))) as! [String: Any]
        let rows = splits["rows"] as! [[String: Any]]
        #expect(rows.map { $0["images"] as! Int }.reduce(0, +) == 48)
        #expect(rows.map { $0["groups"] as! Int }.reduce(0, +) == 6, "\(rows)")
    }
}
