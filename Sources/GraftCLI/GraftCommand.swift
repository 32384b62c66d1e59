import ArgumentParser
import GraftCore

@main
struct GraftCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "graft",
        abstract: "Import, inspect, run and fine-tune pretrained CNN weights on the CPU.",
        discussion: """
            Models live in .graft files: safetensors files whose metadata carries the graph, the \
            preprocessing, the provenance and the training settings.
            """,
        version: "graft \(GraftVersion.current) (\(graftRevision))",
        subcommands: [Inspect.self, Run.self, Verify.self, Create.self, Tune.self, Eval.self, Predict.self, Preprocess.self, Study.self, Bench.self, BenchCandidates.self, Convert.self, Export.self])
}

/// Errors the commands report themselves (library errors print their own descriptions).
struct CommandFailure: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
