import StyleKernel

/// `--report FILE` (`-`: standard output): the run's numbers as JSON, written atomically and only with the image:
/// `{"loss": {"content": …, "style": …, "tv": …, "total": …}, "iterations": …, "seconds": …,
///   "seconds_per_iteration": …, "model": …, "width": …, "height": …, "blas_kernels": …, "convolution_kernels": …,
///   "preview": false, "stages": [{"width": …, "height": …, "iterations": …, "tiles": null or {"width": …,
///   "height": …, "x": [left edges], "y": [top edges]}}, …]}`
/// (`preview`: true for `--preview on`, whose image is its one stage's upsampled to width × height)
/// (`blas_kernels`: OpenBLAS's kernel set, e.g. "Haswell"; `convolution_kernels`: the Winograd
/// convolution's, one of `Conv3x3.kernelSets`; the timing and, with "avx512-bf16", the last bits
/// depend on both)
struct RunReport {
    var loss: LossTerms
    var iterations: Int
    var seconds: Double
    var model: String
    var width: Int
    var height: Int
    var stages: [StageSummary]
    var preview: Bool

    init(result: StylizeResult, model: String) {
        loss = result.loss
        iterations = result.iterations
        seconds = result.seconds
        self.model = model
        width = result.image.width
        height = result.image.height
        stages = result.stages
        preview = result.preview
    }

    var json: String {
        let perIteration = iterations > 0 ? seconds / Double(iterations) : 0
        return """
            {
              "loss": \(Self.json(loss)),
              "iterations": \(iterations),
              "seconds": \(Self.number(seconds)),
              "seconds_per_iteration": \(Self.number(perIteration)),
              "model": \(MiniJSON.quote(model)),
              "width": \(width),
              "height": \(height),
              "blas_kernels": \(MiniJSON.quote(BLASCore.name)),
              "convolution_kernels": \(MiniJSON.quote(Conv3x3.kernelSet)),
              "preview": \(preview),
              "stages": [\(stages.map(Self.json).joined(separator: ", "))]
            }

            """
    }

    /// The report in a temporary file beside `target` (or held, for a device, FIFO or standard
    /// output), made visible with the image (`OutputFile.commitPair`).
    func prepare(to target: OutputTarget, shownAs path: String) throws -> PendingOutput {
        try OutputFile.prepare(Array(json.utf8), to: target, shownAs: path, what: "report")
    }

    static func json(_ stage: StageSummary) -> String {
        let tiles =
            stage.tiles.map { t in
                "{\"width\": \(t.width), \"height\": \(t.height), \"x\": \(t.xs), \"y\": \(t.ys)}"
            } ?? "null"
        return
            "{\"width\": \(stage.width), \"height\": \(stage.height), \"iterations\": \(stage.iterations), \"tiles\": \(tiles)}"
    }

    /// The loss terms as a JSON object; with `temporal`, the temporal term too (sequences).
    static func json(_ loss: LossTerms, temporal: Bool = false) -> String {
        let t = temporal ? ", \"temporal\": \(number(loss.temporal))" : ""
        return
            "{\"content\": \(number(loss.content)), \"style\": \(number(loss.style)), \"tv\": \(number(loss.tv))\(t), "
            + "\"total\": \(number(loss.total))}"
    }

    /// JSON has no NaN or infinity: those become null.
    static func number(_ x: Double) -> String { x.isFinite ? "\(x)" : "null" }
}

/// `--report FILE` for a sequence: one JSON for every frame, written with the last output:
/// `{"frames": [{"frame": 0, "source": …, "loss": {"content": …, "style": …, "tv": …,
///   "temporal": …, "total": …}, "iterations": …, "seconds": …, "width": …, "height": …,
///   "stages": [as RunReport's]}, …], "frame_count": …, "temporal": "off"|"short"|"long",
///   "temporal_weight": …, "iterations": …, "seconds": …, "model": …, "width": …, "height": …,
///   "blas_kernels": …, "convolution_kernels": …}`
/// (`frame`: from 0, as `%d` counts; `source`: the content file the frame came from;
/// `loss.temporal`: the temporal term, 0 for the first frame and with `--temporal off`; a frame's
/// `stages` are the ones it ran: every scale for the first frame, the last alone for the others
/// with `--temporal` short or long; the top-level `iterations` and `seconds` are the sums)
struct SequenceReport {
    struct Frame {
        var source: String
        var run: RunReport
    }

    var frames: [Frame] = []
    var model: String
    var temporal: StyleOptions.Temporal
    var temporalWeight: Float

    mutating func add(_ result: StylizeResult, source: String) {
        frames.append(Frame(source: source, run: RunReport(result: result, model: model)))
    }

    var json: String {
        let n = RunReport.number
        let entries = frames.enumerated().map { i, f in
            "    {\"frame\": \(i), \"source\": \(MiniJSON.quote(f.source)), \"loss\": \(RunReport.json(f.run.loss, temporal: true)), "
                + "\"iterations\": \(f.run.iterations), \"seconds\": \(n(f.run.seconds)), "
                + "\"width\": \(f.run.width), \"height\": \(f.run.height), "
                + "\"stages\": [\(f.run.stages.map(RunReport.json).joined(separator: ", "))]}"
        }
        return """
            {
              "frames": [
            \(entries.joined(separator: ",\n"))
              ],
              "frame_count": \(frames.count),
              "temporal": \(MiniJSON.quote(temporal.rawValue)),
              "temporal_weight": \(n(Double(temporalWeight))),
              "iterations": \(frames.reduce(0) { $0 + $1.run.iterations }),
              "seconds": \(n(frames.reduce(0) { $0 + $1.run.seconds })),
              "model": \(MiniJSON.quote(model)),
              "width": \(frames.first?.run.width ?? 0),
              "height": \(frames.first?.run.height ?? 0),
              "blas_kernels": \(MiniJSON.quote(BLASCore.name)),
              "convolution_kernels": \(MiniJSON.quote(Conv3x3.kernelSet))
            }

            """
    }

    func prepare(to target: OutputTarget, shownAs path: String) throws -> PendingOutput {
        try OutputFile.prepare(Array(json.utf8), to: target, shownAs: path, what: "report")
    }
}
