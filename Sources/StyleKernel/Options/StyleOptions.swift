/// Everything a stylization can be told. Every field has a default that gives a good result with
/// the default model; `validate()` checks the lot before any work starts.
public struct StyleOptions: Sendable {
    public enum Optimizer: String, Sendable, CaseIterable { case lbfgs, adam }
    public enum Pooling: String, Sendable, CaseIterable { case max, avg }
    /// `standard`: the size-independent normalisation documented in docs/objective.md.
    /// `tutorial`: exactly the PyTorch tutorials' objective (docs/objective.md), for comparisons.
    public enum Objective: String, Sendable, CaseIterable { case standard = "default", tutorial }
    public enum Initialization: Sendable, Equatable {
        case content
        case random
        /// Mid-grey everywhere (crowsonkb/style-transfer-pytorch's `gray`).
        case gray
        /// The style images' mean colour everywhere (blended like their Grams).
        case styleMean
        /// The content recoloured to the styles' colours: its mean colour and colour covariance
        /// mapped to theirs (blended), in each masked region to that region's style.
        case styleColors
        case image(PlanarImage)
    }
    /// Whose colours the result has (Gatys et al. 2016, "Preserving Color in Neural Artistic
    /// Style Transfer"; `ColorControl`): `style` the painting's; `luminance` only the luminance
    /// is stylized and the content's chroma kept (jcjohnson's `-original_colors 1`); `histogram`
    /// the style images' colours are first matched to the content's mean and covariance.
    public enum Colors: String, Sendable, CaseIterable { case style, luminance, histogram }
    public enum Switch: String, Sendable, CaseIterable { case off, on }
    /// How a frame of a sequence (`StyleSequence`) is tied to the frames before it (Ruder et al.
    /// 2016): `off` each frame on its own; `short` the previous stylized frame warped by the
    /// optical flow is its start and, where the flow is reliable, its temporal target; `long`
    /// also the frames `TemporalGuide.longTermDistances` back, where the nearer ones are occluded.
    public enum Temporal: String, Sendable, CaseIterable { case off, short, long }
    /// How L-BFGS shapes its steps over a whole image (`MultiscalePreconditioner`): `multiscale`
    /// moves large regions as fast as fine detail; `none` moves every pixel alike, as PyTorch's
    /// L-BFGS does. Adam and the tiled stages take plain steps either way.
    public enum Preconditioner: String, Sendable, CaseIterable { case multiscale, none }
    /// What the network sees beyond the image's edges over a whole image (`ReflectedBorder`):
    /// `mirror` the image reflected outwards, with the losses over the image's own positions;
    /// `zero` black, as PyTorch and 1.5 (the result then grows a frame a few pixels wide). The
    /// tutorial objective and the tiled stages always take `zero`.
    public enum Padding: String, Sendable, CaseIterable { case mirror, zero }

    /// Iterations at each scale (see `scales`): with the defaults, 24 each at 362 and 512 px.
    /// An iteration one step coarser costs about half as much, so the pyramid takes about 1.5×
    /// the final scale's time.
    public var iterations: Int = 24
    public var optimizer: Optimizer = .lbfgs
    public var preconditioner: Preconditioner = .multiscale
    /// `mirror` since 1.6.0: blind, 14 of 15 views against 1.5's `zero` (docs/quality.md).
    public var padding: Padding = .mirror
    /// Adam's step size in the model's pixel units (0...255 for Caffe-convention models).
    public var learningRate: Float = 2.0
    // Tuned by eye on Tübingen + Starry Night and the bundled example at 256–512 px with the
    // default model; the default objective's normalisation keeps them valid at other sizes.
    public var contentWeight: Float = 1.0
    public var styleWeight: Float = 30.0
    public var tvWeight: Float = 10.0
    public var contentLayers: [String] = ["conv4_2"]
    public var styleLayers: [(name: String, weight: Float)] = StyleOptions.defaultStyleLayers
    public var pooling: Pooling = .max
    public var initialization: Initialization = .styleColors
    public var seed: UInt64 = 0
    /// Size of the style image relative to the size it is taken at by default (each scale's
    /// longest side): above 1 its strokes come out larger, below 1 smaller. The Gram
    /// normalisation (G = F·Fᵀ / positions, style loss relative to ‖A‖²) keeps the balance
    /// between content and style independent of it.
    public var styleScale: Float = 1
    /// Weight of the long-range style terms (`ShiftedGram`): conv4_1's features against
    /// themselves shifted across and down, relative to conv4_1's own style term; 0 turns them off.
    public var longRangeWeight: Float = 0
    public var colors: Colors = .style
    /// Per-layer gradient normalisation (`StyleObjective.balanceLayerGradients`), off by default.
    public var normalizeGradients: Switch = .off
    /// Number of scales in the coarse-to-fine pyramid (sides shrink by √2 per step, ≥ 64 px);
    /// 1 optimises at full size only. 2 since 1.5.0 (3 in 1.2–1.4, 5 before): the coarse scales
    /// placed the painting's objects — glowing stars over houses, a portrait's eyes on a tower,
    /// Starry Night's cypress over Tübingen — where the finer scales could not take them out, and
    /// the multiscale preconditioner now makes the large strokes at full size that they were
    /// there for. Blind, 2 scales with it won 11 of 15 views against 1 scale (docs/quality.md).
    public var scales: Int = 2
    public var objective: Objective = .standard
    /// Longest side of the result in pixels; the content is resized to it (up or down).
    /// `StyleOptions.fullSize` (0): the content's own size.
    public var size: Int = 512
    /// Longest side up to which the whole image is optimised at once (the pyramid of `scales`
    /// ends there); a larger result continues in overlapping tiles, doubling per stage, in memory
    /// bounded by `maxMemory` (see `ScaleSchedule`).
    public var workSize: Int = 512
    /// Memory budget in bytes for what the stylization allocates (the model, the caller's images
    /// and the host's own data aside): tile sizes are planned to fit it, and a run that cannot fit
    /// is refused before it starts.
    public var maxMemory: Int = 1 << 30
    /// Largest tile side a tiled stage may use (tests force small tiles with it).
    var maximumTile: Int = 2048
    /// Blend weights of the style images (one per style; normalised to sum 1). Empty: equal.
    public var styleBlend: [Float] = []
    /// Threads for the engine's own loops and for OpenBLAS; 0 = all cores.
    public var threads: Int = 0
    /// `on`: a preview for choosing settings and for a host's preview pane — the run's first
    /// (coarsest) stage alone, for at most `ScaleSchedule.previewIterations` of its iterations,
    /// upsampled to the result's size. The full run continues from exactly that image, so the
    /// preview has its composition and palette; at the defaults in 0.22× its time (with one
    /// scale, half; bench/README.md, "Preview").
    public var preview: Switch = .off
    /// Frame sequences only (`StyleSequence`; a single image ignores both).
    public var temporal: Temporal = .short
    /// Weight of the temporal term (`TemporalTerm`: mean squared difference from the warped
    /// previous result in 0…1 units, where the flow is reliable).
    public var temporalWeight: Float = 2000

    /// Weighted towards the middle layers, and no conv5_1 (docs/quality.md): conv5_1's Gram copied
    /// whole objects of the painting into the photo — Starry Night's stars and moon as discs over
    /// Tübingen's trees and houses, the Scream's face into the Golden Gate's water — and shallow-heavy
    /// weights (conv1_1 1, conv2_1 0.75, conv3…5_1 0.2 until 1.2.0) gave short speckled strokes; blind,
    /// with the 5-scale pyramid of the time, judges preferred these weights to those 3 of 3 and to
    /// jcjohnson/neural-style's result 3 of 3 on Tübingen × Starry Night.
    public static let defaultStyleLayers: [(name: String, weight: Float)] = [
        ("conv1_1", 0.2), ("conv2_1", 0.5), ("conv3_1", 1.0), ("conv4_1", 1.0)
    ]

    /// The PyTorch tutorials' style layers and weights (docs/objective.md, "the tutorial
    /// objective"): what `--objective tutorial` takes unless style layers are given.
    public static let tutorialStyleLayers: [(name: String, weight: Float)] = [
        ("conv1_1", 1.0), ("conv2_1", 0.75), ("conv3_1", 0.2), ("conv4_1", 0.2), ("conv5_1", 0.2)
    ]

    /// The layers a tiled stage takes when the caller's style layers have none up to conv3_1
    /// with a weight above 0 (`TiledStage.options`): the tutorials' up to there.
    public static let tileFallbackStyleLayers = tutorialStyleLayers

    public init() {}

    /// The defaults of a filter in an image pipeline (the C API, the ImageMagick module): the
    /// result keeps the size of the image it was handed.
    public static let filterDefaults: StyleOptions = {
        var o = StyleOptions()
        o.size = fullSize
        return o
    }()
}
