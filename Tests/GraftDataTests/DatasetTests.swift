import Foundation
import Testing
import GraftCore
import GraftIO
import GraftTestSupport
@testable import GraftData
@testable import GraftImage

/// Writes a small solid-colour PNG.
private func writePNG(_ path: String, value: UInt8, size: Int = 8, channels: Int = 3) throws {
    let image = Image(width: size, height: size, channels: channels, pixels: [UInt8](repeating: value, count: size * size * channels))
    try ImageCodec.encodePNG(image).write(to: URL(fileURLWithPath: path))
}

struct DatasetLoaderTests {
    @Test func imageFolderWithSpacesAndHiddenFiles() throws {
        let dir = TemporaryDirectory()
        for (cls, n) in [("benign", 3), ("malignant", 2)] {
            try FileManager.default.createDirectory(at: dir.url.appendingPathComponent(cls), withIntermediateDirectories: true)
            for i in 1...n { try writePNG(dir.path("\(cls)/\(cls) (\(i)).png"), value: UInt8(i)) }
        }
        try Data("x".utf8).write(to: dir.url.appendingPathComponent("benign/.DS_Store"))
        try Data("notes".utf8).write(to: dir.url.appendingPathComponent("benign/readme.txt"))
        let d = try DatasetLoader.load(dir.url.path)
        #expect(d.classes == ["benign", "malignant"])
        #expect(d.classCounts == [3, 2])
        #expect(d.samples.first?.id.hasSuffix("benign/benign (1).png") == true)
        #expect(try d.samples[4].image().width == 8)
    }

    @Test func imageFolderErrors() throws {
        let dir = TemporaryDirectory()
        try FileManager.default.createDirectory(at: dir.url.appendingPathComponent("a"), withIntermediateDirectories: true)
        #expect(throws: DatasetError.tooFewClasses(path: dir.url.path, count: 1)) { try DatasetLoader.load(dir.url.path) }
        try FileManager.default.createDirectory(at: dir.url.appendingPathComponent("b"), withIntermediateDirectories: true)
        try writePNG(dir.path("b/x.png"), value: 1)
        #expect(throws: DatasetError.emptyClass(path: dir.url.path, className: "a")) { try DatasetLoader.load(dir.url.path) }
        #expect(throws: DatasetError.self) { try DatasetLoader.load(dir.path("missing")) }
    }

    @Test func csvWithAndWithoutHeaderAndGroups() throws {
        let dir = TemporaryDirectory()
        try FileManager.default.createDirectory(at: dir.url.appendingPathComponent("img"), withIntermediateDirectories: true)
        for i in 0..<4 { try writePNG(dir.path("img/f \(i).png"), value: UInt8(i)) }
        try "path,label,group\n\"img/f 0.png\",polyp,s1\nimg/f 1.png,polyp,s1\nimg/f 2.png,clean,s2\n\(dir.path("img/f 3.png")),clean,\n"
            .write(toFile: dir.path("a.csv"), atomically: true, encoding: .utf8)
        let a = try DatasetLoader.load(dir.path("a.csv"))
        #expect(a.classes == ["clean", "polyp"])
        #expect(a.samples.map(\.label) == [1, 1, 0, 0])
        #expect(a.samples.map(\.group) == ["s1", "s1", "s2", nil])
        #expect(try a.samples[0].image().pixels.first == 0)
        try "img/f 0.png,1\nimg/f 1.png,0\n".write(toFile: dir.path("b.csv"), atomically: true, encoding: .utf8)
        let b = try DatasetLoader.load(dir.path("b.csv"))
        #expect(b.classes == ["0", "1"] && b.samples.map(\.label) == [1, 0])
        try "path,label\nimg/f 0.png\n".write(toFile: dir.path("c.csv"), atomically: true, encoding: .utf8)
        #expect(throws: DatasetError.badRow(path: dir.path("c.csv"), line: 2, reason: "expected path,label[,group]")) {
            try DatasetLoader.load(dir.path("c.csv"))
        }
    }

    @Test func medMNISTLayout() throws {
        let dir = TemporaryDirectory()
        var arrays: [(name: String, tensor: Tensor)] = []
        for (split, n) in [("train", 6), ("val", 2), ("test", 2)] {
            arrays.append(("\(split)_images", Tensor(shape: [n, 4, 4], scalars: (0..<(n * 16)).map { Float($0 % 256) })))
            arrays.append(("\(split)_labels", Tensor(shape: [n, 1], scalars: (0..<n).map { Float($0 % 2) })))
        }
        try NPZ.write(arrays, to: dir.path("m.npz"))
        let d = try DatasetLoader.load(dir.path("m.npz"))
        #expect(d.predefinedSplits?.train.count == 6 && d.predefinedSplits?.test.count == 2)
        #expect(d.classes.count == 2)
        let first = try d.samples[1].image()
        #expect(first.width == 4 && first.channels == 1 && first.pixels.first == 16)
        try NPZ.write(Array(arrays.dropLast()), to: dir.path("bad.npz"))
        #expect(throws: DatasetError.self) { try DatasetLoader.load(dir.path("bad.npz")) }
    }

    @Test func binaryRelabelling() throws {
        let samples = (0..<6).map { Sample(id: "\($0)", source: .file("/x"), label: $0 % 3) }
        let d = Dataset(name: "busi", classes: ["benign", "malignant", "normal"], samples: samples)
        let b = try d.binary(positive: ["malignant"])
        #expect(b.classes == ["not malignant", "malignant"])
        #expect(b.samples.map(\.label) == [0, 1, 0, 0, 1, 0])
        #expect(throws: DatasetError.self) { try d.binary(positive: ["cancer"]) }
    }

    @Test(.enabled(if: CrossCheck.runs(SharedData.has("data/busi") && SharedData.has("data/medmnist")), "\(SharedData.absentMessage)"))
    func realDatasets() throws {
        let busi = try DatasetLoader.load(SharedData.path("data/busi"))
        #expect(busi.classes == ["benign", "malignant", "normal"])
        #expect(busi.classCounts == [437, 210, 133])
        let breast = try DatasetLoader.load(SharedData.path("data/medmnist/breastmnist.npz"))
        #expect(breast.predefinedSplits.map { [$0.train.count, $0.validation.count, $0.test.count] } == [546, 78, 156])
        let image = try breast.samples[0].image()
        #expect(image.width == 28 && image.height == 28)
    }
}

struct SplitterTests {
    private func dataset(groups: Int, perGroup: Int, classes: Int = 2) -> Dataset {
        var samples: [Sample] = []
        for g in 0..<groups { for i in 0..<perGroup {
            samples.append(Sample(id: "g\(g)-\(i)", source: .file("/x"), label: g % classes, group: "g\(g)"))
        } }
        return Dataset(name: "d", classes: (0..<classes).map { "c\($0)" }, samples: samples)
    }

    @Test func groupsNeverCrossSplits() throws {
        let d = dataset(groups: 29, perGroup: 7)
        let s = try Splitter(validationFraction: 0.2, testFraction: 0.2, seed: 4).split(d)
        let groupsOf = { (x: [Sample]) in Set(x.map(\.splitGroup)) }
        #expect(groupsOf(s.train).isDisjoint(with: groupsOf(s.validation)))
        #expect(groupsOf(s.train).isDisjoint(with: groupsOf(s.test)))
        #expect(groupsOf(s.validation).isDisjoint(with: groupsOf(s.test)))
        #expect(s.train.count + s.validation.count + s.test.count == d.samples.count)
        for part in [s.validation, s.test] { #expect(Set(part.map(\.label)) == [0, 1]) }
        // Roughly the requested fractions (whole groups of 7 out of 203).
        #expect(abs(Double(s.test.count) / 203 - 0.2) < 0.08)
    }

    @Test func stratifiedWithoutGroups() throws {
        let d = dataset(groups: 100, perGroup: 1)
        let s = try Splitter(validationFraction: 0.1, testFraction: 0.2, seed: 1).split(d)
        #expect(s.test.count == 20 && s.validation.count == 10)
        #expect(s.test.filter { $0.label == 1 }.count == 10)
        #expect(try Splitter(validationFraction: 0.1, testFraction: 0.2, seed: 1).split(d) == s)
        #expect(try Splitter(validationFraction: 0.1, testFraction: 0.2, seed: 2).split(d) != s)
    }

    @Test func tooFewGroupsIsAnError() {
        let d = dataset(groups: 2, perGroup: 5)
        #expect(throws: DatasetError.self) { try Splitter(seed: 0).split(d) }
    }

    @Test func subsetsAreStratifiedAndNested() {
        let d = dataset(groups: 200, perGroup: 1)
        let half = Splitter.subset(d.samples, fraction: 0.5, classes: 2, seed: 7)
        let quarter = Splitter.subset(d.samples, fraction: 0.25, classes: 2, seed: 7)
        let tenth = Splitter.subset(d.samples, fraction: 0.1, classes: 2, seed: 7)
        #expect(half.count == 100 && quarter.count == 50 && tenth.count == 20)
        #expect(half.filter { $0.label == 1 }.count == 50)
        #expect(Set(tenth.map(\.id)).isSubset(of: Set(quarter.map(\.id))))
        #expect(Set(quarter.map(\.id)).isSubset(of: Set(half.map(\.id))))
    }
}

struct ImagePipelineTests {
    private func pipeline(_ order: Preprocessing.ChannelOrder, channels: Int = 3, size: Int = 4,
                          range: [Float] = [0, 255], steps: [Preprocessing.Step] = []) throws -> ImagePipeline {
        try ImagePipeline(preprocessing: Preprocessing(input: "data", inputShape: [1, channels, size, size], channelOrder: order,
                                                       valueRange: range, steps: steps))
    }

    private func render(_ p: ImagePipeline, _ image: Image, _ t: WarpTransform = .identity) -> [Float] {
        var out = [Float](repeating: -1, count: p.elementCount)
        out.withUnsafeMutableBufferPointer { p.render(image, transform: t, into: $0.baseAddress!) }
        return out
    }

    /// A 4x4 RGB image whose red channel is x*10, green y*10, blue 200.
    private let image = Image(width: 4, height: 4, channels: 3,
                              pixels: (0..<4).flatMap { y in (0..<4).flatMap { x in [UInt8(x * 10), UInt8(y * 10), 200] } })

    @Test func sameSizeIsExactAndBGRSwapsChannels() throws {
        let rgb = render(try pipeline(.rgb), image)
        #expect(Array(rgb[0..<4]) == [0, 10, 20, 30])       // R plane, first row
        #expect(Array(rgb[16..<20]) == [0, 0, 0, 0])        // G plane, first row
        #expect(rgb[32] == 200)                            // B plane
        let bgr = render(try pipeline(.bgr), image)
        #expect(bgr[0] == 200 && Array(bgr[32..<36]) == [0, 10, 20, 30])
    }

    @Test func rangeAndStepsApplyInOrder() throws {
        // 0...1 range, then subtract 0.5, then divide by 0.25: pixel 200 -> (200/255 - 0.5) / 0.25.
        let p = try pipeline(.rgb, range: [0, 1], steps: [.subtract([0.5]), .divide([0.25])])
        let out = render(p, image)
        let expected: Float = (200.0 / 255 - 0.5) / 0.25
        #expect(abs(out[32] - expected) < 1e-5)
        let caffe = render(try pipeline(.bgr, steps: [.subtract([104, 117, 123])]), image)
        let caffeExpected: [Float] = [96, -117, -123]
        #expect([caffe[0], caffe[16], caffe[32]] == caffeExpected)
    }

    @Test func greyAndColourConvert() throws {
        let grey = Image(width: 4, height: 4, channels: 1, pixels: [UInt8](repeating: 90, count: 16))
        #expect(render(try pipeline(.rgb), grey).allSatisfy { $0 == 90 })
        let oneChannel = render(try pipeline(.grey, channels: 1), image)
        let luminance: Float = 0.299 * 10 + 0.114 * 200
        #expect(abs(oneChannel[1] - luminance) < 1e-3)
    }

    @Test func flipsMirror() throws {
        var flip = WarpTransform.identity
        flip.a = -1
        let out = render(try pipeline(.rgb), image, flip)
        #expect(Array(out[0..<4]) == [30, 20, 10, 0])
        let r90 = Augmentation(rotate90: true)
        var rng = SeededGenerator(seed: 0)
        for _ in 0..<8 {
            // 90-degree rotations of a square permute pixels exactly.
            let rotated = render(try pipeline(.rgb), image, r90.sample(using: &rng))
            #expect(Set(rotated[0..<16]) == Set(render(try pipeline(.rgb), image)[0..<16]))
        }
    }

    @Test func resizesAndBoxShrinks() throws {
        let big = Image(width: 64, height: 64, channels: 1, pixels: (0..<4096).map { UInt8(($0 % 64) / 16 * 60) })
        let p = try pipeline(.rgb)
        let shrunk = p.prepared(big)
        #expect(shrunk.width == 8 && shrunk.height == 8)
        let out = render(p, shrunk)
        // Four vertical bands 0, 60, 120, 180 become the four output columns.
        #expect(Array(out[0..<4]) == [0, 60, 120, 180])
    }
}
