import Foundation

/// Writes a zip archive of stored (uncompressed) members byte by byte, the way the format is
/// specified, so `.keras` fixtures do not depend on the reader's own zip library.
enum ZipBuilder {
    static func archive(_ members: [(name: String, bytes: [UInt8])]) -> [UInt8] {
        var out: [UInt8] = []
        var central: [UInt8] = []
        for (name, bytes) in members {
            let offset = UInt32(out.count)
            let crc = crc32(bytes)
            let nameBytes = Swift.Array(name.utf8)
            var header: [UInt8] = []
            header += le(UInt32(0x0403_4B50)) + le(UInt16(20)) + le(UInt16(0)) + le(UInt16(0))
            header += le(UInt16(0)) + le(UInt16(0x21)) + le(crc)
            header += le(UInt32(bytes.count)) + le(UInt32(bytes.count)) + le(UInt16(nameBytes.count)) + le(UInt16(0))
            out += header + nameBytes + bytes
            central += le(UInt32(0x0201_4B50)) + le(UInt16(20)) + le(UInt16(20)) + le(UInt16(0)) + le(UInt16(0))
            central += le(UInt16(0)) + le(UInt16(0x21)) + le(crc) + le(UInt32(bytes.count)) + le(UInt32(bytes.count))
            central += le(UInt16(nameBytes.count)) + le(UInt16(0)) + le(UInt16(0)) + le(UInt16(0)) + le(UInt16(0))
            central += le(UInt32(0)) + le(offset) + nameBytes
        }
        let centralOffset = UInt32(out.count)
        out += central
        out += le(UInt32(0x0605_4B50)) + le(UInt16(0)) + le(UInt16(0)) + le(UInt16(members.count))
        out += le(UInt16(members.count)) + le(UInt32(central.count)) + le(centralOffset) + le(UInt16(0))
        return out
    }

    static func crc32(_ bytes: [UInt8]) -> UInt32 {
        var crc: UInt32 = 0xFFFF_FFFF
        for byte in bytes {
            crc ^= UInt32(byte)
            for _ in 0..<8 { crc = crc & 1 == 1 ? (crc >> 1) ^ 0xEDB8_8320 : crc >> 1 }
        }
        return ~crc
    }

    private static func le<T: FixedWidthInteger>(_ value: T) -> [UInt8] {
        withUnsafeBytes(of: value.littleEndian) { Swift.Array($0) }
    }
}
