import Foundation

/// Number formats shared by the commands.
enum Format {
    /// 60965224 -> "60,965,224".
    static func grouped(_ n: Int) -> String {
        let digits = String(n.magnitude)
        var out = ""
        for (i, c) in digits.enumerated() {
            if i > 0, (digits.count - i) % 3 == 0 { out.append(",") }
            out.append(c)
        }
        return (n < 0 ? "-" : "") + out
    }

    /// 724_406_816 -> "724.4M"; below 1000 the plain number.
    static func metric(_ n: Int) -> String {
        let x = Double(n)
        for (limit, suffix) in [(1e12, "T"), (1e9, "G"), (1e6, "M"), (1e3, "k")] where abs(x) >= limit {
            return String(format: "%.1f%@", x / limit, suffix)
        }
        return String(n)
    }

    /// Bytes in binary units: "232.6 MiB".
    static func bytes(_ n: Int) -> String {
        let x = Double(n)
        for (limit, suffix) in [(1024.0 * 1024 * 1024, "GiB"), (1024.0 * 1024, "MiB"), (1024.0, "KiB")] where x >= limit {
            return String(format: "%.1f %@", x / limit, suffix)
        }
        return "\(n) B"
    }

    /// A float in compact scientific or fixed notation.
    static func float(_ x: Float) -> String {
        if x.isNaN { return "nan" }
        if x.isInfinite { return x > 0 ? "inf" : "-inf" }
        if x == 0 { return "0" }
        let m = abs(x)
        return m >= 1e-3 && m < 1e5 ? String(format: "%.4g", Double(x)) : String(format: "%.3e", Double(x))
    }
}
