/// The box that keeps pixels valid: per channel, the model-space values of 0 and 1.
struct Bounds {
    let lower: [Float]
    let upper: [Float]
    let plane: Int
    /// Grey pixels only (every style is grey, `ColorControl.isGrey`): the model-space direction
    /// of a grey step, k_c = scale/std_c, so a grey pixel of value v is x_c = v·k_c + lower_c;
    /// nil: any colour.
    let greyAxis: [Float]?
    /// Σ_c k_c² (1 without `greyAxis`).
    private let greyNorm: Float

    init(convention: InputConvention, plane: Int, grey: Bool = false) {
        let k = (0..<3).map { convention.scale / convention.std[$0] }
        greyAxis = grey ? k : nil
        greyNorm = grey ? k.reduce(0) { $0 + $1 * $1 } : 1
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
            // The nearest grey pixel: v = Σ_c k_c (x_c − lower_c) / Σ_c k_c². Clamping a grey
            // pixel channel by channel below keeps it grey (every channel's box is v in 0…1).
            let (k0, k1, k2) = (k[0], k[1], k[2]), (l0, l1, l2) = (lower[0], lower[1], lower[2])
            let r = x, g = x + plane, b = x + 2 * plane
            for i in 0..<plane {
                let v = (k0 * (r[i] - l0) + k1 * (g[i] - l1) + k2 * (b[i] - l2)) / greyNorm
                r[i] = v * k0 + l0
                g[i] = v * k1 + l1
                b[i] = v * k2 + l2
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
        let (k0, k1, k2) = (k[0], k[1], k[2])
        let r = g, gr = g + plane, b = g + 2 * plane
        for i in 0..<plane {
            let d = (k0 * r[i] + k1 * gr[i] + k2 * b[i]) / greyNorm
            r[i] = d * k0
            gr[i] = d * k1
            b[i] = d * k2
        }
    }
}
