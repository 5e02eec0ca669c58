import CStyleFilterABI
import StyleKernel

#if canImport(Glibc)
    import Glibc
#endif

/// Host pixel formats (stylefilter.h's `sf_format`).
enum PixelFormat: Int32 {
    case rgb8 = 1, rgba8 = 2, rgb16 = 3, rgbf32 = 4

    var bytesPerPixel: Int {
        switch self {
        case .rgb8: return 3
        case .rgba8: return 4
        case .rgb16: return 6
        case .rgbf32: return 12
        }
    }
    var name: String {
        switch self {
        case .rgb8: return "SF_FORMAT_RGB8"
        case .rgba8: return "SF_FORMAT_RGBA8"
        case .rgb16: return "SF_FORMAT_RGB16"
        case .rgbf32: return "SF_FORMAT_RGBF32"
        }
    }
}

enum Limits {
    // The header's macros, imported (one fact in one place). The result's limits are the engine's
    // own; Tests/CABI/abi_test.c checks that the header's SF_*_RESULT_SIDE agree with them.
    static let maxSide = Int(SF_MAX_IMAGE_SIDE)
    static let maxPixels = Int(SF_MAX_IMAGE_PIXELS)
    static let maxStyles = Int(SF_MAX_STYLES)
    static let minResult = Int(SF_MIN_RESULT_SIDE)
    static let maxResult = Int(SF_MAX_RESULT_SIDE)

    /// An image's size within the input limits (any image sf_stylize reads, and the content
    /// sf_output_size is asked about); `what` names it in the message.
    static func checkImageSize(width w: Int, height h: Int, what: String) throws(Failure) {
        guard w > 0, h > 0 else { throw .invalid("\(what): size \(w)×\(h) is empty") }
        guard w <= maxSide, h <= maxSide, w * h <= maxPixels else {
            throw .invalid("\(what): size \(w)×\(h) is too large (at most \(maxSide) a side and \(maxPixels) pixels)")
        }
    }
}

/// A host image descriptor after every check: sizes, format, stride, and the byte span it covers.
struct CheckedImage {
    let width: Int
    let height: Int
    let stride: Int
    let format: PixelFormat
    let base: UnsafeMutableRawPointer
    /// Bytes from `base` to the end of the last pixel.
    let span: Int

    /// Checks a descriptor; `what` names it in messages ("content image", "style image 2").
    init(_ pointer: UnsafePointer<sf_image>?, what: String) throws(Failure) {
        guard let pointer else { throw .invalid("\(what): the sf_image pointer is NULL") }
        let d = pointer.pointee
        guard let format = PixelFormat(rawValue: d.format) else {
            throw .invalid("\(what): unknown pixel format \(d.format) (use SF_FORMAT_RGB8, RGBA8, RGB16 or RGBF32)")
        }
        let w = Int(d.width), h = Int(d.height)
        try Limits.checkImageSize(width: w, height: h, what: what)
        guard let data = d.data else { throw .invalid("\(what): data is NULL") }
        let rowBytes = w * format.bytesPerPixel  // small: both factors are bounded above
        // stride_bytes is a size_t (imported as Int): checked as the unsigned value it is.
        let strideBytes = UInt(bitPattern: d.stride_bytes)
        guard strideBytes <= UInt(Int.max) else { throw .invalid("\(what): stride_bytes \(strideBytes) is too large") }
        let stride = Int(strideBytes)
        guard stride >= rowBytes else {
            throw .invalid(
                "\(what): stride_bytes \(stride) is smaller than a row (\(w) pixels × \(format.bytesPerPixel) bytes = \(rowBytes))"
            )
        }
        let (rows, o1) = stride.multipliedReportingOverflow(by: h - 1)
        let (span, o2) = rows.addingReportingOverflow(rowBytes)
        guard !o1, !o2 else { throw .invalid("\(what): stride_bytes × height overflows") }
        let (_, o3) = UInt(bitPattern: data).addingReportingOverflow(UInt(span))
        guard !o3 else { throw .invalid("\(what): the image's bytes run past the end of the address space") }
        self.width = w
        self.height = h
        self.stride = stride
        self.format = format
        self.base = data
        self.span = span
    }

    func overlaps(_ other: CheckedImage) -> Bool {
        let a = UInt(bitPattern: base), b = UInt(bitPattern: other.base)
        return a < b + UInt(other.span) && b < a + UInt(span)
    }

    // MARK: Reading

    /// The colours as the engine's planar Float 0…1. 8- and 16-bit values become Float exactly as
    /// ImageMagick Q16 exports them (QuantumScale · quantum), so the API and the `stylize` command
    /// see identical inputs.
    func planar(what: String) throws(Failure) -> PlanarImage {
        let plane = width * height
        var pixels = try Self.floats(3 * plane, what: "the pixels of the \(what)")
        var bad = false
        pixels.withUnsafeMutableBufferPointer { out in
            let scale = 1.0 / 65535.0
            for y in 0..<height {
                let row = UnsafeRawPointer(base + y * stride)
                let o = y * width
                switch format {
                case .rgb8, .rgba8:
                    let bpp = format.bytesPerPixel
                    let p = row.assumingMemoryBound(to: UInt8.self)
                    for x in 0..<width {
                        for c in 0..<3 {
                            out[c * plane + o + x] = Float(scale * Double(UInt32(p[x * bpp + c]) * 257))
                        }
                    }
                case .rgb16:
                    for x in 0..<width {
                        for c in 0..<3 {
                            let q = row.loadUnaligned(fromByteOffset: (x * 3 + c) * 2, as: UInt16.self)
                            out[c * plane + o + x] = Float(scale * Double(q))
                        }
                    }
                case .rgbf32:
                    for x in 0..<width {
                        for c in 0..<3 {
                            let v = row.loadUnaligned(fromByteOffset: (x * 3 + c) * 4, as: Float.self)
                            if !v.isFinite { bad = true }
                            out[c * plane + o + x] = v >= 0 ? (v <= 1 ? v : 1) : 0
                        }
                    }
                }
            }
        }
        if bad { throw .invalid("\(what): contains NaN or infinite values") }
        do {
            return try PlanarImage(width: width, height: height, pixels: pixels)
        } catch {
            throw Failure(error)
        }
    }

    /// `CheckedMemory.floats`, its refusal as the C API's status.
    private static func floats(_ count: Int, what: String) throws(Failure) -> [Float] {
        try Failure.mapping { try CheckedMemory.floats(count, what: what) }
    }

    /// The alpha plane (0…1) of an RGBA8 image, nil for other formats.
    func alpha(what: String) throws(Failure) -> [Float]? {
        guard format == .rgba8 else { return nil }
        var a = try Self.floats(width * height, what: "the alpha of the \(what)")
        for y in 0..<height {
            let p = UnsafeRawPointer(base + y * stride).assumingMemoryBound(to: UInt8.self)
            for x in 0..<width {
                a[y * width + x] = Float((1.0 / 65535.0) * Double(UInt32(p[x * 4 + 3]) * 257))
            }
        }
        return a
    }

    // MARK: Writing

    /// Writes the result; `alpha` (0…1, this image's size) fills RGBA8's fourth channel, else 255.
    func write(_ image: PlanarImage, alpha: [Float]?) {
        let plane = width * height
        image.pixels.withUnsafeBufferPointer { p in
            for y in 0..<height {
                let row = base + y * stride
                let o = y * width
                for x in 0..<width {
                    for c in 0..<3 {
                        let q = Quantize.sixteen(p[c * plane + o + x])
                        switch format {
                        case .rgb8, .rgba8:
                            row.storeBytes(
                                of: Quantize.eight(q), toByteOffset: x * format.bytesPerPixel + c, as: UInt8.self)
                        case .rgb16:
                            row.storeBytes(of: q, toByteOffset: (x * 3 + c) * 2, as: UInt16.self)
                        case .rgbf32:
                            let v = p[c * plane + o + x]
                            row.storeBytes(
                                of: v >= 0 ? (v <= 1 ? v : 1) : 0, toByteOffset: (x * 3 + c) * 4, as: Float.self)
                        }
                    }
                    if format == .rgba8 {
                        let a: UInt8 = alpha.map { Quantize.eight(Quantize.sixteen($0[o + x])) } ?? 255
                        row.storeBytes(of: a, toByteOffset: x * 4 + 3, as: UInt8.self)
                    }
                }
            }
        }
    }
}
