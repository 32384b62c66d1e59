import Foundation
import GraftCore
import GraftDICOM
import GraftImage
import GraftNIfTI

/// Reads any file Graft takes as an image: PNG and JPEG through GraftImage, DICOM and NIfTI
/// through ``MedicalImageFile``.
public enum InputImage {
    /// Decodes `path`: DICOM and NIfTI through `windows` in `channelOrder` (see
    /// ``MedicalImageFile``), PNG and JPEG as stored.
    public static func read(_ path: String, windows: [IntensityWindow], channelOrder: Preprocessing.ChannelOrder) throws(DatasetError) -> Image {
        if MedicalImageFile.kind(of: path) != nil {
            return try MedicalImageFile.image(path, windows: windows, channelOrder: channelOrder)
        }
        do { return try ImageCodec.read(path: path) } catch { throw .badImage(error) }
    }
}

/// A DICOM image or a 2D NIfTI image as the 8-bit image the pipeline resizes and augments: each
/// intensity window maps the physical values (after the modality LUT: HU for CT) onto 0...255 and
/// becomes one channel. One window gives a grey image (copied to three channels for an RGB
/// model); three give one channel each, in the model's channel order. MONOCHROME1 is inverted.
/// Colour DICOM (ultrasound, endoscopy: RGB after decoding) needs no window.
public enum MedicalImageFile {
    /// The medical formats Graft reads.
    public enum Kind: Sendable {
        /// DICOM, read through GDCM.
        case dicom
        /// NIfTI-1 or NIfTI-2, read through nifticlib.
        case nifti
    }

    /// DICOM by extension (`.dcm`, `.dicom`, `.ima`) or by the `DICM` marker at byte 128 (scanner
    /// exports often have no extension); NIfTI by `.nii` or `.nii.gz`. Nil for anything else.
    public static func kind(of path: String) -> Kind? {
        let lower = path.lowercased()
        if lower.hasSuffix(".nii") || lower.hasSuffix(".nii.gz") { return .nifti }
        if lower.hasSuffix(".dcm") || lower.hasSuffix(".dicom") || lower.hasSuffix(".ima") { return .dicom }
        if lower.hasSuffix(".png") || lower.hasSuffix(".jpg") || lower.hasSuffix(".jpeg") { return nil }
        return hasDICOMMarker(path) ? .dicom : nil
    }

    /// True when bytes 128..<132 of the file read "DICM" (the Part 10 preamble's marker).
    public static func hasDICOMMarker(_ path: String) -> Bool {
        guard let handle = FileHandle(forReadingAtPath: path) else { return false }
        defer { try? handle.close() }
        guard (try? handle.seek(toOffset: 128)) != nil, let marker = try? handle.read(upToCount: 4) else { return false }
        return marker == Data("DICM".utf8)
    }

    /// The file as an 8-bit image through `windows` (see the type's description).
    public static func image(_ path: String, windows: [IntensityWindow], channelOrder: Preprocessing.ChannelOrder) throws(DatasetError) -> Image {
        switch kind(of: path) {
        case .nifti:
            let image: NIfTIImage
            do { image = try NIfTIImage.read(path) } catch { throw .badMedicalImage(path: path, reason: error.description) }
            let dims = image.dimensions
            guard dims.count <= 2 || dims.dropFirst(2).allSatisfy({ $0 == 1 }) else {
                throw .badMedicalImage(path: path, reason: "\(path): a NIfTI volume of \(dims.map(String.init).joined(separator: " x ")) voxels is not a 2D image (cut patches from volumes with a candidates CSV)")
            }
            // NIfTI's i runs along x (columns) and j along y (rows), with j = 0 at the bottom in
            // the usual RAS display; the image keeps the file's order (row j = 0 first).
            return try windowed(image.values, width: dims[0], height: dims.count > 1 ? dims[1] : 1, inverted: false,
                                windows: windows, channelOrder: channelOrder, path: path)
        default:
            let image: DICOMImage
            do { image = try DICOMImage.read(path) } catch { throw .badMedicalImage(path: path, reason: error.description) }
            guard image.frames == 1 else {
                throw .badMedicalImage(path: path, reason: "\(path): a multi-frame image (\(image.frames) frames) is not one image")
            }
            if image.samplesPerPixel == 3 {
                // Colour (RGB after decoding): the stored 8-bit values as they are; wider samples scaled down.
                let maximum = Float((1 << min(image.bitsStored, 16)) - 1)
                let pixels = image.values.map { UInt8(min(max(($0 / maximum * 255).rounded(), 0), 255)) }
                return Image(width: image.columns, height: image.rows, channels: 3, pixels: pixels)
            }
            return try windowed(image.values, width: image.columns, height: image.rows, inverted: image.isInvertedGrayscale,
                                windows: windows, channelOrder: channelOrder, path: path)
        }
    }

    /// Grey values through one or three windows into an 8-bit image whose channel i (in the
    /// model's channel order) is window i.
    static func windowed(_ values: [Float], width: Int, height: Int, inverted: Bool, windows: [IntensityWindow],
                         channelOrder: Preprocessing.ChannelOrder, path: String) throws(DatasetError) -> Image {
        guard !windows.isEmpty else {
            throw .windows(path: path, reason: "a DICOM or NIfTI image needs an intensity window to become model input: give --window (a preset: \(IntensityWindow.presets.compactMap(\.name).joined(separator: ", ")); or LEVEL,WIDTH in the image's units, e.g. 40,400 for HU), once for grey or three times for three channels")
        }
        guard windows.count == 1 || windows.count == 3 else {
            throw .windows(path: path, reason: "\(windows.count) windows: give 1 (a grey input) or 3 (one per channel)")
        }
        guard windows.count == 1 || channelOrder != .grey else {
            throw .windows(path: path, reason: "3 windows for a model with one (grey) input channel")
        }
        // The pipeline reads image channels as R, G, B and reorders them for a BGR model: place
        // window i where it ends up as the model's channel i.
        let ordered = channelOrder == .bgr ? windows.reversed() : windows
        let channels = ordered.count
        var pixels = [UInt8](repeating: 0, count: width * height * channels)
        for (c, window) in ordered.enumerated() {
            for i in 0..<(width * height) {
                var x = window.apply(values[i])
                if inverted { x = 1 - x }
                pixels[i * channels + c] = UInt8((x * 255).rounded())
            }
        }
        return Image(width: width, height: height, channels: channels, pixels: pixels)
    }
}

extension Preprocessing {
    /// This preprocessing with `requested` windows recorded. Windows already recorded (the model
    /// was tuned with them) must equal the requested ones: other windows would feed the model
    /// inputs it never saw. An empty request keeps what is recorded.
    public func recording(windows requested: [IntensityWindow]) throws(DatasetError) -> Preprocessing {
        guard !requested.isEmpty else { return self }
        let model = "the model (\(input): \(inputShape))"
        guard requested.count == 1 || requested.count == 3 else {
            throw .windows(path: model, reason: "\(requested.count) windows: give 1 (a grey input) or 3 (one per channel)")
        }
        guard requested.count == 1 || channelOrder != .grey else {
            throw .windows(path: model, reason: "3 windows for a model with one (grey) input channel")
        }
        if let recorded = windows, !recorded.isEmpty {
            guard recorded.map({ [$0.level, $0.width] }) == requested.map({ [$0.level, $0.width] }) else {
                throw .windows(path: model, reason: "it was tuned with the windows \(recorded.map(\.description).joined(separator: " | ")); --window \(requested.map(\.description).joined(separator: " | ")) would feed it inputs it never saw")
            }
            return self
        }
        var copy = self
        copy.windows = requested
        return copy
    }
}

extension Model {
    /// The model with `requested` intensity windows recorded in its preprocessing (see
    /// ``Preprocessing/recording(windows:)``), so evaluation and prediction apply the same.
    public func recordingWindows(_ requested: [IntensityWindow]) throws(DatasetError) -> Model {
        guard !requested.isEmpty else { return self }
        var copy = self
        copy.preprocessing = try effectivePreprocessing.recording(windows: requested)
        return copy
    }
}
