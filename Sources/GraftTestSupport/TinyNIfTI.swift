import Foundation

/// A minimal NIfTI-1 writer (single file, little endian, int16 voxels, an sform) as the valid
/// starting point of the hostile-file catalogue.
public struct TinyNIfTI {
    public var dims: [Int] = [4, 3, 2]
    public var datatype = 4, bitpix = 16
    public var voxOffset: Float = 352
    public var slope: Float = 2, intercept: Float = -100
    public var magic = "n+1"
    public var voxels: [Int16]? = nil
    public var truncateData = 0

    public init(dims: [Int] = [4, 3, 2]) { self.dims = dims }

    public var values: [Int16] { voxels ?? (0..<dims.reduce(1, *)).map { Int16($0 * 7 - 20) } }

    public func encoded() -> [UInt8] {
        var h = [UInt8](repeating: 0, count: 352)
        func put16(_ at: Int, _ v: Int) { let u = UInt16(truncatingIfNeeded: v); h[at] = UInt8(u & 0xff); h[at + 1] = UInt8(u >> 8) }
        func put32(_ at: Int, _ v: UInt32) { for i in 0..<4 { h[at + i] = UInt8((v >> (8 * UInt32(i))) & 0xff) } }
        func putFloat(_ at: Int, _ v: Float) { put32(at, v.bitPattern) }
        put32(0, 348)
        put16(40, dims.count)
        for (i, d) in dims.enumerated() where i < 7 { put16(42 + 2 * i, d) }
        put16(70, datatype)
        put16(72, bitpix)
        for i in 0..<8 { putFloat(76 + 4 * i, i == 0 ? 1 : 0.5 * Float(i)) }
        putFloat(108, voxOffset)
        putFloat(112, slope)
        putFloat(116, intercept)
        put16(254, 1)  // sform_code
        putFloat(280, 0.5); putFloat(292, 10)
        putFloat(300, 1.0); putFloat(308, -20)
        putFloat(320, 1.5); putFloat(324, 5)
        for (i, c) in magic.utf8.prefix(3).enumerated() { h[344 + i] = c }
        var data: [UInt8] = []
        for v in values { let u = UInt16(bitPattern: v); data += [UInt8(u & 0xff), UInt8(u >> 8)] }
        return h + data.dropLast(truncateData)
    }
}

