import StyleKernel

/// `--progress`: scale, iteration/total, loss terms, elapsed time and ETA on standard error.
/// On a terminal one line is rewritten in place (at most ~10 times a second); otherwise plain
/// lines are printed, at most one a second plus the last iteration of each scale.
final class ProgressDisplay {
    let isTerminal: Bool
    /// In a batch: which content this is, and the time the others took, for the batch's ETA.
    let batch: BatchProgress?
    private var lastShown = -Double.infinity
    private var lineOpen = false

    init(isTerminal: Bool, batch: BatchProgress? = nil) {
        self.isTerminal = isTerminal
        self.batch = batch
    }

    func show(_ e: ProgressEvent) {
        let lastOfScale = e.iteration == e.iterations
        let interval = isTerminal ? 0.1 : 1.0
        guard lastOfScale || e.completed == 1 || e.elapsed - lastShown >= interval else { return }
        lastShown = e.elapsed
        var text = Self.describe(e)
        if let batch {
            text =
                "[\(batch.current + 1)/\(batch.count)] " + text
                + (Self.secondsLeft(e).map { batch.remainingText(currentLeft: $0, currentTotal: e.elapsed + $0) } ?? "")
        }
        if isTerminal {
            StandardError.write("\r" + text + "\u{1B}[K")
            lineOpen = true
        } else {
            StandardError.line(text)
        }
    }

    /// Ends the updating line so later messages start on their own line.
    func finish() {
        if lineOpen {
            StandardError.write("\n")
            lineOpen = false
        }
    }

    /// The time left if the rest goes at the pace so far (`fractionDone` weighs the work); nil
    /// before any is done.
    static func secondsLeft(_ e: ProgressEvent) -> Double? {
        e.fractionDone > 0 ? e.elapsed * (1 - e.fractionDone) / e.fractionDone : nil
    }

    static func describe(_ e: ProgressEvent) -> String {
        let eta = secondsLeft(e).map(NumberFormat.duration) ?? "?"
        let tile = e.tiles > 0 ? "  tile \(e.tile)/\(e.tiles)" : ""
        return "scale \(e.scale)/\(e.scales) (\(e.width)×\(e.height))\(tile)  iteration \(e.iteration)/\(e.iterations)"
            + "  loss \(NumberFormat.loss(e.loss.total)) (content \(NumberFormat.loss(e.loss.content)),"
            + " style \(NumberFormat.loss(e.loss.style)), tv \(NumberFormat.loss(e.loss.tv)))"
            + "  \(NumberFormat.duration(e.elapsed)) elapsed, ETA \(eta)"
    }
}

/// A batch's progress: which content runs, and how long the finished ones took, for an ETA of
/// the whole batch (the time left of this content plus the mean time of a content for each one
/// still to come).
struct BatchProgress {
    let count: Int
    private(set) var current = 0
    private var finished = 0
    private var finishedSeconds = 0.0
    private var started = ContinuousClock().now
    private let begun = ContinuousClock().now

    init(count: Int) { self.count = count }

    mutating func start(_ index: Int) {
        current = index
        started = ContinuousClock().now
    }

    mutating func finish() {
        finished += 1
        finishedSeconds += (ContinuousClock().now - started).inSeconds
    }

    var elapsed: Double { (ContinuousClock().now - begun).inSeconds }

    /// "; batch: ETA …" given the current content's time left and its expected total.
    func remainingText(currentLeft: Double, currentTotal: Double) -> String {
        let perContent = finished > 0 ? finishedSeconds / Double(finished) : currentTotal
        let left = currentLeft + perContent * Double(count - current - 1)
        return "; batch ETA \(NumberFormat.duration(left))"
    }

    /// After a content was written: " [k/n, about … left]".
    func writtenText() -> String {
        let done = finished + 1
        let perContent = (finishedSeconds + (ContinuousClock().now - started).inSeconds) / Double(done)
        let rest = count - current - 1
        guard rest > 0 else { return " [\(current + 1)/\(count)]" }
        return " [\(current + 1)/\(count), about \(NumberFormat.duration(perContent * Double(rest))) left]"
    }
}
