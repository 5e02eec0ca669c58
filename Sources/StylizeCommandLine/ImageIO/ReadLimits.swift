internal import CMagickWand
import StyleKernel

/// What reading one image may cost and what it does with a damaged file: the run's
/// `--max-memory` and `--accept-damaged`. Every image is pinged first (its size and frames, read
/// from its header), refused if decoding it would not fit, and only then decoded, under
/// ImageMagick resource limits taken from the same budget.
struct ReadLimits: Sendable {
    /// Bytes one decode may take (`--max-memory`, the engine's budget): ImageMagick's pixel cache
    /// and our float planes of the first frame.
    var maxMemory: Int
    /// Use what ImageMagick made of a damaged file (a truncated JPEG's missing part is grey)
    /// instead of refusing it.
    var acceptDamaged: Bool

    init(maxMemory: Int = StyleOptions().maxMemory, acceptDamaged: Bool = false) {
        self.maxMemory = maxMemory
        self.acceptDamaged = acceptDamaged
    }

    /// Refuses, before any pixel is decoded, an image whose decode would not fit the budget or
    /// the memory this process can still have. `location` is nil for a stream (no file to resize).
    func admit(_ image: PingedImage, name: String, location: ImageLocation?) throws {
        let cost = image.decodeBytes
        let first = image.frames[0]
        var size = "\(first.width)×\(first.height)"
        if image.frames.count > 1 { size += " (\(image.frames.count) frames)" }
        // The scale that would fit, for the hint (every term of the cost grows with the area).
        let percent = max(1, Int((100 * (Double(maxMemory) / Double(max(cost, 1))).squareRoot()).rounded(.down)))
        let resize =
            location.map { "convert '\($0.spec)' -resize \(percent)% smaller.png" }
            ?? "convert - -resize \(percent)% png:-"
        if cost > maxMemory {
            throw StyleError.outOfMemory(
                "\(name) is \(size) and decoding it needs about \(MemoryEstimate.mebibytes(cost)) MiB, more than "
                    + "--max-memory (\(ByteSize.format(maxMemory))): resize it first (\(resize)) or raise --max-memory")
        }
        try MemoryEstimate.require(
            resident: cost, what: "decoding \(name) (\(size))",
            hint: "resize it first (\(resize)) or free memory")
    }

    /// Runs `body` (a decode) under ImageMagick's own limits from the same budget: its pixel
    /// cache in memory (heap or mapped file) and on disk, so that a file whose header understates
    /// it (or a coder that allocates more than its pixels) fails with ImageMagick's error instead
    /// of growing past the budget or filling the temporary directory. Limits above the system
    /// policy's (policy.xml) are lowered to it by ImageMagick. The previous limits come back
    /// afterwards: the writer's image (the result, whose size the engine's own plan bounds) keeps
    /// the policy's.
    func withImageMagickLimits<T>(_ body: () throws -> T) rethrows -> T {
        let budget = MagickSizeType(maxMemory)
        let limits = [
            (MemoryResource, budget), (MapResource, budget), (DiskResource, budget),
            (AreaResource, budget / MagickSizeType(PingedImage.cacheBytesPerPixel))
        ]
        let previous = limits.map { ($0.0, MagickGetResourceLimit($0.0)) }
        for (resource, limit) in limits { _ = MagickSetResourceLimit(resource, limit) }
        defer { for (resource, limit) in previous { _ = MagickSetResourceLimit(resource, limit) } }
        return try body()
    }
}

/// What ImageMagick's ping says of an image before decoding it: each frame's size, and whether
/// reading will turn it (an EXIF orientation, which costs a second pixel cache).
struct PingedImage {
    var frames: [(width: Int, height: Int)]
    var orients: Bool
    /// Whether turning the first frame upright swaps its width and height (EXIF orientations 5–8).
    var turnsSideways = false

    /// ImageMagick Q16's pixel cache, and what the reader keeps of the first frame (three Float
    /// planes and an alpha plane): Sources/CMagickWand/decode_cost.h, shared with the module.
    static let cacheBytesPerPixel = Int(STYLEFILTER_CACHE_BYTES_PER_PIXEL)
    static let planeBytesPerPixel = Int(STYLEFILTER_PLANE_BYTES_PER_PIXEL)

    /// Every frame's pixel cache (ImageMagick decodes them all), the first frame's float planes,
    /// and the turned copy of the first frame.
    var decodeBytes: Int {
        let areas = frames.map { Double($0.width) * Double($0.height) }
        let total = stylefilter_decode_bytes(areas[0], areas.reduce(0, +), orients ? 1 : 0)
        return total >= Double(Int.max / 2) ? .max : Int(total)
    }
}
