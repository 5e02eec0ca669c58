/// The Gatys objective on one image size:
///   total = contentWeight·content + styleWeight·style + tvWeight·tv
/// with content = Σ_l c_l·‖F_l − P_l‖², style = Σ_l s_l·‖G_l − A_l‖² where G_l = g_l·F_l·F_lᵀ,
/// and tv = t·Σ(neighbour differences)². The normalisers c_l, s_l, g_l, t depend on the kind:
///
/// - `.standard` (default): size- and scale-free. c_l = 1 / (L·‖P_l‖²) over L content layers,
///   g_l = 1/(H_l·W_l), s_l = ŵ_l / ‖A_l‖² with ŵ the style-layer weights normalised to sum 1,
///   t = (σ/κ)² / (3·H·W) with κ the model's pixel scale and σ its mean std — so every term is
///   a relative error or a per-value mean in 0…1 units, whatever the image size.
/// - `.tutorial`: exactly the tutorial objective of docs/objective.md: c_l = 1/(C·H·W) (a mean),
///   g_l = 1 (un-normalised Gram), s_l = w_l / (C² · C·H·W), t = 1 (a plain sum, model units).
///
/// Region masks (`StyleTarget.mask`; Gatys et al. 2017, "Controlling Perceptual Factors in
/// Neural Style Transfer", guided Gram matrices): each style k has its own term, with its mask
/// m_k taken to each layer's size, G_k = F·diag(m_k²)·Fᵀ / Σm_k² (the Gram of the masked
/// features, a mean over the region), and s scaled by the region's coverage Σm_k²/(H_l·W_l), so
/// a pixel inside a region is pushed towards the style as hard as without masks whatever the
/// region's size. Its gradient is 2·s·g·(G − A)·(m²∘F). Unmasked pixels have content and TV only.
///
/// With a `ReflectedBorder`, the network sees the image with a mirrored border, and every term
/// is taken over the image's own positions only (the border's mask is 0): content and Grams are
/// means over the interior, and a style region's coverage is relative to the interior.
///
/// See docs/objective.md for the derivation of the gradients.
public final class StyleObjective: @unchecked Sendable {
    public struct Layer {
        let name: String
        let shape: Shape3
        /// Loss normaliser (c_l or s_l above).
        let norm: Float
        /// Gram scale g_l (style layers only).
        let gramScale: Float
        /// Target features P_l or target Gram A_l.
        let target: FloatBuffer
        /// Scratch: the current Gram, then G − A (style layers only).
        let scratch: FloatBuffer?
        /// The region mask at this layer's size (masked style terms; content terms with a
        /// border: its interior).
        var mask: FloatBuffer? = nil
        /// The layer's share of its term (layer weight × style weight × region coverage), the
        /// gradient share `balanceLayerGradients` gives it.
        var share: Float = 1
    }

    /// What one style term matches: Grams per style layer (blended already when there are no
    /// masks), a weight, and the style's region mask at the input's size (H × W in 0…1; nil: the
    /// whole image).
    public struct StyleTarget {
        public var grams: [String: [Float]]
        public var weight: Float
        public var mask: [Float]?
        public init(grams: [String: [Float]], weight: Float = 1, mask: [Float]? = nil) {
            self.grams = grams
            self.weight = weight
            self.mask = mask
        }
    }

    public let workspace: NetworkWorkspace
    let options: StyleOptions
    let contentLayers: [Layer]
    let styleLayers: [Layer]
    /// Shifted-Gram terms (`ShiftedGram`), on an unmasked style target only.
    let shiftTerms: [ShiftedGramTerm]
    /// Factors on each content and style layer's norm (`balanceLayerGradients`); 1 by default.
    var contentBalance: [Float]
    var styleBalance: [Float]
    /// The per-value mean in 0…1 units: (σ/κ)²/(3·H·W), with κ the model's pixel scale and σ its
    /// mean std (1 for the tutorial objective's TV: a plain sum). Total variation's, and the
    /// temporal term's always.
    let tvNorm: Float
    /// A frame's temporal term (sequences, after the first frame), or nil.
    let temporal: TemporalTerm?
    /// m∘F, then m²∘F, of the masked style layer being evaluated (as large as the largest).
    let maskedFeatures: FloatBuffer?
    /// The mirrored border around the image (nil: the network sees the image itself), with the
    /// padded image and its gradient.
    let border: ReflectedBorder?
    private let padded: FloatBuffer?
    private let paddedGradient: FloatBuffer?
    /// The image's shape (the network's input shape less the border).
    let imageShape: Shape3

    /// - Parameters:
    ///   - contentFeatures: P_l for each content layer, at this workspace's size.
    ///   - styleGrams: the blended target Gram A_l for each style layer, computed with
    ///     `gramScale(kind:shape:)` of the style image's own size.
    public convenience init(
        workspace: NetworkWorkspace, options: StyleOptions, convention: InputConvention,
        contentFeatures: [String: [Float]], styleGrams: [String: [Float]]
    ) throws {
        try self.init(
            workspace: workspace, options: options, convention: convention,
            contentFeatures: contentFeatures, styleTargets: [StyleTarget(grams: styleGrams)])
    }

    /// - Parameters:
    ///   - border: the mirrored border the workspace's input has around the image (its input is
    ///     the image's size plus the border); `evaluate` then takes the image itself.
    ///   - styleTargets: masks at the image's size.
    public init(
        workspace: NetworkWorkspace, options: StyleOptions, convention: InputConvention,
        contentFeatures: [String: [Float]], styleTargets: [StyleTarget],
        border: ReflectedBorder? = nil, temporal guide: TemporalGuide? = nil
    ) throws {
        self.workspace = workspace
        self.options = options
        self.border = border
        let tutorial = options.objective == .tutorial
        let input = workspace.inputShape
        if let border {
            precondition(input.width == border.paddedWidth && input.height == border.paddedHeight)
            imageShape = Shape3(input.channels, border.imageHeight, border.imageWidth)
            padded = try FloatBuffer(checkedCount: input.count)
            paddedGradient = try FloatBuffer(checkedCount: input.count)
        } else {
            imageShape = input
            padded = nil
            paddedGradient = nil
        }
        let content = try Self.contentTerms(
            workspace: workspace, options: options,
            contentFeatures: contentFeatures, border: border)
        let (style, largestMasked) = try Self.styleTerms(
            workspace: workspace, options: options,
            targets: styleTargets, border: border)
        maskedFeatures = largestMasked > 0 ? try FloatBuffer(checkedCount: largestMasked) : nil
        contentLayers = content
        styleLayers = style
        shiftTerms = try Self.shiftTerms(
            workspace: workspace, options: options, targets: styleTargets, border: border)
        contentBalance = [Float](repeating: 1, count: content.count)
        styleBalance = [Float](repeating: 1, count: style.count)
        let sigma = convention.std.reduce(0, +) / 3
        let unit = sigma / convention.scale
        let perValue = unit * unit / Float(imageShape.count)
        tvNorm = tutorial ? 1 : perValue
        if let guide {
            guard guide.target.width == imageShape.width, guide.target.height == imageShape.height else {
                throw StyleError.invalidArgument(
                    "the temporal guide is \(guide.target.width)×\(guide.target.height), the image \(imageShape.width)×\(imageShape.height)"
                )
            }
            temporal = try TemporalTerm(guide: guide, convention: convention, norm: perValue)
        } else {
            temporal = nil
        }
    }

    /// A layer's interior (nil without a border).
    private static func interiorMask(
        _ name: String, _ shape: Shape3, workspace: NetworkWorkspace,
        border: ReflectedBorder?
    ) throws -> [Float]? {
        try border?.interiorMask(stride: workspace.network.stride(of: name), width: shape.width, height: shape.height)
    }

    /// A mask's mass Σm² (or a target's energy).
    private static func mass(_ m: [Float]) -> Double { m.reduce(0.0) { $0 + Double($1) * Double($1) } }

    /// A default-objective style term's normaliser: its share of the layer weights over its
    /// target's energy, so the term is a relative error.
    private static func relativeNorm(_ weight: Float, of weightSum: Float, energy: Double) -> Float {
        Float(Double(weight / max(weightSum, 1e-30)) / max(energy, 1e-12))
    }

    /// The content terms: each content layer's target features P, its interior (with a border)
    /// and its norm (1/N for the tutorial objective; else one over the layers' count times P's
    /// energy over the interior).
    private static func contentTerms(
        workspace: NetworkWorkspace, options: StyleOptions,
        contentFeatures: [String: [Float]], border: ReflectedBorder?
    ) throws -> [Layer] {
        let parallel = workspace.parallel
        let tutorial = options.objective == .tutorial
        var content: [Layer] = []
        for name in options.contentLayers {
            let shape = workspace.shape(of: name)!
            let p = try FloatBuffer(checkedValues: contentFeatures[name]!)
            let m = try interiorMask(name, shape, workspace: workspace, border: border)
            let norm: Float
            if tutorial {
                norm = 1 / Float(shape.count)
            } else {
                let energy =
                    m.map { m in
                        (0..<p.count).reduce(0.0) { $0 + Double(m[$1 % shape.plane] * p.pointer[$1] * p.pointer[$1]) }
                    } ?? Reductions.sumSquares(p.pointer, count: p.count, parallel: parallel)
                norm = Float(1 / (Double(options.contentLayers.count) * max(energy, 1e-12)))
            }
            var layer = Layer(name: name, shape: shape, norm: norm, gramScale: 0, target: p, scratch: nil)
            if let m { layer.mask = try FloatBuffer(checkedValues: m) }
            content.append(layer)
        }
        return content
    }

    /// The style terms, one per style target and style layer: the target Gram A, its norm
    /// (weight over A's energy, or the tutorial's 1/(C²N)), and with a region mask or a border
    /// the mask at the layer's size, the Gram a mean over it and the term weighted by its share;
    /// an empty region has no term. Also the size of the largest masked layer.
    private static func styleTerms(
        workspace: NetworkWorkspace, options: StyleOptions, targets styleTargets: [StyleTarget],
        border: ReflectedBorder?
    ) throws -> (layers: [Layer], largestMasked: Int) {
        let parallel = workspace.parallel
        let tutorial = options.objective == .tutorial
        let input = workspace.inputShape
        let weightSum = options.styleLayers.reduce(Float(0)) { $0 + $1.weight }
        var style: [Layer] = []
        var largestMasked = 0
        for target in styleTargets {
            for (name, weight) in options.styleLayers {
                let shape = workspace.shape(of: name)!
                let a = FloatBuffer(target.grams[name]!)
                let c = Float(shape.channels)
                var norm: Float
                var gramScale = Self.gramScale(objective: options.objective, shape: shape)
                if tutorial {
                    norm = weight / (c * c * Float(shape.count))
                } else {
                    norm = relativeNorm(
                        weight, of: weightSum,
                        energy: Reductions.sumSquares(a.pointer, count: a.count, parallel: parallel))
                }
                norm *= target.weight
                var layer = Layer(
                    name: name, shape: shape, norm: norm, gramScale: gramScale,
                    target: a, scratch: FloatBuffer(count: shape.channels * shape.channels))
                layer.share = weight * target.weight
                // The region mask at this layer's size (with a border: mirrored with the image,
                // then only its interior).
                let interior = try interiorMask(name, shape, workspace: workspace, border: border)
                let region = try target.mask.map { mask in
                    try Resample.resize(
                        border?.padded(mask) ?? mask, channels: 1, width: input.width,
                        height: input.height, toWidth: shape.width, height: shape.height)
                }
                var m = region ?? interior
                if region != nil, let interior { for i in interior.indices { m![i] *= interior[i] } }
                if let m {
                    let regionMass = mass(m)
                    // An empty region has no term; otherwise the Gram is a mean over the region
                    // and the term is weighted by the region's share of the layer (of its
                    // interior, with a border).
                    guard regionMass > 1e-6 else { continue }
                    let whole = interior.map(mass) ?? Double(shape.plane)
                    gramScale = Float(1 / regionMass)
                    layer = Layer(
                        name: name, shape: shape, norm: norm * Float(regionMass / whole),
                        gramScale: gramScale, target: a, scratch: layer.scratch)
                    layer.mask = try FloatBuffer(checkedValues: m)
                    layer.share *= Float(regionMass / whole)
                    largestMasked = max(largestMasked, shape.count)
                }
                style.append(layer)
            }
        }
        return (style, largestMasked)
    }

    /// The shifted-Gram terms of `ShiftedGram.specs` whose targets the (single, unmasked) style
    /// target has, each over the image's interior.
    private static func shiftTerms(
        workspace: NetworkWorkspace, options: StyleOptions, targets: [StyleTarget], border: ReflectedBorder?
    ) throws -> [ShiftedGramTerm] {
        guard options.objective == .standard, targets.count == 1, targets[0].mask == nil else { return [] }
        let weightSum = options.styleLayers.reduce(Float(0)) { $0 + $1.weight }
        var out: [ShiftedGramTerm] = []
        for spec in ShiftedGram.specs(for: options) {
            guard let a = targets[0].grams[spec.key], let shape = workspace.shape(of: spec.layer),
                let layerWeight = options.styleLayers.first(where: { $0.name == spec.layer })?.weight
            else { continue }
            let window =
                border?.interior(
                    stride: workspace.network.stride(of: spec.layer), width: shape.width, height: shape.height)
                ?? (0, 0, shape.width, shape.height)
            let norm = relativeNorm(spec.weight * layerWeight, of: weightSum, energy: mass(a))
            out.append(
                try ShiftedGramTerm(spec: spec, shape: shape, target: a, norm: norm * targets[0].weight, window: window)
            )
        }
        return out
    }

    /// `--normalize-gradients` (after jcjohnson/neural-style's `-normalize_gradients`): scales
    /// each layer's term so that, at `x`, the L1 norm of its gradient with respect to that layer's
    /// features is its share of its term's total (layer weights, and for masks the region's
    /// coverage), the term's total L1 norm kept — so deep style layers, whose gradients are orders
    /// of magnitude smaller than shallow ones', pull as their weights say, and the balance of content
    /// and style stays the weights'. neural-style renormalises at every evaluation; here the factors
    /// are set once per scale (or tile), so the objective stays one function that L-BFGS's line
    /// search can trust. A layer without gradient (the content layer at the content) keeps 1.
    public func balanceLayerGradients(at x: UnsafePointer<Float>) throws {
        contentBalance = contentBalance.map { _ in 1 }
        styleBalance = styleBalance.map { _ in 1 }
        let (contentNorms, styleNorms) = try layerGradientNorms(at: x)
        func balance(_ norms: [Double], shares: [Float]) -> [Float] {
            let total = norms.reduce(0, +), shareSum = shares.reduce(Float(0), +)
            return zip(norms, shares).map { norm, share in
                guard norm > 1e-30, total > 1e-30, shareSum > 0 else { return 1 }
                return Float(Double(share / shareSum) * total / norm)
            }
        }
        contentBalance = balance(contentNorms, shares: contentLayers.map { _ in 1 })
        styleBalance = balance(styleNorms, shares: styleLayers.map(\.share))
    }

    /// The L1 norm of each content and style layer's loss gradient with respect to its features
    /// at `x` (balance factors applied, term weights not).
    func layerGradientNorms(at x: UnsafePointer<Float>) throws -> (content: [Double], style: [Double]) {
        let parallel = workspace.parallel
        forward(x)
        let contentNorms = contentLayers.map { layer -> Double in
            2 * Double(layer.norm) * contentDistance(layer, absolute: true)
        }
        let largest = styleLayers.map(\.shape.count).max() ?? 0
        let gradient = try FloatBuffer(checkedCount: max(1, largest))
        let styleNorms = styleLayers.map { layer -> Double in
            let f = layer.mask == nil ? UnsafePointer(workspace.output(of: layer.name)!) : masked(layer, power: 1)
            let d = layer.scratch!
            Gram.compute(
                features: f, channels: layer.shape.channels, positions: layer.shape.plane,
                scale: layer.gramScale, gram: d.pointer, parallel: parallel)
            for i in 0..<d.count { d.pointer[i] = 2 * layer.norm * (d.pointer[i] - layer.target.pointer[i]) }
            let g = layer.mask == nil ? UnsafePointer(workspace.output(of: layer.name)!) : masked(layer, power: 2)
            gradient.pointer.update(repeating: 0, count: layer.shape.count)
            Gram.backward(
                dLossdGram: d.pointer, features: g, channels: layer.shape.channels,
                positions: layer.shape.plane, scale: layer.gramScale, gradient: gradient.pointer,
                parallel: parallel)
            return Reductions.sumAbsolute(gradient.pointer, count: layer.shape.count, parallel: parallel)
        }
        return (
            zip(contentNorms, contentBalance).map { $0 * Double($1) },
            zip(styleNorms, styleBalance).map { $0 * Double($1) }
        )
    }

    /// The network's forward pass at the image `x` (with its mirrored border, if any).
    func forward(_ x: UnsafePointer<Float>) {
        if let border, let padded {
            border.pad(x, into: padded.pointer, parallel: workspace.parallel)
            workspace.forward(UnsafePointer(padded.pointer))
        } else {
            workspace.forward(x)
        }
    }

    /// Σ m·(F − P)² of a content layer after `forward` (Σ m·|F − P| when `absolute`); m is the
    /// interior with a border, else 1.
    func contentDistance(_ layer: Layer, absolute: Bool = false) -> Double {
        let parallel = workspace.parallel
        let f = workspace.output(of: layer.name)!, p = layer.target.pointer
        guard let m = layer.mask?.pointer else {
            return absolute
                ? Reductions.sumAbsoluteDifference(f, p, count: layer.shape.count, parallel: parallel)
                : Reductions.sumSquaredDifference(f, p, count: layer.shape.count, parallel: parallel)
        }
        let n = layer.shape.plane
        var sums = [Double](repeating: 0, count: layer.shape.channels)
        sums.withUnsafeMutableBufferPointer { out in
            parallel.forEach(layer.shape.channels, minimumPerThread: 1) { channels in
                for c in channels {
                    var total: Float = 0
                    for i in 0..<n {
                        let d = f[c * n + i] - p[c * n + i]
                        total += m[i] * (absolute ? abs(d) : d * d)
                    }
                    out[c] = Double(total)
                }
            }
        }
        return sums.reduce(0, +)
    }

    /// mᵖ∘F of a masked style layer's features (p = 1 for its Gram, 2 for its gradient), in
    /// `maskedFeatures`.
    func masked(_ layer: Layer, power: Int) -> UnsafePointer<Float> {
        let f = workspace.output(of: layer.name)!, m = layer.mask!.pointer
        let out = maskedFeatures!.pointer
        let n = layer.shape.plane
        workspace.parallel.forEach(layer.shape.channels, minimumPerThread: 1) { channels in
            for c in channels {
                let src = f + c * n, dst = out + c * n
                if power == 1 {
                    for i in 0..<n { dst[i] = m[i] * src[i] }
                } else {
                    for i in 0..<n { dst[i] = m[i] * m[i] * src[i] }
                }
            }
        }
        return UnsafePointer(out)
    }

    /// g_l: the factor in G = g·F·Fᵀ for a feature map of this shape.
    public static func gramScale(objective: StyleOptions.Objective, shape: Shape3) -> Float {
        objective == .tutorial ? 1 : 1 / Float(shape.plane)
    }

    /// Loss terms at x (3 × H × W, model convention); when `gradient` is given, also writes
    /// d total / d x there.
    public func evaluate(_ x: UnsafePointer<Float>, gradient: UnsafeMutablePointer<Float>?) -> LossTerms {
        let parallel = workspace.parallel
        forward(x)
        var terms = LossTerms()
        for (l, layer) in contentLayers.enumerated() {
            terms.content += Double(layer.norm * contentBalance[l]) * contentDistance(layer)
        }
        for (l, layer) in styleLayers.enumerated() {
            let f =
                layer.mask == nil
                ? UnsafePointer(workspace.output(of: layer.name)!)
                : masked(layer, power: 1)
            let g = layer.scratch!
            Gram.compute(
                features: f, channels: layer.shape.channels, positions: layer.shape.plane,
                scale: layer.gramScale, gram: g.pointer, parallel: parallel)
            // Keep G − A for the backward pass.
            let a = layer.target.pointer
            for i in 0..<g.count { g.pointer[i] -= a[i] }
            terms.style +=
                Double(layer.norm * styleBalance[l])
                * Reductions.sumSquares(
                    g.pointer, count: g.count, parallel: parallel)
        }
        for term in shiftTerms {
            terms.style += term.evaluate(workspace.output(of: term.spec.layer)!, parallel: parallel)
        }
        let shape = imageShape
        func weightedTotal(_ t: LossTerms) -> Double {
            Double(options.contentWeight) * t.content + Double(options.styleWeight) * t.style
                + Double(options.tvWeight) * t.tv + Double(options.temporalWeight) * t.temporal
        }
        guard let gradient else {
            terms.temporal = temporal?.evaluate(x, weight: 0, gradient: nil, parallel: parallel) ?? 0
            terms.tv =
                Double(tvNorm)
                * TotalVariation.evaluate(
                    x, shape: shape, weight: 0, gradient: nil, parallel: parallel)
            terms.total = weightedTotal(terms)
            return terms
        }
        workspace.backward(
            inject: { name, grad, shape in
                for (l, layer) in self.contentLayers.enumerated() where layer.name == name {
                    // d/dF of w·c·‖F − P‖² = 2·w·c·(F − P)
                    let f = self.workspace.output(of: name)!
                    let p = layer.target.pointer
                    let k = 2 * self.options.contentWeight * layer.norm * self.contentBalance[l]
                    if let m = layer.mask?.pointer {
                        // d/dF of w·c·Σ m·(F − P)² = 2·w·c·m·(F − P)
                        parallel.forEach(shape.channels, minimumPerThread: 1) { channels in
                            for c in channels {
                                let o = c * shape.plane
                                for i in 0..<shape.plane { grad[o + i] += k * m[i] * (f[o + i] - p[o + i]) }
                            }
                        }
                    } else {
                        parallel.forEach(shape.count, minimumPerThread: 1 << 15) { r in
                            for i in r { grad[i] += k * (f[i] - p[i]) }
                        }
                    }
                }
                for (l, layer) in self.styleLayers.enumerated() where layer.name == name {
                    // dL/dG = 2·w·s·(G − A); Gram.backward applies dG/dF.
                    let d = layer.scratch!
                    let k = 2 * self.options.styleWeight * layer.norm * self.styleBalance[l]
                    for i in 0..<d.count { d.pointer[i] *= k }
                    let f =
                        layer.mask == nil
                        ? UnsafePointer(self.workspace.output(of: name)!)
                        : self.masked(layer, power: 2)
                    Gram.backward(
                        dLossdGram: d.pointer, features: f,
                        channels: shape.channels, positions: shape.plane,
                        scale: layer.gramScale, gradient: grad, parallel: parallel)
                }
                for term in self.shiftTerms where term.spec.layer == name {
                    term.backward(into: grad, weight: self.options.styleWeight, parallel: parallel)
                }
            }, inputGradient: paddedGradient?.pointer ?? gradient)
        if let border, let paddedGradient {
            border.fold(paddedGradient.pointer, into: gradient, parallel: parallel)
        }
        // TV's value and gradient in one pass, added after the network's gradient is written.
        terms.tv =
            Double(tvNorm)
            * TotalVariation.evaluate(
                x, shape: shape, weight: options.tvWeight * tvNorm, gradient: gradient, parallel: parallel)
        terms.temporal =
            temporal?.evaluate(x, weight: options.temporalWeight, gradient: gradient, parallel: parallel) ?? 0
        terms.total = weightedTotal(terms)
        return terms
    }
}
