import Testing
import GraftHDF5
import GraftImage
import GraftProtobufC

/// The C libraries are found through pkg-config and linked: each reports its version.
struct LinkedLibrariesTests {
    @Test func hdf5IsLinked() {
        let parts = HDF5Library.version.split(separator: ".").compactMap { Int($0) }
        #expect(parts.count == 3 && parts[0] == 1 && parts[1] >= 10, "\(HDF5Library.version)")
    }

    @Test func protobufCIsLinked() {
        #expect(ProtobufCLibrary.version.hasPrefix("1."), "\(ProtobufCLibrary.version)")
    }

    @Test func pngIsLinked() {
        #expect(ImageCodec.pngVersion.hasPrefix("1.6"), "\(ImageCodec.pngVersion)")
    }
}
