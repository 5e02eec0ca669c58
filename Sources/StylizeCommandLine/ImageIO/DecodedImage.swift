import StyleKernel

/// An image's opacity as one plane of Float in 0...1 (1 = opaque), row-major, no padding.
/// The engine never sees it: it is kept aside and put back on the result.
struct AlphaPlane: Sendable, Equatable {
    let width: Int
    let height: Int
    var values: [Float]

    /// The plane at another size, resized with the engine's filter (`Resample`) — the one the C
    /// API resizes a content's alpha with, so the command and the library give the same alpha.
    func resized(width: Int, height: Int) throws -> AlphaPlane {
        AlphaPlane(
            width: width, height: height,
            values: try Resample.resize(
                values, channels: 1, width: self.width, height: self.height,
                toWidth: width, height: height))
    }
}

/// One embedded profile (ImageMagick's name: "icc", "exif", "xmp", "iptc", "8bim", …) and its bytes.
struct ImageProfile: Sendable, Equatable {
    let name: String
    let bytes: [UInt8]
}

/// What the output keeps of the content image besides its pixels.
struct ImageMetadata: Sendable, Equatable {
    /// Bits per sample of the source (8 for most files, 16 for 16-bit PNG/TIFF/PPM).
    var depth = 8
    var profiles: [ImageProfile] = []
    var comment: String?
}

/// What reading an image gives: its colours for the engine, its alpha plane if it had one, its
/// metadata, and how many frames the file held (only the first is decoded).
struct DecodedImage: Sendable {
    var image: PlanarImage
    var alpha: AlphaPlane?
    var metadata = ImageMetadata()
    var frameCount = 1

    /// A content of a batch, a style's mask and `stylize copy`'s input must be one picture: an
    /// animation or a multi-page file is refused rather than silently cut to its first frame.
    /// `spec` is the name the user gave. (A lone content of several frames is a sequence.)
    func requireSingleFrame(_ spec: String, inBatch: Bool = false) throws {
        guard frameCount > 1 else { return }
        if inBatch {
            throw StyleError.invalidArgument(
                "'\(spec)' has \(frameCount) frames (an animation or a multi-page file) and a batch takes one "
                    + "picture from each content: name one frame ('\(spec)[0]' is the first), or stylize its "
                    + "frames as a sequence on their own (stylize '\(spec)' -s STYLE -o OUT.gif)")
        }
        let every = "or stylize every frame with ImageMagick's filter module "
        if ImageLocation(spec).isStandardStream {
            throw StyleError.invalidArgument(
                "standard input holds \(frameCount) frames (an animation or a multi-page file) and stylize paints "
                    + "one picture: send one frame (convert 'anim.gif[0]' png:- | stylize - …), "
                    + every + "(convert anim.gif -process 'stylize style=STYLE' out.gif)")
        }
        throw StyleError.invalidArgument(
            "'\(spec)' has \(frameCount) frames (an animation or a multi-page file) and stylize paints one picture: "
                + "name one frame ('\(spec)[0]' is the first), "
                + every + "(convert '\(spec)' -process 'stylize style=STYLE' OUT)")
    }
}
