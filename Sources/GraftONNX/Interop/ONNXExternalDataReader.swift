import Foundation

extension ONNXTensor {
    /// This tensor with its external data read from the model's folder (`modelFile` names the
    /// model in errors); a tensor stored inline is returned unchanged.
    ///
    /// The location must stay inside the folder once symbolic links are resolved (no absolute
    /// path, no `..` that climbs out, no link pointing elsewhere); offset and length must lie
    /// inside the data file and match the tensor's dims.
    public func loadingExternalData(folder: String, modelFile: String) throws(ONNXError) -> ONNXTensor {
        guard case .external(let external) = data else { return self }
        func invalid(_ reason: String) -> ONNXError { .invalidExternalData(file: modelFile, tensor: name, reason: reason) }
        guard let count = elementCount, let width = dataType.byteWidth else { throw invalid("dims \(dims) or type \(dataType) unusable") }
        let (needed, overflow) = count.multipliedReportingOverflow(by: width)
        guard !overflow else { throw invalid("dims \(dims) overflow") }
        let path = try Self.resolve(external.location, in: folder, invalid: invalid)
        let handle: FileHandle
        do { handle = try FileHandle(forReadingFrom: URL(fileURLWithPath: path)) } catch {
            throw invalid("cannot open '\(external.location)': \(error.localizedDescription)")
        }
        defer { try? handle.close() }
        let size: UInt64
        do { size = try handle.seekToEnd() } catch { throw invalid("cannot read '\(external.location)'") }
        let length = external.length ?? Int(clamping: size) - external.offset
        guard length == needed else {
            throw invalid("holds \(length) bytes; dims \(dims) of \(dataType) need \(needed)")
        }
        let (end, endOverflow) = external.offset.addingReportingOverflow(length)
        guard external.offset >= 0, !endOverflow, UInt64(end) <= size else {
            throw invalid("bytes \(external.offset)..<\(external.offset &+ length) lie outside '\(external.location)' (\(size) bytes)")
        }
        let bytes: Foundation.Data
        do {
            try handle.seek(toOffset: UInt64(external.offset))
            bytes = try handle.read(upToCount: length) ?? Foundation.Data()
        } catch { throw invalid("cannot read '\(external.location)': \(error.localizedDescription)") }
        guard bytes.count == length else { throw invalid("read \(bytes.count) of \(length) bytes") }
        var loaded = self
        loaded.data = bytes.withUnsafeBytes { ONNXDecoding.decodeRaw($0, type: dataType, count: count) }
        return loaded
    }

    /// `location` resolved inside `folder`, or an error when it would leave it.
    static func resolve(_ location: String, in folder: String, invalid: (String) -> ONNXError) throws(ONNXError) -> String {
        guard !location.hasPrefix("/"), !location.contains("\0") else { throw invalid("location '\(location)' must be relative to the model's folder") }
        let components = location.split(separator: "/", omittingEmptySubsequences: true)
        guard !components.contains("..") else { throw invalid("location '\(location)' leaves the model's folder") }
        let base = URL(fileURLWithPath: folder).resolvingSymlinksInPath().standardizedFileURL.path
        let resolved = URL(fileURLWithPath: folder).appendingPathComponent(location).resolvingSymlinksInPath().standardizedFileURL.path
        let prefix = base.hasSuffix("/") ? base : base + "/"
        guard resolved.hasPrefix(prefix) else { throw invalid("location '\(location)' resolves outside the model's folder") }
        return resolved
    }
}
