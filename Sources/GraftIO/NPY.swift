import Foundation
import GraftFiles
import GraftCore

/// NumPy's `.npy` format (https://numpy.org/doc/stable/reference/generated/numpy.lib.format.html):
/// magic `\x93NUMPY`, major and minor version bytes, a little-endian header length (UInt16 in 1.0,
/// UInt32 in 2.0/3.0), an ASCII (3.0: UTF-8) Python dict literal
/// `{'descr': '<f4', 'fortran_order': False, 'shape': (1, 3, 32, 32), }` padded to 64 bytes,
/// then the raw array data.
///
/// Arrays are read into float32 `Tensor`s (GraftCore) (every real and integer dtype converts), and written
/// as little-endian float32, version 1.0.
public enum NPY {
    /// Largest header accepted; numpy itself caps headers at 10 kB by default.
    static let maxHeaderLength = 1 << 20

    /// Parses one `.npy` image held in memory. `path` only names the source in errors.
    public static func decode(_ data: Data, path: String) throws(NumPyError) -> Tensor {
        let bytes = [UInt8](data)
        guard bytes.count >= 10 else { throw .truncated(path: path, needed: 10, available: bytes.count) }
        guard bytes[0] == 0x93, Array(bytes[1..<6]) == Array("NUMPY".utf8) else { throw .badMagic(path: path) }
        let major = Int(bytes[6]), minor = Int(bytes[7])
        let headerLength: Int, headerStart: Int
        switch major {
        case 1:
            headerLength = Int(bytes[8]) | Int(bytes[9]) << 8
            headerStart = 10
        case 2, 3:
            guard bytes.count >= 12 else { throw .truncated(path: path, needed: 12, available: bytes.count) }
            headerLength = Int(bytes[8]) | Int(bytes[9]) << 8 | Int(bytes[10]) << 16 | Int(bytes[11]) << 24
            headerStart = 12
        default:
            throw .unsupportedVersion(path: path, major: major, minor: minor)
        }
        guard headerLength <= maxHeaderLength else {
            throw .tooLarge(path: path, bytes: UInt64(headerLength), limit: UInt64(maxHeaderLength))
        }
        guard headerStart + headerLength <= bytes.count else {
            throw .truncated(path: path, needed: headerStart + headerLength, available: bytes.count)
        }
        guard let text = String(bytes: bytes[headerStart..<(headerStart + headerLength)], encoding: .utf8) else {
            throw .badHeader(path: path, reason: "header is not UTF-8 text")
        }
        let header = try NPYHeader(parsing: text, path: path)
        guard let count = Shape(header.shape).checkedElementCount,
              case (let byteCount, false) = count.multipliedReportingOverflow(by: header.dtype.byteSize) else {
            throw .badHeader(path: path, reason: "shape \(header.shape) is too large")
        }
        let dataStart = headerStart + headerLength
        guard bytes.count - dataStart >= byteCount else {
            throw .truncated(path: path, needed: dataStart + byteCount, available: bytes.count)
        }
        var scalars = [Float](repeating: 0, count: count)
        bytes.withUnsafeBytes { raw in
            header.dtype.convert(UnsafeRawBufferPointer(rebasing: raw[dataStart..<(dataStart + byteCount)]), into: &scalars)
        }
        if header.fortranOrder && header.shape.count > 1 {
            scalars = transposeFortran(scalars, shape: header.shape)
        }
        return Tensor(shape: Shape(header.shape), scalars: scalars)
    }

    /// Reads a `.npy` file, refusing files over `limit` bytes before reading them.
    public static func read(path: String, limit: UInt64 = 8 << 30) throws(NumPyError) -> Tensor {
        let size: UInt64
        do {
            let attributes = try FileManager.default.attributesOfItem(atPath: path)
            size = (attributes[.size] as? NSNumber)?.uint64Value ?? 0
        } catch { throw .io(path: path, reason: "cannot open: \(error.localizedDescription)") }
        guard size <= limit else { throw .tooLarge(path: path, bytes: size, limit: limit) }
        let data: Data
        do { data = try Data(contentsOf: URL(fileURLWithPath: path), options: .alwaysMapped) } catch {
            throw .io(path: path, reason: "cannot read: \(error.localizedDescription)")
        }
        return try decode(data, path: path)
    }

    /// Encodes a tensor as a version 1.0 little-endian float32 `.npy`.
    public static func encode(_ tensor: Tensor) -> Data {
        let shape = tensor.shape.dims.map(String.init)
        let shapeText = shape.count == 1 ? "(\(shape[0]),)" : "(" + shape.joined(separator: ", ") + ")"
        var header = "{'descr': '<f4', 'fortran_order': False, 'shape': \(shapeText), }"
        // Magic (6) + version (2) + length (2) + header + newline is a multiple of 64.
        let unpadded = 10 + header.utf8.count + 1
        header += String(repeating: " ", count: (64 - unpadded % 64) % 64) + "\n"
        var data = Data([0x93] + Array("NUMPY".utf8) + [1, 0])
        let length = UInt16(header.utf8.count)
        data.append(contentsOf: [UInt8(length & 0xFF), UInt8(length >> 8)])
        data.append(contentsOf: Array(header.utf8))
        tensor.scalars.withUnsafeBufferPointer { buffer in
            for value in buffer {
                let bits = value.bitPattern.littleEndian
                withUnsafeBytes(of: bits) { data.append(contentsOf: $0) }
            }
        }
        return data
    }

    /// Writes a tensor as `.npy`, atomically.
    public static func write(_ tensor: Tensor, to path: String) throws(NumPyError) {
        do { try AtomicFile.write(encode(tensor), to: path) } catch { throw .io(path: path, reason: error.reason) }
    }

    /// Fortran (column-major) order to C (row-major) order: a Fortran array of shape S is a C array
    /// of shape S reversed, whose axes reversed give S.
    private static func transposeFortran(_ values: [Float], shape: [Int]) -> [Float] {
        AxisPermutation.permuted(values, shape: shape.reversed(), order: Array((0..<shape.count).reversed()))
    }
}
