#if canImport(Glibc)
import Glibc
#endif

/// Transparent huge pages for large buffers about to be filled: one page fault per 2 MiB instead of
/// one per 4 KiB. Linux's default THP mode (`madvise`) only gives them to memory that asks.
public enum HugePages {
    /// Buffers below this are left alone (at least one whole 2 MiB page must fit inside).
    public static let minimumByteCount = 4 << 20
    static let size = 2 << 20

    /// Advises the kernel to back the whole 2 MiB pages inside `[start, start + byteCount)` with huge
    /// pages. Purely advisory: contents and ownership are unchanged, failures are ignored.
    public static func advise(_ start: UnsafeMutableRawPointer, byteCount: Int) {
        #if os(Linux)
        guard byteCount >= minimumByteCount else { return }
        let address = UInt(bitPattern: start)
        let first = (address + UInt(size - 1)) & ~UInt(size - 1)
        let end = (address + UInt(byteCount)) & ~UInt(size - 1)
        guard end > first, let pointer = UnsafeMutableRawPointer(bitPattern: first) else { return }
        _ = madvise(pointer, Int(end - first), MADV_HUGEPAGE)
        #endif
    }
}
