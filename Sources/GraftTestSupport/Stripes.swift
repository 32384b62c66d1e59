import Foundation
import GraftCore
import GraftImage

/// The tests' small learnable dataset: a two-class image folder of horizontal vs vertical stripes
/// with random phase and noise, so that a small CNN can learn it, but not from a single pixel.
public enum Stripes {
    /// Writes `horizontal/` and `vertical/` PNGs (`size` x `size`, RGB) into `folder` and returns
    /// its path. The same seed writes the same bytes.
    @discardableResult
    public static func write(to folder: URL, perClass: Int, size: Int = 16, seed: UInt64 = 5) throws -> String {
        var rng = SeededGenerator(seed: seed)
        for (label, name) in ["horizontal", "vertical"].enumerated() {
            let classFolder = folder.appendingPathComponent(name)
            try FileManager.default.createDirectory(at: classFolder, withIntermediateDirectories: true)
            for i in 0..<perClass {
                let phase = Int(rng.next() % 4)
                var pixels: [UInt8] = []
                pixels.reserveCapacity(size * size * 3)
                for y in 0..<size {
                    for x in 0..<size {
                        let on = ((label == 0 ? y : x) + phase) / 2 % 2 == 0
                        let v = UInt8(clamping: (on ? 170 : 60) + Int(rng.next() % 60))
                        pixels += [v, v, v]
                    }
                }
                try ImageCodec.encodePNG(Image(width: size, height: size, channels: 3, pixels: pixels))
                    .write(to: classFolder.appendingPathComponent("\(name) \(i).png"))
            }
        }
        return folder.path
    }
}
