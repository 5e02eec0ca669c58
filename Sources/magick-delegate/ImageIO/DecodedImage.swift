import StyleKernel

/// An image's opacity as one plane of Float in 0...1 (1 = opaque), row-major, no padding.
/// The engine never sees it: it is kept aside and put back on the result.
struct AlphaPlane: Sendable, Equatable {
    let width: Int
    let height: Int
    var values: [Float]
}

/// What reading an image gives: its colours for the engine and, if it had one, its alpha plane.
struct DecodedImage: Sendable {
    var image: PlanarImage
    var alpha: AlphaPlane?
}
