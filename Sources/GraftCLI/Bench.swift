import ArgumentParser
import Foundation
import GraftCore
import GraftZoo
import GraftEngine
import GraftKernels

extension GraftCommand {
    /// Throughput of the engine on synthetic data, for `Benchmarks/torch-compare` (which runs the
    /// same cases in PyTorch and prints the ratio). Not a user workflow, so hidden from help.
    struct Bench: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Measure training and inference throughput on synthetic data (for benchmarks).",
            shouldDisplay: false)

        enum Case: String, ExpressibleByArgument, CaseIterable {
            /// CaffeNet 227x227, 2 classes, every layer trained.
            case caffenetTrain = "caffenet-train"
            /// CaffeNet with conv1-pool5 frozen, from images (the frozen prefix runs forward every step).
            case caffenetTrainFC = "caffenet-train-fc"
            /// CaffeNet with conv1-pool5 frozen, from cached pool5 features (Graft's frozen-prefix cache).
            case caffenetTrainFCCached = "caffenet-train-fc-cached"
            /// CaffeNet inference.
            case caffenetInfer = "caffenet-infer"
            /// Caffe's CIFAR-10 quick net, 32x32, every layer trained.
            case quickTrain = "quick-train"
            /// Inference of the `.graft` model given by `--model` (ResNet-50, MobileNetV2... converted
            /// from the ONNX file ONNX Runtime runs beside it).
            case infer
            /// A training step, every layer trained (BatchNorm on batch statistics), of the `.graft`
            /// model given by `--model` (ResNet-18 exported by PyTorch with its BatchNorm layers kept).
            case train
            /// The vector kernels' ceiling on `--threads` threads: FMA chains on registers only
            /// (``MachinePeak``), the best of `--steps` runs, in GFLOP/s; no network.
            case peak
        }

        @Argument(help: "The case: \(Case.allCases.map(\.rawValue).joined(separator: ", ")).") var benchCase: Case
        @Option(help: "Images per step.") var batch: Int = 32
        @Option(help: "Timed steps (after 2 warm-up steps).") var steps: Int = 5
        @Option(help: "BLAS threads (default: all cores).") var threads: Int?
        @Flag(help: "Print per-node forward/backward milliseconds per timed step to standard error.")
        var profile = false
        @Option(name: .customLong("model"), help: "The .graft model of the 'infer' and 'train' cases.") var modelPath: String?
        @Option(help: "Run every convolution that it fits with this strategy (\(ConvolutionStrategy.allCases.map(\.rawValue).joined(separator: ", "))), to compare strategies layer by layer with --profile.")
        var convolutionStrategy: ConvolutionStrategy?
        @Flag(help: "Keep every value in NCHW planes (no channels in blocks of eight between depthwise-separable convolutions), to compare.")
        var planarChannels = false
        @Flag(help: "Run MobileNet's expansions (1x1) and the depthwise convolutions after them as separate layers, not fused, to compare.")
        var separateExpansions = false
        @Flag(help: "Run depthwise convolutions and the 1x1 projections after them as separate layers, not fused, to compare.")
        var separateProjections = false

        /// ``ConvolutionKernels/Strategy`` by the names `--convolution-strategy` takes.
        enum ConvolutionStrategy: String, ExpressibleByArgument, CaseIterable {
            case pointwise, im2col, depthwise, panels, winograd, winograd4, lanes
            var strategy: ConvolutionKernels.Strategy {
                switch self {
                case .pointwise: .pointwiseGEMM
                case .im2col: .im2colGEMM
                case .depthwise: .depthwiseDirect
                case .panels: .imageParallel
                case .winograd: .winograd
                case .winograd4: .winograd4
                case .lanes: .outputLanes
                }
            }
        }

        func validate() throws {
            let needsModel = benchCase == .infer || benchCase == .train
            if needsModel != (modelPath != nil) {
                throw ValidationError(needsModel ? "the '\(benchCase.rawValue)' case needs --model FILE.graft"
                                                 : "--model goes with the 'infer' and 'train' cases only")
            }
        }

        func run() throws {
            if benchCase == .peak { return measurePeak() }
            try ConvolutionKernels.$forcedStrategy.withValue(convolutionStrategy?.strategy) {
                try ChannelBlocks.$allowed.withValue(!planarChannels) {
                    try ChannelBlocks.$fusesExpansions.withValue(!separateExpansions) {
                        try ChannelBlocks.$fusesProjections.withValue(!separateProjections) { try measure() }
                    }
                }
            }
        }

        private func measure() throws {
            if let threads { ComputeThreads.set(threads) }
            let quick = benchCase == .quickTrain
            let file = try modelPath.map { try NativeFile.open($0) }
            let graph = file?.graph ?? (quick ? Architectures.cifar10Quick(classes: 10) : Architectures.caffeNet(classes: 2))
            // The weights are handed to the engine and not kept here, as `graft run`/`tune` do with a
            // loaded file: peak memory then counts one copy of them, as PyTorch's does.
            func model() throws -> Model {
                try file?.loadModel() ?? Model(graph: graph, weights: graph.randomWeights(seed: 0), provenance: Provenance(sourceFormat: "graft"))
            }
            let input = graph.inputs[0]
            var rng = SeededGenerator(seed: 1)
            let shape = Shape([batch] + Array(input.shape.dims.dropFirst()))
            // What torch_bench.py feeds the same case: pixel values for the built-in Caffe networks,
            // [0, 1) for a model file (the range a normalised input keeps; Swish's cost depends on it).
            let range: Float = file == nil ? 255 : 1
            let images = Tensor(shape: shape, scalars: (0..<shape.elementCount).map { _ in rng.nextUnitFloat() * range })
            // Two classes (a model file may have more; labels 0 and 1 fit any classifier).
            let labels = (0..<batch).map { _ in Int(rng.next() % (quick ? 10 : 2)) }
            let sgd = Optimizer.sgd(SGD(learningRate: 0.001, momentum: 0.9, weightDecay: 0.0005))
            var times: [Double] = []
            func time(_ body: () throws -> Void) rethrows {
                let start = DispatchTime.now().uptimeNanoseconds
                try body()
                times.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
            }
            var profileReport: String?
            switch benchCase {
            case .caffenetInfer, .infer:
                let executor = try ForwardExecutor(taking: model(), batchSize: batch)
                for i in 0..<(steps + 2) {
                    if i == 2 && profile { executor.profiling = true }
                    try time { _ = try executor.run(inputs: [input.name: images]) }
                    if i < 2 { times.removeLast() }
                }
                if let p = executor.profileReport {
                    profileReport = Self.format(nodes: p.nodes.map { ($0.node, $0.time, .zero) }, update: nil, steps: p.runs)
                }
            default:
                let from: String? = (benchCase == .caffenetTrainFC || benchCase == .caffenetTrainFCCached) ? "fc6" : nil
                let session = try TrainingSession(model: model(), batchSize: batch, plan: TrainingPlan(trainableFrom: from), optimizer: sgd)
                session.keepsGradients = false  // as `graft tune` and `graft study` train
                let features = benchCase == .caffenetTrainFCCached ? try session.prefixFeatures(inputs: [input.name: images]) : nil
                for i in 0..<(steps + 2) {
                    if i == 2 && profile { session.profiling = true }
                    try time {
                        if let features { _ = try session.step(features: features, labels: labels) }
                        else { _ = try session.step(inputs: [input.name: images], labels: labels) }
                    }
                    if i < 2 { times.removeLast() }
                }
                if let p = session.profileReport { profileReport = Self.format(nodes: p.nodes, update: p.update, steps: p.steps) }
            }
            if let report = profileReport { FileHandle.standardError.write(Data(report.utf8)) }
            let median = times.sorted()[times.count / 2]
            print(String(format: "{\"case\":\"%@\",\"batch\":%d,\"threads\":%d,\"simd\":\"%@\",\"median_step_seconds\":%.5f,\"images_per_second\":%.2f}",
                         benchCase.rawValue, batch, ComputeThreads.current, ComputeThreads.vectorKernels, median, Double(batch) / median))
        }
    }
}

extension GraftCommand.Bench {
    /// Prints the best GFLOP/s of `steps` runs of ``MachinePeak`` on `threads` threads as a JSON
    /// line (`null` without a vector kernel).
    func measurePeak() {
        if let threads { ComputeThreads.set(threads) }
        let best = (0..<max(steps, 1)).compactMap { _ in MachinePeak.gflops() }.max()
        print(String(format: "{\"case\":\"peak\",\"threads\":%d,\"simd\":\"%@\",\"gflops\":%@}",
                     ComputeThreads.current, ComputeThreads.vectorKernels, best.map { String(format: "%.1f", $0) } ?? "null"))
    }

    /// Milliseconds per step for every node that took time, then the update and the total.
    static func format(nodes: [(node: String, forward: Duration, backward: Duration)], update: Duration?, steps count: Int) -> String {
        let steps = Double(max(count, 1))
        func ms(_ d: Duration) -> Double {
            Double(d.components.seconds) * 1000 + Double(d.components.attoseconds) / 1e15
        }
        let training = update != nil
        var table = TextTable([("node", .left), ("forward ms", .right)] + (training ? [("backward ms", .right)] : []))
        var total = 0.0
        for (node, forward, backward) in nodes where forward + backward > .zero {
            total += ms(forward + backward)
            table.add([node, String(format: "%.3f", ms(forward) / steps)]
                      + (training ? [String(format: "%.3f", ms(backward) / steps)] : []))
        }
        if let update {
            total += ms(update)
            table.add(["update", String(format: "%.1f", ms(update) / steps), ""])
        }
        table.add(["total", String(format: "%.1f", total / steps)] + (training ? [""] : []))
        return table.render() + "\n"
    }
}
