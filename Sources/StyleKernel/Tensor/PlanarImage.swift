/// An RGB image as three planes of Float in 0...1 (R plane, then G, then B), row-major, no padding.
/// This is the engine's exchange format with its hosts; the model's own convention (BGR, 0...255,
/// mean-subtracted, or RGB mean/std) is applied inside the engine.
public struct PlanarImage: Sendable, Equatable {
    public let width: Int
    public let height: Int
    /// 3 × height × width values: R plane, G plane, B plane.
    public var pixels: [Float]

    public init(width: Int, height: Int, pixels: [Float]) throws {
        guard width > 0, height > 0 else {
            throw StyleError.invalidArgument("image size \(width)×\(height) is empty")
        }
        let (plane, o1) = width.multipliedReportingOverflow(by: height)
        let (count, o2) = plane.multipliedReportingOverflow(by: 3)
        guard !o1, !o2, count == pixels.count else {
            throw StyleError.invalidArgument(
                "image of \(width)×\(height) needs \(o1 || o2 ? "too many" : String(count)) values, got \(pixels.count)"
            )
        }
        self.width = width
        self.height = height
        self.pixels = pixels
    }

    /// An image of one colour (useful for tests and padding).
    public init(width: Int, height: Int, red: Float, green: Float, blue: Float) throws {
        guard width > 0, height > 0, width <= 1 << 15, height <= 1 << 15 else {
            throw StyleError.invalidArgument("image size \(width)×\(height) is out of range")
        }
        let n = width * height
        let p: [Float] = try CheckedMemory.array(3 * n, what: "an image of \(width)×\(height)") { out, count in
            for (c, value) in [red, green, blue].enumerated() {
                (out.baseAddress! + c * n).initialize(repeating: value, count: n)
            }
            count = 3 * n
        }
        try self.init(width: width, height: height, pixels: p)
    }
}

extension PlanarImage {
    /// For sizes and counts the engine has already made consistent.
    init(trusted width: Int, _ height: Int, _ pixels: [Float]) {
        self.width = width
        self.height = height
        self.pixels = pixels
    }
}
