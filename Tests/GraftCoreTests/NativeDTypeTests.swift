import Foundation
import Testing
@testable import GraftCore

/// Files written by other tools may hold any safetensors dtype; the reader converts to float32.
@Suite("Native format: dtype conversion")
struct NativeDTypeTests {
    /// Builds a hand-made file whose graph parameters are F16 and BF16 and whose `state.` tensors
    /// cover every other dtype.
    private func mixedFile() -> Data {
        var parts: [(name: String, dtype: String, shape: [Int], bytes: [UInt8])] = []
        func le<T: FixedWidthInteger>(_ values: [T]) -> [UInt8] {
            values.flatMap { v in withUnsafeBytes(of: v.littleEndian, Array.init) }
        }
        parts.append(("fc.weight", "F16", [2, 2], le([UInt16(0x3C00), 0xC000, 0x7BFF, 0x3555])))
        parts.append(("fc.bias", "BF16", [2], le([UInt16(0x3F80), 0xC060])))
        parts.append(("state.f16special", "F16", [6], le([UInt16(0x0001), 0x0400, 0x7C00, 0xFC00, 0x8000, 0x7E00])))
        parts.append(("state.f64", "F64", [3], le([(0.1 as Double).bitPattern, (1e300 as Double).bitPattern, (-2.5 as Double).bitPattern])))
        parts.append(("state.i64", "I64", [3], le([Int64(-5), 1 << 40, .max])))
        parts.append(("state.i32", "I32", [2], le([Int32(-7), 123_456])))
        parts.append(("state.i16", "I16", [2], le([Int16(-300), 300])))
        parts.append(("state.i8", "I8", [2], [0xFF, 0x7F]))
        parts.append(("state.u8", "U8", [2], [0xFF, 0x01]))
        parts.append(("state.bool", "BOOL", [3], [0, 1, 2]))
        parts.append(("state.f32", "F32", [1], le([Float(1.5).bitPattern])))
        // One odd-sized tensor first, so that every later one is misaligned in the file.
        parts.insert(("state.odd", "U8", [3], [9, 8, 7]), at: 0)

        var file = HandMadeFile()
        file.tensors = []
        file.data = []
        for part in parts {
            let begin = file.data.count
            file.data += part.bytes
            let shape = part.shape.map(String.init).joined(separator: ",")
            file.tensors.append((part.name, #"{"dtype":"\#(part.dtype)","shape":[\#(shape)],"data_offsets":[\#(begin),\#(file.data.count)]}"#))
        }
        return file.bytes
    }

    @Test func everyDTypeIsConvertedToFloat32() throws {
        let file = try NativeFile.parse(data: mixedFile(), path: "mixed.safetensors")
        #expect(try file.tensor("fc.weight").scalars == [1, -2, 65504, 0.333251953125])
        #expect(try file.tensor("fc.bias").scalars == [1, -3.5])
        let special = try file.tensor("state.f16special").scalars
        #expect(special[0] == Float(sign: .plus, exponent: -24, significand: 1))
        #expect(special[1] == Float(sign: .plus, exponent: -14, significand: 1))
        #expect(special[2] == .infinity)
        #expect(special[3] == -.infinity)
        #expect(special[4] == 0 && special[4].sign == .minus)
        #expect(special[5].isNaN)
        #expect(try file.tensor("state.f64").scalars == [Float(0.1 as Double), .infinity, -2.5])
        #expect(try file.tensor("state.i64").scalars == [-5, 1_099_511_627_776, Float(Int64.max)])
        #expect(try file.tensor("state.i32").scalars == [-7, 123_456])
        #expect(try file.tensor("state.i16").scalars == [-300, 300])
        #expect(try file.tensor("state.i8").scalars == [-1, 127])
        #expect(try file.tensor("state.u8").scalars == [255, 1])
        #expect(try file.tensor("state.bool").scalars == [0, 1, 1])
        #expect(try file.tensor("state.f32").scalars == [1.5])
        #expect(try file.tensor("state.odd").scalars == [9, 8, 7])
        #expect(file.entry("fc.weight")?.dtype == .float16)
        #expect(try file.rawBytes("fc.bias") == Data([0x80, 0x3F, 0x60, 0xC0]))
    }

    @Test func loadedMixedModelRewritesAsFloat32() throws {
        let model = try NativeFile.parse(data: mixedFile(), path: "mixed").loadModel()
        let rewritten = try NativeFile.parse(data: try NativeWriter.encode(model), path: "rewritten")
        #expect(rewritten.tensors.allSatisfy { $0.dtype == .float32 })
        #expect(try rewritten.tensor("fc.weight").scalars == [1, -2, 65504, 0.333251953125])
    }

    #if !(os(macOS) && arch(x86_64))
    @Test func halfConversionMatchesFloat16ForAllBitPatterns() {
        for bits in UInt16.min...UInt16.max {
            let expected = Float(Float16(bitPattern: bits))
            let actual = ScalarConversion.float(fromHalfBits: bits)
            if expected.isNaN {
                #expect(actual.isNaN, "bits 0x\(String(bits, radix: 16))")
            } else if actual.bitPattern != expected.bitPattern {
                Issue.record("bits 0x\(String(bits, radix: 16)): \(actual) != \(expected)")
            }
        }
    }
    #endif
}
