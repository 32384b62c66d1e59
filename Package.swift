// swift-tools-version: 6.0
// Graft: import pretrained CNN weights (Caffe, Keras HDF5) into one native format, inspect them,
// fine-tune them layer-wise on the CPU, and export them back.
import PackageDescription

// MARK: - System libraries (one target per C library, found with pkg-config)

let systemLibraries: [Target] = [
    .systemLibrary(name: "CHDF5", path: "Sources/C/CHDF5", pkgConfig: "hdf5",
                   providers: [.apt(["libhdf5-dev"]), .brew(["hdf5"])]),
    .systemLibrary(name: "CProtobufC", path: "Sources/C/CProtobufC", pkgConfig: "libprotobuf-c",
                   providers: [.apt(["libprotobuf-c-dev"]), .brew(["protobuf-c"])]),
    .systemLibrary(name: "COpenBLAS", path: "Sources/C/COpenBLAS", pkgConfig: "openblas",
                   providers: [.apt(["libopenblas-dev"]), .brew(["openblas"])]),
    .systemLibrary(name: "CPNG", path: "Sources/C/CPNG", pkgConfig: "libpng",
                   providers: [.apt(["libpng-dev"]), .brew(["libpng"])]),
    .systemLibrary(name: "CJPEG", path: "Sources/C/CJPEG", pkgConfig: "libturbojpeg",
                   providers: [.apt(["libturbojpeg0-dev"]), .brew(["jpeg-turbo"])]),
    // The system's libcrypto, for SHA-256 only (swift-crypto compiled BoringSSL on every fresh build).
    .systemLibrary(name: "COpenJPEG", path: "Sources/C/COpenJPEG", pkgConfig: "libopenjp2",
                   providers: [.apt(["libopenjp2-7-dev"]), .brew(["openjpeg"])]),
    .systemLibrary(name: "COpenSSL", path: "Sources/C/COpenSSL", pkgConfig: "libcrypto",
                   providers: [.apt(["libssl-dev"]), .brew(["openssl@3"])]),
]

// MARK: - Graft modules

let modules: [Target] = [
    // Atomic, staged file writing (direct I/O, the head written last) and huge-page advice: the
    // file-I/O helpers the native format and the exporters share.
    .target(name: "GraftFiles"),
    // Tensors, shapes, the graph IR, shape inference, costs and the native (.graft) format. No C.
    .target(name: "GraftCore", dependencies: ["GraftFiles"]),
    // Classification metrics: ROC and AUC with a bootstrap interval, FROC, confusion matrices.
    .target(name: "GraftMetrics", dependencies: ["GraftCore"]),
    // The built-in architectures (CaffeNet, CIFAR-10 quick, a tiny CNN) and the chain builder behind them.
    .target(name: "GraftZoo", dependencies: ["GraftCore"]),
    // Numeric kernels; the only module that imports OpenBLAS (and Graft's own SIMD kernels).
    .target(name: "GraftKernels", dependencies: ["GraftCore", "COpenBLAS", "CGraftSIMD", "CGraftThreads"]),
    // Graft's own SIMD kernels: a GEMM on packed panels and the im2col that feeds it, a direct
    // stride-1 convolution, Winograd F(4, 3)'s tile transforms, max pooling (AVX-512 / AVX2 chosen at run time; plain C with
    // per-function target attributes; only GraftKernels' PanelKernels.swift calls it).
    .target(name: "CGraftSIMD", path: "Sources/C/CGraftSIMD"),
    // Graft's own worker threads for the engine's parallel loops: spinning between sections, so
    // that small layers start in a microsecond (only GraftKernels' Parallel.swift calls it).
    .target(name: "CGraftThreads", path: "Sources/C/CGraftThreads"),
    // Executes a graph (forward now, backward later); never imports a format module.
    .target(name: "GraftEngine", dependencies: ["GraftCore", "GraftKernels"]),
    // NumPy .npy/.npz reading and writing (through ZIPFoundation); file digests for provenance
    // (SHA-256 through the system's libcrypto).
    .target(name: "GraftIO", dependencies: [
        "GraftFiles", "GraftCore", "COpenSSL", .product(name: "ZIPFoundation", package: "ZIPFoundation"),
    ]),
    // GDCM (C++, Debian libgdcm-dev) behind a C header: open a DICOM file, read attributes as text,
    // decode pixels of any transfer syntax GDCM knows. The only C++ in Graft.
    .target(name: "CGDCM", dependencies: ["COpenJPEG"], path: "Sources/C/CGDCM", linkerSettings: [
        .linkedLibrary("gdcmMSFF"), .linkedLibrary("gdcmDSED"), .linkedLibrary("gdcmCommon"),
    ]),
    // nifticlib (Debian libnifti2-dev and libniftiio-dev; NIfTI-1 and -2, znzlib for .nii.gz). A C
    // target rather than a system library: nifticlib has no pkg-config file, and its header
    // includes <znzlib.h>, which Debian puts under nifti/ (include/znzlib.h forwards to it).
    .target(name: "CNIfTI", path: "Sources/C/CNIfTI"),
    // Medical volumes in physical units with their patient geometry. No C.
    .target(name: "GraftVolume", dependencies: ["GraftCore"]),
    // DICOM files and series (through GDCM): values after the modality LUT, slices ordered by position.
    .target(name: "GraftDICOM", dependencies: ["GraftVolume", "CGDCM"]),
    // NIfTI-1 and -2 images (through nifticlib): scaled voxels and the affine.
    .target(name: "GraftNIfTI", dependencies: ["GraftVolume", "CNIfTI"]),
    // Thin interop layers for the C libraries the importers will use.
    .target(name: "GraftHDF5", dependencies: ["CHDF5"]),
    // protobuf-c helpers shared by the Caffe and ONNX interop: nesting checks on the wire, the packing arena.
    .target(name: "GraftProtobufC", dependencies: ["CProtobufC"]),
    .target(name: "GraftImage", dependencies: ["CPNG", "CJPEG"]),
    // Datasets for fine-tuning: image folders, MedMNIST npz, CSV (of PNG, JPEG, DICOM or NIfTI
    // images); splits; preprocessing and intensity windows; augmentation.
    .target(name: "GraftData", dependencies: [
        "GraftCore", "GraftImage", "GraftIO", "GraftDICOM", "GraftNIfTI", .product(name: "SwiftCSV", package: "SwiftCSV"),
    ]),
    // Fine-tuning runs: data to batches, the epoch loop, validation AUC, checkpoints, resume, logs.
    .target(name: "GraftTraining", dependencies: ["GraftMetrics", "GraftFiles", "GraftCore", "GraftEngine", "GraftData", "GraftImage", "GraftPlot", "GraftStatistics", "GraftVolume"]),
    // Line plots as SVG (and PNG through rsvg-convert): ROC, FROC, AUC vs training-set size.
    .target(name: "GraftPlot"),
    // Statistics a study's claims rest on: DeLong's test for correlated ROC curves, the paired
    // bootstrap, Holm's correction, weighted trends.
    .target(name: "GraftStatistics", dependencies: ["GraftCore"]),
    // Test helpers: locating ../shared reference data, temporary directories.
    .target(name: "GraftTestSupport", dependencies: ["GraftCore", "GraftImage"]),
    // Hand-made .graft files (valid and damaged) and the small model the native-format tests use;
    // shared by GraftCoreTests and the fuzz-seed generator. Not a product.
    .target(name: "GraftNativeFixtures", dependencies: ["GraftCore"]),
    // Writes Fuzz/Corpus, the libFuzzer seeds, from those fixtures (Scripts/make-fuzz-seeds.sh,
    // `make fuzz-seeds`). Not a product.
    .executableTarget(name: "GraftFuzzSeeds", dependencies: ["GraftCore", "GraftNativeFixtures"]),
    // Caffe's protobuf messages (schemas/caffe.proto), compiled by protoc-c and committed.
    .target(name: "CCaffeProto", dependencies: ["CProtobufC"], path: "Sources/C/CCaffeProto"),
    // ONNX's protobuf messages (schemas/onnx.proto), compiled by protoc-c and committed.
    .target(name: "CONNXProto", dependencies: ["CProtobufC"], path: "Sources/C/CONNXProto"),
    // ONNX importer and exporter: the model as Swift values read and written through protobuf-c,
    // one mapper per ONNX operator on import, one per Graft op on export.
    .target(name: "GraftONNX", dependencies: ["GraftFiles", "GraftCore", "GraftIO", "GraftProtobufC", "CONNXProto", "CProtobufC"]),
    // Caffe importer and exporter: prototxt text format, caffemodel through protobuf-c.
    .target(name: "GraftCaffe", dependencies: ["GraftFiles", "GraftCore", "GraftIO", "GraftProtobufC", "CCaffeProto", "CProtobufC"]),
    // Keras importer and exporter: model configs (Keras 1, 2, tf.keras, 3) and HDF5 weight layouts.
    .target(name: "GraftKeras", dependencies: [
        "GraftFiles", "GraftCore", "GraftHDF5", "GraftIO", .product(name: "ZIPFoundation", package: "ZIPFoundation"),
    ]),
    // The `graft` command.
    .executableTarget(name: "GraftCLI", dependencies: ["GraftZoo", "GraftMetrics", 
        "GraftCore", "GraftKernels", "GraftEngine", "GraftIO", "GraftData", "GraftTraining", "GraftPlot", "GraftImage", "GraftCaffe", "GraftKeras", "GraftONNX", "GraftVolume",
        .product(name: "ArgumentParser", package: "swift-argument-parser"),
    ], plugins: ["GraftRevision"]),
    // `graft --version` names the git revision: Revision.swift written by `git describe` before each build.
    .plugin(name: "GraftRevision", capability: .buildTool()),
]

// MARK: - Tests

let tests: [Target] = [
    .testTarget(name: "GraftCoreTests", dependencies: ["GraftZoo", "GraftFiles", "GraftCore", "GraftNativeFixtures", "GraftTestSupport"]),
    .testTarget(name: "GraftEngineTests", dependencies: ["GraftZoo", "GraftCore", "GraftKernels", "GraftEngine", "GraftTestSupport"]),
    .testTarget(name: "GraftIOTests", dependencies: ["GraftCore", "GraftIO", "GraftTestSupport"]),
    .testTarget(name: "GraftInteropTests", dependencies: ["GraftHDF5", "GraftProtobufC", "GraftImage", "GraftTestSupport"]),
    .testTarget(name: "GraftCaffeTests", dependencies: ["GraftZoo", "GraftCore", "GraftCaffe", "GraftEngine", "GraftIO", "GraftTestSupport"]),
    .testTarget(name: "GraftDataTests", dependencies: ["GraftCore", "GraftData", "GraftImage", "GraftTestSupport"]),
    .testTarget(name: "GraftPlotTests", dependencies: ["GraftPlot", "GraftTestSupport"]),
    .testTarget(name: "GraftKerasTests", dependencies: ["GraftZoo", 
        "GraftCore", "GraftKeras", "GraftHDF5", "GraftEngine", "GraftIO", "GraftTestSupport",
    ]),
    .testTarget(name: "GraftONNXTests", dependencies: ["GraftZoo", 
        "GraftCore", "GraftONNX", "GraftEngine", "GraftIO", "GraftTestSupport", "GraftCaffe", "GraftKeras",
    ]),
    .testTarget(name: "GraftMedicalTests", dependencies: ["GraftCore", "GraftIO", "GraftData", "GraftImage", "GraftVolume", "GraftDICOM", "GraftNIfTI", "GraftTestSupport"]),
    .testTarget(name: "GraftMetricsTests", dependencies: ["GraftMetrics", "GraftCore"]),
    .testTarget(name: "GraftStatisticsTests", dependencies: ["GraftStatistics", "GraftCore", "GraftTestSupport"]),
    .testTarget(name: "GraftTrainingTests", dependencies: ["GraftZoo", "GraftMetrics", "GraftCore", "GraftTraining", "GraftData", "GraftImage", "GraftStatistics", "GraftTestSupport"]),
    // The README's library example, compiled and run against the library products.
    .testTarget(name: "GraftExamplesTests", dependencies: ["GraftZoo", "GraftCaffe", "GraftCore", "GraftData", "GraftTraining", "GraftTestSupport"]),
    .testTarget(name: "GraftCLITests", dependencies: ["GraftZoo", "GraftCore", "GraftIO", "GraftImage", "GraftCLI", "GraftONNX", "GraftTestSupport"]),
]

// MARK: - Products

/// One library product per module a caller imports: `import GraftCaffe` to read a Caffe model,
/// `GraftEngine` to run it, `GraftTraining` to fine-tune it, and so on. The C layers (CGraftSIMD,
/// CGraftThreads, the protobuf-c messages) stay internal to the modules that wrap them.
let libraryModules = [
    "GraftCore", "GraftFiles", "GraftMetrics", "GraftZoo", "GraftKernels", "GraftEngine", "GraftIO", "GraftImage", "GraftData", "GraftTraining",
    "GraftPlot", "GraftStatistics", "GraftHDF5", "GraftCaffe", "GraftKeras", "GraftONNX",
    "GraftVolume", "GraftDICOM", "GraftNIfTI",
]
let libraryProducts: [Product] = libraryModules.map { .library(name: $0, targets: [$0]) }

let package = Package(
    name: "Graft",
    platforms: [.macOS(.v14)],
    products: [.executable(name: "graft", targets: ["GraftCLI"])] + libraryProducts,
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/weichsel/ZIPFoundation", from: "0.9.19"),
        .package(url: "https://github.com/swiftcsv/SwiftCSV", from: "0.10.0"),
        // `swift package generate-documentation` (DocC); a plugin only, nothing links it.
        .package(url: "https://github.com/swiftlang/swift-docc-plugin", from: "1.5.0"),
    ],
    targets: systemLibraries + modules + tests
)
