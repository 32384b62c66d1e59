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
    @inline(__always) static func erf(_ x: Float) -> Float { erff(x) }
    @inline(__always) static func logDouble(_ x: Double) -> Double { cLog(x) }
    @inline(__always) static func sqrtDouble(_ x: Double) -> Double { x.squareRoot() }
    @inline(__always) static func cosDouble(_ x: Double) -> Double { cCos(x) }
    @inline(__always) static func powDouble(_ x: Double, _ y: Double) -> Double { cPow(x, y) }
}

// File-scope wrappers: inside `Elementary` the unqualified names would find its own members.
@inline(__always) private func cLog(_ x: Double) -> Double { log(x) }
@inline(__always) private func cCos(_ x: Double) -> Double { cos(x) }
@inline(__always) private func cPow(_ x: Double, _ y: Double) -> Double { pow(x, y) }
