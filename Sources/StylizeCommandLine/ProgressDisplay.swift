import StyleKernel

/// `--progress`: scale, iteration/total, loss terms, elapsed time and ETA on standard error.
/// On a terminal one line is rewritten in place (at most ~10 times a second); otherwise plain
/// lines are printed, at most one a second plus the last iteration of each scale.
final class ProgressDisplay {
    let isTerminal: Bool
    private var lastShown = -Double.infinity
    private var lineOpen = false

    init(isTerminal: Bool) { self.isTerminal = isTerminal }

    func show(_ e: ProgressEvent) {
        let lastOfScale = e.iteration == e.iterations
        let interval = isTerminal ? 0.1 : 1.0
        guard lastOfScale || e.completed == 1 || e.elapsed - lastShown >= interval else { return }
        lastShown = e.elapsed
        let text = Self.describe(e)
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

    static func describe(_ e: ProgressEvent) -> String {
        let eta: String
        if e.fractionDone > 0 {
            eta = NumberFormat.duration(e.elapsed * (1 - e.fractionDone) / e.fractionDone)
        } else {
            eta = "?"
        }
        return "scale \(e.scale)/\(e.scales) (\(e.width)×\(e.height))  iteration \(e.iteration)/\(e.iterations)"
            + "  loss \(NumberFormat.loss(e.loss.total)) (content \(NumberFormat.loss(e.loss.content)),"
            + " style \(NumberFormat.loss(e.loss.style)), tv \(NumberFormat.loss(e.loss.tv)))"
            + "  \(NumberFormat.duration(e.elapsed)) elapsed, ETA \(eta)"
    }
}
