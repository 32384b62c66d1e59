import Foundation
import GraftCore
import GraftImage

/// The paper's colonoscopy task posed as patch classification, from a CVC-ClinicDB-style folder:
/// `images/N.png` frames, `masks/N.png` polyp masks (polyp where the mask is above 127) and
/// `sequences.csv` (`frame,sequence`). Polyp patches are centred on the mask, background patches
/// lie away from it; every patch keeps its frame's video sequence as its group, so that splits
/// never put near-identical frames on both sides.
public struct PolypFrames: Sendable {
    /// One frame `sequences.csv` lists.
    public struct Frame: Sendable {
        /// The file name, the same in `images/` and `masks/`.
        public var name: String
        /// The video sequence it belongs to: its patches' group.
        public var sequence: String
        /// `<root>/images/<name>`.
        public var imagePath: String
        /// `<root>/masks/<name>`: the polyp mask.
        public var maskPath: String
    }

    /// The CVC-ClinicDB-style folder.
    public var root: String
    /// The frames `sequences.csv` lists, in its order.
    public var frames: [Frame]

    /// Reads the folder's frame list (images are decoded later, on demand).
    public init(root: String) throws(DatasetError) {
        self.root = root
        let csvPath = root + "/sequences.csv"
        guard let text = try? String(contentsOfFile: csvPath, encoding: .utf8) else {
            throw .io(path: csvPath, reason: "cannot read (expected a CVC-ClinicDB layout: images/, masks/, sequences.csv)")
        }
        var frames: [Frame] = []
        for (i, line) in text.split(whereSeparator: \.isNewline).enumerated() {
            let cells = line.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
            if i == 0, cells.first?.lowercased() == "frame" { continue }
            guard cells.count >= 2, !cells[0].isEmpty else { throw .badRow(path: csvPath, line: i + 1, reason: "expected frame,sequence") }
            frames.append(Frame(name: cells[0], sequence: cells[1], imagePath: root + "/images/" + cells[0], maskPath: root + "/masks/" + cells[0]))
        }
        guard !frames.isEmpty else { throw .badRow(path: csvPath, line: 1, reason: "no frames listed") }
        self.frames = frames
    }

    /// Decodes a frame and its mask (true where polyp).
    public static func load(_ frame: Frame) throws(DatasetError) -> (image: Image, mask: [Bool]) {
        let image: Image, maskImage: Image
        do {
            image = try ImageCodec.read(path: frame.imagePath)
            maskImage = try ImageCodec.read(path: frame.maskPath)
        } catch { throw .badImage(error) }
        guard maskImage.width == image.width, maskImage.height == image.height else {
            throw .badArrays(path: frame.maskPath, reason: "mask is \(maskImage.width)x\(maskImage.height), frame is \(image.width)x\(image.height)")
        }
        let ch = maskImage.channels
        let mask = (0..<(image.width * image.height)).map { maskImage.pixels[$0 * ch] > 127 }
        return (image, mask)
    }

    /// A square crop of `size` centred at (cx, cy), edges replicated where it leaves the frame.
    public static func crop(_ image: Image, centerX cx: Int, centerY cy: Int, size: Int) -> Image {
        let ch = image.channels
        var pixels = [UInt8](repeating: 0, count: size * size * ch)
        let x0 = cx - size / 2, y0 = cy - size / 2
        for y in 0..<size {
            let sy = min(max(y0 + y, 0), image.height - 1)
            for x in 0..<size {
                let sx = min(max(x0 + x, 0), image.width - 1)
                for c in 0..<ch { pixels[(y * size + x) * ch + c] = image.pixels[(sy * image.width + sx) * ch + c] }
            }
        }
        return Image(width: size, height: size, channels: ch, pixels: pixels)
    }

    /// Patches for classification: per frame, `perFrame` polyp patches (the mask's centroid, then
    /// random mask pixels) and `perFrame` background patches whose window holds no polyp pixel
    /// (or, failing that, the fewest found in 50 tries). Deterministic for a seed.
    public func patchDataset(patchSize: Int, perFrame: Int, seed: UInt64) throws(DatasetError) -> Dataset {
        var rng = SeededGenerator(seed: seed)
        var samples: [Sample] = []
        for frame in frames {
            let (image, mask) = try Self.load(frame)
            let w = image.width, h = image.height
            let inside = mask.indices.filter { mask[$0] }
            guard !inside.isEmpty else { continue }
            let cx = inside.reduce(0) { $0 + $1 % w } / inside.count, cy = inside.reduce(0) { $0 + $1 / w } / inside.count
            var centres = [(cx, cy)]
            while centres.count < perFrame {
                let p = inside[Int(rng.next() % UInt64(inside.count))]
                centres.append((p % w, p / w))
            }
            for (k, (x, y)) in centres.enumerated() {
                samples.append(Sample(id: "\(frame.name)#polyp\(k)", source: .memory(Self.crop(image, centerX: x, centerY: y, size: patchSize)),
                                      label: 1, group: "sequence \(frame.sequence)"))
            }
            for k in 0..<perFrame {
                var best = (x: 0, y: 0, overlap: Int.max)
                for _ in 0..<50 {
                    let x = patchSize / 2 + Int(rng.next() % UInt64(max(1, w - patchSize)))
                    let y = patchSize / 2 + Int(rng.next() % UInt64(max(1, h - patchSize)))
                    let overlap = Self.polypPixels(mask, width: w, height: h, centerX: x, centerY: y, size: patchSize)
                    if overlap < best.overlap { best = (x, y, overlap) }
                    if overlap == 0 { break }
                }
                samples.append(Sample(id: "\(frame.name)#background\(k)",
                                      source: .memory(Self.crop(image, centerX: best.x, centerY: best.y, size: patchSize)),
                                      label: 0, group: "sequence \(frame.sequence)"))
            }
        }
        return Dataset(name: "polyp patches (\(URL(fileURLWithPath: root).lastPathComponent), \(patchSize) px)",
                       classes: ["background", "polyp"], samples: samples)
    }

    /// Polyp pixels inside a window.
    static func polypPixels(_ mask: [Bool], width: Int, height: Int, centerX: Int, centerY: Int, size: Int) -> Int {
        var count = 0
        for y in max(0, centerY - size / 2)..<min(height, centerY - size / 2 + size) {
            for x in max(0, centerX - size / 2)..<min(width, centerX - size / 2 + size) where mask[y * width + x] { count += 1 }
        }
        return count
    }
}
