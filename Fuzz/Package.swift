// swift-tools-version:5.4
// libFuzzer harnesses for the .graft reader and the ONNX reader + importer, kept apart from the main package so that its
// sanitizer flags never reach normal builds. See README.md.
import PackageDescription

let package = Package(
    name: "GraftFuzz",
    dependencies: [
        .package(name: "Graft", path: ".."),
    ],
    targets: [
        .executableTarget(
            name: "FuzzNativeReader",
            dependencies: [.product(name: "GraftCore", package: "Graft")]
        ),
        .executableTarget(
            name: "FuzzONNXImporter",
            dependencies: [.product(name: "GraftCore", package: "Graft"), .product(name: "GraftONNX", package: "Graft")]
        ),
    ]
)
