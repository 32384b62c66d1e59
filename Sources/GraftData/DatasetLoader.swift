import Foundation
import GraftCore
import GraftImage
import GraftIO
import SwiftCSV

/// Reads the dataset layouts Graft takes with `--data`: an image folder (one subfolder per
/// class), a MedMNIST-style `.npz`, or a CSV of `path,label[,group]`.
public enum DatasetLoader {
    /// Loads whatever `path` is: a directory, a `.npz`, a `.csv` of images, a `.csv` of candidates
    /// in volumes (``CandidateList``) or of volumes with label masks (``LabelledVolumes``), the
    /// last two cut as `candidates` says.
    /// `patchesPerVolume` and `seed` apply to a `volume,mask` list (``LabelledVolumes``).
    public static func load(_ path: String, candidates: CandidatePatches? = nil, patchesPerVolume: Int = 16,
                            seed: UInt64 = 0) throws(DatasetError) -> Dataset {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw .io(path: path, reason: "no such file or folder")
        }
        if isDirectory.boolValue { return try imageFolder(path) }
        switch URL(fileURLWithPath: path).pathExtension.lowercased() {
        case "npz": return try medMNIST(path)
        case "csv":
            if LabelledVolumes.isVolumeMaskList(path) {
                guard let candidates else {
                    throw .windows(path: path, reason: "a volume,mask CSV is cut into patches: give --window and the patch options (--patch-mm, --patch-pixels, --patch-layout)")
                }
                return try LabelledVolumes.load(path, patches: candidates, perVolume: patchesPerVolume, seed: seed)
            }
            guard CandidateList.isCandidateList(path) else { return try csv(path) }
            guard let candidates else {
                throw .windows(path: path, reason: "a candidates CSV (volume,...) is cut into patches: give --window and the patch options (--patch-mm, --patch-pixels, --patch-layout)")
            }
            return try CandidateList.load(path, patches: candidates)
        default: throw .io(path: path, reason: "expected an image folder, a .npz or a .csv")
        }
    }

    static let imageExtensions: Set<String> = ["png", "jpg", "jpeg"]

    /// PNG and JPEG by extension; DICOM and NIfTI as ``MedicalImageFile`` recognises them (an
    /// extension-less scanner export by its DICM marker).
    static func isImageFile(_ path: String) -> Bool {
        imageExtensions.contains(URL(fileURLWithPath: path).pathExtension.lowercased()) || MedicalImageFile.kind(of: path) != nil
    }

    /// An image folder: each subfolder (sorted by name) is a class; its PNG, JPEG, DICOM and NIfTI
    /// files (sorted) are the samples. Hidden files and other files are ignored.
    public static func imageFolder(_ path: String) throws(DatasetError) -> Dataset {
        let fm = FileManager.default
        let root = URL(fileURLWithPath: path)
        let entries: [String]
        do { entries = try fm.contentsOfDirectory(atPath: path) } catch { throw .io(path: path, reason: "cannot list folder") }
        let classes = entries.filter { name in
            var isDirectory: ObjCBool = false
            return !name.hasPrefix(".") && fm.fileExists(atPath: root.appendingPathComponent(name).path, isDirectory: &isDirectory)
                && isDirectory.boolValue
        }.sorted()
        guard classes.count >= 2 else { throw .tooFewClasses(path: path, count: classes.count) }
        var samples: [Sample] = []
        for (label, name) in classes.enumerated() {
            let folder = root.appendingPathComponent(name)
            let files: [String]
            do { files = try fm.contentsOfDirectory(atPath: folder.path) } catch { throw .io(path: folder.path, reason: "cannot list folder") }
            let images = files.filter { !$0.hasPrefix(".") && isImageFile(folder.appendingPathComponent($0).path) }
                .sorted { $0.localizedStandardCompare($1) == .orderedAscending }
            guard !images.isEmpty else { throw .emptyClass(path: path, className: name) }
            for file in images {
                let p = folder.appendingPathComponent(file).path
                samples.append(Sample(id: p, source: .file(p), label: label))
            }
        }
        return Dataset(name: root.lastPathComponent, classes: classes, samples: samples)
    }

    /// A MedMNIST v2 `.npz`: `train_images`, `train_labels`, `val_*`, `test_*`; images uint8
    /// `(N, H, W)` or `(N, H, W, 3)`; labels `(N,)` or `(N, 1)` class indices.
    public static func medMNIST(_ path: String) throws(DatasetError) -> Dataset {
        let arrays: [String: Tensor]
        do { arrays = Dictionary(try NPZ.read(path: path).map { ($0.name, $0.tensor) }, uniquingKeysWith: { a, _ in a }) } catch {
            throw .badArrays(path: path, reason: error.description)
        }
        var parts: [String: [Sample]] = [:]
        var maxLabel = 0
        for split in ["train", "val", "test"] {
            guard let images = arrays["\(split)_images"], let labels = arrays["\(split)_labels"] else {
                throw .badArrays(path: path, reason: "missing \(split)_images or \(split)_labels (MedMNIST layout)")
            }
            let n = images.shape.dims.first ?? 0
            guard images.shape.rank == 3 || (images.shape.rank == 4 && [1, 3].contains(images.shape[3])) else {
                throw .badArrays(path: path, reason: "\(split)_images has shape \(images.shape); expected N x H x W or N x H x W x 3")
            }
            guard labels.elementCount == n, labels.shape.rank == 1 || (labels.shape.rank == 2 && labels.shape[1] == 1) else {
                throw .badArrays(path: path, reason: "\(split)_labels has shape \(labels.shape) for \(n) images; multi-label sets are not supported")
            }
            let h = images.shape[1], w = images.shape[2], c = images.shape.rank == 4 ? images.shape[3] : 1
            let per = h * w * c
            var samples: [Sample] = []
            samples.reserveCapacity(n)
            for i in 0..<n {
                let value = labels.scalars[i]
                guard value >= 0, value == value.rounded(), value < 1000 else {
                    throw .badArrays(path: path, reason: "\(split)_labels[\(i)] = \(value) is not a class index")
                }
                let pixels = images.scalars[(i * per)..<((i + 1) * per)].map { UInt8(clamping: Int($0.rounded())) }
                let label = Int(value)
                maxLabel = max(maxLabel, label)
                samples.append(Sample(id: "\(path):\(split):\(i)", source: .memory(Image(width: w, height: h, channels: c, pixels: pixels)),
                                      label: label))
            }
            parts[split] = samples
        }
        let classes = (0...maxLabel).map { "class \($0)" }
        guard classes.count >= 2 else { throw .tooFewClasses(path: path, count: classes.count) }
        let splits = DatasetSplits(train: parts["train"]!, validation: parts["val"]!, test: parts["test"]!)
        return Dataset(name: URL(fileURLWithPath: path).deletingPathExtension().lastPathComponent, classes: classes,
                       samples: splits.train + splits.validation + splits.test, predefinedSplits: splits)
    }

    /// A CSV of `path,label[,group]`, with or without a header row. Labels are class names or
    /// integers (integers keep their order); paths are absolute or relative to the CSV's folder.
    public static func csv(_ path: String) throws(DatasetError) -> Dataset {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { throw .io(path: path, reason: "cannot read as UTF-8 text") }
        let firstLine = text.prefix { $0 != "\n" && $0 != "\r" }.lowercased()
        let hasHeader = ["path", "file", "filename", "image", "frame"].contains { firstLine.hasPrefix($0) }
        let rows: [[String]]
        do {
            let table = try CSV<Enumerated>(string: hasHeader ? text : "path,label,group\n" + text, delimiter: .comma, loadColumns: false)
            rows = table.rows
        } catch { throw .badRow(path: path, line: 1, reason: "not valid CSV: \(error)") }
        let folder = URL(fileURLWithPath: path).deletingLastPathComponent()
        var entries: [(path: String, label: String, group: String?)] = []
        for (i, row) in rows.enumerated() {
            let line = i + 2
            let cells = row.map { $0.trimmingCharacters(in: .whitespaces) }
            if cells.allSatisfy(\.isEmpty) { continue }
            guard cells.count >= 2, !cells[0].isEmpty, !cells[1].isEmpty else {
                throw .badRow(path: path, line: line, reason: "expected path,label[,group]")
            }
            let file = cells[0].hasPrefix("/") ? cells[0] : folder.appendingPathComponent(cells[0]).path
            entries.append((file, cells[1], cells.count > 2 && !cells[2].isEmpty ? cells[2] : nil))
        }
        let names = Set(entries.map(\.label))
        let numeric = names.allSatisfy { Int($0) != nil }
        let classes = numeric ? names.sorted { Int($0)! < Int($1)! } : names.sorted()
        if numeric, let low = classes.first.flatMap({ Int($0) }), low < 0 {
            throw .labelOutOfRange(path: path, label: low, classes: classes.count)
        }
        guard classes.count >= 2 else { throw .tooFewClasses(path: path, count: classes.count) }
        let index = Dictionary(uniqueKeysWithValues: classes.enumerated().map { ($1, $0) })
        let samples = entries.map { Sample(id: $0.path, source: .file($0.path), label: index[$0.label]!, group: $0.group) }
        return Dataset(name: URL(fileURLWithPath: path).deletingPathExtension().lastPathComponent, classes: classes, samples: samples)
    }
}
