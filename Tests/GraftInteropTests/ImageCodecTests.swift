import Foundation
import Testing
import GraftCore
import GraftTestSupport
@testable import GraftImage

struct ImageCodecTests {
    private func gradient(channels: Int, width: Int = 13, height: Int = 7) -> Image {
        var pixels: [UInt8] = []
        for y in 0..<height { for x in 0..<width { for c in 0..<channels { pixels.append(UInt8((x * 19 + y * 31 + c * 70) % 256)) } } }
        return Image(width: width, height: height, channels: channels, pixels: pixels)
    }

    @Test(arguments: [1, 3])
    func pngRoundTripsExactly(channels: Int) throws {
        let image = gradient(channels: channels)
        let data = try ImageCodec.encodePNG(image)
        #expect(data.prefix(4) == Data([0x89, 0x50, 0x4E, 0x47]))
        #expect(try ImageCodec.decode(data, path: "t.png") == image)
    }

    @Test(arguments: [1, 3])
    func jpegRoundTripsClosely(channels: Int) throws {
        // A smooth image survives quality-100 JPEG within a few grey levels.
        var pixels: [UInt8] = []
        for y in 0..<32 { for x in 0..<32 { for c in 0..<channels { pixels.append(UInt8(x * 4 + y * 2 + c * 10)) } } }
        let image = Image(width: 32, height: 32, channels: channels, pixels: pixels)
        let decoded = try ImageCodec.decode(try ImageCodec.encodeJPEG(image, quality: 100), path: "t.jpg")
        #expect(decoded.width == 32 && decoded.height == 32 && decoded.channels == channels)
        let maxError = zip(decoded.pixels, image.pixels).map { abs(Int($0) - Int($1)) }.max()!
        #expect(maxError <= 4, "max error \(maxError)")
    }

    @Test func damagedFilesGiveTypedErrors() throws {
        let png = try ImageCodec.encodePNG(gradient(channels: 3))
        let jpeg = try ImageCodec.encodeJPEG(gradient(channels: 3))
        #expect(throws: ImageError.unsupportedFormat(path: "x")) { try ImageCodec.decode(Data("GIF89a".utf8), path: "x") }
        #expect(throws: ImageError.self) { try ImageCodec.decode(png.prefix(40), path: "truncated.png") }
        #expect(throws: ImageError.self) { try ImageCodec.decode(jpeg.prefix(20), path: "truncated.jpg") }
        #expect(throws: ImageError.self) { try ImageCodec.read(path: "/nonexistent/a.png") }
    }

    @Test func seededMutationsNeverCrash() throws {
        let seeds = [try ImageCodec.encodePNG(gradient(channels: 3)), try ImageCodec.encodeJPEG(gradient(channels: 1))]
        var rng = SeededGenerator(seed: 11)
        for i in 0..<1500 {
            var bytes = [UInt8](seeds[i % 2])
            for _ in 0..<Int(rng.next() % 6 + 1) {
                let at = Int(rng.next() % UInt64(bytes.count))
                bytes[at] = UInt8(truncatingIfNeeded: rng.next())
            }
            if rng.next() % 4 == 0 { bytes.removeLast(Int(rng.next() % UInt64(bytes.count / 2))) }
            if let image = try? ImageCodec.decode(Data(bytes), path: "fuzz") {
                #expect(image.pixels.count == image.width * image.height * image.channels)
            }
        }
    }

    @Test(.enabled(if: CrossCheck.runs(SharedData.has("data/busi")), "\(SharedData.absentMessage)"))
    func readsRealMedicalImages() throws {
        let busi = try ImageCodec.read(path: SharedData.path("data/busi/benign/benign (1).png"))
        #expect(busi.width == 256 && busi.height == 256)
        let frame = try ImageCodec.read(path: SharedData.path("data/cvc-clinicdb/images/1.png"))
        #expect(frame.width == 384 && frame.height == 288 && frame.channels == 3)
        let mask = try ImageCodec.read(path: SharedData.path("data/cvc-clinicdb/masks/1.png"))
        #expect(mask.width == 384 && mask.height == 288)
    }
}
