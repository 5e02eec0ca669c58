/// Style Grams kept between the stylizations of one engine, so that a batch of photos in one
/// style (`stylize *.jpg -s starry.png`), or a host's preview run again with other settings,
/// computes each style image's statistics once per size instead of once per run.
///
/// An entry is one style image's Grams at one stage: keyed by the image's pixels (a digest of
/// exactly the floats the stage would resize), the size it is taken at, and everything else the
/// values depend on (layers, objective, pooling, precision, tiling). A hit returns the very
/// floats a miss would compute, so results do not depend on what ran before. Used only under
/// the engine's lock (one stylization at a time), so it needs no lock of its own.
final class StyleGramCache: @unchecked Sendable {
    struct Key: Hashable {
        let style: StyleDigest
        let width: Int
        let height: Int
        let layers: [String]
        let objective: StyleOptions.Objective
        let pooling: StyleOptions.Pooling
        let precision: Conv3x3.Precision
        let tile: Int?
        /// Enlarged with the cubic filter (tiled stages) rather than the triangle.
        var smoothEnlargement = false
    }

    /// At most this many bytes of Grams are kept (VGG16's default style layers take about 1.4 MiB
    /// a style and stage); the least recently used entries go first.
    static let capacityBytes = 64 << 20

    /// Most recently used last.
    private var entries: [(key: Key, grams: [String: [Float]])] = []
    private(set) var bytes = 0

    /// The Grams for `key`: kept ones, or `compute()`'s, then kept.
    func grams(for key: Key, compute: () throws -> [String: [Float]]) rethrows -> [String: [Float]] {
        if let i = entries.firstIndex(where: { $0.key == key }) {
            let entry = entries.remove(at: i)
            entries.append(entry)
            return entry.grams
        }
        let grams = try compute()
        let size = Self.bytes(of: grams)
        guard size <= Self.capacityBytes else { return grams }
        while bytes + size > Self.capacityBytes, !entries.isEmpty {
            bytes -= Self.bytes(of: entries.removeFirst().grams)
        }
        entries.append((key, grams))
        bytes += size
        return grams
    }

    /// Forgets every entry (a run whose memory plan needs the room).
    func removeAll() {
        entries.removeAll()
        bytes = 0
    }

    var count: Int { entries.count }

    static func bytes(of grams: [String: [Float]]) -> Int {
        grams.values.reduce(0) { $0 + $1.count * MemoryLayout<Float>.size }
    }
}

/// A style image's identity for `StyleGramCache`: its size and a 128-bit digest of its floats
/// (two SipHash streams, keyed per process), so that equal pixels give equal keys wherever the
/// image came from, and different pixels collide with probability about 2⁻¹²⁸.
struct StyleDigest: Hashable {
    let width: Int
    let height: Int
    let high: Int
    let low: Int

    init(_ image: PlanarImage) {
        var a = Hasher()
        var b = Hasher()
        a.combine(0x5354_594c)  // distinct prefixes: two independent streams
        b.combine(0x4752_414d)
        image.pixels.withUnsafeBytes {
            a.combine(bytes: $0)
            b.combine(bytes: $0)
        }
        width = image.width
        height = image.height
        high = a.finalize()
        low = b.finalize()
    }
}
