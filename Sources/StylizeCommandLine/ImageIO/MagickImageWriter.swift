internal import CMagickWand
import StyleKernel

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// Writes a `PlanarImage` (plus an optional alpha plane) in any format ImageMagick can write:
/// to a file (atomically: temporary file, then rename) or to standard output for `-` / `png:-`.
enum MagickImageWriter {
    /// Format used for `-` when no prefix names one.
    static let standardOutputFormat = "png"

    /// Formats that hold 16 bits a sample: a source deeper than 8 bits is written at 16 bits in
    /// these, at 8 bits in every other (JPEG, GIF, WebP, …).
    static let sixteenBitFormats: Set<String> = [
        "png", "png48", "png64", "tif", "tiff", "tiff64", "ptif",
        "ppm", "pnm", "pgm", "pam", "miff", "psd"
    ]

    /// Writes the image; `alpha` of another size is resized to the image's size first. `metadata`
    /// (the content image's) sets the depth and brings back the profiles and the comment.
    static func write(
        _ image: PlanarImage, alpha: AlphaPlane?, metadata: ImageMetadata? = nil,
        to location: ImageLocation
    ) throws {
        try prepare(image, alpha: alpha, metadata: metadata, to: location).commit()
    }

    /// Encodes the image and stages it (a complete temporary file beside a file output), ready
    /// to be committed together with the report (`OutputFile.commitPair`).
    static func prepare(
        _ image: PlanarImage, alpha: AlphaPlane?, metadata: ImageMetadata? = nil,
        to location: ImageLocation
    ) throws -> PendingOutput {
        let format = try format(for: location)
        let alpha = try alpha?.resized(width: image.width, height: image.height)
        let bytes = try encode(image, alpha: alpha, format: format, metadata: metadata)
        return try OutputFile.prepare(
            bytes, to: target(of: location), shownAs: location.isStandardStream ? "-" : location.path)
    }

    /// Where `location` writes: standard output for `-` (`png:-`), else its path followed.
    static func target(of location: ImageLocation) throws -> OutputTarget {
        location.isStandardStream ? .descriptor(1) : try OutputTarget.resolve(location.path, what: "output")
    }

    /// Checks, before any work, that `location` can be written: a format ImageMagick can encode
    /// (a 1×1 probe), and for a file an existing directory and a path that is not a directory.
    static func checkWritable(_ location: ImageLocation) throws {
        let format = try format(for: location)
        if !location.isStandardStream {
            guard !location.path.isEmpty else {
                throw StyleError.io("cannot write '\(location.spec)': no file name after the format prefix")
            }
        }
        try FileChecks.checkWritable(
            target(of: location), shownAs: location.isStandardStream ? "-" : location.path,
            what: "output")
        let probe = try PlanarImage(width: 1, height: 1, red: 0, green: 0, blue: 0)
        do {
            _ = try encode(probe, alpha: nil, format: format)
        } catch {
            throw StyleError.io(
                "cannot write '\(location.spec)': ImageMagick cannot write \(format.uppercased()) images")
        }
    }

    static func format(for location: ImageLocation) throws -> String {
        if location.isStandardStream { return location.format ?? standardOutputFormat }
        guard let format = location.outputFormat else {
            throw StyleError.invalidArgument(
                "cannot tell the image format of '\(location.spec)': add an extension (.png) or a prefix (png:\(location.spec))"
            )
        }
        return format
    }

    /// Encodes to bytes in `format` (ImageMagick's name, e.g. "png", "jpg", "tiff"): 8 bits a
    /// channel, or 16 when the metadata's source was deeper and the format holds 16.
    static func encode(
        _ image: PlanarImage, alpha: AlphaPlane?, format: String,
        metadata: ImageMetadata? = nil
    ) throws -> [UInt8] {
        let wand = try makeWand(image, alpha: alpha, format: format, metadata: metadata)
        defer { DestroyMagickWand(wand) }
        return try bytes(of: wand, format: format, what: "a \(format.uppercased()) image", allFrames: false)
    }

    /// The wand's image encoded in `format`, or with `allFrames` all its images, as one file
    /// holds them (every frame where the format holds frames). Formats ImageMagick writes only to a file (APNG, MP4 and its other
    /// video formats, which it hands to ffmpeg) go through a file of this process's temporary
    /// directory, named with the format as its extension (what ffmpeg goes by).
    static func bytes(of wand: OpaquePointer, format: String, what: String, allFrames: Bool) throws -> [UInt8] {
        guard !writesBlobs(format) else {
            var length = 0
            let encoded = allFrames ? MagickGetImagesBlob(wand, &length) : MagickGetImageBlob(wand, &length)
            guard let blob = encoded, length > 0 else {
                throw MagickFailure.error("cannot encode \(what)", wand: wand)
            }
            defer { _ = MagickRelinquishMemory(blob) }
            return Array(UnsafeBufferPointer(start: blob, count: length))
        }
        let directory = MagickLibrary.temporaryDirectory ?? "/tmp"
        temporaryCount += 1
        let path = "\(directory)/stylize-\(getpid())-\(temporaryCount).\(format.lowercased())"
        defer { unlink(path) }
        guard MagickWriteImages(wand, "\(format):\(path)", allFrames ? MagickTrue : MagickFalse) == MagickTrue else {
            throw MagickFailure.error("cannot encode \(what)", wand: wand)
        }
        var fd: Int32
        repeat { fd = open(path, O_RDONLY | O_CLOEXEC) } while fd < 0 && errno == EINTR
        guard fd >= 0 else { throw StyleError.io("cannot encode \(what): \(FileIO.errnoText())") }
        defer { close(fd) }
        let bytes = try FileDescriptorIO.readAll(fd, name: "the encoded \(what)", limit: Int.max / 2)
        guard !bytes.isEmpty else { throw StyleError.io("cannot encode \(what): ImageMagick wrote nothing") }
        return bytes
    }

    /// Names of the files `bytes(of:format:what:allFrames:)` writes.
    nonisolated(unsafe) private static var temporaryCount = 0

    /// Whether ImageMagick encodes `format` in memory (its "blob support").
    static func writesBlobs(_ format: String) -> Bool {
        formatInfo(format, unknown: true) { GetMagickBlobSupport($0) == MagickTrue }
    }

    /// Whether ImageMagick writes several frames into one file of `format` (its "adjoin", the
    /// `+` of `convert -list format`: GIF, APNG, MNG, TIFF, MIFF, WebP, PDF, …).
    static func holdsFrames(_ format: String) -> Bool {
        formatInfo(format, unknown: false) { GetMagickAdjoin($0) == MagickTrue }
    }

    /// A property of ImageMagick's entry for `format` (`unknown` when it has none).
    private static func formatInfo(
        _ format: String, unknown: Bool, _ property: (UnsafePointer<MagickInfo>) -> Bool
    ) -> Bool {
        MagickLibrary.start()
        let exception = AcquireExceptionInfo()
        defer { _ = DestroyExceptionInfo(exception) }
        guard let info = GetMagickInfo(format.uppercased(), exception) else { return unknown }
        return property(info)
    }

    /// A new wand holding the image in `format`, 8 or 16 bits a sample as `encode` writes it,
    /// with the metadata's profiles and comment.
    static func makeWand(
        _ image: PlanarImage, alpha: AlphaPlane?, format: String,
        metadata: ImageMetadata? = nil
    ) throws -> OpaquePointer {
        MagickLibrary.start()
        let wand = try MagickImageReader.newWand()
        do {
            try fill(wand, image, alpha: alpha, format: format, metadata: metadata)
        } catch {
            DestroyMagickWand(wand)
            throw error
        }
        return wand
    }

    private static func fill(
        _ wand: OpaquePointer, _ image: PlanarImage, alpha: AlphaPlane?, format: String, metadata: ImageMetadata?
    ) throws {
        let sixteen = (metadata?.depth ?? 8) > 8 && sixteenBitFormats.contains(format.lowercased())
        if sixteen {
            try constitute(wand, image, alpha: alpha, storage: ShortPixel) { Quantize.sixteen($0) }
        } else {
            try constitute(wand, image, alpha: alpha, storage: CharPixel) { Quantize.eight($0) }
        }
        _ = MagickSetImageDepth(wand, sixteen ? 16 : 8)
        if let metadata { try apply(metadata, to: wand) }
        guard MagickSetImageFormat(wand, format) == MagickTrue else {
            throw MagickFailure.error("unknown image format '\(format)'", wand: wand)
        }
    }

    /// Fills an empty wand with the image (RGB, or RGBA when an alpha plane of its size is given),
    /// `Sample` wide: 8-bit samples are rounded by the engine's own rule (the C ABI uses the same),
    /// not by ImageMagick's depth reduction, which truncates; 16-bit ones are ImageMagick Q16's
    /// own quantum values.
    private static func constitute<Sample: FixedWidthInteger>(
        _ wand: OpaquePointer, _ image: PlanarImage, alpha: AlphaPlane?, storage: StorageType,
        _ quantize: (Float) -> Sample
    ) throws {
        let plane = image.width * image.height
        let withAlpha = alpha.map { $0.width == image.width && $0.height == image.height } ?? false
        let channels = withAlpha ? 4 : 3
        var interleaved = try CheckedMemory.array(
            channels * plane, what: "the output image (\(image.width)×\(image.height))"
        ) {
            (out: inout UnsafeMutableBufferPointer<Sample>, count: inout Int) in
            out.initialize(repeating: 0)
            count = channels * plane
        }
        interleaved.withUnsafeMutableBufferPointer { out in
            image.pixels.withUnsafeBufferPointer { p in
                for i in 0..<plane {
                    out[channels * i] = quantize(p[i])
                    out[channels * i + 1] = quantize(p[plane + i])
                    out[channels * i + 2] = quantize(p[2 * plane + i])
                }
            }
            if withAlpha, let a = alpha {
                for i in 0..<plane { out[4 * i + 3] = quantize(a.values[i]) }
            }
        }
        let ok = interleaved.withUnsafeBytes {
            MagickConstituteImage(wand, image.width, image.height, withAlpha ? "RGBA" : "RGB", storage, $0.baseAddress)
        }
        guard ok == MagickTrue else { throw MagickFailure.error("cannot build the output image", wand: wand) }
    }

    /// Puts the content image's profiles and comment on the output. An ICC profile is kept only
    /// if it describes RGB (the pixels are RGB now: a CMYK or gray source's profile would lie), and
    /// with an EXIF profile the orientation is set to top-left, since the reader has already turned
    /// the pixels upright (ImageMagick writes the orientation into the EXIF block).
    static func apply(_ metadata: ImageMetadata, to wand: OpaquePointer) throws {
        for profile in metadata.profiles {
            if profile.name.lowercased() == "icc" && !describesRGB(profile.bytes) { continue }
            let ok = profile.bytes.withUnsafeBytes {
                MagickSetImageProfile(wand, profile.name, $0.baseAddress, profile.bytes.count)
            }
            guard ok == MagickTrue else {
                throw MagickFailure.error("cannot copy the \(profile.name) profile to the output", wand: wand)
            }
            if profile.name.lowercased() == "exif" { _ = MagickSetImageOrientation(wand, TopLeftOrientation) }
        }
        if let comment = metadata.comment, MagickSetImageProperty(wand, "comment", comment) != MagickTrue {
            throw MagickFailure.error("cannot copy the comment to the output", wand: wand)
        }
    }

    /// An ICC profile's data colour space (bytes 16…19 of its header) is 'RGB '.
    static func describesRGB(_ icc: [UInt8]) -> Bool {
        icc.count >= 20 && Array(icc[16..<20]) == Array("RGB ".utf8)
    }
}
