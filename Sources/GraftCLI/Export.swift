import ArgumentParser
import Foundation
import GraftCaffe
import GraftCore

/// The frameworks `graft export` writes.
enum ExportFormat: String, CaseIterable, ExpressibleByArgument {
    case caffe
}

extension GraftCommand {
    struct Export: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write a .graft model in another framework's format.",
            discussion: """
                caffe: OUT/deploy.prototxt (V2 layers, an Input layer with the shape) and \
                OUT/weights.caffemodel (V2, BlobShape). Nodes Caffe cannot express (asymmetric padding, \
                ReLU6, Pad, ...) make the export fail with the node's name; files are written atomically.
                """)

        @Argument(help: "The .graft file.") var model: String
        @Option(help: "Target format: \(ExportFormat.allCases.map(\.rawValue).joined(separator: ", ")).") var to: ExportFormat
        @Option(name: .shortAndLong, help: "The directory to write into (created if missing).") var output: String

        func run() throws {
            let file = try NativeFile.open(model)
            let loaded = try file.loadModel()
            switch to {
            case .caffe:
                let export = try CaffeExporter.export(loaded, to: output)
                for note in export.notes { FileHandle.standardError.write(Data("note: \(note)\n".utf8)) }
                print("wrote \(export.prototxtPath) and \(export.caffemodelPath)")
            }
        }
    }
}
