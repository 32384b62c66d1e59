import Foundation
import Testing
import GraftCore
import GraftTestSupport
@testable import GraftIO

/// Builds `.npy` bytes by hand, field by field, so the reader is tested against the spec rather
/// than against our own writer.
private func npy(descr: String, fortran: Bool = false, shape: String, payload: [UInt8], major: UInt8 = 1) -> Data {
    var header = "{'descr': '\(descr)', 'fortran_order': \(fortran ? "True" : "False"), 'shape': \(shape), }"
    let prefix = major == 1 ? 10 : 12
    header += String(repeating: " ", count: (64 - (prefix + header.utf8.count + 1) % 64) % 64) + "\n"
    var bytes: [UInt8] = [0x93] + Array("NUMPY".utf8) + [major, 0]
    let n = header.utf8.count
    bytes += major == 1 ? [UInt8(n & 0xFF), UInt8(n >> 8)] : [UInt8(n & 0xFF), UInt8(n >> 8 & 0xFF), 0, 0]
    return Data(bytes + Array(header.utf8) + payload)
}

private func le<T: FixedWidthInteger>(_ values: [T]) -> [UInt8] {
    values.flatMap { v in withUnsafeBytes(of: v.littleEndian) { Array($0) } }
}

struct NPYTests {
    @Test func roundTripsFloat32() throws {
        let tensor = Tensor(shape: [2, 3], scalars: [1, -2.5, 3, .infinity, 0, 1e-30])
        let data = NPY.encode(tensor)
        #expect(data.count % 64 == 24)  // 64-byte aligned header, then 6 floats
        #expect(try NPY.decode(data, path: "t") == tensor)
    }

    @Test func readsEveryDType() throws {
        #expect(try NPY.decode(npy(descr: "<f8", shape: "(2,)", payload: le([Double(1.5).bitPattern, Double(-2).bitPattern])), path: "t").scalars == [1.5, -2])
        // float16: 1.0 = 0x3C00, -2.0 = 0xC000, 65504 = 0x7BFF, smallest subnormal 0x0001 = 2^-24
        let half = try NPY.decode(npy(descr: "<f2", shape: "(4,)", payload: le([UInt16(0x3C00), 0xC000, 0x7BFF, 0x0001])), path: "t")
        #expect(half.scalars == [1, -2, 65504, Float(sign: .plus, exponent: -24, significand: 1)])
        #expect(try NPY.decode(npy(descr: "<i8", shape: "(2,)", payload: le([Int64(-7), 9])), path: "t").scalars == [-7, 9])
        #expect(try NPY.decode(npy(descr: "<i4", shape: "(1,)", payload: le([Int32(-3)])), path: "t").scalars == [-3])
        #expect(try NPY.decode(npy(descr: "|u1", shape: "(3,)", payload: [0, 128, 255]), path: "t").scalars == [0, 128, 255])
        #expect(try NPY.decode(npy(descr: "|b1", shape: "(2,)", payload: [1, 0]), path: "t").scalars == [1, 0])
        // Big-endian float32 1.0 = 3F 80 00 00.
        #expect(try NPY.decode(npy(descr: ">f4", shape: "(1,)", payload: [0x3F, 0x80, 0, 0]), path: "t").scalars == [1])
        // Version 2.0 header.
        #expect(try NPY.decode(npy(descr: "<f4", shape: "()", payload: le([Float(7).bitPattern]), major: 2), path: "t").scalars == [7])
    }

    @Test func fortranOrderIsTransposedToC() throws {
        // [[1, 2, 3], [4, 5, 6]] stored column-major: 1 4 2 5 3 6.
        let payload = le([Float(1), 4, 2, 5, 3, 6].map(\.bitPattern))
        let t = try NPY.decode(npy(descr: "<f4", fortran: true, shape: "(2, 3)", payload: payload), path: "t")
        #expect(t.shape == [2, 3])
        #expect(t.scalars == [1, 2, 3, 4, 5, 6])
    }

    enum Damage: String, CaseIterable {
        case badMagic, futureVersion, truncatedHeader, truncatedData, missingShape, unknownDType, hugeShape, notText, garbageTuple
    }

    @Test(arguments: Damage.allCases)
    func rejectsDamage(_ damage: Damage) {
        let good = npy(descr: "<f4", shape: "(2, 2)", payload: le([UInt32](repeating: 0, count: 4)))
        var data = good
        switch damage {
        case .badMagic: data[1] = UInt8(ascii: "X")
        case .futureVersion: data[6] = 9
        case .truncatedHeader: data = data.prefix(30)
        case .truncatedData: data = data.dropLast(3)
        case .missingShape: data = npy(descr: "<f4", shape: "(2, 2)", payload: []).replacingHeaderKey("shape", with: "shap")
        case .unknownDType: data = npy(descr: "<c8", shape: "(1,)", payload: [UInt8](repeating: 0, count: 8))
        case .hugeShape: data = npy(descr: "<f4", shape: "(1099511627776, 1099511627776)", payload: [])
        case .notText: data[20] = 0xFF
        case .garbageTuple: data = npy(descr: "<f4", shape: "(2, x)", payload: [])
        }
        #expect(throws: NumPyError.self) { try NPY.decode(data, path: "damaged.npy") }
    }

    @Test func errorsNameTheFile() {
        #expect {
            try NPY.decode(Data("hello, world".utf8), path: "/tmp/x.npy")
        } throws: { error in
            "\(error)" == "/tmp/x.npy: not a NumPy .npy array (magic \\x93NUMPY missing)"
        }
    }

    @Test func seededMutationsNeverCrash() {
        let good = NPY.encode(Tensor(shape: [3, 4], scalars: (0..<12).map(Float.init)))
        var rng = SeededGenerator(seed: 42)
        for _ in 0..<3000 {
            var bytes = [UInt8](good)
            for _ in 0..<Int(rng.next() % 4 + 1) {
                let i = Int(rng.next() % UInt64(bytes.count))
                switch rng.next() % 3 {
                case 0: bytes[i] = UInt8(truncatingIfNeeded: rng.next())
                case 1: bytes.removeSubrange(i...)
                default: bytes.insert(UInt8(truncatingIfNeeded: rng.next()), at: i)
                }
                if bytes.isEmpty { break }
            }
            _ = try? NPY.decode(Data(bytes), path: "fuzz")
        }
    }
}

struct NPZTests {
    @Test func roundTripsAndKeepsOrder() throws {
        let dir = TemporaryDirectory()
        let arrays: [(name: String, tensor: Tensor)] = [
            ("input", Tensor(shape: [1, 2, 2], scalars: [1, 2, 3, 4])),
            ("out:prob", Tensor(shape: [1, 3], scalars: [0.2, 0.3, 0.5])),
        ]
        try NPZ.write(arrays, to: dir.path("a.npz"))
        let back = try NPZ.read(path: dir.path("a.npz"))
        #expect(back.map(\.name) == ["input", "out:prob"])
        #expect(back.map(\.tensor) == arrays.map(\.tensor))
        #expect(dir.contents == ["a.npz"])  // no temporary file left behind
    }

    @Test func refusesNonArchives() throws {
        let dir = TemporaryDirectory()
        try Data("not a zip".utf8).write(to: dir.url.appendingPathComponent("b.npz"))
        #expect(throws: NumPyError.self) { try NPZ.read(path: dir.path("b.npz")) }
        #expect(throws: NumPyError.io(path: dir.path("none.npz"), reason: "no such file")) { try NPZ.read(path: dir.path("none.npz")) }
    }

    @Test func writingIntoAMissingDirectoryFailsCleanly() {
        #expect(throws: NumPyError.self) {
            try NPZ.write([("a", Tensor(shape: [1], scalars: [1]))], to: "/nonexistent-dir/a.npz")
        }
    }

    @Test(.enabled(if: CrossCheck.runs(SharedData.has("reference/outputs")), "\(SharedData.absentMessage)"))
    func readsNumPyWrittenReferenceFiles() throws {
        // Written by numpy.savez (OpenCV and Keras reference outputs): shapes known from the README.
        let caffe = try NPZ.read(path: SharedData.path("reference/outputs/opencv/v1_cifar10_quick.npz"))
        #expect(caffe.map(\.name) == ["input", "out:prob"])
        #expect(caffe[0].tensor.shape == [1, 3, 32, 32])
        #expect(caffe[1].tensor.shape == [1, 10])
        // Inputs are uniform [0, 1) and the output is a softmax.
        #expect(caffe[0].tensor.scalars.allSatisfy { $0 >= 0 && $0 < 1 })
        #expect(abs(caffe[1].tensor.scalars.reduce(0, +) - 1) < 1e-5)
        let keras = try NPZ.read(path: SharedData.path("reference/outputs/keras/fer_emotion.npz"))
        #expect(keras.map(\.tensor.shape) == [[1, 64, 64, 1], [1, 7]])
        let tiny = try NPY.read(path: SharedData.path("reference/caffe/generated_tiny/tiny_v1_input.npy"))
        #expect(tiny.elementCount > 0)
    }
}

private extension Data {
    func replacingHeaderKey(_ key: String, with other: String) -> Data {
        let text = String(decoding: self, as: UTF8.self).replacingOccurrences(of: "'\(key)'", with: "'\(other)'")
        return Data(text.utf8)
    }
}
