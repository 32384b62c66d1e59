import ArgumentParser
import GraftCore
import GraftZoo

extension GraftCommand {
    struct Create: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write a built-in architecture with random (He-initialised) weights to a .graft file.",
            discussion: "Architectures: \(Architectures.names.joined(separator: ", ")). Same seed, same bytes.")

        @Argument(help: "The architecture: \(Architectures.names.joined(separator: ", ")).") var architecture: String
        @Option(name: .shortAndLong, help: "Where to write the .graft file.") var output: String
        @Option(help: "Random seed for the weights.") var seed: UInt64 = 0
        @Option(help: "Number of output classes (default: the architecture's).") var classes: Int?

        func validate() throws {
            guard Architectures.named(architecture) != nil else {
                throw ValidationError("unknown architecture '\(architecture)'; choose one of \(Architectures.names.joined(separator: ", ")).")
            }
            if let classes, classes < 2 { throw ValidationError("--classes must be at least 2.") }
        }

        func run() throws {
            var graph = Architectures.named(architecture)!
            if let classes { graph = Architectures.withClasses(graph, classes) }
            let input = graph.inputs[0]
            // Caffe-trained nets take BGR 0...255 minus the ImageNet mean; the small nets take RGB 0...1.
            let preprocessing = architecture == "caffenet"
                ? Preprocessing(input: input.name, inputShape: input.shape, channelOrder: .bgr, valueRange: [0, 255],
                                steps: [.subtract([104, 117, 123])])
                : .neutral(for: input)
            let model = Model(graph: graph, weights: graph.randomWeights(seed: seed), preprocessing: preprocessing,
                              provenance: Provenance(sourceFormat: "graft", sourceVersion: "built-in \(architecture), seed \(seed)"))
            try NativeWriter.write(model, to: output)
            print("wrote \(output): \(graph.name), \(Format.grouped(graph.parameterTensors.reduce(0) { $0 + $1.spec.shape.elementCount })) parameters")
        }
    }
}
