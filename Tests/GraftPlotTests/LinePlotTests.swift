import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import Testing
import GraftTestSupport
@testable import GraftPlot

struct LinePlotTests {
    @Test func ticksAreNice() {
        let unit = niceTicks(0...1)
        #expect(unit.count == 6 && unit.first == 0 && abs(unit.last! - 1) < 1e-12)
        #expect(niceTicks(0...100).first == 0 && niceTicks(0...100).last == 100)
        #expect(logTicks(0.1...1) == [0.1, 0.2, 0.5, 1])
        #expect(tickLabel(0.25) == "0.25" && tickLabel(3) == "3")
    }

    @Test func svgHasEverySeriesAndEscapesText() throws {
        var plot = LinePlot(title: "ROC <test> & more", xLabel: "FPR", yLabel: "TPR", xRange: 0...1, yRange: 0...1, diagonal: true)
        plot.series = [
            .init(name: "fine-tuned", points: [(0, 0), (0.2, 0.8), (1, 1)], markers: true),
            .init(name: "scratch", points: [(0, 0), (0.5, 0.6), (1, 1)], errorBars: [(0, 0), (0.5, 0.7), (1, 1)], dashed: true),
        ]
        let svg = plot.svg()
        #expect(svg.hasPrefix("<svg") && svg.hasSuffix("</svg>\n"))
        #expect(svg.components(separatedBy: "<polyline").count == 3)
        #expect(svg.contains("ROC &lt;test&gt; &amp; more"))
        #expect(svg.contains(">fine-tuned<") && svg.contains(">scratch<"))
        #expect(svg.contains("stroke-dasharray=\"4 4\""))  // chance diagonal
        // Well-formed XML.
        let parser = XMLParser(data: Data(svg.utf8))
        #expect(parser.parse(), "\(String(describing: parser.parserError))")
    }

    @Test(.enabled(if: CrossCheck.runs(SVGRasterizer.converter != nil), "rsvg-convert not installed"))
    func writesSVGAndPNG() throws {
        let dir = TemporaryDirectory()
        let plot = LinePlot(title: "t", xLabel: "x", yLabel: "y", series: [.init(name: "a", points: [(1, 1), (2, 4)])])
        let written = try plot.write(to: dir.path("plot"))
        #expect(written.map { URL(fileURLWithPath: $0).lastPathComponent } == ["plot.svg", "plot.png"])
        let png = try Data(contentsOf: URL(fileURLWithPath: dir.path("plot.png")))
        #expect(png.prefix(4) == Data([0x89, 0x50, 0x4E, 0x47]))
    }
}
