/// The box that keeps pixels valid: per channel, the model-space values of 0 and 1.
struct Bounds {
    let lower: [Float]
    let upper: [Float]
    let plane: Int
    /// Grey pixels only (every style is grey, `ColorStatistics.isGrey`): the model-space
    /// direction of a grey step, k_c = scale/std_c; nil: any colour.
    let greyAxis: [Float]?

    init(convention: InputConvention, plane: Int, grey: Bool = false) {
        greyAxis = grey ? (0..<3).map { convention.scale / convention.std[$0] } : nil
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

    /// Clamps x (3 planes) into the box (and onto the grey pixels, with `greyAxis`).
    func project(_ x: UnsafeMutablePointer<Float>) {
        if let k = greyAxis {
            // x_c = v·k_c − b_c for a grey v; b_c = −lower_c. The nearest grey: v = Σ k_c(x_c + b_c)/Σ k_c².
            let kk = k[0] * k[0] + k[1] * k[1] + k[2] * k[2]
            for i in 0..<plane {
                var v: Float = 0
                for c in 0..<3 { v += k[c] * (x[c * plane + i] - lower[c]) }
                v /= kk
                for c in 0..<3 { x[c * plane + i] = v * k[c] + lower[c] }
            }
        }
        for c in 0..<3 {
            let lo = lower[c], hi = upper[c]
            let p = x + c * plane
            for i in 0..<plane { p[i] = min(max(p[i], lo), hi) }
        }
    }

    /// Keeps only the gradient's grey component (with `greyAxis`), so that the optimiser's
    /// steps stay on the grey pixels: the gradient of the objective restricted to them.
    func constrain(gradient g: UnsafeMutablePointer<Float>) {
        guard let k = greyAxis else { return }
        let kk = k[0] * k[0] + k[1] * k[1] + k[2] * k[2]
        for i in 0..<plane {
            var d: Float = 0
            for c in 0..<3 { d += k[c] * g[c * plane + i] }
            d /= kk
            for c in 0..<3 { g[c * plane + i] = d * k[c] }
        }
    }
}
