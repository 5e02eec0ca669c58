internal import CMagickWand
import StyleKernel

/// Reads any image ImageMagick can read into the engine's `PlanarImage` (sRGB, Float 0...1) plus
/// its alpha plane and metadata (depth, profiles, comment): the first frame, auto-oriented from
/// its EXIF orientation; the number of frames is reported so callers can refuse the others.
/// Every image is pinged first and refused if its decode would not fit `ReadLimits`; a damaged
/// file (`ImageDamage`) is an error unless the limits accept it.
enum MagickImageReader {
    /// Reads a file, a built-in image (`rose:`), or a stream (`-` / `ppm:-`, a pipe: `StreamInput`).
    static func read(_ location: ImageLocation, limits: ReadLimits = ReadLimits()) throws -> DecodedImage {
        try withImages(location, limits: limits) { wand, name in
            try firstFrame(of: wand, name: name, limits: limits)
        }
    }

    /// Decodes an encoded image held in memory; `format` (e.g. "png") is needed only for formats
    /// that cannot be recognised from their first bytes (raw, TGA, …).
    static func decode(
        blob: UnsafeRawBufferPointer, format: String?, name: String,
        limits: ReadLimits = ReadLimits()
    ) throws -> DecodedImage {
        try withImages(blob: blob, format: format, name: name, limits: limits) { wand, name in
            try firstFrame(of: wand, name: name, limits: limits)
        }
    }

    /// Every frame of `location` read into a wand, pinged and admitted first, then `body` with the
    /// wand (destroyed after it) and the name messages give the image, under ImageMagick's limits.
    static func withImages<T>(
        _ location: ImageLocation, limits: ReadLimits, _ body: (OpaquePointer, String) throws -> T
    ) throws -> T {
        if let stream = try StreamInput.read(location) {
            guard !stream.bytes.isEmpty else { throw StyleError.io("\(stream.name) is empty: no image to read") }
            return try stream.bytes.withUnsafeBytes {
                try withImages(blob: $0, format: location.format, name: stream.name, limits: limits, body)
            }
        }
        MagickLibrary.start()
        let name = "'\(location.spec)'"
        let pinged = try ping(name: name) { MagickPingImage($0, location.spec) }
        try limits.admit(pinged, name: name, location: location)
        let wand = try newWand()
        defer { DestroyMagickWand(wand) }
        return try limits.withImageMagickLimits {
            guard MagickReadImage(wand, location.spec) == MagickTrue else {
                throw MagickFailure.error("cannot read \(name)", wand: wand)
            }
            return try body(wand, name)
        }
    }

    /// `withImages` for an encoded image held in memory.
    private static func withImages<T>(
        blob: UnsafeRawBufferPointer, format: String?, name: String, limits: ReadLimits,
        _ body: (OpaquePointer, String) throws -> T
    ) throws -> T {
        MagickLibrary.start()
        guard blob.count > 0 else { throw StyleError.io("cannot read an image from \(name): it is empty") }
        let prepare = { (wand: OpaquePointer) in
            if let format {
                _ = MagickSetFilename(wand, "\(format):")
                _ = MagickSetFormat(wand, format)
            }
        }
        let pinged = try ping(name: name) { wand in
            prepare(wand)
            return MagickPingImageBlob(wand, blob.baseAddress, blob.count)
        }
        try limits.admit(pinged, name: name, location: nil)
        let wand = try newWand()
        defer { DestroyMagickWand(wand) }
        prepare(wand)
        return try limits.withImageMagickLimits {
            guard MagickReadImageBlob(wand, blob.baseAddress, blob.count) == MagickTrue else {
                throw MagickFailure.error("cannot read an image from \(name)", wand: wand)
            }
            return try body(wand, name)
        }
    }

    /// What the header of a file says, read as `read` reads it (pinged, admitted under the
    /// limits, nothing decoded): its frames and the first one's size once turned upright. Nil for
    /// a stream, which can be read only once.
    static func probe(_ location: ImageLocation, limits: ReadLimits) throws -> (frames: Int, width: Int, height: Int)? {
        guard !StreamInput.isStream(location) else { return nil }
        MagickLibrary.start()
        let name = "'\(location.spec)'"
        let pinged = try ping(name: name) { MagickPingImage($0, location.spec) }
        try limits.admit(pinged, name: name, location: location)
        let (w, h) = pinged.frames[0]
        return (pinged.frames.count, pinged.turnsSideways ? h : w, pinged.turnsSideways ? w : h)
    }

    /// The frames' sizes from the image's header, without decoding its pixels.
    private static func ping(name: String, _ body: (OpaquePointer) -> MagickBooleanType) throws -> PingedImage {
        let wand = try newWand()
        defer { DestroyMagickWand(wand) }
        guard body(wand) == MagickTrue else { throw MagickFailure.error("cannot read \(name)", wand: wand) }
        var frames: [(width: Int, height: Int)] = []
        MagickResetIterator(wand)
        while MagickNextImage(wand) == MagickTrue {
            frames.append((Int(MagickGetImageWidth(wand)), Int(MagickGetImageHeight(wand))))
        }
        guard !frames.isEmpty else { throw StyleError.io("\(name) holds no image") }
        MagickSetFirstIterator(wand)
        let orients = hasOrientationTag(wand)
        return PingedImage(frames: frames, orients: orients, turnsSideways: orients && turnsSideways(wand))
    }

    /// Whether the current image's orientation, once applied, swaps its width and height.
    static func turnsSideways(_ wand: OpaquePointer) -> Bool {
        [LeftTopOrientation, RightTopOrientation, RightBottomOrientation, LeftBottomOrientation].contains(
            MagickGetImageOrientation(wand))
    }

    static func newWand() throws -> OpaquePointer {
        guard let wand = NewMagickWand() else { throw StyleError.io("ImageMagick could not start (out of memory?)") }
        return wand
    }

    /// Converts the wand's first image to sRGB float planes and an alpha plane, after refusing a
    /// damaged read.
    private static func firstFrame(of wand: OpaquePointer, name: String, limits: ReadLimits) throws -> DecodedImage {
        let frameCount = MagickGetNumberImages(wand)
        guard frameCount > 0 else { throw StyleError.io("\(name) holds no image") }
        try refuseDamage(wand, name: name, limits: limits)
        MagickSetFirstIterator(wand)
        guard let frame = MagickGetImage(wand) else {
            throw MagickFailure.error("cannot read \(name)", wand: wand)
        }
        defer { DestroyMagickWand(frame) }
        // The other frames go now, and with them the wand's share of this frame's pixel cache:
        // turning or converting a shared cache would copy it first.
        ClearMagickWand(wand)
        var decoded = try decode(frame: frame, name: name)
        decoded.frameCount = frameCount
        return decoded
    }

    /// A damaged read is an error unless the limits accept it.
    static func refuseDamage(_ wand: OpaquePointer, name: String, limits: ReadLimits) throws {
        if !limits.acceptDamaged, let reason = ImageDamage.reason(in: wand) {
            throw StyleError.io(
                "cannot read \(name): \(reason) (the file is damaged; --accept-damaged uses what "
                    + "could be read)")
        }
    }

    /// One frame (a wand holding that image alone) turned upright and converted to sRGB float
    /// planes and an alpha plane.
    static func decode(frame: OpaquePointer, name: String) throws -> DecodedImage {
        if hasOrientationTag(frame), MagickAutoOrientImage(frame) != MagickTrue {
            throw MagickFailure.error("cannot orient \(name)", wand: frame)
        }
        if MagickGetImageColorspace(frame) != sRGBColorspace,
            MagickTransformImageColorspace(frame, sRGBColorspace) != MagickTrue
        {
            throw MagickFailure.error("cannot convert \(name) to sRGB", wand: frame)
        }
        let width = Int(MagickGetImageWidth(frame)), height = Int(MagickGetImageHeight(frame))
        guard width > 0, height > 0 else { throw StyleError.io("\(name) is empty (\(width)×\(height))") }
        let (plane, overflow) = width.multipliedReportingOverflow(by: height)
        guard !overflow, plane <= Int.max / 16 else { throw StyleError.io("\(name) is too large (\(width)×\(height))") }

        // Each channel straight into its plane: no interleaved copy (PingedImage counts 16 bytes
        // a pixel for the planes and the alpha).
        var planar = try CheckedMemory.floats(3 * plane, what: "the pixels of \(name)")
        for (c, channel) in ["R", "G", "B"].enumerated() {
            let ok = planar.withUnsafeMutableBufferPointer {
                MagickExportImagePixels(frame, 0, 0, width, height, channel, FloatPixel, $0.baseAddress! + c * plane)
            }
            guard ok == MagickTrue else { throw MagickFailure.error("cannot read the pixels of \(name)", wand: frame) }
        }
        let image = try PlanarImage(width: width, height: height, pixels: planar)
        var alpha: AlphaPlane?
        if MagickGetImageAlphaChannel(frame) == MagickTrue {
            let a = try export(frame, map: "A", channels: 1, width: width, height: height, name: name)
            alpha = AlphaPlane(width: width, height: height, values: a)
        }
        return DecodedImage(image: image, alpha: alpha, metadata: metadata(of: frame))
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
                        metadata.profiles.append(
                            ImageProfile(name: name, bytes: Array(UnsafeBufferPointer(start: bytes, count: length))))
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
    static func hasOrientationTag(_ wand: OpaquePointer) -> Bool {
        if let exif = MagickGetImageProperty(wand, "exif:Orientation") {
            _ = MagickRelinquishMemory(exif)
            return true
        }
        guard let format = MagickGetImageFormat(wand) else { return false }
        defer { _ = MagickRelinquishMemory(format) }
        return ["TIFF", "TIF", "TIFF64", "PTIF"].contains(String(cString: format).uppercased())
    }

    /// Pixels as interleaved Float 0...1 in the order of `map` ("RGB", "A", "I", …).
    static func export(
        _ wand: OpaquePointer, map: String, channels: Int, width: Int, height: Int,
        name: String
    ) throws -> [Float] {
        var values = try CheckedMemory.floats(channels * width * height, what: "the pixels of \(name)")
        let ok = values.withUnsafeMutableBytes {
            MagickExportImagePixels(wand, 0, 0, width, height, map, FloatPixel, $0.baseAddress)
        }
        guard ok == MagickTrue else { throw MagickFailure.error("cannot read the pixels of \(name)", wand: wand) }
        return values
    }
}
