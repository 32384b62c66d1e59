// swift-tools-version:5.4
// libFuzzer harnesses for the .graft reader, the ONNX reader + importer and the DICOM and NIfTI readers, kept apart from the main package so that its
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
            name: "FuzzMedicalReaders",
            dependencies: [.product(name: "GraftDICOM", package: "Graft"), .product(name: "GraftNIfTI", package: "Graft")]
        ),
        .executableTarget(
            name: "FuzzONNXImporter",
            dependencies: [.product(name: "GraftCore", package: "Graft"), .product(name: "GraftONNX", package: "Graft")]
        ),
    ]
)
