import Foundation
import GraftTestSupport
import Testing
@testable import GraftKeras

/// Paths and helpers shared by the Keras tests.
enum KerasFixtures {
    /// `Tests/Fixtures/keras/<name>`, committed with the tests.
    static func path(_ name: String) -> String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Fixtures/keras").appendingPathComponent(name).path
    }

    static let referenceDirectory = "reference/keras"

    static func reference(_ relative: String) -> String { SharedData.path("\(referenceDirectory)/\(relative)") }

    static func hasReference(_ relative: String) -> Bool { SharedData.has("\(referenceDirectory)/\(relative)") }
}

/// Runs `body` and returns the ``KerasError`` it throws (nil when it throws nothing; a test
/// failure when it throws anything else).
func kerasError<T>(_ body: () throws -> T) -> KerasError? {
    do {
        _ = try body()
        return nil
    } catch let error as KerasError {
        return error
    } catch {
        Issue.record("expected a KerasError, got \(error)")
        return nil
    }
}

extension KerasModel {
    /// Weight shapes by layer, for compact comparisons.
    var weightShapes: [String: [[Int]]] {
        Dictionary(uniqueKeysWithValues: layers.filter { !$0.weights.isEmpty }.map { ($0.name, $0.weights.map(\.shape.dims)) })
    }

    /// Layer counts by class name.
    var classHistogram: [String: Int] {
        layers.reduce(into: [:]) { $0[$1.className, default: 0] += 1 }
    }
}
