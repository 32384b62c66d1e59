internal import CProtobufC

/// The protobuf-c runtime Graft is linked against; the Caffe importer decodes `.caffemodel` files
/// through it with generated message descriptors.
public enum ProtobufCLibrary {
    /// The linked runtime's version, e.g. "1.4.1".
    public static var version: String { String(cString: protobuf_c_version()) }
}
