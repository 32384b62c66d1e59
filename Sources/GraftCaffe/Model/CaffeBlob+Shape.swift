extension CaffeBlob {
    /// The shape of a stored blob, decided as Caffe's `Blob::FromProto` does: any of the legacy
    /// num/channels/height/width fields wins (absent ones count 0), otherwise `shape`'s dims
    /// (none at all: a scalar).
    static func storedShape(blobShape: [Int]?, num: Int?, channels: Int?, height: Int?, width: Int?) -> ([Int], ShapeSource) {
        if num != nil || channels != nil || height != nil || width != nil {
            return ([num ?? 0, channels ?? 0, height ?? 0, width ?? 0], .legacy4D)
        }
        return (blobShape ?? [], .blobShape)
    }

    /// The element count of a stored shape, or nil for a negative dimension or overflow.
    static func elementCount(_ shape: [Int]) -> Int? {
        var total = 1
        for d in shape {
            guard d >= 0 else { return nil }
            let (product, overflow) = total.multipliedReportingOverflow(by: d)
            if overflow { return nil }
            total = product
        }
        return total
    }
}
