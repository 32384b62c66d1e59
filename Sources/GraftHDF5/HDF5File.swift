import Foundation
internal import CHDF5

/// An open HDF5 file. Owns its file identifier and closes it exactly once in `deinit`; groups,
/// datasets and attributes opened from it keep it alive.
public final class HDF5File: @unchecked Sendable {
    let id: hid_t
    /// The file's path (or the name given to an in-memory image), used in error messages.
    public let path: String
    /// True when opened for writing.
    public let isWritable: Bool

    private init(id: hid_t, path: String, isWritable: Bool) {
        self.id = id
        self.path = path
        self.isWritable = isWritable
    }

    deinit {
        HDF5Library.silenceThisThread()
        _ = H5Fclose(id)
    }

    /// The eight-byte signature every HDF5 superblock starts with.
    public static let signature: [UInt8] = [0x89, 0x48, 0x44, 0x46, 0x0D, 0x0A, 0x1A, 0x0A]

    /// True when `bytes` start with an HDF5 superblock signature (at offset 0; files with a user
    /// block have it at 512, 1024, ... and are detected by ``isHDF5(path:)`` instead).
    public static func hasSignature(_ bytes: some Collection<UInt8>) -> Bool {
        bytes.starts(with: signature)
    }

    /// Asks the library whether `path` is an HDF5 file (it searches the user-block offsets too).
    public static func isHDF5(path: String) throws(HDF5Error) -> Bool {
        try hdf5Bool("H5Fis_hdf5", path) { H5Fis_hdf5(path) }
    }

    /// Opens an existing file read-only.
    public static func open(path: String) throws(HDF5Error) -> HDF5File {
        let id = try hdf5("H5Fopen", path) { H5Fopen(path, chdf5_f_acc_rdonly(), chdf5_p_default()) }
        return HDF5File(id: id, path: path, isWritable: false)
    }

    /// Opens an in-memory file image read-only (a `.keras` archive's `model.weights.h5`), through
    /// the core driver without a backing file. The library copies `image`.
    public static func open(image: [UInt8], name: String) throws(HDF5Error) -> HDF5File {
        guard !image.isEmpty else {
            throw HDF5Error(operation: "open file image", path: name, stack: [], kind: .invalidArgument("the image is empty"))
        }
        let fapl = try HDF5Temporary(.propertyList, "H5Pcreate(file access)", name) { H5Pcreate(chdf5_p_file_access()) }
        let faplID = fapl.id
        try hdf5("H5Pset_fapl_core", name) { H5Pset_fapl_core(faplID, 1 << 16, false) }
        try hdf5("H5Pset_file_image", name) {
            image.withUnsafeBytes { H5Pset_file_image(faplID, UnsafeMutableRawPointer(mutating: $0.baseAddress), $0.count) }
        }
        let id = try hdf5("H5Fopen(image)", name) { H5Fopen(name, chdf5_f_acc_rdonly(), faplID) }
        return HDF5File(id: id, path: name, isWritable: false)
    }

    /// Creates a file for writing, replacing any existing one. With `trackCreationOrder`, the root
    /// group's members can later be listed in creation order.
    public static func create(path: String, trackCreationOrder: Bool = false) throws(HDF5Error) -> HDF5File {
        let fcpl = try HDF5Temporary(.propertyList, "H5Pcreate(file create)", path) { H5Pcreate(chdf5_p_file_create()) }
        let fcplID = fcpl.id
        if trackCreationOrder {
            try hdf5("H5Pset_link_creation_order", path) {
                H5Pset_link_creation_order(fcplID, chdf5_crt_order_tracked_indexed())
            }
        }
        let id = try hdf5("H5Fcreate", path) { H5Fcreate(path, chdf5_f_acc_trunc(), fcplID, chdf5_p_default()) }
        return HDF5File(id: id, path: path, isWritable: true)
    }

    /// The root group `/`.
    public func root() throws(HDF5Error) -> HDF5Group {
        let fileID = id
        let groupID = try hdf5("H5Gopen2", "\(path):/") { H5Gopen2(fileID, "/", chdf5_p_default()) }
        return HDF5Group(id: groupID, file: self, objectPath: "/")
    }

    /// Writes buffered data to disk (for files opened with ``create(path:trackCreationOrder:)``).
    public func flush() throws(HDF5Error) {
        let fileID = id
        try hdf5("H5Fflush", path) { H5Fflush(fileID, H5F_SCOPE_GLOBAL) }
    }

    /// "file:/object/path", the form every error message uses.
    func describe(_ objectPath: String) -> String { "\(path):\(objectPath)" }
}
