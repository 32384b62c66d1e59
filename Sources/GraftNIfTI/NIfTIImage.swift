import Foundation
import GraftVolume
internal import CNIfTI

/// A NIfTI-1 or NIfTI-2 image (`.nii`, `.nii.gz`, or a `.hdr`/`.img` pair) read through nifticlib,
/// with voxel values scaled by `scl_slope`/`scl_inter` and the affine chosen as nibabel does.
public struct NIfTIImage: Sendable {
    /// The path the image was read from.
    public let path: String
    /// dim[1...ndim]: i (fastest), j, k, then time and further dimensions.
    public let dimensions: [Int]
    /// pixdim[1...ndim]: voxel sizes (mm for space, the file's unit for time).
    public let voxelSizes: [Double]
    /// The NIfTI datatype code of the stored voxels (DT_INT16 = 4, DT_FLOAT32 = 16...).
    public let datatype: Int
    /// 1 or 2.
    public let formatVersion: Int
    /// sform_code and qform_code: which of the two affines the header sets (0: not set), and to
    /// what space (scanner, aligned, template...); they choose ``affine``.
    public let sformCode: Int, qformCode: Int
    /// Voxel index (i, j, k) to millimetres, RAS: the sform when its code is non-zero, else the
    /// qform when its code is non-zero, else nibabel's fallback (voxel sizes, x flipped, centred).
    public let affine: VoxelAffine
    /// All voxels in file order (i fastest), scaled: stored x scl_slope + scl_inter when
    /// scl_slope is finite and non-zero, stored values otherwise.
    public let values: [Float]

    /// The voxels of one 3D volume (`index` counts over the dimensions after the third, e.g. time
    /// points), with the image's affine.
    public func volume(at index: Int = 0) -> Volume {
        let nx = dimensions[0], ny = dimensions.count > 1 ? dimensions[1] : 1, nz = dimensions.count > 2 ? dimensions[2] : 1
        let count = nx * ny * nz
        precondition(index >= 0 && (index + 1) * count <= values.count, "volume \(index) of \(values.count / count)")
        return Volume(columns: nx, rows: ny, slices: nz, values: Array(values[(index * count)..<((index + 1) * count)]),
                      voxelToPatient: affine, coordinates: .ras)
    }

    /// How many 3D volumes the image holds (the product of the dimensions after the third).
    public var volumeCount: Int { dimensions.dropFirst(3).reduce(1, *) }

    /// Reads `path`. The header is checked (dims, datatype, size against `maxVoxelBytes` and, for
    /// an uncompressed file, against the file's length) before any voxel is allocated.
    public static func read(_ path: String, maxVoxelBytes: Int = 2 << 30) throws(NIfTIError) -> NIfTIImage {
        NIfTILibrary.quiet()
        guard FileManager.default.isReadableFile(atPath: path) else {
            throw .unreadable(path: path, reason: "no such file or not readable")
        }
        guard let image = path.withCString({ nifti_image_read($0, 0) }) else {
            throw .unreadable(path: path, reason: "nifticlib rejects its header (bad magic, sizeof_hdr or dims)")
        }
        defer { nifti_image_free(image) }
        let header = image.pointee
        switch header.nifti_type {
        case 1, 2, 4, 5: break
        case 0: throw .unsupported(path: path, what: "ANALYZE 7.5 (no NIfTI magic)")
        default: throw .unsupported(path: path, what: "NIfTI file type \(header.nifti_type) (ASCII NIfTI)")
        }
        // nifticlib's image struct is the same for both versions and "fixes" some fields (a NaN
        // scl_inter becomes 0, bitpix is ignored): the raw header tells the version and the truth.
        var version: Int32 = 0
        guard let rawHeader = path.withCString({ nifti_read_header($0, &version, 0) }) else {
            throw .unreadable(path: path, reason: "nifticlib cannot read the header again")
        }
        defer { free(rawHeader) }
        let rawSlope: Double, rawIntercept: Double, rawBitpix: Int
        switch version {
        case 1:
            // The raw header is as stored: byte-swapped when sizeof_hdr does not read 348.
            let h = rawHeader.assumingMemoryBound(to: nifti_1_header.self).pointee
            let swapped = h.sizeof_hdr != 348
            func float(_ x: Float) -> Double { Double(swapped ? Float(bitPattern: x.bitPattern.byteSwapped) : x) }
            (rawSlope, rawIntercept) = (float(h.scl_slope), float(h.scl_inter))
            rawBitpix = Int(swapped ? h.bitpix.byteSwapped : h.bitpix)
        case 2:
            let h = rawHeader.assumingMemoryBound(to: nifti_2_header.self).pointee
            let swapped = h.sizeof_hdr != 540
            func double(_ x: Double) -> Double { swapped ? Double(bitPattern: x.bitPattern.byteSwapped) : x }
            (rawSlope, rawIntercept) = (double(h.scl_slope), double(h.scl_inter))
            rawBitpix = Int(swapped ? h.bitpix.byteSwapped : h.bitpix)
        default:
            throw .unreadable(path: path, reason: "nifticlib cannot tell the NIfTI version of its header")
        }
        let dim = withUnsafeBytes(of: header.dim) { Array($0.bindMemory(to: Int64.self)) }
        let pixdim = withUnsafeBytes(of: header.pixdim) { Array($0.bindMemory(to: Double.self)) }
        guard (1...7).contains(dim[0]) else {
            throw .invalidHeader(path: path, field: "dim[0]", value: "\(dim[0])", expected: "1 to 7")
        }
        let ndim = Int(dim[0])
        var count = 1
        for axis in 1...ndim {
            guard dim[axis] >= 1, dim[axis] <= Int64(Int32.max) else {
                throw .invalidHeader(path: path, field: "dim[\(axis)]", value: "\(dim[axis])", expected: "at least 1")
            }
            let (product, overflow) = count.multipliedReportingOverflow(by: Int(dim[axis]))
            guard !overflow else {
                throw .tooLarge(path: path, bytes: dim[1...ndim].map(String.init).joined(separator: " x ") + " voxels", limit: maxVoxelBytes)
            }
            count = product
        }
        guard let kind = VoxelKind(datatype: Int(header.datatype)) else {
            throw .unsupported(path: path, what: "datatype \(header.datatype) (\(VoxelKind.name(of: Int(header.datatype))))")
        }
        let (bytes, overflow) = count.multipliedReportingOverflow(by: kind.size)
        guard !overflow, bytes <= maxVoxelBytes else {
            throw .tooLarge(path: path, bytes: "\(dim[1...ndim].map(String.init).joined(separator: " x ")) x \(kind.size)", limit: maxVoxelBytes)
        }
        guard rawBitpix == kind.size * 8, Int(header.nbyper) == kind.size, header.nvox == Int64(count) else {
            throw .invalidHeader(path: path, field: "bitpix", value: "\(rawBitpix)", expected: "\(kind.size * 8) for datatype \(header.datatype)")
        }
        // The voxels are read here, through zlib (plain or gzip alike), not by nifticlib's
        // loader, which stops short on some gzip NIfTI-2 files; an uncompressed file is first
        // checked to hold them all.
        guard let dataPath = header.iname.map({ String(cString: $0) }) else {
            throw .unreadable(path: path, reason: "nifticlib found no image file for this header")
        }
        guard header.iname_offset >= 0 else {
            throw .invalidHeader(path: path, field: "vox_offset", value: "\(header.iname_offset)", expected: "at least 0")
        }
        if !dataPath.hasSuffix(".gz"),
           let size = (try? FileManager.default.attributesOfItem(atPath: dataPath)[.size] as? NSNumber)?.int64Value {
            let needed = header.iname_offset.addingReportingOverflow(Int64(bytes))
            guard !needed.overflow, size >= needed.partialValue else {
                throw .truncated(path: path, expected: "\(bytes) bytes from offset \(header.iname_offset)", found: "a file of \(size) bytes")
            }
        }
        var raw = [UInt8](repeating: 0, count: bytes)
        let read = try readVoxels(dataPath, offset: header.iname_offset, into: &raw, path: path)
        guard read == bytes else {
            throw .truncated(path: path, expected: "\(bytes) bytes of voxel data", found: "\(read)")
        }
        if header.byteorder != nifti_short_order(), kind.size > 1 {
            var i = 0
            while i + kind.size <= raw.count {
                raw[i..<(i + kind.size)].reverse()
                i += kind.size
            }
        }
        var values = raw.withUnsafeBytes { kind.floats($0.baseAddress!, count: count) }
        let slope = rawSlope, intercept = rawIntercept
        if slope.isFinite, slope != 0 {
            guard intercept.isFinite else {
                throw .invalidHeader(path: path, field: "scl_inter", value: "\(intercept)", expected: "a finite number when scl_slope is \(slope)")
            }
            if slope != 1 || intercept != 0 {
                for i in values.indices { values[i] = Float(Double(values[i]) * slope + intercept) }
            }
        }
        let sizes = (1...ndim).map { pixdim[$0] }
        let affine: VoxelAffine
        if header.sform_code != 0 {
            affine = matrix(header.sto_xyz)
        } else if header.qform_code != 0 {
            affine = matrix(header.qto_xyz)
        } else {
            affine = fallbackAffine(dimensions: dim[1...ndim].map { Int($0) }, voxelSizes: sizes)
        }
        return NIfTIImage(path: path, dimensions: dim[1...ndim].map { Int($0) }, voxelSizes: sizes,
                          datatype: Int(header.datatype), formatVersion: Int(version), sformCode: Int(header.sform_code),
                          qformCode: Int(header.qform_code), affine: affine, values: values)
    }

    /// Reads `buffer.count` bytes from `offset` of a plain or gzip file; returns how many it got.
    private static func readVoxels(_ file: String, offset: Int64, into buffer: inout [UInt8], path: String) throws(NIfTIError) -> Int {
        guard let gz = gzopen(file, "rb") else { throw .unreadable(path: path, reason: "cannot open the image file \(file)") }
        defer { gzclose(gz) }
        guard gzseek(gz, Int(offset), SEEK_SET) == Int(offset) else { return 0 }
        var total = 0
        while total < buffer.count {
            let chunk = min(buffer.count - total, 1 << 30)
            let n = buffer.withUnsafeMutableBytes { gzread(gz, $0.baseAddress! + total, UInt32(chunk)) }
            guard n > 0 else { break }
            total += Int(n)
        }
        return total
    }

    private static func matrix(_ m: nifti_dmat44) -> VoxelAffine {
        let rows = withUnsafeBytes(of: m.m) { Array($0.bindMemory(to: Double.self)) }
        return VoxelAffine(matrix: rows)
    }

    /// nibabel's affine for a header with neither sform nor qform: voxel sizes on the diagonal, x
    /// flipped, the volume's centre at the origin.
    static func fallbackAffine(dimensions: [Int], voxelSizes: [Double]) -> VoxelAffine {
        let shape = (0..<3).map { $0 < dimensions.count ? Double(dimensions[$0]) : 1 }
        let zooms = (0..<3).map { $0 < voxelSizes.count ? voxelSizes[$0] : 1 }
        let signs: [Double] = [-1, 1, 1]
        var m = [Double](repeating: 0, count: 16)
        for axis in 0..<3 {
            m[axis * 4 + axis] = signs[axis] * zooms[axis]
            m[axis * 4 + 3] = -(shape[axis] - 1) / 2 * zooms[axis] * signs[axis]
        }
        m[15] = 1
        return VoxelAffine(matrix: m)
    }
}

/// The stored voxel types Graft reads, and their conversion to Float.
enum VoxelKind {
    case uint8, int8, int16, uint16, int32, uint32, int64, uint64, float32, float64

    init?(datatype: Int) {
        switch datatype {
        case 2: self = .uint8
        case 256: self = .int8
        case 4: self = .int16
        case 512: self = .uint16
        case 8: self = .int32
        case 768: self = .uint32
        case 1024: self = .int64
        case 1280: self = .uint64
        case 16: self = .float32
        case 64: self = .float64
        default: return nil
        }
    }

    static func name(of datatype: Int) -> String {
        switch datatype {
        case 32, 1792, 2048: "complex"
        case 128, 2304: "RGB colour"
        case 1536: "128-bit float"
        case 1: "binary"
        default: "unknown"
        }
    }

    var size: Int {
        switch self {
        case .uint8, .int8: 1
        case .int16, .uint16: 2
        case .int32, .uint32, .float32: 4
        case .int64, .uint64, .float64: 8
        }
    }

    func floats(_ p: UnsafeRawPointer, count: Int) -> [Float] {
        func convert<T>(_ type: T.Type, _ f: (T) -> Float) -> [Float] {
            let typed = p.bindMemory(to: T.self, capacity: count)
            return (0..<count).map { f(typed[$0]) }
        }
        switch self {
        case .uint8: return convert(UInt8.self) { Float($0) }
        case .int8: return convert(Int8.self) { Float($0) }
        case .int16: return convert(Int16.self) { Float($0) }
        case .uint16: return convert(UInt16.self) { Float($0) }
        case .int32: return convert(Int32.self) { Float($0) }
        case .uint32: return convert(UInt32.self) { Float($0) }
        case .int64: return convert(Int64.self) { Float($0) }
        case .uint64: return convert(UInt64.self) { Float($0) }
        case .float32: return convert(Float.self) { $0 }
        case .float64: return convert(Double.self) { Float($0) }
        }
    }
}

/// nifticlib's global settings, set once: its messages to stderr are off (errors come back typed).
enum NIfTILibrary {
    private static let silenced: Void = { nifti_set_debug_level(0) }()
    static func quiet() { _ = silenced }
}
