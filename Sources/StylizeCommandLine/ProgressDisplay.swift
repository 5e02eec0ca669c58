import StyleKernel

/// `--progress`: scale, iteration/total, loss terms, elapsed time and ETA on standard error.
/// On a terminal one line is rewritten in place (at most ~10 times a second); otherwise plain
/// lines are printed, at most one a second plus the last iteration of each scale.
final class ProgressDisplay {
    let isTerminal: Bool
    /// In a batch or a sequence: which content or frame this is, and the time the others took,
    /// for the whole run's ETA.
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
                batch.label + text
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
            + " style \(NumberFormat.loss(e.loss.style)), tv \(NumberFormat.loss(e.loss.tv))"
            + (e.loss.temporal != 0 ? ", temporal \(NumberFormat.loss(e.loss.temporal))" : "") + ")"
            + "  \(NumberFormat.duration(e.elapsed)) elapsed, ETA \(eta)"
    }
}

/// A batch's or a sequence's progress: which content or frame runs, and how long the finished
/// ones took, for an ETA of the whole run (the time left of this one plus the mean time of one
/// for each still to come).
struct BatchProgress {
    let count: Int
    /// Frames of a sequence ("frame 2 of 30: …"), else the contents of a batch ("[2/5] …").
    let frames: Bool
    /// The first frame of a sequence runs every scale and the others only the last (--temporal
    /// short or long): its time is left out of the mean once another frame is timed, and until
    /// then the current frame's own estimate stands for the frames to come.
    let firstTakesLonger: Bool
    private(set) var current = 0
    private var finished = 0
    private var finishedSeconds = 0.0
    private var firstSeconds = 0.0
    private var started = ContinuousClock().now
    private let begun = ContinuousClock().now

    init(count: Int, frames: Bool = false, firstTakesLonger: Bool = false) {
        self.count = count
        self.frames = frames
        self.firstTakesLonger = firstTakesLonger
    }

    mutating func start(_ index: Int) {
        current = index
        started = ContinuousClock().now
    }

    mutating func finish() {
        let seconds = (ContinuousClock().now - started).inSeconds
        if finished == 0 { firstSeconds = seconds }
        finished += 1
        finishedSeconds += seconds
    }

    var elapsed: Double { (ContinuousClock().now - begun).inSeconds }

    /// What each progress line starts with.
    var label: String { frames ? "frame \(current + 1) of \(count): " : "[\(current + 1)/\(count)] " }

    /// The mean time of one content or frame, from those finished (and `currentTotal`, the
    /// current one's expected total, when none counts yet).
    private func mean(currentTotal: Double) -> Double {
        if firstTakesLonger {
            return finished > 1 ? (finishedSeconds - firstSeconds) / Double(finished - 1) : currentTotal
        }
        return finished > 0 ? finishedSeconds / Double(finished) : currentTotal
    }

    /// "; batch ETA …" (or "; sequence ETA …") given the current one's time left and its
    /// expected total.
    func remainingText(currentLeft: Double, currentTotal: Double) -> String {
        let left = currentLeft + mean(currentTotal: currentTotal) * Double(count - current - 1)
        return "; \(frames ? "sequence" : "batch") ETA \(NumberFormat.duration(left))"
    }

    /// After a content or frame was done: " [k/n, about … left]".
    func writtenText() -> String {
        let seconds = (ContinuousClock().now - started).inSeconds
        var done = self
        done.finish()
        let perOne = done.mean(currentTotal: seconds)
        let rest = count - current - 1
        guard rest > 0 else { return " [\(current + 1)/\(count)]" }
        return " [\(current + 1)/\(count), about \(NumberFormat.duration(perOne * Double(rest))) left]"
    }
}
