import CGraftSIMD

/// Stride-1 convolutions by Winograd's minimal filtering (see ``WinogradTransform``), forward and
/// both gradients.
///
/// Layouts (`α² = alpha²` transform positions ξ, `T` tiles in a chunk of images):
/// - transformed weights `U[outputChannel][ξ][inputChannelOfGroup]`,
/// - transformed input `V[inputChannel][ξ][T]`,
/// - products `M[outputChannel][ξ][T]`,
/// so that for every ξ and group the product is one GEMM on row-strided operands
/// (`M_ξ = U_ξ · V_ξ`), and every channel's transform writes its own rows (the transforms are split
/// over channels across the cores; the GEMMs over OpenBLAS's threads).
///
/// Gradients: the input gradient of a stride-1 convolution is the same algorithm run on the output
/// gradient with the kernel flipped and channels swapped (leading pads `r - 1 - pad`); the weight
/// gradient is its adjoint, `dU_ξ = Σ_T (A dY Aᵀ)_ξ · V_ξᵀ`, then `dW = Gᵀ dU G`. All three are exact
/// identities: they differ from the im2col results only by rounding.
extension ConvolutionKernels {
    /// Whether ``Strategy/winograd`` can compute this geometry: 3x3 kernels, stride 1,
    /// no dilation, leading pads at most `kernel - 1` (the input gradient's mirrored pads).
    public static func supportsWinograd(_ g: ConvolutionGeometry) -> Bool {
        let p = g.patches
        guard p.kernelHeight == p.kernelWidth, WinogradTransform.preferred(kernel: p.kernelHeight) != nil,
              p.strideHeight == 1, p.strideWidth == 1, p.dilationHeight == 1, p.dilationWidth == 1 else { return false }
        return p.padTop <= p.kernelHeight - 1 && p.padLeft <= p.kernelWidth - 1
    }

    /// The convolution whose forward pass is the input gradient of `g` (stride 1): it reads the
    /// output gradient with the kernel flipped, input and output channels swapped.
    static func winogradMirror(_ g: ConvolutionGeometry) -> ConvolutionGeometry {
        let p = g.patches
        return ConvolutionGeometry(
            patches: PatchGeometry(channels: g.outputChannels, height: p.outputHeight, width: p.outputWidth,
                                   kernelHeight: p.kernelHeight, kernelWidth: p.kernelWidth,
                                   padTop: p.kernelHeight - 1 - p.padTop, padLeft: p.kernelWidth - 1 - p.padLeft,
                                   outputHeight: p.height, outputWidth: p.width),
            outputChannels: g.inputChannels, groups: g.groups)
    }

    /// The `m×m` output tiles of one image: rows and columns of tiles (the last ones may overhang).
    struct Tiles {
        let high: Int, wide: Int
        var perImage: Int { high * wide }
    }

    static func winogradTiles(_ p: PatchGeometry, _ t: WinogradTransform) -> Tiles {
        Tiles(high: (p.outputHeight + t.m - 1) / t.m, wide: (p.outputWidth + t.m - 1) / t.m)
    }

    /// Floats of one transformed weight set `U` (`α²` per kernel).
    static func winogradWeightCount(_ g: ConvolutionGeometry, _ t: WinogradTransform) -> Int {
        t.alpha * t.alpha * g.outputChannels * g.inputChannelsPerGroup
    }

    /// Floats of `V` plus `M` for one image, in whichever of the forward and input-gradient passes
    /// tiles more.
    static func winogradChunkCountPerImage(_ g: ConvolutionGeometry, _ t: WinogradTransform) -> Int {
        let forward = winogradTiles(g.patches, t), mirrored = winogradTiles(winogradMirror(g).patches, t)
        let tiles = max(forward.perImage, mirrored.perImage)
        return t.alpha * t.alpha * (g.inputChannels + g.outputChannels) * tiles
    }

    /// Images per chunk: enough for about `targetTiles` GEMM columns, with `V` and `M` under
    /// `maximumScratch` floats.
    static func winogradImagesPerChunk(for g: ConvolutionGeometry, batch: Int, targetTiles: Int = 1024,
                                       maximumScratch: Int = 8 << 20) -> Int {
        guard let t = WinogradTransform.preferred(kernel: g.patches.kernelHeight) else { return 1 }
        let tiles = winogradTiles(g.patches, t)
        let wanted = (targetTiles + tiles.perImage - 1) / tiles.perImage
        let affordable = max(1, maximumScratch / max(winogradChunkCountPerImage(g, t), 1))
        return balancedChunk(batch: batch, atMost: min(wanted, affordable))
    }

    /// Scratch for forward or backward: one transformed weight set and one chunk's `V` and `M`.
    static func winogradScratchCount(for g: ConvolutionGeometry, imagesPerChunk: Int) -> Int {
        guard let t = WinogradTransform.preferred(kernel: g.patches.kernelHeight) else { return 0 }
        return winogradWeightCount(g, t) + max(1, imagesPerChunk) * winogradChunkCountPerImage(g, t)
    }

    // MARK: - Passes

    /// Floats of the transformed weights ``transformWinogradWeights(_:geometry:into:)`` writes.
    public static func winogradTransformedWeightCount(for g: ConvolutionGeometry) -> Int {
        WinogradTransform.preferred(kernel: g.patches.kernelHeight).map { winogradWeightCount(g, $0) } ?? 0
    }

    /// Transforms a ``Strategy/winograd`` convolution's weights once, for an inference plan whose
    /// weights do not change (``winogradForward(input:transformedWeight:bias:output:batch:geometry:imagesPerChunk:scratch:)``).
    public static func transformWinogradWeights(_ weight: UnsafePointer<Float>, geometry g: ConvolutionGeometry,
                                                into transformed: UnsafeMutablePointer<Float>) {
        precondition(supportsWinograd(g), "Winograd weights for a geometry it does not support: \(g)")
        winogradWeights(weight, geometry: g, transform: WinogradTransform.preferred(kernel: g.patches.kernelHeight)!,
                        flipped: false, into: transformed)
    }

    /// The forward pass with weights already transformed; `scratch` needs
    /// ``scratchCount(for:strategy:imagesPerChunk:)`` floats.
    public static func winogradForward(input: UnsafePointer<Float>, transformedWeight: UnsafePointer<Float>,
                                       bias: UnsafePointer<Float>?, output: UnsafeMutablePointer<Float>,
                                       batch: Int, geometry g: ConvolutionGeometry, imagesPerChunk: Int,
                                       scratch: UnsafeMutablePointer<Float>) {
        let t = WinogradTransform.preferred(kernel: g.patches.kernelHeight)!
        winogradApply(input: input, transformedWeight: transformedWeight, bias: bias, output: output, batch: batch,
                      geometry: g, transform: t, imagesPerChunk: imagesPerChunk, scratch: scratch)
    }

    static func winogradForward(input: UnsafePointer<Float>, weight: UnsafePointer<Float>,
                                bias: UnsafePointer<Float>?, output: UnsafeMutablePointer<Float>,
                                batch: Int, geometry g: ConvolutionGeometry, imagesPerChunk: Int,
                                scratch: UnsafeMutablePointer<Float>) {
        let t = WinogradTransform.preferred(kernel: g.patches.kernelHeight)!
        winogradWeights(weight, geometry: g, transform: t, flipped: false, into: scratch)
        winogradApply(input: input, transformedWeight: scratch, bias: bias, output: output, batch: batch,
                      geometry: g, transform: t, imagesPerChunk: imagesPerChunk,
                      scratch: scratch + winogradWeightCount(g, t))
    }

    static func winogradBackward(input: UnsafePointer<Float>, weight: UnsafePointer<Float>,
                                 outputGradient: UnsafePointer<Float>,
                                 inputGradient: UnsafeMutablePointer<Float>?,
                                 weightGradient: UnsafeMutablePointer<Float>?,
                                 batch: Int, geometry g: ConvolutionGeometry, imagesPerChunk: Int,
                                 scratch: UnsafeMutablePointer<Float>) {
        let t = WinogradTransform.preferred(kernel: g.patches.kernelHeight)!
        let a2 = t.alpha * t.alpha
        let icg = g.inputChannelsPerGroup, ocg = g.outputChannelsPerGroup
        if let weightGradient {
            let du = scratch
            let chunkScratch = scratch + winogradWeightCount(g, t)
            let tiles = winogradTiles(g.patches, t)
            let perImage = tiles.perImage
            let isa = PanelKernels.active
            let productsSplitRows = isa != .none
                && !PanelGEMM.prefersTransposed(.transposed, m: ocg, n: icg)
                && PanelGEMM.splitsRows(isa, m: ocg, n: icg, workers: Parallel.workers)
            var start = 0
            while start < batch {
                let count = min(imagesPerChunk, batch - start)
                let width = count * perImage
                let v = chunkScratch
                let z = chunkScratch + g.inputChannels * a2 * width
                winogradInput(input + start * g.inputImageCount, images: count, patches: g.patches, transform: t, into: v)
                winogradOutputGradient(outputGradient + start * g.outputImageCount, images: count, geometry: g,
                                       transform: t, into: z)
                eachProduct(groups: g.groups, positions: a2, oneThreadEach: productsSplitRows) { group, xi in
                    BLAS.sgemm(.none, .transposed, m: ocg, n: icg, k: width,
                               a: z + (group * ocg * a2 + xi) * width, lda: a2 * width,
                               b: v + (group * icg * a2 + xi) * width, ldb: a2 * width,
                               beta: start == 0 ? 0 : 1,
                               c: du + group * ocg * a2 * icg + xi * icg, ldc: a2 * icg)
                }
                start += count
            }
            winogradWeightGradient(du, geometry: g, transform: t, into: weightGradient)
        }
        if let inputGradient {
            let mirror = winogradMirror(g)
            winogradWeights(weight, geometry: g, transform: t, flipped: true, into: scratch)
            winogradApply(input: outputGradient, transformedWeight: scratch, bias: nil, output: inputGradient,
                          batch: batch, geometry: mirror, transform: t, imagesPerChunk: imagesPerChunk,
                          scratch: scratch + winogradWeightCount(g, t))
        }
    }

    /// Input transform, GEMMs and output transform, chunk by chunk, with `U` already computed.
    static func winogradApply(input: UnsafePointer<Float>, transformedWeight u: UnsafePointer<Float>,
                              bias: UnsafePointer<Float>?, output: UnsafeMutablePointer<Float>,
                              batch: Int, geometry g: ConvolutionGeometry, transform t: WinogradTransform,
                              imagesPerChunk: Int, scratch: UnsafeMutablePointer<Float>) {
        let a2 = t.alpha * t.alpha
        let icg = g.inputChannelsPerGroup, ocg = g.outputChannelsPerGroup
        let tiles = winogradTiles(g.patches, t)
        let perImage = tiles.perImage
        var start = 0
        while start < batch {
            let count = min(max(1, imagesPerChunk), batch - start)
            let width = count * perImage
            let v = scratch
            let product = scratch + g.inputChannels * a2 * width
            winogradInput(input + start * g.inputImageCount, images: count, patches: g.patches, transform: t, into: v)
            for group in 0..<g.groups {
                for xi in 0..<a2 {
                    BLAS.sgemm(m: ocg, n: width, k: icg,
                               a: u + group * ocg * a2 * icg + xi * icg, lda: a2 * icg,
                               b: v + (group * icg * a2 + xi) * width, ldb: a2 * width,
                               c: product + (group * ocg * a2 + xi) * width, ldc: a2 * width)
                }
            }
            winogradOutput(product, images: count, geometry: g, transform: t, bias: bias,
                           output: output + start * g.outputImageCount)
            start += count
        }
    }

    /// Runs `product(group, ξ)` for every group and transform position: in turn, each product
    /// parallel inside, or — `oneThreadEach` — shared out over the workers, each product on one
    /// thread. The weight gradient takes the second where its products would split their rows
    /// (narrow layers: `PanelGEMM/splitsRows(_:m:n:workers:)`), each worker then packing all of the
    /// transposed operand `Vᵀ`, a chunk's tiles deep, for half of the rows; 64 channels on 56x56
    /// at batch 16 spent 26-45 ms there against 21-32 one product per thread. Wider layers split
    /// their columns and share each `dU_ξ`'s reads. Each product is the same bits on one thread as
    /// on several (``PanelGEMM`` never splits `k`).
    static func eachProduct(groups: Int, positions: Int, oneThreadEach: Bool, _ product: (_ group: Int, _ xi: Int) -> Void) {
        let items = groups * positions
        guard oneThreadEach else {
            for item in 0..<items { product(item / positions, item % positions) }
            return
        }
        Parallel.forEachPartWithSerialBLAS(items, parts: min(Parallel.workers, items)) { _, range in
            for item in range { product(item / positions, item % positions) }
        }
    }

    // MARK: - Transforms
    //
    // With an instruction set active each transform runs in C (`winograd23.c`, the same operations
    // in the same order); the Swift below is the portable path (`GRAFT_SIMD=off`) and the tests'
    // reference. Each transform works on eight tiles (or kernels) at once, one per SIMD lane: the patches are
    // gathered lane by lane, both matrix products run on 8-float vectors, and the results are
    // stored eight contiguous floats at a time where the layout allows (V, M, Z rows; U columns).

    /// `U[row][ξ][column] = (G w Gᵀ)_ξ` for every kernel: rows are output channels and columns the
    /// group's input channels, or — `flipped`, for the input gradient — rows are input channels,
    /// columns the group's output channels and the kernel is turned by 180°.
    static func winogradWeights(_ weight: UnsafePointer<Float>, geometry g: ConvolutionGeometry,
                                transform t: WinogradTransform, flipped: Bool, into u: UnsafeMutablePointer<Float>) {
        let a = t.alpha, r = t.r, a2 = a * a, rr = r * r
        let icg = g.inputChannelsPerGroup, ocg = g.outputChannelsPerGroup
        let rows = flipped ? g.inputChannels : g.outputChannels
        let columns = flipped ? ocg : icg
        let isa = PanelKernels.active
        if isa != .none, t === WinogradTransform.f2x3 {
            var kernels = graft_winograd23_kernels(input_channels_per_group: Int32(icg), output_channels_per_group: Int32(ocg),
                                                   flipped: flipped ? 1 : 0)
            Parallel.forEach(rows, workPerItem: columns * a2 * r * 2) { range in
                _ = graft_winograd23_weights(isa.c, weight, &kernels, Int32(range.lowerBound), Int32(range.upperBound), u)
            }
            return
        }
        Parallel.forEach(rows, workPerItem: columns * a2 * r * 2) { range in
            withUnsafeTemporaryAllocation(of: SIMD8<Float>.self, capacity: rr + a * r + a2) { buffer in
                let w = buffer.baseAddress!, tmp = w + rr, out = tmp + a * r
                for row in range {
                    var column = 0
                    while column < columns {
                        let lanes = min(8, columns - column)
                        for lane in 0..<8 {
                            guard lane < lanes else {
                                for i in 0..<rr { w[i][lane] = 0 }
                                continue
                            }
                            if flipped {
                                let group = row / icg
                                let kernel = weight + ((group * ocg + column + lane) * icg + row % icg) * rr
                                for i in 0..<rr { w[i][lane] = kernel[rr - 1 - i] }
                            } else {
                                let kernel = weight + (row * icg + column + lane) * rr
                                for i in 0..<rr { w[i][lane] = kernel[i] }
                            }
                        }
                        WinogradTransform.multiply(t.g, a, r, w, r, into: tmp)
                        WinogradTransform.multiply(tmp, a, r, t.gt, a, into: out)
                        let destination = u + row * a2 * columns + column
                        for xi in 0..<a2 { store(out[xi], lanes, to: destination + xi * columns) }
                        column += lanes
                    }
                }
            }
        }
    }

    /// `V[c][ξ][tile] = (Bᵀ d B)_ξ` for the 4×4 patch `d` under every tile of every image (zero
    /// outside the image). F(2, 3) written out: `Bᵀ` only adds and subtracts rows, so a tile costs
    /// four 4-float row loads and a dozen vector additions.
    static func winogradInput(_ input: UnsafePointer<Float>, images: Int, patches p: PatchGeometry,
                              transform t: WinogradTransform, into v: UnsafeMutablePointer<Float>) {
        precondition(t.m == 2 && t.r == 3, "Winograd tile transforms are written for F(2, 3)")
        let tiles = winogradTiles(p, t)
        let perImage = tiles.perImage
        let width = images * perImage
        let plane = p.height * p.width
        let isa = PanelKernels.active
        if isa != .none {
            var chunk = winograd23Chunk(p, outputChannels: 0, images: images, tiles: tiles)
            let floats = graft_winograd23_scratch(&chunk)
            Parallel.forEach(p.channels, workPerItem: width * 16 * 4) { channels in
                withUnsafeTemporaryAllocation(of: Float.self, capacity: floats) { rows in
                    _ = graft_winograd23_input(isa.c, input, &chunk, Int32(channels.lowerBound), Int32(channels.upperBound),
                                               v, rows.baseAddress!)
                }
            }
            return
        }
        Parallel.forEach(p.channels, workPerItem: width * 16 * 4) { channels in
            for c in channels {
                let rows = v + c * 16 * width
                for image in 0..<images {
                    let source = input + (image * p.channels + c) * plane
                    for ty in 0..<tiles.high {
                        let y0 = 2 * ty - p.padTop
                        let rowsInside = y0 >= 0 && y0 + 4 <= p.height
                        for tx in 0..<tiles.wide {
                            let x0 = 2 * tx - p.padLeft
                            var d0, d1, d2, d3: SIMD4<Float>
                            if rowsInside, x0 >= 0, x0 + 4 <= p.width {
                                let corner = source + y0 * p.width + x0
                                d0 = load4(corner)
                                d1 = load4(corner + p.width)
                                d2 = load4(corner + 2 * p.width)
                                d3 = load4(corner + 3 * p.width)
                            } else {
                                d0 = patchRow(source, y0, x0, p)
                                d1 = patchRow(source, y0 + 1, x0, p)
                                d2 = patchRow(source, y0 + 2, x0, p)
                                d3 = patchRow(source, y0 + 3, x0, p)
                            }
                            // Bᵀ d: rows d0 - d2, d1 + d2, d2 - d1, d3 - d1; then the same on columns.
                            let column = image * perImage + ty * tiles.wide + tx
                            storeColumn(inputRow(d0 - d2), rows + column, width, 0)
                            storeColumn(inputRow(d1 + d2), rows + column, width, 4)
                            storeColumn(inputRow(d2 - d1), rows + column, width, 8)
                            storeColumn(inputRow(d3 - d1), rows + column, width, 12)
                        }
                    }
                }
            }
        }
    }

    /// The C transforms' description of a chunk of `images` images (`winograd23.c`).
    private static func winograd23Chunk(_ p: PatchGeometry, outputChannels: Int, images: Int, tiles: Tiles) -> graft_winograd23 {
        graft_winograd23(channels: Int32(p.channels), height: Int32(p.height), width: Int32(p.width),
                         output_channels: Int32(outputChannels), output_height: Int32(p.outputHeight),
                         output_width: Int32(p.outputWidth), pad_top: Int32(p.padTop), pad_left: Int32(p.padLeft),
                         images: Int32(images), tiles_high: Int32(tiles.high), tiles_wide: Int32(tiles.wide))
    }

    /// `(w0 - w2, w1 + w2, w2 - w1, w3 - w1)`: `Bᵀ` applied along a row.
    @inline(__always)
    private static func inputRow(_ w: SIMD4<Float>) -> SIMD4<Float> {
        SIMD4(w.x, w.y, w.z, w.w) - SIMD4(w.z, -w.z, w.y, w.y)
    }

    /// Row `y` of a patch starting at column `x0`, zero outside the image.
    @inline(__always)
    private static func patchRow(_ source: UnsafePointer<Float>, _ y: Int, _ x0: Int, _ p: PatchGeometry) -> SIMD4<Float> {
        guard y >= 0, y < p.height else { return SIMD4() }
        let line = source + y * p.width
        var row = SIMD4<Float>()
        for k in 0..<4 where x0 + k >= 0 && x0 + k < p.width { row[k] = line[x0 + k] }
        return row
    }

    @inline(__always)
    private static func load4(_ pointer: UnsafePointer<Float>) -> SIMD4<Float> {
        UnsafeRawPointer(pointer).loadUnaligned(as: SIMD4<Float>.self)
    }

    /// Stores the four lanes of `row` in rows `first..<first+4` of a `[ξ][width]` block.
    @inline(__always)
    private static func storeColumn(_ row: SIMD4<Float>, _ base: UnsafeMutablePointer<Float>, _ width: Int, _ first: Int) {
        base[first * width] = row.x
        base[(first + 1) * width] = row.y
        base[(first + 2) * width] = row.z
        base[(first + 3) * width] = row.w
    }

    /// `Z[oc][ξ][tile] = (A dY Aᵀ)_ξ` for the 2×2 output-gradient tile `dY` (zero beyond the output).
    static func winogradOutputGradient(_ outputGradient: UnsafePointer<Float>, images: Int, geometry g: ConvolutionGeometry,
                                       transform t: WinogradTransform, into z: UnsafeMutablePointer<Float>) {
        precondition(t.m == 2 && t.r == 3, "Winograd tile transforms are written for F(2, 3)")
        let p = g.patches
        let tiles = winogradTiles(p, t)
        let perImage = tiles.perImage
        let width = images * perImage
        let isa = PanelKernels.active
        if isa != .none {
            var chunk = winograd23Chunk(p, outputChannels: g.outputChannels, images: images, tiles: tiles)
            let floats = graft_winograd23_scratch(&chunk)
            Parallel.forEach(g.outputChannels, workPerItem: width * 16 * 2) { channels in
                withUnsafeTemporaryAllocation(of: Float.self, capacity: floats) { rows in
                    _ = graft_winograd23_output_gradient(isa.c, outputGradient, &chunk, Int32(channels.lowerBound),
                                                         Int32(channels.upperBound), z, rows.baseAddress!)
                }
            }
            return
        }
        Parallel.forEach(g.outputChannels, workPerItem: width * 16 * 2) { channels in
            for oc in channels {
                let rows = z + oc * 16 * width
                for image in 0..<images {
                    let source = outputGradient + (image * g.outputChannels + oc) * p.outputArea
                    for ty in 0..<tiles.high {
                        let y = 2 * ty
                        let secondRow = y + 1 < p.outputHeight
                        for tx in 0..<tiles.wide {
                            let x = 2 * tx
                            let secondColumn = x + 1 < p.outputWidth
                            let top = source + y * p.outputWidth + x
                            let d00 = top[0], d01: Float = secondColumn ? top[1] : 0
                            let d10: Float = secondRow ? top[p.outputWidth] : 0
                            let d11: Float = secondRow && secondColumn ? top[p.outputWidth + 1] : 0
                            // A dY: rows dY0, dY0 + dY1, dY0 - dY1, dY1; then the same on columns.
                            let column = image * perImage + ty * tiles.wide + tx
                            storeColumn(gradientRow(d00, d01), rows + column, width, 0)
                            storeColumn(gradientRow(d00 + d10, d01 + d11), rows + column, width, 4)
                            storeColumn(gradientRow(d00 - d10, d01 - d11), rows + column, width, 8)
                            storeColumn(gradientRow(d10, d11), rows + column, width, 12)
                        }
                    }
                }
            }
        }
    }

    /// `(a, a + b, a - b, b)`: `A` applied along a row of two.
    @inline(__always)
    private static func gradientRow(_ a: Float, _ b: Float) -> SIMD4<Float> { SIMD4(a, a + b, a - b, b) }

    /// `output[tile] = Aᵀ M A + bias` for every output channel and tile, clipped to the output;
    /// eight tiles at a time (the products of consecutive tiles are contiguous).
    static func winogradOutput(_ product: UnsafePointer<Float>, images: Int, geometry g: ConvolutionGeometry,
                               transform t: WinogradTransform, bias: UnsafePointer<Float>?,
                               output: UnsafeMutablePointer<Float>) {
        precondition(t.m == 2 && t.r == 3, "Winograd tile transforms are written for F(2, 3)")
        let p = g.patches
        let tiles = winogradTiles(p, t)
        let perImage = tiles.perImage
        let width = images * perImage
        let isa = PanelKernels.active
        if isa != .none {
            var chunk = winograd23Chunk(p, outputChannels: g.outputChannels, images: images, tiles: tiles)
            Parallel.forEach(g.outputChannels, workPerItem: width * 16 * 2) { channels in
                _ = graft_winograd23_output(isa.c, product, &chunk, Int32(channels.lowerBound), Int32(channels.upperBound),
                                            bias, output)
            }
            return
        }
        Parallel.forEach(g.outputChannels, workPerItem: width * 16 * 2) { channels in
            for oc in channels {
                let rows = product + oc * 16 * width
                let offset = SIMD8<Float>(repeating: bias?[oc] ?? 0)
                var column = 0
                while column < width {
                    let lanes = min(8, width - column)
                    @inline(__always) func z(_ xi: Int) -> SIMD8<Float> { load(rows + xi * width + column, lanes) }
                    // Aᵀ M: rows M0 + M1 + M2 and M1 - M2 + M3, per column j.
                    let a0 = z(0) + z(4) + z(8), a1 = z(1) + z(5) + z(9), a2 = z(2) + z(6) + z(10), a3 = z(3) + z(7) + z(11)
                    let b0 = z(4) - z(8) + z(12), b1 = z(5) - z(9) + z(13), b2 = z(6) - z(10) + z(14), b3 = z(7) - z(11) + z(15)
                    // … then the same along the row: (c0 + c1 + c2, c1 - c2 + c3).
                    let y00 = a0 + a1 + a2 + offset, y01 = a1 - a2 + a3 + offset
                    let y10 = b0 + b1 + b2 + offset, y11 = b1 - b2 + b3 + offset
                    for lane in 0..<lanes {
                        let tile = column + lane
                        let image = tile / perImage, within = tile % perImage
                        let y = 2 * (within / tiles.wide), x = 2 * (within % tiles.wide)
                        let target = output + (image * g.outputChannels + oc) * p.outputArea + y * p.outputWidth + x
                        let secondColumn = x + 1 < p.outputWidth
                        target[0] = y00[lane]
                        if secondColumn { target[1] = y01[lane] }
                        if y + 1 < p.outputHeight {
                            target[p.outputWidth] = y10[lane]
                            if secondColumn { target[p.outputWidth + 1] = y11[lane] }
                        }
                    }
                    column += lanes
                }
            }
        }
    }

    /// `dW = Gᵀ dU G` for every kernel (overwrites `weightGradient`).
    static func winogradWeightGradient(_ du: UnsafePointer<Float>, geometry g: ConvolutionGeometry,
                                       transform t: WinogradTransform, into weightGradient: UnsafeMutablePointer<Float>) {
        let a = t.alpha, r = t.r, a2 = a * a, rr = r * r
        let icg = g.inputChannelsPerGroup
        let isa = PanelKernels.active
        if isa != .none, t === WinogradTransform.f2x3 {
            var kernels = graft_winograd23_kernels(input_channels_per_group: Int32(icg),
                                                   output_channels_per_group: Int32(g.outputChannelsPerGroup), flipped: 0)
            Parallel.forEach(g.outputChannels, workPerItem: icg * a2 * r * 2) { channels in
                _ = graft_winograd23_weight_gradient(isa.c, du, &kernels, Int32(channels.lowerBound),
                                                     Int32(channels.upperBound), weightGradient)
            }
            return
        }
        Parallel.forEach(g.outputChannels, workPerItem: icg * a2 * r * 2) { channels in
            withUnsafeTemporaryAllocation(of: SIMD8<Float>.self, capacity: a2 + r * a + rr) { buffer in
                let z = buffer.baseAddress!, tmp = z + a2, out = tmp + r * a
                for oc in channels {
                    var column = 0
                    while column < icg {
                        let lanes = min(8, icg - column)
                        let source = du + oc * a2 * icg + column
                        for xi in 0..<a2 { z[xi] = load(source + xi * icg, lanes) }
                        WinogradTransform.multiply(t.gt, r, a, z, a, into: tmp)
                        WinogradTransform.multiply(tmp, r, a, t.g, r, into: out)
                        for lane in 0..<lanes {
                            let kernel = weightGradient + (oc * icg + column + lane) * rr
                            for i in 0..<rr { kernel[i] = out[i][lane] }
                        }
                        column += lanes
                    }
                }
            }
        }
    }

    /// The first `lanes` floats at `pointer` (the rest zero).
    @inline(__always)
    private static func load(_ pointer: UnsafePointer<Float>, _ lanes: Int) -> SIMD8<Float> {
        if lanes == 8 { return UnsafeRawPointer(pointer).loadUnaligned(as: SIMD8<Float>.self) }
        var v = SIMD8<Float>()
        for lane in 0..<lanes { v[lane] = pointer[lane] }
        return v
    }

    /// Stores the first `lanes` lanes of `v` at `pointer`.
    @inline(__always)
    private static func store(_ v: SIMD8<Float>, _ lanes: Int, to pointer: UnsafeMutablePointer<Float>) {
        if lanes == 8 {
            UnsafeMutableRawPointer(pointer).storeBytes(of: v, as: SIMD8<Float>.self)
        } else {
            for lane in 0..<lanes { pointer[lane] = v[lane] }
        }
    }
}

