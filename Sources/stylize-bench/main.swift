import COpenBLAS

@testable import StyleKernel

// stylize-bench: timings of the StyleKernel engine for `make bench` (bench/run.py drives it).
//   stylize-bench network  --size N [--threads T] [--repeats R] [--algorithm auto|im2col|winograd]
//                          [--keep-weights 0|1] [--depth conv5_1]
//   stylize-bench profile  --size N [--threads T] [--keep-weights 0|1]   per-op times of one fwd + bwd
//   stylize-bench stylize  --content a.ppm --style b.ppm [--size 512] [--objective default|tutorial]
//                          [--content-weight w] [--style-weight w] [--tv-weight w] [--scales n]
//                          [--iterations n] [--threads T] [--out result.ppm] [--target-loss L]
// Each prints one JSON object on stdout. The model comes from STYLEFILTER_MODEL or --model.
// Internal API (NetworkWorkspace, StyleObjective) is reached with @testable, so `make bench` builds
// this in the tests' configuration (-enable-testing, .build-test), never in the product's.
#if canImport(Glibc)
    import Glibc
#endif

func fail(_ message: String) -> Never {
    fputs("stylize-bench: \(message)\n", stderr)
    exit(2)
}

/// The value, or the error as a failure of the benchmark.
func orFail<T>(_ body: @autoclosure () throws -> T) -> T {
    do { return try body() } catch { fail("\(error)") }
}

var arguments = Array(CommandLine.arguments.dropFirst())
guard let command = arguments.first else { fail("usage: stylize-bench network|profile|stylize ...") }
arguments.removeFirst()
var flags: [String: String] = [:]
var k = 0
while k < arguments.count {
    guard arguments[k].hasPrefix("--"), k + 1 < arguments.count else { fail("bad argument \(arguments[k])") }
    flags[String(arguments[k].dropFirst(2))] = arguments[k + 1]
    k += 2
}
func int(_ key: String, _ fallback: Int) -> Int {
    guard let s = flags[key] else { return fallback }
    guard let v = Int(s) else { fail("--\(key) \(s)") }
    return v
}
func float(_ key: String, _ fallback: Float) -> Float {
    guard let s = flags[key] else { return fallback }
    guard let v = Float(s) else { fail("--\(key) \(s)") }
    return v
}

func now() -> Double {
    var t = timespec()
    clock_gettime(CLOCK_MONOTONIC, &t)
    return Double(t.tv_sec) + Double(t.tv_nsec) * 1e-9
}

func peakRSSMegabytes() -> Double {
    var usage = rusage()
    getrusage(RUSAGE_SELF.rawValue, &usage)
    return Double(usage.ru_maxrss) / 1024
}

func loadModel() -> StyleModel {
    guard let path = flags["model"] ?? getenv("STYLEFILTER_MODEL").map({ String(cString: $0) }) else {
        fail("set STYLEFILTER_MODEL or pass --model")
    }
    do { return try StyleModel.load(path: path) } catch { fail("\(error)") }
}

/// Binary PPM (P6, maxval 255) → PlanarImage.
func readPPM(_ path: String) -> PlanarImage {
    guard let f = fopen(path, "rb") else { fail("cannot open \(path)") }
    defer { fclose(f) }
    var bytes: [UInt8] = []
    var buffer = [UInt8](repeating: 0, count: 1 << 16)
    while true {
        let n = fread(&buffer, 1, buffer.count, f)
        if n <= 0 { break }
        bytes.append(contentsOf: buffer[0..<n])
    }
    var pos = 0
    func token() -> String {
        while pos < bytes.count {
            if bytes[pos] == UInt8(ascii: "#") {
                while pos < bytes.count && bytes[pos] != 10 { pos += 1 }
            } else if bytes[pos] == 32 || bytes[pos] == 10 || bytes[pos] == 13 || bytes[pos] == 9 {
                pos += 1
            } else {
                break
            }
        }
        let start = pos
        while pos < bytes.count && !(bytes[pos] == 32 || bytes[pos] == 10 || bytes[pos] == 13 || bytes[pos] == 9) {
            pos += 1
        }
        return String(decoding: bytes[start..<pos], as: UTF8.self)
    }
    guard token() == "P6", let w = Int(token()), let h = Int(token()), token() == "255" else {
        fail("\(path): not a binary 8-bit PPM")
    }
    pos += 1
    guard bytes.count >= pos + 3 * w * h else { fail("\(path): truncated") }
    var pixels = [Float](repeating: 0, count: 3 * w * h)
    for i in 0..<(w * h) {
        for c in 0..<3 { pixels[c * w * h + i] = Float(bytes[pos + 3 * i + c]) / 255 }
    }
    return try! PlanarImage(width: w, height: h, pixels: pixels)
}

func writePPM(_ image: PlanarImage, _ path: String) {
    let n = image.width * image.height
    var bytes = Array("P6\n\(image.width) \(image.height)\n255\n".utf8)
    for i in 0..<n {
        for c in 0..<3 { bytes.append(UInt8(max(0, min(255, (image.pixels[c * n + i] * 255).rounded())))) }
    }
    guard let f = fopen(path, "wb") else { fail("cannot write \(path)") }
    fwrite(bytes, 1, bytes.count, f)
    fclose(f)
}

func json(_ pairs: [(String, Any)]) -> String {
    "{"
        + pairs.map { key, value in
            let v: String
            switch value {
            case let s as String: v = "\"\(s)\""
            case let d as Double: v = d.isFinite ? "\(d)" : "null"
            case let a as [Double]: v = "[" + a.map { "\($0)" }.joined(separator: ", ") + "]"
            default: v = "\(value)"
            }
            return "\"\(key)\": \(v)"
        }.joined(separator: ", ") + "}"
}

let threads = int("threads", Parallel.availableCores)
// The engine's setting (see StylizeRun): OpenBLAS single-threaded, GEMMs split by the engine.
openblas_set_num_threads(1)
let parallel = Parallel(threads: threads)

switch command {
case "network", "profile":
    let size = int("size", 512)
    let model = loadModel()
    let network = VGGNetwork(model: model, pooling: .max)
    // --depth conv3_1: the depth a tile of the tiled stages runs to (`TiledStage`).
    let deepestName = flags["depth"] ?? "conv5_1"
    guard let depth = network.layerIndex(deepestName) else { fail("--depth \(deepestName)") }
    // --precision float32|bfloat16: what Winograd's GEMMs multiply (default: the engine's, the fastest).
    let wanted = flags["precision"].map { Conv3x3.Precision(rawValue: $0) } ?? .fastest
    guard let precision = wanted, precision == .float32 || Conv3x3.Precision.fastest == .bfloat16 else {
        fail("--precision float32|bfloat16 (default: the fastest; bfloat16 needs a CPU with AVX-512 BF16)")
    }
    // --keep-weights 1: Winograd weights transformed once and kept, as at the engine's coarse scales.
    var transformed: TransformedWeights? = nil
    if int("keep-weights", 0) != 0 {
        transformed = TransformedWeights(network: network, parallel: parallel, precision: precision)
        transformed!.keep(for: .init(network: network, height: size, width: size, depth: depth), budget: Int.max)
    }
    let ws = orFail(
        try NetworkWorkspace(
            network: network, height: size, width: size, depth: depth, parallel: parallel,
            precision: precision, transformed: transformed))
    switch flags["algorithm"] ?? "auto" {
    case "auto": break
    case "im2col": ws.convAlgorithm = .im2col
    case "winograd": ws.convAlgorithm = .winograd
    default: fail("--algorithm auto|im2col|winograd")
    }
    var rng: UInt64 = 1
    let x = (0..<(3 * size * size)).map { _ -> Float in
        rng = rng &* 6364136223846793005 &+ 1442695040888963407
        return Float(rng >> 40) / Float(1 << 24) * 255 - 120
    }
    var g = [Float](repeating: 0, count: x.count)
    func iteration() {
        ws.forward(x)
        g.withUnsafeMutableBufferPointer { gp in
            ws.backward(
                inject: { name, grad, shape in
                    guard name == deepestName else { return }
                    let f = ws.output(of: name)!
                    for i in 0..<shape.count { grad[i] += f[i] * 1e-3 }
                }, inputGradient: gp.baseAddress!)
        }
    }
    if command == "profile" {
        iteration()
        let profile = ws.profile(iterations: int("repeats", 3))
        for line in profile { print(line) }
        break
    }
    iteration()  // warm-up: first touch of the buffers, OpenBLAS start-up
    let repeats = int("repeats", size >= 1024 ? 2 : (size >= 512 ? 3 : 5))
    var times: [Double] = []
    for _ in 0..<repeats {
        let t0 = now()
        iteration()
        times.append(now() - t0)
    }
    times.sort()
    print(
        json([
            ("command", "network"), ("size", size), ("threads", threads),
            ("algorithm", flags["algorithm"] ?? "auto"), ("kernels", Conv3x3.kernelSet),
            ("precision", precision.rawValue),
            ("seconds", times[times.count / 2]), ("min_seconds", times[0]), ("all", times),
            ("peak_rss_mb", peakRSSMegabytes())
        ]))

case "stylize":
    guard let contentPath = flags["content"], let stylePath = flags["style"] else { fail("--content and --style") }
    let content = readPPM(contentPath), style = readPPM(stylePath)
    let model = loadModel()
    var options = StyleOptions()
    options.size = int("size", options.size)
    options.threads = threads
    if let o = flags["objective"] {
        guard let objective = StyleOptions.Objective(rawValue: o) else { fail("--objective \(o)") }
        options.objective = objective
        // The tutorials (and bench/torch_ref.py's loop, which these runs are compared with) start
        // from the content and take PyTorch L-BFGS's plain steps; the defaults recolour the start
        // and precondition the steps.
        if objective == .tutorial {
            options.initialization = .content
            options.preconditioner = .none
        }
    }
    options.contentWeight = float("content-weight", options.contentWeight)
    options.styleWeight = float("style-weight", options.styleWeight)
    options.tvWeight = float("tv-weight", options.tvWeight)
    options.scales = int("scales", options.scales)
    options.iterations = int("iterations", options.iterations)
    let engine = StyleEngine(model: model)
    let t0 = now()
    var perScale: [Int: Int] = [:]
    var scaleEnd: [Int: Double] = [:]
    // --target-loss L: seconds until the final scale's loss first reaches L (time to quality;
    // meaningful when the engine's objective is the one L was measured with).
    let targetLoss = flags["target-loss"].map { s -> Double in
        guard let v = Double(s) else { fail("--target-loss \(s)") }
        return v
    }
    var secondsToTarget: Double? = nil
    let result: StylizeResult
    do {
        result = try engine.stylize(content: content, styles: [style], options: options) { event, _ in
            perScale[event.width, default: 0] += 1
            scaleEnd[event.width] = event.elapsed
            if let targetLoss, secondsToTarget == nil, event.scale == event.scales,
                event.loss.total <= targetLoss
            {
                secondsToTarget = event.elapsed
            }
            if flags["verbose"] != nil {
                fputs(
                    "\(event.width)px it \(event.iteration) loss \(event.loss.total) content \(event.loss.content) t \(event.elapsed)\n",
                    stderr)
            }
            return true
        }
    } catch { fail("\(error)") }
    let seconds = now() - t0
    let stylizeRSS = peakRSSMegabytes()
    if let out = flags["out"] { writePPM(result.image, out) }
    // The tutorial objective (docs/objective.md) of the returned image, with the given tutorial weights,
    // the style image resized to the result's size as the tutorials do.
    var tutorial = StyleOptions()
    tutorial.objective = .tutorial
    tutorial.contentWeight = float("tutorial-content-weight", 1)
    tutorial.styleWeight = float("tutorial-style-weight", 1e6)
    tutorial.tvWeight = float("tutorial-tv-weight", 0)
    tutorial.threads = threads
    let w = result.image.width, h = result.image.height
    let network = VGGNetwork(model: model, pooling: .max)
    let depth = tutorial.deepestLayer(in: network)
    let contentHere = orFail(try Resample.resize(content, width: w, height: h))
    let styleHere = orFail(try Resample.resize(style, width: w, height: h))
    var features: [String: [Float]] = [:], grams: [String: [Float]] = [:]
    do {
        let ws = orFail(try NetworkWorkspace(network: network, height: h, width: w, depth: depth, parallel: parallel))
        ws.forward(orFail(try model.convention.toModel(styleHere)))
        for (name, _) in tutorial.styleLayers {
            let shape = ws.shape(of: name)!
            var g = [Float](repeating: 0, count: shape.channels * shape.channels)
            g.withUnsafeMutableBufferPointer {
                Gram.compute(
                    features: ws.output(of: name)!, channels: shape.channels, positions: shape.plane,
                    scale: 1, gram: $0.baseAddress!)
            }
            grams[name] = g
        }
    }
    let ws = orFail(try NetworkWorkspace(network: network, height: h, width: w, depth: depth, parallel: parallel))
    ws.forward(orFail(try model.convention.toModel(contentHere)))
    for name in tutorial.contentLayers {
        features[name] = Array(UnsafeBufferPointer(start: ws.output(of: name)!, count: ws.shape(of: name)!.count))
    }
    let objective = orFail(
        try StyleObjective(
            workspace: ws, options: tutorial, convention: model.convention,
            contentFeatures: features, styleGrams: grams))
    let terms = orFail(try model.convention.toModel(result.image)).withUnsafeBufferPointer {
        objective.evaluate($0.baseAddress!, gradient: nil)
    }
    var previous = 0.0
    let scales = perScale.keys.sorted().map { w -> String in
        let t = scaleEnd[w]! - previous
        previous = scaleEnd[w]!
        return "\(w)px:\(perScale[w]!)it/\(Double(Int(t * 10)) / 10)s"
    }.joined(separator: " ")
    print(
        json([
            ("command", "stylize"), ("size", options.size), ("width", w), ("height", h),
            ("threads", threads), ("objective", options.objective.rawValue),
            ("scales", options.scales), ("iterations", options.iterations),
            ("iterations_run", result.iterations), ("per_scale", scales),
            ("seconds", seconds), ("engine_loss", result.loss.total),
            ("tutorial_loss", terms.total), ("tutorial_content", terms.content),
            ("tutorial_style", terms.style), ("peak_rss_mb", stylizeRSS),
            ("seconds_to_target", secondsToTarget ?? Double.nan)
        ]))

default:
    fail("unknown command \(command)")
}

extension NetworkWorkspace {
    /// Seconds per op kind over a forward and a backward pass (averaged over `iterations`),
    /// walking the stages the way `forward`/`backward` do.
    func profile(iterations: Int) -> [String] {
        var totals: [String: Double] = [:]
        var order: [String] = []
        func timed(_ key: String, _ body: () -> Void) {
            let t0 = now()
            body()
            if totals[key] == nil { order.append(key) }
            totals[key, default: 0] += (now() - t0) / Double(iterations)
        }
        let grad = FloatBuffer(count: gradientA.count), next = FloatBuffer(count: gradientA.count)
        let inputGradient = FloatBuffer(count: inputShape.count)
        for _ in 0..<iterations {
            var src = UnsafePointer(input.pointer)
            var srcShape = inputShape
            for stage in stages {
                switch stage.op {
                case .pool:
                    timed("fwd pool") {
                        Pool2x2.forward(
                            network.pooling, input: src, channels: srcShape.channels,
                            height: srcShape.height, width: srcShape.width,
                            output: stage.output.pointer, parallel: parallel)
                    }
                case .conv(let i):
                    let algorithm = network.layers[i].forward.algorithm(height: srcShape.height, width: srcShape.width)
                    timed("fwd \(network.layers[i].name) \(algorithm) + relu") {
                        convolveForward(
                            layer: i, input: src, height: srcShape.height, width: srcShape.width,
                            output: stage.output.pointer)
                    }
                }
                src = UnsafePointer(stage.output.pointer)
                srcShape = stage.shape
            }
            var g = grad.pointer, n = next.pointer
            for s in stages.indices.reversed() {
                let stage = stages[s]
                let below = s == 0 ? inputShape : stages[s - 1].shape
                let belowOutput = UnsafePointer(s == 0 ? input.pointer : stages[s - 1].output.pointer)
                let target = s == 0 ? inputGradient.pointer : n
                switch stage.op {
                case .conv(let i):
                    let layer = network.layers[i]
                    let algorithm = layer.backward.algorithm(height: stage.shape.height, width: stage.shape.width)
                    timed("bwd relu + \(layer.name) \(algorithm)") {
                        convolveBackward(
                            layer: i, gradient: g, activation: stage.output.pointer, shape: stage.shape,
                            target: target)
                    }
                case .pool:
                    timed("bwd pool") {
                        Pool2x2.backward(
                            network.pooling, input: belowOutput, channels: below.channels,
                            height: below.height, width: below.width, outputGradient: g,
                            inputGradient: target, parallel: parallel)
                    }
                }
                swap(&g, &n)
            }
        }
        let total = totals.values.reduce(0, +)
        func pad(_ s: String) -> String { s + String(repeating: " ", count: max(0, 28 - s.count)) }
        func ms(_ t: Double) -> String {
            String(Int((t * 1e4).rounded())).count > 0 ? "\(Double(Int((t * 1e4).rounded())) / 10) ms" : ""
        }
        var lines: [String] = []
        for key in order {
            let t = totals[key]!
            lines.append(pad(key) + ms(t) + "  (\(Double(Int(1000 * t / total)) / 10)%)")
        }
        lines.append(pad("total") + ms(total))
        return lines
    }
}
