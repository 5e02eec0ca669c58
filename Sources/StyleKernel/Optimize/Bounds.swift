/// The box that keeps pixels valid: per channel, the model-space values of 0 and 1.
struct Bounds {
    let lower: [Float]
    let upper: [Float]
    let plane: Int

    init(convention: InputConvention, plane: Int) {
        var lo = [Float](), hi = [Float]()
        for c in 0..<3 {
            lo.append((0 - convention.mean[c]) / convention.std[c])
            hi.append((convention.scale - convention.mean[c]) / convention.std[c])
        }
        lower = lo
        upper = hi
        self.plane = plane
    }

    /// The box's mean side over the channels (the pixel range in model units).
    var meanRange: Double {
        (0..<3).reduce(0.0) { $0 + Double(upper[$1] - lower[$1]) } / 3
    }

    /// Clamps x (3 planes) into the box.
    func project(_ x: UnsafeMutablePointer<Float>) {
        for c in 0..<3 {
            let lo = lower[c], hi = upper[c]
            let p = x + c * plane
            for i in 0..<plane { p[i] = min(max(p[i], lo), hi) }
        }
    }
}
