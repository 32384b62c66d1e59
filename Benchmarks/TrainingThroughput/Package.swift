// swift-tools-version: 6.0
// Training-step throughput of the Graft engine on CaffeNet (not a test; see README.md here).
import PackageDescription

let package = Package(
    name: "TrainingThroughput",
    platforms: [.macOS(.v14)],
    dependencies: [.package(name: "Graft", path: "../..")],
    targets: [
        .executableTarget(name: "TrainingThroughput", dependencies: [
            .product(name: "GraftCore", package: "Graft"),
            .product(name: "GraftEngine", package: "Graft"),
        ]),
        // Times the convolution pieces (im2col, GEMMs, col2im) per CaffeNet layer shape.
        .executableTarget(name: "KernelTimings", dependencies: [
            .product(name: "GraftCore", package: "Graft"),
            .product(name: "GraftEngine", package: "Graft"),
        ]),
        // Side-by-side GEMMs on two BLAS threads against two single-threaded workers.
        .executableTarget(name: "GemmExperiment", dependencies: [
            .product(name: "GraftCore", package: "Graft"), .product(name: "GraftEngine", package: "Graft"),
        ]),
        // The engine's own loops parallel against forced serial, per kernel.
        .executableTarget(name: "LoopAB", dependencies: [
            .product(name: "GraftCore", package: "Graft"), .product(name: "GraftEngine", package: "Graft"),
        ]),
        .executableTarget(name: "PoolTimings", dependencies: [.product(name: "GraftEngine", package: "Graft")]),
    ]
)
