import Foundation
import Testing

/// A flag that only another format reads is refused before any file is opened, naming the flag and
/// the formats it applies to; a value outside an option's choices is refused by the parser.
struct FormatFlagTests {
    static let refused: [(arguments: [String], message: String)] = [
        (["convert", "m.h5", "--scale", "0.1", "-o", "m.graft"], "--scale applies to ONNX models, not to Keras ones"),
        (["convert", "m.h5", "--mean", "1,2,3", "-o", "m.graft"], "--mean applies to Caffe and ONNX models, not to Keras ones"),
        (["convert", "m.onnx", "--mean-file", "mean.binaryproto", "-o", "m.graft"], "--mean-file applies to Caffe models, not to ONNX ones"),
        (["convert", "m.onnx", "--seed", "3", "-o", "m.graft"], "--seed applies to Caffe models, not to ONNX ones"),
        (["convert", "m.prototxt", "--preprocess", "tf", "-o", "m.graft"], "--preprocess applies to Keras models, not to Caffe ones"),
        (["convert", "m.onnx", "--source-backend", "theano", "-o", "m.graft"], "--source-backend applies to Keras models, not to ONNX ones"),
        (["convert", "m.h5", "--preprocess", "bogus", "-o", "m.graft"], "Please provide one of 'caffe', 'tf', 'torch' or 'none'"),
        (["convert", "m.h5", "--source-backend", "cntk", "-o", "m.graft"], "is invalid for '--source-backend"),
        (["export", "m.graft", "--to", "keras", "--force", "-o", "m.h5"], "--force applies to --to caffe only"),
        (["export", "m.graft", "--to", "caffe", "--opset", "17", "-o", "out"], "apply to --to onnx only"),
    ]

    @Test(arguments: refused.indices)
    func refusedWithTheFlagNamed(_ index: Int) throws {
        let (arguments, message) = Self.refused[index]
        let result = try Graft.run(arguments)
        #expect(result.status != 0 && result.stderr.contains(message), "\(arguments): \(result.stderr)")
    }
}
