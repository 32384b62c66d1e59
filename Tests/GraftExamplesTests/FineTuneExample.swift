// The README's "Using Graft from Swift" example, verbatim between the markers (ReadmeExampleTests
// checks that the README shows exactly this code, and runs it).
// BEGIN README EXAMPLE
import GraftCaffe
import GraftCore
import GraftData
import GraftTraining

/// Fine-tunes a Caffe model on an image folder (one subfolder per class) from `layer` on,
/// saves it as a .graft file and returns its AUC on the held-out test split.
func fineTune(prototxt: String, caffemodel: String, images: String, from layer: String, saveTo output: String) throws -> Double {
    let imported = try CaffeImporter.importFiles(prototxt: prototxt, caffemodel: caffemodel)
    let dataset = try DatasetLoader.load(images)
    var configuration = TuneConfiguration()
    configuration.tuneFrom = layer  // the layers before it stay frozen
    configuration.epochs = 5
    let outcome = try Trainer(model: imported.model, dataset: dataset, configuration: configuration).run()
    try NativeWriter.write(outcome.model, to: output)
    return outcome.test.auc
}
// END README EXAMPLE
