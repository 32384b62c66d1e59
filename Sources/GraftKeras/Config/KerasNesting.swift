/// A model used as a layer inside another (the "pretrained base + new head" shape every Keras
/// transfer-learning tutorial saves), decoded and already flattened itself. A class so that an
/// architecture entry can hold an architecture.
final class KerasNestedModel: Sendable {
    let architecture: KerasArchitecture
    init(_ architecture: KerasArchitecture) { self.architecture = architecture }
}

/// One item of Keras 3's save order: a layer, whose variables are `layers/<group>/vars/<i>`, or a
/// nested model, whose layers are saved under `layers/<group>/layers/...` by the same scheme.
struct KerasSaveNode: Sendable {
    var className: String
    /// The layer's ``KerasArchitecture/Entry/weightPath``.
    var weightPath: [String]
    /// The nested model's own save order; nil for a layer.
    var children: [KerasSaveNode]?
}

extension KerasArchitecture.Entry {
    /// This entry in the Keras 3 save order, a nested model with its subtree.
    var saveNode: KerasSaveNode {
        guard let nested else { return KerasSaveNode(className: layer.className, weightPath: weightPath, children: nil) }
        return KerasSaveNode(className: layer.className, weightPath: weightPath,
                             children: nested.architecture.keras3SaveOrder.map { $0.prefixed(by: weightPath) })
    }
}

extension KerasSaveNode {
    func prefixed(by prefix: [String]) -> KerasSaveNode {
        KerasSaveNode(className: className, weightPath: prefix + weightPath, children: children?.map { $0.prefixed(by: prefix) })
    }
}

extension KerasArchitecture {
    /// Replaces every nested model by its layers, once per call, so that the graph Graft builds is
    /// flat: layer `block_1_expand` of the model layer `mobilenetv2_1.00_96` becomes
    /// `mobilenetv2_1.00_96/block_1_expand` (a second call's copy `mobilenetv2_1.00_96_1/...`,
    /// sharing the weights). The nested model's inputs become the tensors it was called on, and
    /// every reference to its outputs becomes a reference to the inner layers producing them. A
    /// nested model that is not trainable freezes all its layers.
    ///
    /// - Parameter keras3Dialect: Keras 3 numbers a nested model's calls from 0; Keras 1/2 from 1
    ///   when the nested model was built on its own `Input` (its construction is node 0).
    static func inlineNestedModels(_ entries: [Entry], outputs: inout [KerasConnection], keras3Dialect: Bool,
                                   source: String, limits: KerasLimits) throws(KerasError) -> [Entry] {
        guard entries.contains(where: { $0.nested != nil }) else { return entries }
        func fail(_ reason: String) -> KerasError { .invalidModelConfig(source: source, reason: reason) }

        // Which node index each reference to a nested model means.
        var referenced: [String: Set<Int>] = [:]
        for entry in entries {
            for node in entry.layer.inboundNodes { for c in node.inputs { referenced[c.layer, default: []].insert(c.nodeIndex) } }
        }
        for c in outputs { referenced[c.layer, default: []].insert(c.nodeIndex) }

        var taken = Set(entries.map(\.layer.name))
        var substitution: [KerasConnection: KerasConnection] = [:]
        var result: [Entry] = []
        for entry in entries {
            guard let nested = entry.nested?.architecture else {
                result.append(entry)
                continue
            }
            let name = entry.layer.name
            let calls = entry.layer.inboundNodes
            guard !calls.isEmpty else { throw fail("nested model '\(name)' is never called") }
            let firstNode = keras3Dialect || (referenced[name]?.contains(0) ?? true) ? 0 : 1
            // (A Keras 1/2 reference to node 0 means the calls are numbered from 0 after all.)
            let innerInputs = Set(nested.inputs.map(\.name))
            for (call, node) in calls.enumerated() {
                var scope = call == 0 ? name : "\(name)_\(call)"
                while call > 0 && taken.contains(scope) { scope += "_" }
                taken.insert(scope)
                guard node.inputs.count == nested.inputs.count else {
                    throw fail("nested model '\(name)' takes \(nested.inputs.count) input(s); call \(call) passes \(node.inputs.count)")
                }
                var local: [KerasConnection: KerasConnection] = [:]
                for (input, outer) in zip(nested.inputs, node.inputs) { local[KerasConnection(layer: input.name)] = outer }
                func inner(_ c: KerasConnection) -> KerasConnection {
                    local[c] ?? KerasConnection(layer: scope + "/" + c.layer, nodeIndex: c.nodeIndex, tensorIndex: c.tensorIndex)
                }
                for innerEntry in nested.entries where !innerInputs.contains(innerEntry.layer.name) {
                    var copy = innerEntry
                    copy.layer.name = scope + "/" + innerEntry.layer.name
                    copy.weightPath = entry.weightPath + innerEntry.weightPath
                    copy.layer.trainable = innerEntry.layer.trainable && entry.layer.trainable
                    copy.layer.inboundNodes = innerEntry.layer.inboundNodes.map { KerasInboundNode(inputs: $0.inputs.map(inner)) }
                    guard taken.insert(copy.layer.name).inserted else { throw .duplicateLayerName(source: source, layer: copy.layer.name) }
                    result.append(copy)
                }
                for (t, output) in nested.outputs.enumerated() {
                    substitution[KerasConnection(layer: name, nodeIndex: call + firstNode, tensorIndex: t)] = inner(output)
                }
            }
            guard result.count <= limits.maxLayers else {
                throw .limitExceeded(path: source, what: "layer count with nested models inlined", value: "\(result.count)",
                                     limit: limits.maxLayers)
            }
        }

        // References to a nested model's outputs, resolved through chains of nested models.
        let nestedNames = Set(entries.filter { $0.nested != nil }.map(\.layer.name))
        func resolve(_ c: KerasConnection, in layer: String) throws(KerasError) -> KerasConnection {
            var current = c
            var steps = 0
            while let next = substitution[current] {
                current = next
                steps += 1
                guard steps <= substitution.count else { throw .cycle(source: source, layers: [layer, c.layer]) }
            }
            if nestedNames.contains(current.layer) {
                throw fail("layer '\(layer)' reads output \(current.tensorIndex) of call \(current.nodeIndex) of nested model "
                           + "'\(current.layer)', which has no such call or output")
            }
            return current
        }
        for index in result.indices {
            var nodes = result[index].layer.inboundNodes
            for n in nodes.indices {
                for i in nodes[n].inputs.indices {
                    nodes[n].inputs[i] = try resolve(nodes[n].inputs[i], in: result[index].layer.name)
                }
            }
            result[index].layer.inboundNodes = nodes
        }
        for i in outputs.indices { outputs[i] = try resolve(outputs[i], in: "<model outputs>") }
        return result
    }
}
