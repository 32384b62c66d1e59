import Testing
@testable import GraftCore
import GraftZoo

struct CostTests {
    @Test func caffeNetParametersAndMACs() throws {
        let graph = Architectures.caffeNet()
        let shapes = try graph.inferShapes()
        let costs = graph.costs(shapes: shapes)
        let parameters = costs.values.reduce(0) { $0 + $1.parameters }
        let macs = costs.values.reduce(0) { $0 + $1.macs }
        // BVLC CaffeNet: 60,965,224 parameters (conv 2.33M + fc 58.6M).
        #expect(parameters == 60_965_224)
        // conv1: 96*55*55 outputs * 3*11*11 = 105,415,200 MACs.
        #expect(costs["conv1"]?.macs == 105_415_200)
        // fc6: 9216 * 4096.
        #expect(costs["fc6"]?.macs == 37_748_736)
        // About 0.72 GMACs in all.
        #expect(abs(Double(macs) / 1e9 - 0.72) < 0.01, "\(macs)")
        #expect(costs["conv1"]?.activationBytes == 96 * 55 * 55 * 4)
        #expect(costs["conv1"]?.flops == 2 * 105_415_200 + 96 * 55 * 55)
    }

    @Test func frozenAndStatisticsParametersAreNotTrainable() throws {
        var b = GraphBuilder(name: "g", input: "x", shape: [1, 2, 4, 4])
        b.conv("c", 3, kernel: 1)
        b.add("bn", .batchNorm(BatchNorm(hasScale: true, hasShift: true)))
        let graph = b.graph
        let costs = graph.costs(shapes: try graph.inferShapes(), frozen: ["c.bias"])
        #expect(costs["c"]?.parameters == 9 && costs["c"]?.frozenParameters == 3)
        #expect(costs["bn"]?.parameters == 12 && costs["bn"]?.trainableParameters == 6)
    }

    @Test func randomWeightsAreDeterministicAndShaped() {
        let graph = Architectures.tinyCNN()
        let a = graph.randomWeights(seed: 7), b = graph.randomWeights(seed: 7), c = graph.randomWeights(seed: 8)
        #expect(a == b)
        #expect(a != c)
        for (key, _, spec) in graph.parameterTensors { #expect(a[key]?.shape == spec.shape) }
        let w = a["conv1.weight"]!.scalars
        let std = (w.map { $0 * $0 }.reduce(0, +) / Float(w.count)).squareRoot()
        // He init: std sqrt(2 / 27) = 0.272
        #expect(abs(std - 0.272) < 0.05)
        #expect(a["conv1.bias"]!.scalars.allSatisfy { $0 == 0 })
    }
}
