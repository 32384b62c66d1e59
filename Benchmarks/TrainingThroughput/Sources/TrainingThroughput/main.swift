import Foundation
// Measures CaffeNet (2 classes, 227x227) training steps per second with the Graft engine.
//
//   swift run -c release TrainingThroughput [--batch 32] [--steps 5] [--warmup 2] [--profile] [--configs all,fc6,cached]
//                                           [--ab-parallel] [--check-gradients [--delta 2e-5]]
//
// Configurations: "all" trains every layer; "fc6" freezes conv1-pool5 and trains fc6-fc8 from images
// (the prefix still runs forward every step); "cached" trains fc6-fc8 from cached pool5 features
// (the frozen-prefix cache), and also reports how fast the prefix features are computed.
import GraftCore
import GraftEngine
import GraftKernels   // Parallel.minimumWorkOverride for --ab-parallel

var batch = 32, steps = 5, warmup = 2, profile = false, abParallel = false, checkGradients = false, delta = 2e-5
var configs = ["all", "fc6", "cached"]
var arguments = CommandLine.arguments.dropFirst().makeIterator()
while let a = arguments.next() {
    switch a {
    case "--batch": batch = Int(arguments.next()!)!
    case "--steps": steps = Int(arguments.next()!)!
    case "--warmup": warmup = Int(arguments.next()!)!
    case "--profile": profile = true
    case "--ab-parallel": abParallel = true
    case "--delta": delta = Double(arguments.next()!)!
    case "--check-gradients": checkGradients = true
    case "--configs": configs = arguments.next()!.split(separator: ",").map(String.init)
    default: fatalError("unknown argument \(a)")
    }
}

let clock = ContinuousClock()
func seconds(_ d: Duration) -> Double { Double(d.components.seconds) + Double(d.components.attoseconds) * 1e-18 }

let graph = Architectures.caffeNet(classes: 2)
var generator = SeededGenerator(seed: 2016)
var weights = graph.randomWeights(seed: 1)
// Gaussian(0.01)-like scale for the fully connected layers keeps the softmax away from saturation.
for key in ["fc6.weight", "fc7.weight", "fc8.weight"] {
    weights[key] = Tensor(shape: weights[key]!.shape, scalars: weights[key]!.scalars.map { $0 * 0.2 })
}
let images = Tensor(shape: [batch, 3, 227, 227], scalars: (0..<(batch * 3 * 227 * 227)).map { _ in generator.nextUnitFloat() * 2 - 1 })
let labels = (0..<batch).map { $0 % 2 }
let optimizer = Optimizer.sgd(SGD(learningRate: 0.001, momentum: 0.9, weightDecay: 5e-4))
print("CaffeNet (2 classes), batch \(batch), \(steps) timed steps after \(warmup) warm-up, OpenBLAS threads \(ComputeThreads.current)")

func report(_ name: String, _ times: [Double], images perStep: Int) {
    let sorted = times.sorted()
    let median = sorted[sorted.count / 2]
    let line = String(format: "%-44@ median %.3f s/step  %.2f img/s   (best %.2f, worst %.2f img/s)",
                      name as NSString, median, Double(perStep) / median, Double(perStep) / sorted.first!, Double(perStep) / sorted.last!)
    print(line)
}

func printProfile(_ session: TrainingSession) {
    guard let p = session.profileReport, p.steps > 0 else { return }
    let n = Double(p.steps)
    var total = 0.0
    print("  per step (ms):        forward   backward")
    for (node, f, b) in p.nodes where f + b > .zero {
        total += seconds(f + b)
        print(String(format: "    %-16@ %9.1f %10.1f", node as NSString, seconds(f) / n * 1000, seconds(b) / n * 1000))
    }
    total += seconds(p.update)
    print(String(format: "    %-16@ %9.1f", "update" as NSString, seconds(p.update) / n * 1000))
    print(String(format: "    %-16@ %9.1f", "total" as NSString, total / n * 1000))
}

// Directional derivatives at full scale: for a parameter p with gradient g (eval mode: no dropout,
// so the loss is one function), the loss along d = g/|g| changes at rate |g|. The central
// difference uses the same float32 engine with the weights moved by ±h·d.
if checkGradients {
    let plan = TrainingPlan(mode: .eval)
    let still = Optimizer.sgd(SGD(learningRate: 0, momentum: 0))
    func loss(_ w: [String: Tensor]) throws -> (Float, TrainingSession) {
        let session = try TrainingSession(graph: graph, weights: w, batchSize: batch, plan: plan, optimizer: still)
        return (try session.step(inputs: ["data": images], labels: labels), session)
    }
    let (base, session) = try loss(weights)
    print("loss \(base)")
    for key in ["conv1.weight", "conv2.weight", "conv3.weight", "conv4.bias", "conv5.weight", "fc6.weight", "fc7.bias", "fc8.weight"] {
        let g = session.gradient(of: key)!.scalars
        let norm = Double(g.reduce(0) { $0 + Double($1) * Double($1) }.squareRoot())
        // Moves the loss by about `delta`: small enough that few ReLU/max-pool kinks are crossed
        // (the error grows in proportion to the step), large against float32 rounding of the loss.
        let h = delta / norm
        var plus = weights, minus = weights
        plus[key] = Tensor(shape: weights[key]!.shape, scalars: zip(weights[key]!.scalars, g).map { $0 + Float(h * Double($1) / norm) })
        minus[key] = Tensor(shape: weights[key]!.shape, scalars: zip(weights[key]!.scalars, g).map { $0 - Float(h * Double($1) / norm) })
        let numeric = (Double(try loss(plus).0) - Double(try loss(minus).0)) / (2 * h)
        print(String(format: "%-14@ |g| %.6e   central difference %.6e   relative error %.2e", key as NSString, norm, numeric,
                     abs(numeric - norm) / norm))
    }
    configs = []
}

// A/B: alternate steps with the engine's own loops parallel (default) and forced serial, so that
// both see the same machine load; GEMMs use OpenBLAS's threads either way.
if abParallel {
    let session = try TrainingSession(graph: graph, weights: weights, batchSize: batch, optimizer: optimizer)
    var parallel: [Double] = [], serial: [Double] = []
    for i in 0..<(2 * (warmup + steps)) {
        let start = clock.now
        if i % 2 == 0 {
            try session.step(inputs: ["data": images], labels: labels)
        } else {
            try Parallel.$minimumWorkOverride.withValue(Int.max) { _ = try session.step(inputs: ["data": images], labels: labels) }
        }
        if i >= 2 * warmup { (i % 2 == 0 ? { parallel.append(seconds(clock.now - start)) } : { serial.append(seconds(clock.now - start)) })() }
    }
    report("A/B full step, parallel loops", parallel, images: batch)
    report("A/B full step, serial loops", serial, images: batch)
    configs = []
}

for config in configs {
    let plan = TrainingPlan(trainableFrom: config == "all" ? nil : "fc6")
    let session = try TrainingSession(graph: graph, weights: weights, batchSize: batch, plan: plan, optimizer: optimizer)
    var times: [Double] = []
    switch config {
    case "all", "fc6":
        for i in 0..<(warmup + steps) {
            if i == warmup && profile { session.profiling = true }
            let start = clock.now
            let loss = try session.step(inputs: ["data": images], labels: labels)
            if i >= warmup { times.append(seconds(clock.now - start)) }
            if i == warmup + steps - 1 { print("  loss after \(i + 1) steps: \(loss)") }
        }
        report(config == "all" ? "full training step (all layers trainable)" : "fc6-fc8 trainable, prefix run every step", times, images: batch)
    case "cached":
        var featureTimes: [Double] = []
        var features: [String: Tensor] = [:]
        for i in 0..<(warmup + steps) {
            let start = clock.now
            features = try session.prefixFeatures(inputs: ["data": images])
            if i >= warmup { featureTimes.append(seconds(clock.now - start)) }
        }
        report("prefix features (conv1-pool5 forward)", featureTimes, images: batch)
        for i in 0..<(warmup + steps) {
            if i == warmup && profile { session.profiling = true }
            let start = clock.now
            _ = try session.step(features: features, labels: labels)
            if i >= warmup { times.append(seconds(clock.now - start)) }
        }
        report("fc6-fc8 trainable, from cached pool5 features", times, images: batch)
    default:
        fatalError("unknown configuration \(config)")
    }
    if profile { printProfile(session) }
}
