internal import CHDF5

/// The HDF5 library Graft is linked against. The Keras importer builds its interop layer here:
/// owned handles closed exactly once and the error stack captured into typed errors.
public enum HDF5Library {
    /// The linked library's version, e.g. "1.10.8".
    public static var version: String {
        var major: UInt32 = 0, minor: UInt32 = 0, release: UInt32 = 0
        _ = H5get_libversion(&major, &minor, &release)
        return "\(major).\(minor).\(release)"
    }
}
