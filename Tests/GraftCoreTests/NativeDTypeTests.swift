import Foundation
import GraftNativeFixtures
import Testing
@testable import GraftCore

/// Files written by other tools may hold any safetensors dtype; the reader converts to float32.
@Suite("Native format: dtype conversion")
struct NativeDTypeTests {
    @Test func everyDTypeIsConvertedToFloat32() throws {
        let file = try NativeFile.parse(data: HandMadeFile.mixedDTypes(), path: "mixed.safetensors")
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
        let model = try NativeFile.parse(data: HandMadeFile.mixedDTypes(), path: "mixed").loadModel()
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
