/// Where a style applies (`--mask`, one per style; Gatys et al. 2017's guided Grams, see
/// `StyleObjective`): one plane in 0…1, white for that style, black for none, grey blending at
/// soft edges. Any size: it is resized with the image at every stage (and cropped with it in
/// tiles), so it needs only the content's aspect ratio.
public struct RegionMask: Sendable, Equatable {
    public let width: Int
    public let height: Int
    /// height × width values, row-major.
    public let values: [Float]

    /// A mask from an image: its luminance (a grey or black-and-white image as it looks).
    public init(_ image: PlanarImage) {
        self.init(width: image.width, height: image.height, values: ColorControl.luminance(image))
    }

    init(width: Int, height: Int, values: [Float]) {
        self.width = width; self.height = height; self.values = values
    }

    /// None, or one mask per style, each non-empty with values in 0…1.
    static func validate(_ masks: [RegionMask], styleCount: Int, objective: StyleOptions.Objective) throws {
        guard !masks.isEmpty else { return }
        guard masks.count == styleCount else {
            throw StyleError.invalidArgument("\(masks.count) mask\(masks.count == 1 ? "" : "s") for \(styleCount) style image\(styleCount == 1 ? "" : "s"): give one mask per style, in the styles' order")
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
        }
    }

    /// How far any style applies at each pixel: the masks' values summed, at most 1; nil without
    /// masks (every style applies everywhere). All masks have one size.
    static func coverage(_ masks: [RegionMask]) -> [Float]? {
        guard let first = masks.first else { return nil }
        var total = [Float](repeating: 0, count: first.values.count)
        for mask in masks { for i in total.indices { total[i] += mask.values[i] } }
        return total.map { min(1, $0) }
    }

    func resized(width w: Int, height h: Int) -> RegionMask {
        RegionMask(width: w, height: h, values: Resample.resize(values, channels: 1, width: width, height: height,
                                                                toWidth: w, height: h))
    }

    func cropped(x0: Int, y0: Int, width w: Int, height h: Int) -> RegionMask {
        RegionMask(width: w, height: h, values: PlanarImage.crop(values, channels: 1, width: width, height: height,
                                                                 x0: x0, y0: y0, toWidth: w, height: h))
    }
}
