#if canImport(Glibc)
internal import Glibc
#elseif canImport(Musl)
internal import Musl
#elseif canImport(Darwin)
internal import Darwin
#endif

/// The C library's float elementary functions, behind one name so that no kernel file imports
/// the platform's C module.
enum Elementary {
    @inline(__always) static func exp(_ x: Float) -> Float { expf(x) }
    @inline(__always) static func expMinusOne(_ x: Float) -> Float { expm1f(x) }
    @inline(__always) static func log(_ x: Float) -> Float { logf(x) }
    @inline(__always) static func logOnePlus(_ x: Float) -> Float { log1pf(x) }
    @inline(__always) static func pow(_ x: Float, _ y: Float) -> Float { powf(x, y) }
    @inline(__always) static func tanh(_ x: Float) -> Float { tanhf(x) }
}
