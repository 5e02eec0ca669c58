import CMagickWand
import StyleKernel

/// Resizing with ImageMagick's Lanczos filter, for planes the engine does not handle itself
/// (the alpha plane kept aside) and for hosts that need the colours resized too.
enum MagickResampler {
    static func resize(_ alpha: AlphaPlane, width: Int, height: Int) throws -> AlphaPlane {
        MagickLibrary.start()
        let wand = try MagickImageReader.newWand()
        defer { DestroyMagickWand(wand) }
        let ok = alpha.values.withUnsafeBytes {
            MagickConstituteImage(wand, alpha.width, alpha.height, "I", FloatPixel, $0.baseAddress)
        }
        guard ok == MagickTrue else { throw MagickFailure.error("cannot resize the alpha channel", wand: wand) }
        try resize(wand, width: width, height: height)
        let values = try MagickImageReader.export(wand, map: "I", channels: 1, width: width, height: height,
                                                  name: "the alpha channel")
        return AlphaPlane(width: width, height: height, values: values)
    }

    static func resize(_ image: PlanarImage, width: Int, height: Int) throws -> PlanarImage {
        MagickLibrary.start()
        let wand = try MagickImageReader.newWand()
        defer { DestroyMagickWand(wand) }
        try MagickImageWriter.constitute(wand, image, alpha: nil)
        try resize(wand, width: width, height: height)
        let rgb = try MagickImageReader.export(wand, map: "RGB", channels: 3, width: width, height: height,
                                               name: "the resized image")
        let plane = width * height
        var planar = [Float](repeating: 0, count: 3 * plane)
        for i in 0..<plane {
            planar[i] = rgb[3 * i]; planar[plane + i] = rgb[3 * i + 1]; planar[2 * plane + i] = rgb[3 * i + 2]
        }
        return try PlanarImage(width: width, height: height, pixels: planar)
    }

    private static func resize(_ wand: OpaquePointer, width: Int, height: Int) throws {
        guard width > 0, height > 0 else { throw StyleError.invalidArgument("cannot resize to \(width)×\(height)") }
        guard MagickResizeImage(wand, width, height, LanczosFilter, 1.0) == MagickTrue else {
            throw MagickFailure.error("cannot resize to \(width)×\(height)", wand: wand)
        }
    }
}
