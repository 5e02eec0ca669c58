/// Reported after every optimiser iteration.
public struct ProgressEvent: Sendable {
    /// 1-based index of the current scale and the number of scales.
    public var scale: Int
    public var scales: Int
    /// 1-based iteration within this scale, and this scale's iteration count.
    public var iteration: Int
    public var iterations: Int
    /// Iterations done over all scales so far, and planned over all scales.
    public var completed: Int
    public var planned: Int
    /// Share of the planned work done (0…1; 1 after the last iteration), each iteration weighted
    /// by its scale's pixel count and a scale's setup counted with its first — the basis for an
    /// estimate of the time left (`ScaleSchedule.work`).
    public var fractionDone: Double
    /// Size of the image being optimised at this scale.
    public var width: Int
    public var height: Int
    public var loss: LossTerms
    /// Seconds since the stylization started.
    public var elapsed: Double
    /// In a tiled scale, the 1-based tile being optimised and the scale's tile count
    /// (`iteration` then counts over all of its tiles); 0 and 0 at a whole-image scale.
    public var tile = 0
    public var tiles = 0
}

/// Called after each iteration; return false to cancel (the engine then throws `.cancelled`).
/// `image` is non-nil only when the caller asked for snapshots (`snapshotEvery`).
public typealias ProgressHandler = (ProgressEvent, PlanarImage?) -> Bool

public struct StylizeResult: Sendable {
    public var image: PlanarImage
    /// Loss terms of the returned image (evaluated on it, at the final scale; for a preview, on
    /// the image of the stage it ran, before upsampling).
    public var loss: LossTerms
    /// Iterations run over all scales.
    public var iterations: Int
    public var seconds: Double
    /// The stages run, coarse to fine.
    public var stages: [StageSummary] = []
    /// A preview (`StyleOptions.preview`): the last stage's image upsampled to the result's size.
    public var preview = false
}

/// One stage of a stylization as it ran: its size, iterations (per tile when tiled) and, for a
/// tiled stage, where its tiles lay (e.g. to look at their borders).
public struct StageSummary: Sendable {
    public var width: Int
    public var height: Int
    public var iterations: Int
    /// Tile size and the tiles' left and top edges; nil for a whole-image stage.
    public var tiles: (width: Int, height: Int, xs: [Int], ys: [Int])?
}
