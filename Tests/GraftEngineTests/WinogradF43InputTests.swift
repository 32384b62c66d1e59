import CGraftSIMD
import GraftCore
@testable import GraftKernels
import Testing

/// F(4, 3)'s vector input transform (`winograd.c`) against the transform written out in scalar
/// code with the same fused multiply-adds in the same order: every value of V to the bit, for
/// tile rows that a vector of tiles crosses, partial last vectors and several images.
@Suite("Winograd F(4, 3) input transform")
struct WinogradF43InputTests {
    static let instructionSets = PanelKernels.InstructionSet.allCases.filter { $0 != .none && $0 <= PanelKernels.supported }

    /// Bᵀ on six values, as INPUT_1D computes it (FMA(a, b, c) = a·b + c, one rounding).
    static func input1D(_ d: [Float]) -> [Float] {
        func fma(_ a: Float, _ b: Float, _ c: Float) -> Float { c.addingProduct(a, b) }
        return [fma(4, d[0], fma(-5, d[2], d[4])),
                fma(-4, d[1] + d[2], d[3] + d[4]),
                fma(4, d[1] - d[2], d[4] - d[3]),
                fma(-2, d[1] - d[3], d[4] - d[2]),
                fma(2, d[1] - d[3], d[4] - d[2]),
                fma(4, d[1], fma(-5, d[3], d[5]))]
    }

    @Test("V = Bᵀ d B of every tile's window, to the bit, whole or a panel and a channel at a time",
          arguments: instructionSets, [false, true])
    func matchesScalarTransform(_ isa: PanelKernels.InstructionSet, split: Bool) {
        // (channels, tiles high, tiles wide, images): rows of 3, 7, 14 and 17 tiles.
        for (channels, high, wide, images) in [(3, 2, 3, 3), (2, 7, 7, 2), (2, 4, 14, 1), (1, 3, 17, 2)] {
            let ph = 4 * high + 2, pw = 4 * wide + 2
            var chunk = graft_winograd_chunk(channels: Int32(channels), height: Int32(4 * high), width: Int32(4 * wide),
                                             output_height: Int32(4 * high), output_width: Int32(4 * wide),
                                             pad_top: 1, pad_left: 1, images: Int32(images),
                                             tiles_high: Int32(high), tiles_wide: Int32(wide),
                                             padded_height: Int32(ph), padded_width: Int32(pw))
            let padded = randomTensor([images * channels * ph * pw], seed: 21).scalars
            let width = isa.panelWidth, total = images * high * wide, panels = (total + width - 1) / width
            var v = [Float](repeating: .nan, count: 36 * panels * channels * width)
            padded.withUnsafeBufferPointer { source in
                v.withUnsafeMutableBufferPointer { target in
                    if split {
                        // One panel and one channel at a time, last first: each call writes its own values only.
                        for panel in (0..<panels).reversed() {
                            for c in (0..<channels).reversed() {
                                graft_winograd43_input(isa.c, source.baseAddress!, &chunk, Int32(panel), Int32(panel + 1),
                                                       Int32(c), Int32(c + 1), target.baseAddress!)
                            }
                        }
                    } else {
                        graft_winograd43_input(isa.c, source.baseAddress!, &chunk, 0, Int32(panels), 0, Int32(channels),
                                               target.baseAddress!)
                    }
                }
            }
            var mismatches = 0
            for t in 0..<total {
                let image = t / (high * wide), ty = t % (high * wide) / wide, tx = t % wide
                for c in 0..<channels {
                    let corner = ((image * channels + c) * ph + 4 * ty) * pw + 4 * tx
                    // Bᵀ d column by column, then each row of that along the row.
                    var columns = [[Float]](repeating: [Float](repeating: 0, count: 6), count: 6)
                    for j in 0..<6 {
                        let t1 = Self.input1D((0..<6).map { padded[corner + $0 * pw + j] })
                        for i in 0..<6 { columns[i][j] = t1[i] }
                    }
                    for i in 0..<6 {
                        let row = Self.input1D(columns[i])
                        for j in 0..<6 {
                            let xi = i * 6 + j
                            let got = v[(xi * panels + t / width) * channels * width + c * width + t % width]
                            if got.bitPattern != row[j].bitPattern { mismatches += 1 }
                        }
                    }
                }
            }
            #expect(mismatches == 0, "\(channels) channels, \(high)x\(wide) tiles, \(images) images, \(isa): \(mismatches) values differ")
        }
    }
}
