import Foundation
import Testing
import GraftTestSupport
@testable import GraftCaffe

/// A ~240 MB synthetic caffemodel (one blob of 60M floats), to check the
/// copy out of protobuf-c is a bulk copy. Heavy (about 1 GB of memory), so it runs only with
/// GRAFT_BENCH=1: `GRAFT_BENCH=1 swift test --disable-xctest --filter ReadSpeedBenchmark`.
struct ReadSpeedBenchmark {
    @Test(.enabled(if: ProcessInfo.processInfo.environment["GRAFT_BENCH"] == "1", "set GRAFT_BENCH=1 to run"))
    func synthetic240MB() throws {
        let count = 60_000_000
        let values = [Float](unsafeUninitializedCapacity: count) { buffer, initialized in
            for i in 0..<count { buffer[i] = Float(i % 1000) * 0.001 }
            initialized = count
        }
        let bytes = CaffeModelPacker.pack(name: "big", layers: [
            .init(name: "fc6", type: "InnerProduct", blobs: [.init(shape: [count], data: values)]),
        ])
        let data = Data(bytes)
        let clock = ContinuousClock()
        func seconds(_ d: Duration) -> Double { Double(d.components.seconds) + Double(d.components.attoseconds) * 1e-18 }
        // Best of three after a warm-up: the machine is shared, and fresh pages fault on first touch.
        var net: CaffeNet?
        var best = Double.infinity, bestUnpack = Double.infinity
        for _ in 0..<4 {
            net = nil
            best = min(best, seconds(try clock.measure { net = try CaffeModelReader.decode(data, file: "big") }))
            bestUnpack = min(bestUnpack, seconds(clock.measure { _ = data.withUnsafeBytes { UnpackedNet(bytes: $0) } }))
        }
        let mb = Double(data.count) / 1e6
        print(String(format: "synthetic caffemodel: %.1f MB decoded in %.3f s = %.0f MB/s; protobuf-c unpack alone %.3f s = %.0f MB/s",
                     mb, best, mb / best, bestUnpack, mb / bestUnpack))
        #expect(net?.layers.first?.blobs.first?.data.count == count)
        #expect(net?.layers.first?.blobs.first?.data[1234] == values[1234])
    }
}
