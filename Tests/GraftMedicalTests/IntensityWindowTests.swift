import Testing
import GraftCore

@Suite struct IntensityWindowTests {
    @Test func presetsAndPairsParse() throws {
        let lung = try #require(IntensityWindow(parsing: "lung"))
        #expect(lung.level == -600 && lung.width == 1500 && lung.name == "lung")
        let pe = try #require(IntensityWindow(parsing: " PE "))
        #expect(pe.level == 100 && pe.width == 700)
        let custom = try #require(IntensityWindow(parsing: "-50.5, 350"))
        #expect(custom.level == -50.5 && custom.width == 350 && custom.name == nil)
        for bad in ["", "40", "40,0", "40,-10", "a,b", "1,2,3", "nan,400", "40,inf"] {
            #expect(IntensityWindow(parsing: bad) == nil, "\(bad) should not parse")
        }
    }

    @Test func mapsTheWindowOntoZeroToOne() {
        let w = IntensityWindow(level: 40, width: 400)
        #expect(w.apply(-160) == 0)
        #expect(w.apply(-1000) == 0)
        #expect(w.apply(240) == 1)
        #expect(w.apply(3000) == 1)
        #expect(abs(w.apply(40) - 0.5) < 1e-6)
        #expect(abs(w.apply(140) - 0.75) < 1e-6)
    }
}
