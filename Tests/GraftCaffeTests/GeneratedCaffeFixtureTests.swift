import Foundation
import Testing
import GraftCore
import GraftEngine
import GraftIO
import GraftTestSupport
@testable import GraftCaffe

/// The committed Caffe nets of `Tests/Fixtures/caffe/generated` (written by the Python protobuf
/// runtime from `schemas/caffe.proto`, with outputs computed by OpenCV's Caffe reader; see the
/// README there): imported, run by the forward executor on the committed input and compared with
/// OpenCV's output. They need neither the shared reference data nor Python.
struct GeneratedCaffeFixtureTests {
    struct Case: CustomTestStringConvertible, Sendable {
        var name: String
        /// What the caffemodel's generation makes the import's provenance say.
        var sourceVersion: String
        var testDescription: String { name }
    }

    static let cases: [Case] = [
        Case(name: "v1_legacy", sourceVersion: "V1 layers"),
        Case(name: "v2_conv_pool", sourceVersion: "V2 layer"),
        Case(name: "v2_bn_eltwise", sourceVersion: "V2 layer"),
    ]

    static let folder = SharedData.repositoryRoot.appendingPathComponent("Tests/Fixtures/caffe/generated")

    static func path(_ c: Case, _ suffix: String) -> String {
        folder.appendingPathComponent(c.name + suffix).path
    }

    static func importCase(_ c: Case, options: CaffeImportOptions = CaffeImportOptions()) throws -> CaffeImport {
        try CaffeImporter.importFiles(prototxt: path(c, ".prototxt"), caffemodel: path(c, ".caffemodel"), options: options)
    }

    @Test(arguments: cases)
    func matchesOpenCV(_ c: Case) throws {
        let imported = try Self.importCase(c)
        let input = try NPY.read(path: Self.path(c, "_input.npy"))
        let expected = try NPY.read(path: Self.path(c, "_output.npy"))
        #expect(imported.model.graph.outputs.count == 1, "\(imported.model.graph.outputs)")
        let output = try #require(imported.model.graph.outputs.first)
        let actual = try #require(try CaffeTesting.run(imported.model, input: input, outputs: [output])[output])
        #expect(actual.shape == expected.shape, "\(c.name) \(output)")
        let agreement = TensorComparison(actual, expected)
        print("\(c.name) \(output) \(expected.shape): \(agreement)")
        #expect(agreement.passed, "\(c.name) \(output): \(agreement)")
        #expect(imported.model.provenance.sourceVersion == c.sourceVersion)
    }

    /// The files are clean Caffe: strict mode (unknown fields, unused or missing weights and
    /// opaque layers are errors) accepts them and nothing is left to warn about.
    @Test(arguments: cases)
    func parseStrictlyWithoutWarnings(_ c: Case) throws {
        let weights = try CaffeModelReader.read(path: Self.path(c, ".caffemodel"), strict: true)
        #expect(weights.warnings.isEmpty, "\(weights.warnings)")
        #expect(weights.rawUnknown.isEmpty, "\(weights.rawUnknown)")
        #expect(weights.layers.contains { !$0.blobs.isEmpty })
        let imported = try Self.importCase(c, options: CaffeImportOptions(strict: true))
        #expect(imported.warnings.isEmpty, "\(imported.warnings)")
    }
}
