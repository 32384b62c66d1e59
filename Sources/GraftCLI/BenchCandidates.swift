import ArgumentParser
import Foundation
import GraftCore
import GraftData
import GraftVolume

extension GraftCommand {
    /// Reading a CT series and cutting candidate patches, timed, for `Benchmarks/medical` (which
    /// runs pydicom + numpy on the same files beside it). Hidden from help.
    struct BenchCandidates: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "bench-candidates",
            abstract: "Time reading a volume and cutting candidate patches (for benchmarks).",
            shouldDisplay: false)

        @Argument(help: "A CSV of volume,i,j,k,label (voxel candidates).") var candidates: String
        @Option(name: .customLong("window")) var window: IntensityWindow = IntensityWindow(level: 100, width: 700, name: "pe")
        @Option var patchMm: Double = 40
        @Option var patchPixels: Int = 64
        @Option var patchLayout: PatchSampler.Layout = .planar

        func run() throws {
            let text = try String(contentsOfFile: candidates, encoding: .utf8)
            let folder = URL(fileURLWithPath: candidates).deletingLastPathComponent()
            var rows: [(volume: String, point: (Double, Double, Double))] = []
            for line in text.split(whereSeparator: \.isNewline).dropFirst() {
                let cells = line.split(separator: ",").map(String.init)
                guard cells.count >= 4, let i = Double(cells[1]), let j = Double(cells[2]), let k = Double(cells[3]) else {
                    throw CommandFailure("\(candidates): expected volume,i,j,k,label rows")
                }
                rows.append((folder.appendingPathComponent(cells[0]).path, (i, j, k)))
            }
            let start = Date()
            var volumes: [String: Volume] = [:]
            for path in Set(rows.map(\.volume)) { volumes[path] = try CandidateList.readVolume(path).0 }
            let read = Date()
            let sampler = PatchSampler(sideMillimetres: patchMm, pixels: patchPixels, layout: patchLayout)
            let patches = CandidatePatches(sampler: sampler, windows: [window], channelOrder: .rgb)
            var checksum = 0
            for row in rows {
                let volume = volumes[row.volume]!
                let image = try CandidateList.patchImage(volume, center: row.point, outside: -1024, patches: patches, source: candidates)
                checksum &+= Int(image.pixels[image.pixels.count / 2])
            }
            let cut = Date()
            let voxels = volumes.values.map(\.values.count).reduce(0, +)
            print("{\"series_seconds\": \(read.timeIntervalSince(start)), \"patch_seconds\": \(cut.timeIntervalSince(read)), \"patches\": \(rows.count), \"voxels\": \(voxels), \"checksum\": \(checksum)}")
        }
    }
}
