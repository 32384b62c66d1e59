import Foundation
import GraftCore
import GraftIO
import Testing
@testable import GraftKeras

/// The conversion timed by `Benchmarks/keras-convert/run.sh`: opt-in (`GRAFT_BENCH=1`) because it
/// reads a 528 MiB file. `GRAFT_BENCH_H5` is the Keras file, `GRAFT_BENCH_OUT` the `.graft` to write;
/// `GRAFT_BENCH_PARTS=1` then times the parts (hashing, HDF5 reading, conversion) one by one.
@Suite(.enabled(if: ProcessInfo.processInfo.environment["GRAFT_BENCH"] == "1", "benchmark: set GRAFT_BENCH=1"))
struct KerasConvertBenchmark {
    @Test func convertVGG16() throws {
        let environment = ProcessInfo.processInfo.environment
        let input = try #require(environment["GRAFT_BENCH_H5"], "GRAFT_BENCH_H5 is not set")
        let output = environment["GRAFT_BENCH_OUT"] ?? NSTemporaryDirectory() + "vgg16.graft"
        let clock = ContinuousClock()
        func seconds(_ d: Duration) -> Double { Double(d.components.seconds) + Double(d.components.attoseconds) * 1e-18 }
        // The whole conversion as `graft convert` runs it, then its parts on their own.
        let start = clock.now
        let (model, warnings) = try KerasImporter.importModel(path: input)
        let imported = clock.now
        try NativeWriter.write(model, to: output)
        let written = clock.now
        let bytes = Double(model.weights.values.reduce(0) { $0 + $1.elementCount } * 4)
        let total = seconds(written - start)
        #expect(model.graph.nodes.count > 20)
        #expect(warnings.isEmpty, "\(warnings)")
        print(String(format: "[keras-convert] import %.2f s, write %.2f s, total %.2f s, %.0f MiB of weights, %.0f MiB/s",
                     seconds(imported - start), seconds(written - imported), total, bytes / 1048576, bytes / 1048576 / total))
        guard environment["GRAFT_BENCH_PARTS"] == "1" else { return }
        let t0 = clock.now
        _ = try FileDigest.sha256(path: input)
        let t1 = clock.now
        let keras = try KerasModel.load(path: input)
        let t2 = clock.now
        _ = try KerasImporter.importModel(keras)
        let t3 = clock.now
        print(String(format: "[keras-convert] parts: SHA-256 %.2f s, HDF5 read %.2f s, graph and layouts %.2f s",
                     seconds(t1 - t0), seconds(t2 - t1), seconds(t3 - t2)))
    }
}
