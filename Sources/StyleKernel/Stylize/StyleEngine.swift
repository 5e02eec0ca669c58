/// The entry point: a loaded model, reused for many stylizations.
/// One engine runs one stylization at a time (calls are serialised internally);
/// separate engines over the same `StyleModel` may run in parallel threads.
public final class StyleEngine: @unchecked Sendable {
    public let model: StyleModel

    public init(model: StyleModel) {
        self.model = model
    }

    /// Repaints `content` in the style of `styles` (blended by `options.styleBlend`).
    /// The result's longest side is `options.size`.
    /// - Parameter snapshotEvery: when > 0, every that many iterations the progress handler also
    ///   receives the current image (de-processed), e.g. for `--save-every`.
    public func stylize(content: PlanarImage, styles: [PlanarImage], options: StyleOptions,
                        snapshotEvery: Int = 0,
                        progress: ProgressHandler? = nil) throws -> StylizeResult {
        throw StyleError.invalidArgument("not implemented yet")
    }
}
