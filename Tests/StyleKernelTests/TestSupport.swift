import XCTest

@testable import StyleKernel

/// Deterministic pseudo-random numbers for tests: the engine's own SplitMix64.
struct TestRandom: RandomNumberGenerator {
    var generator: SplitMix64
    init(seed: UInt64) { generator = SplitMix64(state: seed) }
    mutating func next() -> UInt64 { generator.next() }
    /// Uniform in lo…hi.
    mutating func uniform(_ lo: Float = -1, _ hi: Float = 1) -> Float {
        lo + (hi - lo) * generator.unit()
    }
    mutating func array(_ n: Int, _ lo: Float = -1, _ hi: Float = 1) -> [Float] {
        (0..<n).map { _ in uniform(lo, hi) }
    }
}

/// A VGG model with random He-style weights (the real topology; no file needed).
func randomModel(
    _ architecture: VGGArchitecture = .vgg16, seed: UInt64 = 1,
    convention: InputConvention = .caffe
) throws -> StyleModel {
    var rng = TestRandom(seed: seed)
    var layers: [String: ConvWeights] = [:]
    for spec in architecture.convLayers {
        let fanIn = Float(spec.inChannels * 9)
        let bound = (6 / fanIn).squareRoot() * (spec.name == "conv1_1" ? 1 / 60 : 1)
        layers[spec.name] = try ConvWeights(
            inChannels: spec.inChannels, outChannels: spec.outChannels,
            weight: rng.array(spec.outChannels * spec.inChannels * 9, -bound, bound),
            bias: rng.array(spec.outChannels, -0.05, 0.05))
    }
    return try StyleModel(architecture: architecture, convention: convention, layers: layers)
}

/// A random image (RGB 0…1).
func randomImage(width: Int, height: Int, seed: UInt64) -> PlanarImage {
    var rng = TestRandom(seed: seed)
    return try! PlanarImage(width: width, height: height, pixels: rng.array(3 * width * height, 0, 1))
}

/// Smooth test images: a gradient with a few shapes, so stylizing them shows structure.
func patternImage(width: Int, height: Int, phase: Float) -> PlanarImage {
    var p = [Float](repeating: 0, count: 3 * width * height)
    let n = width * height
    for y in 0..<height {
        for x in 0..<width {
            let u = Float(x) / Float(width), v = Float(y) / Float(height)
            let stripes = 0.5 + 0.5 * sin((u * 9 + v * 4) * 3.14159 + phase)
            p[y * width + x] = stripes
            p[n + y * width + x] = v
            p[2 * n + y * width + x] = (u - 0.5) * (u - 0.5) + (v - 0.5) * (v - 0.5) < 0.08 ? 1 : 0.2
        }
    }
    return try! PlanarImage(width: width, height: height, pixels: p)
}

#if canImport(Glibc)
    import Glibc
#endif

/// The repository root (Tests/StyleKernelTests/TestSupport.swift → ../..).
func repositoryRoot() -> String {
    var p = "\(#filePath)"
    for _ in 0..<3 { p = ModelLocator.parent(p) }
    return p
}

/// A file that `make setup` / `make test` creates (the model, the onnxruntime fixture).
/// Without it a plain `swift test` skips; under `make test` (STYLEFILTER_REQUIRE_SETUP=1) a
/// missing file is a failure, so CI can never pass by skipping.
func requireSetupFile(_ relativePath: String) throws -> String {
    let path = repositoryRoot() + "/" + relativePath
    if FileIO.fileExists(path) { return path }
    let message = "\(path) is missing: run `make setup` (model) or `make test-fixtures` (reference activations)"
    if getenv("STYLEFILTER_REQUIRE_SETUP").map({ String(cString: $0) }) == "1" {
        throw StyleError.io(message)
    }
    throw XCTSkip(message)
}

func defaultModelPath() throws -> String {
    try requireSetupFile("models/" + ModelLocator.defaultFileName)
}

/// Naive 3×3 "same" convolution in Double, the reference for the fast kernels:
/// out[o][y][x] = b[o] + Σ_i Σ_ky Σ_kx W[o][i][ky][kx] · in[i][y+ky−1][x+kx−1].
func naiveConv(
    _ input: [Float], cin: Int, cout: Int, h: Int, w: Int,
    weights: [Float], bias: [Float]?
) -> [Float] {
    var out = [Float](repeating: 0, count: cout * h * w)
    for o in 0..<cout {
        for y in 0..<h {
            for x in 0..<w {
                var acc = Double(bias?[o] ?? 0)
                for i in 0..<cin {
                    for ky in 0..<3 {
                        for kx in 0..<3 {
                            let iy = y + ky - 1, ix = x + kx - 1
                            guard iy >= 0, iy < h, ix >= 0, ix < w else { continue }
                            acc +=
                                Double(weights[((o * cin + i) * 3 + ky) * 3 + kx])
                                * Double(input[(i * h + iy) * w + ix])
                        }
                    }
                }
                out[(o * h + y) * w + x] = Float(acc)
            }
        }
    }
    return out
}

/// max |a − b| relative to the largest |b|.
func maxRelativeError(_ a: [Float], _ b: [Float]) -> Float {
    let scale = max(b.map(abs).max() ?? 1, 1e-6)
    return zip(a, b).map { abs($0 - $1) }.max()! / scale
}

/// d(½‖F‖²)/dx for `layer`'s output F from the workspace's last forward pass: the backward pass
/// with F itself injected as that layer's gradient. Returns the pixel gradient (3 × H × W).
func halfSquaredNormGradient(_ ws: NetworkWorkspace, layer: String, features f: [Float]) -> [Float] {
    var g = [Float](repeating: 0, count: ws.inputShape.count)
    g.withUnsafeMutableBufferPointer { gp in
        ws.backward(
            inject: { name, grad, s in
                guard name == layer else { return }
                for i in 0..<s.count { grad[i] += f[i] }
            }, inputGradient: gp.baseAddress!)
    }
    return g
}

/// One of the bundled example images (examples/NAME), decoded by ImageMagick's `convert` to 8-bit
/// PPM and read here (StyleKernel itself reads no image formats); nil without `convert`.
func bundledExample(_ name: String) -> PlanarImage? {
    decodedImage(repositoryRoot() + "/examples/" + name)
}

/// Any image file ImageMagick reads, decoded as `bundledExample` does; nil if it cannot be read.
func decodedImage(_ path: String) -> PlanarImage? {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = ["convert", path + "[0]", "-depth", "8", "ppm:-"]
    let pipe = Pipe()
    process.standardOutput = pipe
    process.standardError = FileHandle.nullDevice
    guard (try? process.run()) != nil else { return nil }
    let data = pipe.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    guard process.terminationStatus == 0 else { return nil }
    // P6 header: four whitespace-separated tokens (P6, width, height, maxval), one whitespace
    // byte, then the samples (convert writes no comments here).
    var tokens: [String] = [], token = "", index = data.startIndex
    while tokens.count < 4, index < data.endIndex {
        let byte = data[index]
        index += 1
        if byte == 0x20 || byte == 0x0A || byte == 0x0D || byte == 0x09 {
            if !token.isEmpty {
                tokens.append(token)
                token = ""
            }
        } else {
            token.append(Character(UnicodeScalar(byte)))
        }
    }
    guard tokens.count == 4, tokens[0] == "P6", tokens[3] == "255",
        let width = Int(tokens[1]), let height = Int(tokens[2])
    else { return nil }
    let fields = [width, height]
    let (w, h) = (fields[0], fields[1])
    let bytes = [UInt8](data[index...])
    guard bytes.count >= 3 * w * h else { return nil }
    var pixels = [Float](repeating: 0, count: 3 * w * h)
    for i in 0..<(w * h) { for c in 0..<3 { pixels[c * w * h + i] = Float(bytes[3 * i + c]) / 255 } }
    return try? PlanarImage(width: w, height: h, pixels: pixels)
}

/// Writes an image as 8-bit PPM (to look at a test's results).
func writePPM(_ image: PlanarImage, _ path: String) {
    let n = image.width * image.height
    var bytes = Array("P6\n\(image.width) \(image.height)\n255\n".utf8)
    for i in 0..<n {
        for c in 0..<3 { bytes.append(UInt8(max(0, min(255, (image.pixels[c * n + i] * 255).rounded())))) }
    }
    _ = FileManager.default.createFile(atPath: path, contents: Data(bytes))
}
