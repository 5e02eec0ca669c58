import StyleKernel

/// `--report FILE`: the run's numbers as JSON, written atomically:
/// `{"loss": {"content": …, "style": …, "tv": …, "total": …}, "iterations": …, "seconds": …,
///   "seconds_per_iteration": …, "model": …, "width": …, "height": …}`
struct RunReport {
    var loss: LossTerms
    var iterations: Int
    var seconds: Double
    var model: String
    var width: Int
    var height: Int

    init(result: StylizeResult, model: String) {
        loss = result.loss; iterations = result.iterations; seconds = result.seconds
        self.model = model; width = result.image.width; height = result.image.height
    }

    var json: String {
        let perIteration = iterations > 0 ? seconds / Double(iterations) : 0
        return """
            {
              "loss": {"content": \(Self.number(loss.content)), "style": \(Self.number(loss.style)), \
            "tv": \(Self.number(loss.tv)), "total": \(Self.number(loss.total))},
              "iterations": \(iterations),
              "seconds": \(Self.number(seconds)),
              "seconds_per_iteration": \(Self.number(perIteration)),
              "model": \(Self.string(model)),
              "width": \(width),
              "height": \(height)
            }

            """
    }

    func write(to path: String) throws {
        try AtomicFile.write(Array(json.utf8), to: path)
    }

    /// JSON has no NaN or infinity: those become null.
    static func number(_ x: Double) -> String { x.isFinite ? "\(x)" : "null" }

    static func string(_ s: String) -> String {
        var out = "\""
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where scalar.value < 0x20:
                let hex = String(scalar.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }
}
