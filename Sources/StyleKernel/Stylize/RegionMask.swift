/// Where a style applies (`--mask`, one per style; Gatys et al. 2017's guided Grams, see
/// `StyleObjective`): one plane in 0…1, white for that style, black for none, grey blending at
/// soft edges. Any size: it is resized with the image at every stage (and cropped with it in
/// tiles), so it needs only the content's aspect ratio — and must have it (`checkShape`): a mask
/// of other proportions would be stretched onto regions it was not drawn for.
public struct RegionMask: Sendable, Equatable {
    public let width: Int
    public let height: Int
    /// height × width values, row-major.
    public let values: [Float]

    /// A mask from an image: its luminance (a grey or black-and-white image as it looks) times its
    /// opacity (`alpha`: image-sized, 0…1; nil for opaque), so a transparent part takes no style
    /// whatever its colour — the mask as it looks over black.
    public init(_ image: PlanarImage, alpha: [Float]? = nil) throws {
        var values = try ColorControl.luminance(image)
        if let alpha, alpha.count == values.count {
            for i in values.indices { values[i] *= alpha[i] }
        }
        self.init(width: image.width, height: image.height, values: values)
    }

    /// Refuses a mask whose proportions are not the content's: scaled to the other's width or
    /// height, the smaller of the two images must land within one of its pixels on the other
    /// axis — |w·H − h·W| ≤ the longest side of either — so a mask made by scaling the content's
    /// picture (and rounding its sides) passes and one drawn for another picture does not.
    /// `what` names the mask.
    public static func checkShape(
        width w: Int, height h: Int, contentWidth cw: Int, contentHeight ch: Int,
        what: String
    ) throws {
        // In Double: exact for sides up to 2^26, and no overflow for any Int.
        let a = Double(w) * Double(ch), b = Double(h) * Double(cw)
        guard abs(a - b) <= Double(max(w, h, cw, ch)) else {
            throw StyleError.invalidArgument(
                "\(what) is \(w)×\(h) and the content image \(cw)×\(ch): a mask must have the content's "
                    + "proportions (it is resized to the content's size, and would be stretched); make it at "
                    + "\(cw)×\(ch), e.g. by cropping or padding it")
        }
    }

    init(width: Int, height: Int, values: [Float]) {
        self.width = width
        self.height = height
        self.values = values
    }

    /// None, or one mask per style, each non-empty with values in 0…1.
    static func validate(
        _ masks: [RegionMask], styleCount: Int, objective: StyleOptions.Objective,
        contentWidth: Int, contentHeight: Int
    ) throws {
        guard !masks.isEmpty else { return }
        guard masks.count == styleCount else {
            throw StyleError.invalidArgument(
                "\(masks.count) mask\(masks.count == 1 ? "" : "s") for \(styleCount) style image\(styleCount == 1 ? "" : "s"): give one mask per style, in the styles' order"
            )
        }
        guard objective != .tutorial else {
            throw StyleError.invalidArgument("region masks need the default objective, not the tutorial one")
        }
        for (k, m) in masks.enumerated() {
            guard m.width > 0, m.height > 0, m.values.count == m.width * m.height else {
                throw StyleError.invalidArgument("mask \(k + 1) is empty or its size does not match its values")
            }
            guard m.values.allSatisfy({ $0.isFinite && $0 >= 0 && $0 <= 1 }) else {
                throw StyleError.invalidArgument("mask \(k + 1) has values outside 0…1 or not finite")
            }
            try checkShape(
                width: m.width, height: m.height, contentWidth: contentWidth, contentHeight: contentHeight,
                what: "mask \(k + 1)")
        }
    }

    /// How far any style applies at each pixel: the masks' values summed, at most 1; nil without
    /// masks (every style applies everywhere). All masks have one size.
    static func coverage(_ masks: [RegionMask]) throws -> [Float]? {
        guard let first = masks.first else { return nil }
        var total = try CheckedMemory.floats(
            first.values.count, what: "the masks' coverage (\(first.width)×\(first.height))")
        for mask in masks { for i in total.indices { total[i] += mask.values[i] } }
        for i in total.indices { total[i] = min(1, total[i]) }
        return total
    }

    func resized(width w: Int, height h: Int) throws -> RegionMask {
        RegionMask(
            width: w, height: h,
            values: try Resample.resize(
                values, channels: 1, width: width, height: height,
                toWidth: w, height: h))
    }

    func cropped(x0: Int, y0: Int, width w: Int, height h: Int) throws -> RegionMask {
        RegionMask(
            width: w, height: h,
            values: try PlanarImage.crop(
                values, channels: 1, width: width, height: height,
                x0: x0, y0: y0, toWidth: w, height: h))
    }
}
