import CMagickWand
import StyleKernel

/// Reads any image ImageMagick can read into the engine's `PlanarImage` (sRGB, Float 0...1) plus
/// its alpha plane and metadata (depth, profiles, comment): the first frame, auto-oriented from
/// its EXIF orientation; the number of frames is reported so callers can refuse the others.
enum MagickImageReader {
    /// Reads a file, a built-in image (`rose:`), or a stream (`-` / `ppm:-`, a pipe: `StreamInput`).
    static func read(_ location: ImageLocation) throws -> DecodedImage {
        if let stream = try StreamInput.read(location) {
            guard !stream.bytes.isEmpty else { throw StyleError.io("\(stream.name) is empty: no image to read") }
            return try stream.bytes.withUnsafeBytes {
                try decode(blob: $0, format: location.format, name: stream.name)
            }
        }
        MagickLibrary.start()
        let wand = try newWand()
        defer { DestroyMagickWand(wand) }
        guard MagickReadImage(wand, location.spec) == MagickTrue else {
            throw MagickFailure.error("cannot read '\(location.spec)'", wand: wand)
        }
        return try firstFrame(of: wand, name: "'\(location.spec)'")
    }

    /// Decodes an encoded image held in memory; `format` (e.g. "png") is needed only for formats
    /// that cannot be recognised from their first bytes (raw, TGA, …).
    static func decode(blob: UnsafeRawBufferPointer, format: String?, name: String) throws -> DecodedImage {
        MagickLibrary.start()
        let wand = try newWand()
        defer { DestroyMagickWand(wand) }
        if let format {
            _ = MagickSetFilename(wand, "\(format):")
            _ = MagickSetFormat(wand, format)
        }
        guard blob.count > 0, MagickReadImageBlob(wand, blob.baseAddress, blob.count) == MagickTrue else {
            throw MagickFailure.error("cannot read an image from \(name)", wand: wand)
        }
        return try firstFrame(of: wand, name: name)
    }

    static func newWand() throws -> OpaquePointer {
        guard let wand = NewMagickWand() else { throw StyleError.io("ImageMagick could not start (out of memory?)") }
        return wand
    }

    /// Converts the wand's first image to sRGB float planes and an alpha plane.
    private static func firstFrame(of wand: OpaquePointer, name: String) throws -> DecodedImage {
        let frameCount = MagickGetNumberImages(wand)
        guard frameCount > 0 else { throw StyleError.io("\(name) holds no image") }
        MagickSetFirstIterator(wand)
        guard let frame = MagickGetImage(wand) else {
            throw MagickFailure.error("cannot read \(name)", wand: wand)
        }
        defer { DestroyMagickWand(frame) }

        if hasOrientationTag(frame), MagickAutoOrientImage(frame) != MagickTrue {
            throw MagickFailure.error("cannot orient \(name)", wand: frame)
        }
        if MagickGetImageColorspace(frame) != sRGBColorspace,
           MagickTransformImageColorspace(frame, sRGBColorspace) != MagickTrue {
            throw MagickFailure.error("cannot convert \(name) to sRGB", wand: frame)
        }
        let width = Int(MagickGetImageWidth(frame)), height = Int(MagickGetImageHeight(frame))
        guard width > 0, height > 0 else { throw StyleError.io("\(name) is empty (\(width)×\(height))") }
        let (plane, overflow) = width.multipliedReportingOverflow(by: height)
        guard !overflow, plane <= Int.max / 16 else { throw StyleError.io("\(name) is too large (\(width)×\(height))") }

        let rgb = try export(frame, map: "RGB", channels: 3, width: width, height: height, name: name)
        var planar = [Float](repeating: 0, count: 3 * plane)
        planar.withUnsafeMutableBufferPointer { out in
            rgb.withUnsafeBufferPointer { inp in
                for i in 0..<plane {
                    out[i] = inp[3 * i]
                    out[plane + i] = inp[3 * i + 1]
                    out[2 * plane + i] = inp[3 * i + 2]
                }
            }
        }
        let image = try PlanarImage(width: width, height: height, pixels: planar)
        var alpha: AlphaPlane?
        if MagickGetImageAlphaChannel(frame) == MagickTrue {
            let a = try export(frame, map: "A", channels: 1, width: width, height: height, name: name)
            alpha = AlphaPlane(width: width, height: height, values: a)
        }
        return DecodedImage(image: image, alpha: alpha, metadata: metadata(of: frame), frameCount: frameCount)
    }

    /// Depth, every profile and the comment, for the writer to put on the result.
    private static func metadata(of wand: OpaquePointer) -> ImageMetadata {
        var metadata = ImageMetadata()
        metadata.depth = Int(MagickGetImageDepth(wand))
        var count = 0
        if let names = MagickGetImageProfiles(wand, "*", &count) {
            for i in 0..<count {
                guard let raw = names[i] else { continue }
                let name = String(cString: raw)
                var length = 0
                if let bytes = MagickGetImageProfile(wand, name, &length) {
                    if length > 0 {
                        metadata.profiles.append(ImageProfile(name: name, bytes: Array(UnsafeBufferPointer(start: bytes, count: length))))
                    }
                    _ = MagickRelinquishMemory(bytes)
                }
                _ = MagickRelinquishMemory(raw)
            }
            _ = MagickRelinquishMemory(names)
        }
        if let comment = MagickGetImageProperty(wand, "comment") {
            metadata.comment = String(cString: comment)
            _ = MagickRelinquishMemory(comment)
        }
        return metadata
    }

    /// Whether the image carries a camera orientation to apply: an EXIF Orientation (JPEG, PNG,
    /// WebP, …) or TIFF's own tag. Other formats' orientation (TGA's bottom-up rows) is already
    /// applied by ImageMagick's reader, and auto-orienting would flip them again.
    private static func hasOrientationTag(_ wand: OpaquePointer) -> Bool {
        if let exif = MagickGetImageProperty(wand, "exif:Orientation") {
            _ = MagickRelinquishMemory(exif)
            return true
        }
        guard let format = MagickGetImageFormat(wand) else { return false }
        defer { _ = MagickRelinquishMemory(format) }
        return ["TIFF", "TIF", "TIFF64", "PTIF"].contains(String(cString: format).uppercased())
    }

    /// Pixels as interleaved Float 0...1 in the order of `map` ("RGB", "A", "I", …).
    static func export(_ wand: OpaquePointer, map: String, channels: Int, width: Int, height: Int,
                       name: String) throws -> [Float] {
        var values = [Float](repeating: 0, count: channels * width * height)
        let ok = values.withUnsafeMutableBytes {
            MagickExportImagePixels(wand, 0, 0, width, height, map, FloatPixel, $0.baseAddress)
        }
        guard ok == MagickTrue else { throw MagickFailure.error("cannot read the pixels of \(name)", wand: wand) }
        return values
    }
}
