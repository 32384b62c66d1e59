import Testing
@testable import GraftCore

/// Structural validation: every malformed graph is rejected with the error naming the culprit.
struct GraphStructureTests {
    private func relu(_ name: String, _ input: String, outputs: [String]? = nil) -> Node {
        Node(name: name, op: .relu(ReLU()), inputs: [input], outputs: outputs)
    }

    private func graph(_ nodes: [Node], outputs: [String] = ["b"]) -> Graph {
        Graph(inputs: [GraphInput(name: "x", shape: [1, 2, 3, 3])], nodes: nodes, outputs: outputs)
    }

    @Test func acceptsAChain() throws {
        try graph([relu("a", "x"), relu("b", "a")]).validateStructure()
    }

    @Test func rejectsDuplicateNodeNames() {
        #expect(throws: GraphError.duplicateNode("a")) {
            try graph([relu("a", "x"), relu("a", "x", outputs: ["b"])]).validateStructure()
        }
    }

    @Test func rejectsAValueProducedTwice() {
        #expect(throws: GraphError.duplicateValue(value: "a", node: "b")) {
            try graph([relu("a", "x"), relu("b", "x", outputs: ["a"])], outputs: ["a"]).validateStructure()
        }
    }

    @Test func rejectsACycle() {
        // a reads b, b reads a: in any order one of them reads a value not yet produced.
        #expect(throws: GraphError.undefinedValue(value: "b", node: "a")) {
            try graph([relu("a", "b"), relu("b", "a")]).validateStructure()
        }
    }

    @Test func rejectsAMissingBottom() {
        #expect(throws: GraphError.undefinedValue(value: "nowhere", node: "a")) {
            try graph([relu("a", "nowhere")], outputs: ["a"]).validateStructure()
        }
    }

    @Test func rejectsAnUndefinedGraphOutput() {
        #expect(throws: GraphError.undefinedOutput("zzz")) {
            try graph([relu("a", "x")], outputs: ["zzz"]).validateStructure()
        }
    }

    @Test func rejectsWrongArity() {
        let eltwise = Node(name: "e", op: .eltwise(Eltwise(operation: .sum)), inputs: ["x"])
        #expect(throws: GraphError.wrongInputCount(node: "e", expected: "at least 2", actual: 1)) {
            try graph([eltwise], outputs: ["e"]).validateStructure()
        }
    }

    @Test func rejectsEmptyNames() {
        #expect(throws: GraphError.emptyName(what: "node")) {
            try graph([relu("", "x")], outputs: ["x"]).validateStructure()
        }
    }

    @Test func errorsReadWell() {
        let error = GraphError.parameterMismatch(node: "conv1", parameter: "weight", expected: [96, 3, 11, 11], actual: [96, 3, 11])
        #expect(error.description == "node 'conv1' parameter 'weight' has shape 96x3x11, expected 96x3x11x11")
    }
}
