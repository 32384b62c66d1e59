import Foundation
import GraftCore
import GraftStatistics
import GraftTestSupport
import Testing

/// Graft's DeLong test against an independent implementation: MLstatkit's `Delong_test` (PyPI,
/// MIT; it states its p-values follow R's pROC `roc.test`), installed in the cross-check venv by
/// `Scripts/make-venv.sh`. Simulated paired scores with and without ties, small and large sets.
@Suite("DeLong against MLstatkit")
struct DeLongCrossCheckTests {
    static let python = ProcessInfo.processInfo.environment["GRAFT_PYTHON"].flatMap { python in
        ChildProcess.succeeds(python, ["-c", "import MLstatkit"]) ? python : nil
    }

    @Test(.enabled(if: CrossCheck.runs(python != nil), "needs MLstatkit in the cross-check venv (Scripts/make-venv.sh, GRAFT_PYTHON)"))
    func agreesWithMLstatkit() throws {
        let python = try #require(Self.python)
        var generator = SeededGenerator(seed: 1988)
        var cases: [(a: [Double], b: [Double], labels: [Bool])] = []
        for (m, n, rounding) in [(12, 9, 0.0), (40, 60, 0.0), (40, 60, 0.5), (150, 90, 0.25), (25, 25, 1.0)] {
            let (a, b, labels) = binormal(m: m, n: n, shiftA: 0.9, shiftB: 0.4, rho: 0.5, rounding: rounding, generator: &generator)
            cases.append((a, b, labels))
        }
        let directory = TemporaryDirectory()
        let input = directory.path("cases.json")
        let json = cases.map { ["a": $0.a, "b": $0.b, "labels": $0.labels.map { $0 ? 1 : 0 }] as [String: Any] }
        try JSONSerialization.data(withJSONObject: json).write(to: URL(fileURLWithPath: input))
        let script = """
            import json, sys, warnings
            warnings.filterwarnings("ignore")
            from MLstatkit import Delong_test
            for c in json.load(open(sys.argv[1])):
                z, p, ci_a, ci_b, auc_a, auc_b, info = Delong_test(c["labels"], c["a"], c["b"])
                print(json.dumps({"z": z, "p": p, "aucA": auc_a, "aucB": auc_b, "var": info["var_diff"], "method": info["method"]}))
            """
        let (status, output) = try ChildProcess.run(python, ["-c", script, input])
        #expect(status == 0, "\(output.suffix(2000))")
        let rows = output.split(separator: "\n").compactMap { line -> [String: Any]? in
            guard line.hasPrefix("{") else { return nil }
            return try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
        }
        #expect(rows.count == cases.count)
        for (c, row) in zip(cases, rows) {
            let ours = try DeLong.compare([c.a], [c.b], labels: c.labels)
            let theirs = (z: row["z"] as! Double, p: row["p"] as! Double, aucA: row["aucA"] as! Double, aucB: row["aucB"] as! Double,
                          variance: row["var"] as! Double)
            print("DeLong \(c.labels.filter { $0 }.count)+/\(c.labels.filter { !$0 }.count)-: Graft z \(ours.z) p \(ours.pValue); MLstatkit z \(theirs.z) p \(theirs.p) (\(row["method"] ?? ""))")
            #expect(row["method"] as? String == "delong")
            #expect(abs(ours.aucA - theirs.aucA) < 1e-12 && abs(ours.aucB - theirs.aucB) < 1e-12)
            #expect(abs(ours.standardError * ours.standardError - theirs.variance) <= 1e-10 * max(1, theirs.variance))
            // MLstatkit's z is (AUC_B - AUC_A) / SE; Graft's difference is A - B.
            #expect(abs(ours.z + theirs.z) < 1e-8, "z \(ours.z) vs \(theirs.z)")
            #expect(abs(ours.pValue - theirs.p) < 1e-8, "p \(ours.pValue) vs \(theirs.p)")
        }
    }
}
