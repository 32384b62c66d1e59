import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Writes a file of known length front to back, except for its first `headLength` bytes (the
/// *head*), which are supplied last: a header that can only be completed once the bytes after it
/// are on their way (digests computed meanwhile) is written after them.
///
/// - **Direct I/O** (Linux, when asked for): the file is opened with `O_DIRECT`, and the bytes go
///   through an 8 MiB aligned staging buffer straight to the device. Writing then costs no copy into
///   the page cache (for a 244 MB file that copy took longer than the device did), and the final
///   `fsync` has only metadata left to flush. Writes are whole 4 KiB blocks at 4 KiB offsets: the
///   block the head shares with the first bytes after it is held back and written with the head;
///   the last block is padded with zeros and the file truncated to its length.
/// - **Buffered**: positioned writes through the page cache, as any file. Used when direct I/O was
///   not asked for, and as the fallback wherever it is refused: `O_DIRECT` unknown on the platform,
///   refused by the file system at `open` (tmpfs before Linux 6.6, some FUSE file systems), or at
///   the first write (`EINVAL`: an alignment the device does not accept). The fallback only changes
///   how bytes reach the file, never which bytes.
///
/// One owner: the writer owns the descriptor it opens and closes it exactly once.
package final class StagedFileWriter {
    /// Offset, length and memory alignment of direct writes: the page size, which covers the
    /// logical block size of every common device (512 or 4096 bytes).
    package static let defaultAlignment = 4096
    /// The staging buffer: large enough that the per-write cost vanishes, small enough to stay hot.
    package static let defaultStagingSize = 8 << 20

    package let path: String
    package let alignment: Int
    package let stagingSize: Int
    /// Bytes in the finished file.
    package let length: Int
    /// Bytes at the start of the file supplied by ``finish(head:)``.
    package let headLength: Int
    /// Whether writes currently bypass the page cache (false after a fallback).
    package private(set) var isDirect: Bool

    private var descriptor: Int32
    /// Next file offset to fill; starts after the head.
    private var position: Int
    /// Direct mode: the staging buffer and the file offset its first byte stands for.
    private var staging: UnsafeMutableRawPointer?
    private var stagingStart: Int
    /// Direct mode: the block shared by the head's end and the first bytes after it, held back from
    /// the first flush (nil until then, and when the head ends on a block boundary).
    private var heldBlock: [UInt8]?
    private var finished = false

    /// Creates `path` (which must not exist) for writing `length` bytes.
    ///
    /// - Parameters:
    ///   - direct: try direct I/O (ignored where the platform has no `O_DIRECT`).
    ///   - alignment, stagingSize: for tests (a power of two, and a multiple of it).
    /// - Throws: ``AtomicFile/Failure`` when the file cannot be created.
    package init(creating path: String, length: Int, headLength: Int, direct: Bool,
         alignment: Int = defaultAlignment, stagingSize: Int = defaultStagingSize) throws(AtomicFile.Failure) {
        precondition(length >= 0 && headLength >= 0 && headLength <= length, "StagedFileWriter: head \(headLength) of \(length) bytes")
        precondition(alignment > 0 && alignment & (alignment - 1) == 0 && stagingSize >= alignment && stagingSize % alignment == 0,
                     "StagedFileWriter: staging \(stagingSize) with alignment \(alignment)")
        self.path = path
        self.length = length
        self.headLength = headLength
        self.alignment = alignment
        self.stagingSize = stagingSize
        position = headLength
        stagingStart = headLength - headLength % alignment
        let flags = O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC
        var fd: Int32 = -1
        var direct = direct && Self.directFlag != nil
        if direct, let directFlag = Self.directFlag {
            fd = Self.retrying { open(path, flags | directFlag, 0o666) }
            if fd < 0 && errno == EINVAL { direct = false }   // the file system refuses direct I/O
        }
        if !direct { fd = Self.retrying { open(path, flags, 0o666) } }
        guard fd >= 0 else { throw AtomicFile.Failure(path: path, reason: "cannot create: \(Self.errnoText())") }
        descriptor = fd
        isDirect = direct
        if direct {
            // 2 MiB-aligned, so that the buffer can be one transparent huge page per 2 MiB (faulted
            // in once per 2 MiB instead of once per 4 KiB page).
            var buffer: UnsafeMutableRawPointer?
            guard posix_memalign(&buffer, max(2 << 20, alignment), stagingSize) == 0, let buffer else {
                close(fd)
                unlink(path)
                throw AtomicFile.Failure(path: path, reason: "cannot allocate the \(stagingSize)-byte staging buffer")
            }
            HugePages.advise(buffer, byteCount: stagingSize)
            staging = buffer
        }
    }

    deinit {
        if let staging { free(staging) }   // from posix_memalign
        if descriptor >= 0 { close(descriptor) }
    }

    /// Appends `bytes` after what was written so far (the first call writes just after the head).
    package func append(_ bytes: UnsafeRawBufferPointer) throws(AtomicFile.Failure) {
        precondition(!finished, "StagedFileWriter: append after finish")
        guard var source = bytes.baseAddress, !bytes.isEmpty else { return }
        precondition(bytes.count <= length - position, "StagedFileWriter: \(bytes.count) bytes past the declared length \(length)")
        guard let staging else {
            try writeAll(source, count: bytes.count, at: position)
            position += bytes.count
            return
        }
        var remaining = bytes.count
        while remaining > 0 {
            let filled = position - stagingStart
            let n = min(remaining, stagingSize - filled)
            (staging + filled).copyMemory(from: source, byteCount: n)
            position += n
            source += n
            remaining -= n
            if position - stagingStart == stagingSize { try flushStaging(staging) }
        }
    }

    /// Writes the head and whatever is still staged, then truncates away the padding of the last
    /// block. Does not sync: ``AtomicFile`` does, once, for the whole file.
    package func finish(head: some Collection<UInt8>) throws(AtomicFile.Failure) {
        precondition(!finished, "StagedFileWriter: finish called twice")
        precondition(head.count == headLength, "StagedFileWriter: head of \(head.count) bytes, \(headLength) declared")
        precondition(position == length, "StagedFileWriter: \(length - position) of \(length) bytes never appended")
        finished = true
        let headBytes = Array(head)
        guard let staging else {
            if !headBytes.isEmpty {
                try headBytes.withUnsafeBytes { raw in
                    Result { () throws(AtomicFile.Failure) in try writeAll(raw.baseAddress!, count: raw.count, at: 0) }
                }.get()
            }
            return
        }
        var padded = false
        if heldBlock == nil && stagingStart < headLength {
            // Nothing flushed yet and the staging buffer starts inside the head: complete its first
            // block with the head's tail, write it with everything staged, then the head before it.
            let tail = headLength - stagingStart
            headBytes.withUnsafeBytes { staging.copyMemory(from: $0.baseAddress! + stagingStart, byteCount: tail) }
            padded = try writeStaged(staging)
            try writeAligned(Array(headBytes[0..<stagingStart]), at: 0)
        } else {
            if position > stagingStart { padded = try writeStaged(staging) }
            var region = headBytes
            if let heldBlock {
                // The held block stands for [alignDown(head), alignUp(head)); its first bytes are the head's tail.
                region += heldBlock[(headLength % alignment)...]
            }
            try writeAligned(region, at: 0)
        }
        if padded {
            guard Self.retrying({ ftruncate(descriptor, off_t(length)) }) == 0 else {
                throw AtomicFile.Failure(path: path, reason: "cannot truncate to \(length) bytes: \(Self.errnoText())")
            }
        }
    }

    /// Flushes the descriptor's data and metadata to the device, then closes it.
    package func syncAndClose() throws(AtomicFile.Failure) {
        precondition(finished, "StagedFileWriter: sync before finish")
        let fd = descriptor
        descriptor = -1
        guard Self.retrying({ fsync(fd) }) == 0 else {
            let reason = Self.errnoText()
            close(fd)
            throw AtomicFile.Failure(path: path, reason: "fsync failed: \(reason)")
        }
        guard close(fd) == 0 else { throw AtomicFile.Failure(path: path, reason: "close failed: \(Self.errnoText())") }
    }

    // MARK: Direct mode

    /// Writes a full staging buffer and moves it on. The first flush holds back the block the head
    /// shares with the data, which ``finish(head:)`` writes with the head.
    private func flushStaging(_ staging: UnsafeMutableRawPointer) throws(AtomicFile.Failure) {
        var skip = 0
        if stagingStart < headLength {
            skip = alignment
            heldBlock = Array(UnsafeRawBufferPointer(start: staging, count: skip))
        }
        try writeAll(staging + skip, count: stagingSize - skip, at: stagingStart + skip)
        stagingStart += stagingSize
    }

    /// Writes the staged bytes up to `position`, padded with zeros to whole blocks; true when padded.
    private func writeStaged(_ staging: UnsafeMutableRawPointer) throws(AtomicFile.Failure) -> Bool {
        let count = position - stagingStart
        let blocks = roundUp(count)
        (staging + count).initializeMemory(as: UInt8.self, repeating: 0, count: blocks - count)
        try writeAll(staging, count: blocks, at: stagingStart)
        return blocks != count
    }

    /// Writes `bytes` (whole blocks) at an aligned `offset` from an aligned copy.
    private func writeAligned(_ bytes: [UInt8], at offset: Int) throws(AtomicFile.Failure) {
        guard !bytes.isEmpty else { return }
        let count = roundUp(bytes.count)
        precondition(count == bytes.count || offset + count >= length, "StagedFileWriter: unaligned head")
        let buffer = UnsafeMutableRawPointer.allocate(byteCount: count, alignment: max(alignment, 16))
        defer { buffer.deallocate() }
        bytes.withUnsafeBytes { buffer.copyMemory(from: $0.baseAddress!, byteCount: bytes.count) }
        (buffer + bytes.count).initializeMemory(as: UInt8.self, repeating: 0, count: count - bytes.count)
        try writeAll(buffer, count: count, at: offset)
    }

    private func roundUp(_ count: Int) -> Int { (count + alignment - 1) / alignment * alignment }

    // MARK: System calls

    /// `pwrite` until every byte is written; EINTR is retried, and an EINVAL from direct I/O turns
    /// direct I/O off for this file (the device wants another alignment) and retries buffered.
    private func writeAll(_ base: UnsafeRawPointer, count: Int, at offset: Int) throws(AtomicFile.Failure) {
        var done = 0
        while done < count {
            let n = pwrite(descriptor, base + done, count - done, off_t(offset + done))
            if n > 0 {
                done += n
                continue
            }
            if n < 0 && errno == EINTR { continue }
            if n < 0 && errno == EINVAL && isDirect, let directFlag = Self.directFlag {
                let flags = fcntl(descriptor, F_GETFL)
                if flags >= 0 && fcntl(descriptor, F_SETFL, flags & ~directFlag) == 0 {
                    isDirect = false
                    continue
                }
            }
            let reason = n == 0 ? "wrote nothing" : Self.errnoText()
            throw AtomicFile.Failure(path: path, reason: "write of \(count - done) bytes at offset \(offset + done) failed: \(reason)")
        }
    }

    static func retrying(_ call: () -> Int32) -> Int32 {
        while true {
            let result = call()
            if result >= 0 || errno != EINTR { return result }
        }
    }

    static func errnoText() -> String { String(cString: strerror(errno)) }

    /// `O_DIRECT`, which Swift cannot import (glibc defines it only under `_GNU_SOURCE`); its value
    /// differs between architectures (Linux `include/uapi/asm-generic/fcntl.h` and the arm64
    /// override). nil where unknown: writes are then buffered.
    package static let directFlag: Int32? = {
        #if os(Linux) && (arch(x86_64) || arch(i386))
        return 0o40000
        #elseif os(Linux) && (arch(arm64) || arch(arm))
        return 0o200000
        #else
        return nil
        #endif
    }()
}
