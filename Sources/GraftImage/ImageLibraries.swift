internal import CPNG
internal import CJPEG

/// The image codecs Graft is linked against (libpng, libjpeg-turbo), used by dataset loading.
public enum ImageLibraries {
    /// libpng's version string, e.g. "1.6.39".
    public static var pngVersion: String { String(cString: png_get_libpng_ver(nil)) }
    /// The libjpeg API version implemented (62 for libjpeg-turbo's default ABI).
    public static var jpegVersion: Int { Int(cjpeg_lib_version()) }
}
