import Foundation

/// A line chart with axes, ticks, grid, legend and optional per-point error bars, rendered to SVG.
/// Small on purpose: what ROC curves, FROC curves and learning curves need, nothing more.
public struct LinePlot: Sendable {
    /// One named line of the chart.
    public struct Series: Sendable {
        /// The legend's label.
        public var name: String
        /// The line's points, joined in order.
        public var points: [(x: Double, y: Double)]
        /// Optional (low, high) per point, drawn as vertical error bars.
        public var errorBars: [(low: Double, high: Double)]?
        /// Draws the line dashed.
        public var dashed: Bool
        /// Draws a marker at each point.
        public var markers: Bool

        /// A series; solid, without markers or error bars unless asked.
        public init(name: String, points: [(x: Double, y: Double)], errorBars: [(low: Double, high: Double)]? = nil,
                    dashed: Bool = false, markers: Bool = false) {
            self.name = name
            self.points = points
            self.errorBars = errorBars
            self.dashed = dashed
            self.markers = markers
        }
    }

    /// The chart's title, above the plot.
    public var title: String
    /// The x axis's label.
    public var xLabel: String
    /// The y axis's label.
    public var yLabel: String
    /// The x axis's extent; nil spans the data.
    public var xRange: ClosedRange<Double>?
    /// The y axis's extent; nil spans the data.
    public var yRange: ClosedRange<Double>?
    /// Log-scale x axis (e.g. training-set fraction).
    public var logX: Bool
    /// The lines, drawn and listed in the legend in order.
    public var series: [Series]
    /// Explicit x ticks (e.g. the fractions a study ran); nil chooses them.
    public var xTicks: [Double]?
    /// A diagonal reference line from (min, min) to (max, max) (the chance line of a ROC plot).
    public var diagonal: Bool
    /// The picture's width in SVG units (widened when the legend's longest name needs it).
    public var width = 640.0
    /// The picture's height in SVG units.
    public var height = 480.0

    /// A chart of `series` with automatic ticks and 640x480 size.
    public init(title: String, xLabel: String, yLabel: String, xRange: ClosedRange<Double>? = nil,
                yRange: ClosedRange<Double>? = nil, logX: Bool = false, series: [Series] = [], diagonal: Bool = false) {
        self.title = title
        self.xLabel = xLabel
        self.yLabel = yLabel
        self.xRange = xRange
        self.yRange = yRange
        self.logX = logX
        self.series = series
        self.diagonal = diagonal
    }

    /// A colour-blind-safe palette (Okabe–Ito).
    static let palette = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000", "#F0E442"]

    /// The chart as an SVG document.
    public func svg() -> String {
        // The legend sits right of the plot; widen the picture so the longest name fits.
        let longest = Double(series.map(\.name.count).max() ?? 0)
        let margin = (left: 70.0, right: max(170.0, 52 + 7.2 * longest), top: 40.0, bottom: 55.0)
        let width = self.width - 170 + margin.right
        let plotW = width - margin.left - margin.right, plotH = height - margin.top - margin.bottom
        let xs = series.flatMap { $0.points.map(\.x) }.filter(\.isFinite)
        let ys = series.flatMap { s in s.points.map(\.y) + (s.errorBars?.flatMap { [$0.low, $0.high] } ?? []) }.filter(\.isFinite)
        let xr = xRange ?? ((xs.min() ?? 0)...(max(xs.max() ?? 1, (xs.min() ?? 0) + 1e-9)))
        let yr = yRange ?? ((ys.min() ?? 0)...(max(ys.max() ?? 1, (ys.min() ?? 0) + 1e-9)))
        func tx(_ x: Double) -> Double {
            let t = logX ? (log(max(x, 1e-12)) - log(xr.lowerBound)) / (log(xr.upperBound) - log(xr.lowerBound))
                : (x - xr.lowerBound) / (xr.upperBound - xr.lowerBound)
            return margin.left + t * plotW
        }
        func ty(_ y: Double) -> Double { margin.top + (1 - (y - yr.lowerBound) / (yr.upperBound - yr.lowerBound)) * plotH }
        func f(_ v: Double) -> String { String(format: "%.2f", v) }

        var out = """
            <svg xmlns="http://www.w3.org/2000/svg" width="\(Int(width))" height="\(Int(height))" viewBox="0 0 \(Int(width)) \(Int(height))" font-family="DejaVu Sans, Arial, sans-serif">
            <rect width="100%" height="100%" fill="white"/>
            <text x="\(f(margin.left + plotW / 2))" y="24" text-anchor="middle" font-size="16" font-weight="bold">\(escape(title))</text>

            """
        // Grid and ticks.
        let xTicks = self.xTicks ?? (logX ? logTicks(xr) : niceTicks(xr))
        for t in xTicks {
            out += "<line x1=\"\(f(tx(t)))\" y1=\"\(f(margin.top))\" x2=\"\(f(tx(t)))\" y2=\"\(f(margin.top + plotH))\" stroke=\"#e5e5e5\"/>\n"
            out += "<text x=\"\(f(tx(t)))\" y=\"\(f(margin.top + plotH + 18))\" text-anchor=\"middle\" font-size=\"12\">\(tickLabel(t))</text>\n"
        }
        for t in niceTicks(yr) {
            out += "<line x1=\"\(f(margin.left))\" y1=\"\(f(ty(t)))\" x2=\"\(f(margin.left + plotW))\" y2=\"\(f(ty(t)))\" stroke=\"#e5e5e5\"/>\n"
            out += "<text x=\"\(f(margin.left - 8))\" y=\"\(f(ty(t) + 4))\" text-anchor=\"end\" font-size=\"12\">\(tickLabel(t))</text>\n"
        }
        out += "<rect x=\"\(f(margin.left))\" y=\"\(f(margin.top))\" width=\"\(f(plotW))\" height=\"\(f(plotH))\" fill=\"none\" stroke=\"#333\"/>\n"
        out += "<text x=\"\(f(margin.left + plotW / 2))\" y=\"\(f(height - 12))\" text-anchor=\"middle\" font-size=\"13\">\(escape(xLabel))</text>\n"
        out += "<text x=\"18\" y=\"\(f(margin.top + plotH / 2))\" text-anchor=\"middle\" font-size=\"13\" transform=\"rotate(-90 18 \(f(margin.top + plotH / 2)))\">\(escape(yLabel))</text>\n"
        if diagonal {
            let lo = max(xr.lowerBound, yr.lowerBound), hi = min(xr.upperBound, yr.upperBound)
            out += "<line x1=\"\(f(tx(lo)))\" y1=\"\(f(ty(lo)))\" x2=\"\(f(tx(hi)))\" y2=\"\(f(ty(hi)))\" stroke=\"#999\" stroke-dasharray=\"4 4\"/>\n"
        }
        // Series and legend.
        for (i, s) in series.enumerated() {
            let colour = Self.palette[i % Self.palette.count]
            let finite = s.points.filter { $0.x.isFinite && $0.y.isFinite }
            let path = finite.map { "\(f(tx($0.x))),\(f(ty($0.y)))" }.joined(separator: " ")
            out += "<polyline points=\"\(path)\" fill=\"none\" stroke=\"\(colour)\" stroke-width=\"2\"\(s.dashed ? " stroke-dasharray=\"6 4\"" : "")/>\n"
            if s.markers {
                for p in finite { out += "<circle cx=\"\(f(tx(p.x)))\" cy=\"\(f(ty(p.y)))\" r=\"3.5\" fill=\"\(colour)\"/>\n" }
            }
            if let bars = s.errorBars {
                for (p, bar) in zip(s.points, bars) where p.x.isFinite && bar.low.isFinite && bar.high.isFinite {
                    out += "<line x1=\"\(f(tx(p.x)))\" y1=\"\(f(ty(bar.low)))\" x2=\"\(f(tx(p.x)))\" y2=\"\(f(ty(bar.high)))\" stroke=\"\(colour)\" stroke-width=\"1.2\"/>\n"
                }
            }
            let ly = margin.top + 12 + Double(i) * 20
            out += "<line x1=\"\(f(margin.left + plotW + 12))\" y1=\"\(f(ly))\" x2=\"\(f(margin.left + plotW + 36))\" y2=\"\(f(ly))\" stroke=\"\(colour)\" stroke-width=\"2\"\(s.dashed ? " stroke-dasharray=\"6 4\"" : "")/>\n"
            out += "<text x=\"\(f(margin.left + plotW + 42))\" y=\"\(f(ly + 4))\" font-size=\"12\">\(escape(s.name))</text>\n"
        }
        out += "</svg>\n"
        return out
    }

    /// Writes `<base>.svg` and, when `rsvg-convert` is available, `<base>.png`. Returns the paths written.
    @discardableResult
    public func write(to base: String) throws -> [String] {
        let svgPath = base + ".svg"
        try svg().write(toFile: svgPath, atomically: true, encoding: .utf8)
        var written = [svgPath]
        if let png = try? SVGRasterizer.png(fromSVG: svgPath, to: base + ".png") { written.append(png) }
        return written
    }
}

func escape(_ s: String) -> String {
    s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
        .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
}

/// About five "nice" ticks (1, 2, 5 times a power of ten) covering the range.
func niceTicks(_ range: ClosedRange<Double>) -> [Double] {
    let span = range.upperBound - range.lowerBound
    guard span > 0, span.isFinite else { return [range.lowerBound] }
    let raw = span / 5
    let power = pow(10, floor(log10(raw)))
    let step = [1.0, 2, 5, 10].map { $0 * power }.first { $0 >= raw } ?? raw
    var ticks: [Double] = []
    var t = ceil(range.lowerBound / step) * step
    while t <= range.upperBound + step * 1e-9 {
        ticks.append(abs(t) < step * 1e-9 ? 0 : t)
        t += step
    }
    return ticks
}

/// Ticks at 1, 2, 5 times powers of ten inside a positive range.
func logTicks(_ range: ClosedRange<Double>) -> [Double] {
    guard range.lowerBound > 0 else { return niceTicks(range) }
    var ticks: [Double] = []
    var power = pow(10, floor(log10(range.lowerBound)))
    while power <= range.upperBound {
        for m in [1.0, 2, 5] where (range.lowerBound...range.upperBound).contains(m * power) { ticks.append(m * power) }
        power *= 10
    }
    return ticks
}

func tickLabel(_ v: Double) -> String {
    if v == v.rounded() && abs(v) < 1e6 { return String(Int(v)) }
    var s = String(format: "%.3f", v)
    while s.hasSuffix("0") { s.removeLast() }
    return s
}
