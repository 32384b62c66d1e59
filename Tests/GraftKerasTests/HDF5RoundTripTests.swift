import Foundation
import Testing
import GraftTestSupport
@testable import GraftHDF5

/// Write/read round trips through the interop layer, in temporary directories.
struct HDF5RoundTripTests {
    @Test func libraryIsThreadSafeAndSilencedPerThread() async throws {
        #expect(HDF5Library.version.hasPrefix("1."))
        #expect(HDF5Library.isErrorPrintingSilencedOnThisThread)
        // A thread-safe build keeps error printing per thread: a fresh thread must be silenced too.
        let silenced = await withCheckedContinuation { continuation in
            Thread.detachNewThread {
                let directory = TemporaryDirectory()
                _ = try? HDF5File.open(path: directory.path("missing.h5"))
                continuation.resume(returning: HDF5Library.isErrorPrintingSilencedOnThisThread)
            }
        }
        #expect(silenced)
    }

    @Test func stringsFixedAndVariableScalarAndArray() throws {
        let directory = TemporaryDirectory()
        let path = directory.path("strings.h5")
        do {
            let root = try HDF5File.create(path: path).root()
            try root.attributes.setStrings("fixed", ["conv2d_1", "", "dense"], encoding: .fixedLength)
            try root.attributes.setStrings("variable", ["a", "bé", ""], encoding: .variableLength)
            try root.attributes.setString("scalarFixed", "tensorflow", encoding: .fixedLength)
            try root.attributes.setString("scalarVariable", "{\"json\": true}", encoding: .variableLength)
            try root.attributes.setStrings("empty", [], encoding: .fixedLength)
            try root.attributes.setDoubles("emptyNumbers", [], shape: [0])
        }
        let root = try HDF5File.open(path: path).root()
        #expect(try root.attributes.names() == ["empty", "emptyNumbers", "fixed", "scalarFixed", "scalarVariable", "variable"])
        let fixed = try root.attributes.open("fixed")
        #expect(fixed.elementType == .fixedString(bytes: 8))
        #expect(fixed.shape == [3])
        #expect(try fixed.readStrings() == ["conv2d_1", "", "dense"])
        let variable = try root.attributes.open("variable")
        #expect(variable.elementType == .variableString)
        #expect(try variable.readStrings() == ["a", "bé", ""])
        #expect(try root.attributes.string("scalarFixed") == "tensorflow")
        #expect(try root.attributes.open("scalarVariable").shape == [])
        #expect(try root.attributes.string("scalarVariable") == "{\"json\": true}")
        #expect(try root.attributes.strings("empty") == [])
        #expect(try root.attributes.chunkedStrings("emptyNumbers") == [])
        #expect(throws: HDF5Error.self) { try root.attributes.strings("emptyNumbers") }
        #expect(throws: HDF5Error.self) { try root.attributes.string("fixed") }
    }

    @Test(arguments: HDF5StringEncoding.allCases)
    func chunkedAttributeNames(encoding: HDF5StringEncoding) throws {
        let directory = TemporaryDirectory()
        let path = directory.path("chunks.h5")
        // 3000 names of 30 bytes: 90,000 bytes fixed-length, so Keras's rule splits them in two.
        let names = (0..<3000).map { "layer_\(String(repeating: "x", count: 20))_\(String(format: "%03d", $0 % 1000))" }
        #expect(names.allSatisfy { $0.utf8.count == 30 })
        do {
            let root = try HDF5File.create(path: path).root()
            #expect(try root.attributes.setChunkedStrings("layer_names", names, encoding: encoding) == 2)
            #expect(try root.attributes.setChunkedStrings("small", ["a", "b"], encoding: encoding) == 1)
        }
        let root = try HDF5File.open(path: path).root()
        #expect(try root.attributes.contains("layer_names0"))
        #expect(try root.attributes.contains("layer_names1"))
        #expect(try !root.attributes.contains("layer_names"))
        #expect(try root.attributes.strings("layer_names0").count == 1500)
        #expect(try root.attributes.chunkedStrings("layer_names") == names)
        #expect(try root.attributes.chunkedStrings("small") == ["a", "b"])
        #expect(try root.attributes.chunkedStrings("absent") == nil)
    }

    @Test func floatDatasetsOfEveryWidth() throws {
        let directory = TemporaryDirectory()
        let path = directory.path("floats.h5")
        let values: [Float] = [1, -2.5, 0.1, .infinity, 1e-30, 65504]
        do {
            let root = try HDF5File.create(path: path).root()
            try root.createDataset("f32", shape: [2, 3], values: values)
            try root.createDataset("f64", shape: [3, 2], doubles: [0.1, -1e300, 1e300, 2, 3, 4])
            // float16 bit patterns: 1.0, -2.0, 65504 (largest), 2^-24 (smallest subnormal), -0, +inf.
            try root.createDataset("f16bits", shape: [6], float16Bits: [0x3C00, 0xC000, 0x7BFF, 0x0001, 0x8000, 0x7C00])
            try root.createDataset("f16", shape: [3], values: [1, 0.5, -65504], storage: .float16)
            try root.createDataset("scalar", shape: [], values: [7])
            try root.createDataset("empty", shape: [0, 4], values: [])
        }
        let root = try HDF5File.open(path: path).root()
        let f32 = try root.dataset("f32")
        #expect(f32.shape == [2, 3])
        #expect(f32.elementType == .float(bytes: 4))
        #expect(try f32.readFloats() == values)
        let f64 = try root.dataset("f64")
        #expect(f64.elementType == .float(bytes: 8))
        #expect(try f64.readFloats() == [Float(0.1), -.infinity, .infinity, 2, 3, 4])
        let half = try root.dataset("f16bits")
        #expect(half.elementType == .float(bytes: 2))
        let decoded = try half.readFloats()
        #expect(decoded == [1, -2, 65504, Float(sign: .plus, exponent: -24, significand: 1), 0, .infinity])
        #expect(decoded[4].sign == .minus)
        #expect(try root.dataset("f16").readFloats() == [1, 0.5, -65504])
        #expect(try root.dataset("scalar").shape == [])
        #expect(try root.dataset("scalar").readFloats() == [7])
        #expect(try root.dataset("empty").readFloats() == [])
        #expect(throws: HDF5Error.self) { try root.dataset("f32").readIntegers() }
    }

    @Test func integerDatasetsAndAttributes() throws {
        let directory = TemporaryDirectory()
        let path = directory.path("ints.h5")
        do {
            let root = try HDF5File.create(path: path).root()
            try root.createDataset("i64", shape: [], integers: [Int64.min])
            try root.createDataset("i8", shape: [3], integers: [-128, 0, 127], storage: .int8)
            try root.createDataset("u16", shape: [2], integers: [0, 65535], storage: .uint16)
            #expect(throws: HDF5Error.self) { try root.createDataset("bad", shape: [1], integers: [256], storage: .uint8) }
            try root.attributes.setIntegers("count", [3, -4], storage: .int32)
            try root.attributes.setDoubles("epsilon", [0.001], shape: [])
        }
        let root = try HDF5File.open(path: path).root()
        #expect(try root.dataset("i64").readIntegers() == [Int64.min])
        #expect(try root.dataset("i8").elementType == .signedInteger(bytes: 1))
        #expect(try root.dataset("i8").readIntegers() == [-128, 0, 127])
        #expect(try root.dataset("u16").elementType == .unsignedInteger(bytes: 2))
        #expect(try root.dataset("u16").readIntegers() == [0, 65535])
        #expect(try root.attributes.integers("count") == [3, -4])
        #expect(try root.attributes.doubles("count") == [3, -4])
        #expect(try root.attributes.doubles("epsilon") == [0.001])
        #expect(throws: HDF5Error.self) { try root.dataset("i8").readFloats() }
        #expect(throws: HDF5Error.self) { try root.attributes.strings("count") }
    }

    @Test func groupsInNameAndCreationOrder() throws {
        let directory = TemporaryDirectory()
        let path = directory.path("order.h5")
        let names = ["zeta", "alpha", "conv2d_10", "conv2d_2"]
        do {
            let root = try HDF5File.create(path: path, trackCreationOrder: true).root()
            let tracked = try root.createGroup("tracked", trackCreationOrder: true)
            let plain = try root.createGroup("plain")
            for name in names {
                try tracked.createGroup(name)
                try plain.createGroup(name)
            }
            try tracked.createDataset("data", shape: [1], values: [1])
        }
        let root = try HDF5File.open(path: path).root()
        #expect(try root.links(order: .creation).map(\.name) == ["tracked", "plain"])
        let tracked = try root.group("tracked")
        #expect(try tracked.tracksCreationOrder())
        #expect(try tracked.links(order: .creation).map(\.name) == names + ["data"])
        #expect(try tracked.links(order: .name).map(\.name) == ["alpha", "conv2d_10", "conv2d_2", "data", "zeta"])
        #expect(try tracked.links().last == HDF5Link(name: "zeta", kind: .hard, object: .group))
        #expect(try tracked.link(named: "data") == HDF5Link(name: "data", kind: .hard, object: .dataset))
        let plain = try root.group("plain")
        #expect(try !plain.tracksCreationOrder())
        #expect(throws: HDF5Error.self) { try plain.links(order: .creation) }
        #expect(try root.group("tracked/zeta").objectPath == "/tracked/zeta")
        #expect(try root.contains("tracked/data"))
        #expect(try !root.contains("tracked/missing"))
        #expect(try !root.contains("missing/data"))
    }

    @Test func linksAndNonGroupObjectsAreRefused() throws {
        let directory = TemporaryDirectory()
        let path = directory.path("links.h5")
        do {
            let root = try HDF5File.create(path: path).root()
            let real = try root.createGroup("real")
            try real.createDataset("w", shape: [1], values: [1])
            try root.createSoftLink("soft", target: "/real")
            try root.createExternalLink("external", file: directory.path("other.h5"), object: "/x")
            try root.commitFloatDatatype("type")
        }
        let root = try HDF5File.open(path: path).root()
        let links = try root.links()
        #expect(links.map(\.name) == ["external", "real", "soft", "type"])
        #expect(links.map(\.kind) == [.external, .hard, .soft, .hard])
        #expect(links[3].object == .namedDatatype)
        func kind(_ body: () throws -> Void) -> HDF5Error.Kind? {
            do { try body(); return nil } catch { return (error as? HDF5Error)?.kind }
        }
        #expect(kind { _ = try root.group("soft") } == .refusedLink(.soft))
        #expect(kind { _ = try root.dataset("soft/w") } == .refusedLink(.soft))
        #expect(kind { _ = try root.contains("soft/w") } == .refusedLink(.soft))
        #expect(kind { _ = try root.group("external") } == .refusedLink(.external))
        #expect(kind { _ = try root.group("type") } == .wrongObject(expected: "group", found: "named datatype"))
        #expect(kind { _ = try root.dataset("real") } == .wrongObject(expected: "dataset", found: "group"))
        #expect(kind { _ = try root.group("real/w") } == .wrongObject(expected: "group", found: "dataset"))
        #expect(kind { _ = try root.group("nothing") } == .notFound)
        #expect(try root.dataset("real/w").readFloats() == [1])
    }

    @Test func libraryErrorsCarryTheStack() throws {
        let directory = TemporaryDirectory()
        let path = directory.path("not.h5")
        try Data("definitely not hdf5".utf8).write(to: URL(fileURLWithPath: path))
        #expect(try !HDF5File.isHDF5(path: path))
        do {
            _ = try HDF5File.open(path: path)
            Issue.record("opened a text file")
        } catch {
            #expect(error.kind == .library)
            #expect(error.operation == "H5Fopen")
            #expect(error.path == path)
            #expect(!error.stack.isEmpty)
            #expect(error.description.contains("H5Fopen"))
        }
    }

    @Test func readLimitsAreCheckedBeforeAllocating() throws {
        let directory = TemporaryDirectory()
        let path = directory.path("limits.h5")
        do {
            let root = try HDF5File.create(path: path).root()
            try root.createDataset("big", shape: [10, 10], values: [Float](repeating: 1, count: 100))
        }
        let dataset = try HDF5File.open(path: path).root().dataset("big")
        #expect(dataset.elementCount == 100)
        do {
            _ = try dataset.readFloats(limit: 99)
            Issue.record("limit ignored")
        } catch {
            #expect(error.kind == .limitExceeded(what: "element count", value: "100", limit: 99))
        }
    }

    @Test func fileImagesOpenWithoutTouchingDisk() throws {
        let directory = TemporaryDirectory()
        let path = directory.path("image.h5")
        do {
            let root = try HDF5File.create(path: path).root()
            try root.createDataset("w", shape: [2], values: [3, 4])
        }
        let bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))
        #expect(HDF5File.hasSignature(bytes))
        let file = try HDF5File.open(image: bytes, name: "memory.h5")
        #expect(try file.root().dataset("w").readFloats() == [3, 4])
        #expect(throws: HDF5Error.self) { try HDF5File.open(image: Array(bytes.prefix(100)), name: "cut.h5") }
        #expect(throws: HDF5Error.self) { try HDF5File.open(image: [], name: "empty.h5") }
    }

    @Test func oversizedFixedLengthAttributeIsALibraryError() throws {
        // Attributes live in a 64 KiB object header: the reason Keras splits long lists and why
        // model_config is variable-length (stored in the global heap).
        let directory = TemporaryDirectory()
        let root = try HDF5File.create(path: directory.path("big.h5")).root()
        let long = String(repeating: "x", count: 70_000)
        do {
            try root.attributes.setString("model_config", long, encoding: .fixedLength)
            Issue.record("a 70 kB fixed-length attribute was written")
        } catch {
            #expect(error.kind == .library && error.operation == "H5Acreate2")
            #expect(error.stack.contains { $0.contains("too large") })
        }
        try root.attributes.setString("model_config", long, encoding: .variableLength)
        #expect(try root.attributes.string("model_config") == long)
    }

    @Test func readOnlyFilesRefuseWrites() throws {
        let directory = TemporaryDirectory()
        let path = directory.path("ro.h5")
        _ = try HDF5File.create(path: path)
        let root = try HDF5File.open(path: path).root()
        #expect(throws: HDF5Error.self) { try root.createGroup("g") }
        #expect(throws: HDF5Error.self) { try root.attributes.setString("a", "b") }
    }
}
