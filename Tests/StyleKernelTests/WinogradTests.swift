import COpenBLAS
import CWinogradKernels
import XCTest

@testable import StyleKernel

/// Winograd F(4×4, 3×3) and F(6×6, 3×3) against the naive convolution and im2col, alone and
/// through VGG16.
final class WinogradTests: XCTestCase {
    func run(
        _ conv: Conv3x3, _ input: [Float], h: Int, w: Int, _ algorithm: Conv3x3.Algorithm,
        threads: Int = 2, precision: Conv3x3.Precision = .float32
    ) -> [Float] {
        var out = [Float](repeating: .nan, count: conv.outChannels * h * w)
        var ws = [Float](
            repeating: .nan,
            count: conv.workspaceCount(height: h, width: w, algorithm: algorithm))
        input.withUnsafeBufferPointer { i in
            out.withUnsafeMutableBufferPointer { o in
                ws.withUnsafeMutableBufferPointer { s in
                    conv.apply(
                        input: i.baseAddress!, height: h, width: w, output: o.baseAddress!,
                        workspace: s.baseAddress!, parallel: Parallel(threads: threads),
                        algorithm: algorithm, precision: precision)
                }
            }
        }
        return out
    }

    /// A random convolution on this Winograd tile, a random input of h × w, and the naive
    /// convolution's output for it.
    func randomCase(
        _ rng: inout TestRandom, cin: Int, cout: Int, h: Int, w: Int,
        tile: Int
    ) -> (conv: Conv3x3, input: [Float], want: [Float]) {
        let input = rng.array(cin * h * w)
        let weights = rng.array(cout * cin * 9)
        let bias = rng.array(cout)
        let conv = Conv3x3(inChannels: cin, outChannels: cout, weights: weights, bias: bias)
        conv.winogradTile = tile
        return (conv, input, naiveConv(input, cin: cin, cout: cout, h: h, w: w, weights: weights, bias: bias))
    }

    /// F(4×4) and F(6×6), forward and backward, at sizes that are not whole tiles, channel counts
    /// that are not whole panels (8 outputs, 24 or 48 tiles) and more than one k block (Cin > 128).
    /// F6's transform matrices' entries span 1/32…32 (F4's 1/24…8), so it rounds more: measured
    /// here, F4 ≤ 8.4e-6 and F6 ≤ 1.3e-5 of the largest output (130 → 20 channels).
    func testWinogradMatchesNaiveAtOddSizes() {
        var rng = TestRandom(seed: 21)
        for tile in [4, 6] {
            for (cin, cout, h, w) in [
                (16, 16, 1, 1), (16, 24, 7, 9), (20, 17, 13, 5), (16, 16, 4, 4),
                (32, 16, 1, 11), (16, 32, 9, 1), (24, 20, 17, 18), (3, 5, 6, 7),
                (16, 16, 6, 6), (16, 16, 12, 13), (130, 20, 29, 31)
            ] {
                let (conv, input, want) = randomCase(&rng, cin: cin, cout: cout, h: h, w: w, tile: tile)
                let got = run(conv, input, h: h, w: w, .winograd)
                let bound: Float = tile == 4 ? 2e-5 : 5e-5
                XCTAssertLessThan(maxRelativeError(got, want), bound, "F\(tile) \(cin)→\(cout) at \(h)×\(w)")
                let back = conv.inputGradient()
                back.winogradTile = tile
                let y = rng.array(cout * h * w)
                let wantBack = naiveConv(y, cin: cout, cout: cin, h: h, w: w, weights: back.weights, bias: nil)
                XCTAssertLessThan(
                    maxRelativeError(run(back, y, h: h, w: w, .winograd), wantBack), bound,
                    "F\(tile) backward \(cin)→\(cout) at \(h)×\(w)")
            }
        }
    }

    /// In bfloat16 (where the CPU has it): the same convolutions, odd channel counts among them
    /// (an odd Cin's last pair is half zero), one and two threads giving the same bits. Each
    /// operand rounds to 8 significant bits before the transforms' matrices combine them, so
    /// the error is that of bfloat16 times the transforms' gain: measured here on uniform noise
    /// (the worst case: no two neighbours alike), F4 ≤ 6.2e-2 and F6 ≤ 0.12 of the largest
    /// output; on VGG16's activations, 1.4–1.6 % relative RMS (ReferenceActivationTests).
    func testWinogradInBfloat16MatchesNaive() throws {
        guard Conv3x3.Precision.fastest == .bfloat16 else { throw XCTSkip("this CPU has no AVX-512 BF16") }
        var rng = TestRandom(seed: 26)
        var worst: [Int: Float] = [:]
        for tile in [4, 6] {
            for (cin, cout, h, w) in [
                (16, 24, 7, 9), (17, 16, 13, 5), (3, 5, 6, 7), (16, 16, 12, 13),
                (130, 20, 29, 31), (129, 16, 8, 50)
            ] {
                let (conv, input, want) = randomCase(&rng, cin: cin, cout: cout, h: h, w: w, tile: tile)
                let got = run(conv, input, h: h, w: w, .winograd, threads: 2, precision: .bfloat16)
                let error = maxRelativeError(got, want)
                worst[tile] = max(worst[tile] ?? 0, error)
                XCTAssertLessThan(error, tile == 4 ? 0.1 : 0.2, "F\(tile) \(cin)→\(cout) at \(h)×\(w)")
                XCTAssertEqual(
                    run(conv, input, h: h, w: w, .winograd, threads: 1, precision: .bfloat16), got,
                    "bits differ between thread counts")
            }
        }
        print("Winograd in bfloat16 against the naive convolution, uniform noise: F4 \(worst[4]!), F6 \(worst[6]!)")
    }

    /// The input and weight transforms in bfloat16 write exactly the float transforms' values
    /// rounded to nearest even, two channels to a word (odd channel counts: the last word's high
    /// half 0), with and without the ReLU's mask, in F4 and F6.
    func testBfloat16TransformsRoundTheFloatOnesPairByPair() throws {
        guard Conv3x3.Precision.fastest == .bfloat16 else { throw XCTSkip("this CPU has no AVX-512 BF16") }
        var rng = TestRandom(seed: 27)
        let columns = Int(sf_wk_columns())
        /// Word `row` (k pair or k) of column `j` at `point` of a B operand over `words` words.
        func at(_ point: Int, _ row: Int, _ j: Int, words: Int, columnCount: Int) -> Int {
            let stride = words * ((columnCount + columns - 1) / columns * columns)
            return point * stride + (j / columns * words + row) * columns + j % columns
        }
        for m in [4, 6] {
            for (cin, h, w, masked) in [(5, 11, 13, false), (6, 7, 20, true), (3, 13, 9, true)] {
                let input = rng.array(cin * h * w), mask = masked ? rng.array(cin * h * w) : nil
                let (tilesX, tilesY) = ((w + m - 1) / m, (h + m - 1) / m)
                let tiles = tilesX * tilesY, points = (m + 2) * (m + 2)
                func transform(bf16: Bool) -> [Float] {
                    let words = Int(sf_wk_words(Int32(cin), bf16 ? 1 : 0))
                    var v = [Float](repeating: 0, count: points * words * ((tiles + columns - 1) / columns * columns))
                    var scratch = [Float](repeating: .nan, count: sf_wk_scratch(Int32(w)))
                    sf_wk_input_transform(
                        Int32(m), input, mask, Int32(h), Int32(w), 0, Int32(cin), 0, Int32(tilesY),
                        &v, Int32(cin), Int32(tiles), &scratch, bf16 ? 1 : 0)
                    return v
                }
                let floats = transform(bf16: false), pairs = transform(bf16: true)
                let words = Int(sf_wk_words(Int32(cin), 1))
                for point in 0..<points {
                    for j in 0..<tiles {
                        for pair in 0..<words {
                            let low = rounded(floats[at(point, 2 * pair, j, words: cin, columnCount: tiles)]).bits
                            let high =
                                2 * pair + 1 < cin
                                ? rounded(floats[at(point, 2 * pair + 1, j, words: cin, columnCount: tiles)]).bits : 0
                            let got = pairs[at(point, pair, j, words: words, columnCount: tiles)].bitPattern
                            XCTAssertEqual(got, low | high << 16, "F\(m) V, point \(point), tile \(j), pair \(pair)")
                        }
                    }
                }
                // U for cin → 10 outputs: A's panels, SF_WK_ROWS rows each.
                let cout = 10, rows = Int(SF_WK_ROWS), panels = (cout + rows - 1) / rows
                let kernel = rng.array(9 * cin * cout)
                func weights(bf16: Bool) -> [Float] {
                    let words = Int(sf_wk_words(Int32(cin), bf16 ? 1 : 0))
                    var u = [Float](repeating: 0, count: points * panels * rows * words)
                    sf_wk_weight_transform(
                        Int32(m), kernel, Int32(cin), Int32(cout), 0, Int32(panels), &u, bf16 ? 1 : 0)
                    return u
                }
                let uFloats = weights(bf16: false), uPairs = weights(bf16: true)
                func index(_ point: Int, _ o: Int, _ k: Int, words: Int) -> Int {
                    point * words * panels * rows + (o / rows * words + k) * rows + o % rows
                }
                for point in 0..<points {
                    for o in 0..<cout {
                        for pair in 0..<words {
                            let low = rounded(uFloats[index(point, o, 2 * pair, words: cin)]).bits
                            let high =
                                2 * pair + 1 < cin
                                ? rounded(uFloats[index(point, o, 2 * pair + 1, words: cin)]).bits : 0
                            XCTAssertEqual(
                                uPairs[index(point, o, pair, words: words)].bitPattern, low | high << 16,
                                "F\(m) U, point \(point), output \(o), pair \(pair)")
                        }
                    }
                }
            }
        }
    }

    /// The packed GEMM against a plain triple loop: rows that are not whole panels, columns that
    /// are not whole panels, k over several blocks, a row stride wider than n, a range of panels.
    func testPackedGEMMMatchesNaive() {
        packedGEMMMatchesNaive(bf16: false)
    }

    /// The same in pairs of bfloat16 (where the CPU has them), odd k among the cases: against the
    /// triple loop on the operands rounded to bfloat16 (whose products floats hold exactly).
    func testPackedGEMMInBfloat16MatchesNaive() throws {
        guard Conv3x3.Precision.fastest == .bfloat16 else { throw XCTSkip("this CPU has no AVX-512 BF16") }
        packedGEMMMatchesNaive(bf16: true)
    }

    func packedGEMMMatchesNaive(bf16: Bool) {
        var rng = TestRandom(seed: 25)
        let columns = Int(sf_wk_columns()), rows = Int(SF_WK_ROWS)
        for (m, n, k) in [(1, 1, 1), (8, 48, 128), (13, 50, 129), (64, 97, 300), (5, 7, 3), (9, 60, 257)] {
            var a = rng.array(m * k), b = rng.array(k * n)
            if bf16 {
                a = a.map { rounded($0).value }
                b = b.map { rounded($0).value }
            }
            // A in panels of `rows` rows (zero past m), B in panels of `columns` columns: NaN past
            // n, which the kernels must never read (a NaN would reach the columns they write).
            // In bfloat16 a word holds k = 2j in its low half and 2j + 1 in its high one.
            let words = Int(sf_wk_words(Int32(k), bf16 ? 1 : 0))
            var packedA = [Float](repeating: 0, count: (m + rows - 1) / rows * rows * words)
            let panels = (n + columns - 1) / columns
            var packedB = [Float](repeating: .nan, count: panels * columns * words)
            for i in 0..<m {
                for j in 0..<k {
                    let p = (i / rows * words + (bf16 ? j / 2 : j)) * rows + i % rows
                    if bf16 {
                        let word = packedA[p].bitPattern | rounded(a[i * k + j]).bits << (16 * UInt32(j % 2))
                        packedA[p] = Float(bitPattern: word)
                    } else {
                        packedA[p] = a[i * k + j]
                    }
                }
            }
            for i in 0..<k {
                for j in 0..<n {
                    let p = (j / columns * words + (bf16 ? i / 2 : i)) * columns + j % columns
                    if bf16 {  // the even k's write clears the word: an odd k's last high half is 0
                        let old = i % 2 == 0 ? 0 : packedB[p].bitPattern
                        packedB[p] = Float(bitPattern: old | rounded(b[i * n + j]).bits << (16 * UInt32(i % 2)))
                    } else {
                        packedB[p] = b[i * n + j]
                    }
                }
            }
            let ldc = n + 3
            var c = [Float](repeating: .nan, count: m * ldc)
            // Two calls over the panels' halves cover every column.
            for (first, end) in [(0, panels / 2), (panels / 2, panels)] {
                sf_wk_multiply(
                    packedA, packedB, &c, Int32(m), Int32(n), Int32(k), ldc, Int32(first), Int32(end),
                    bf16 ? 1 : 0)
            }
            for i in 0..<m {
                for j in 0..<n {
                    var want = 0.0
                    for p in 0..<k { want += Double(a[i * k + p]) * Double(b[p * n + j]) }
                    XCTAssertEqual(
                        Double(c[i * ldc + j]), want, accuracy: 1e-4 * Double(k), "\(m)×\(n)×\(k) at \(i),\(j)")
                }
                for j in n..<ldc { XCTAssertTrue(c[i * ldc + j].isNaN, "a column past n was written") }
            }
        }
    }

    /// Several bands of tile rows (wide image, many channels), one and two threads, and with
    /// OpenBLAS threaded or not: all agree with im2col.
    func testWinogradBandsAndThreadsMatchIm2col() {
        var rng = TestRandom(seed: 22)
        let cin = 192, cout = 160, h = 23, w = 250
        let conv = Conv3x3(
            inChannels: cin, outChannels: cout, weights: rng.array(cout * cin * 9, -0.1, 0.1),
            bias: rng.array(cout))
        XCTAssertLessThan(conv.winogradBandTileRows(height: h, width: w), (h + 3) / 4)
        let input = rng.array(cin * h * w)
        let want = run(conv, input, h: h, w: w, .im2col)
        let saved = openblas_get_num_threads()
        defer { openblas_set_num_threads(saved) }
        var results: [[Float]] = []
        for blas in [1, 2] {
            openblas_set_num_threads(Int32(blas))
            for threads in [1, 2] {
                let got = run(conv, input, h: h, w: w, .winograd, threads: threads)
                XCTAssertLessThan(maxRelativeError(got, want), 3e-5, "blas \(blas) threads \(threads)")
                results.append(got)
            }
        }
        // Deterministic: the same thread count gives the same bits.
        openblas_set_num_threads(1)
        XCTAssertEqual(run(conv, input, h: h, w: w, .winograd, threads: 2), results[1])
    }

    /// The whole VGG16 (random weights) forward to conv5_1 and backward to the pixels:
    /// Winograd everywhere it applies vs im2col everywhere. The backward passes both start from
    /// the im2col forward's activations, so ReLU masks and max-pool choices are the same and
    /// only the convolutions' rounding differs.
    func testVGG16WinogradAgreesWithIm2col() throws {
        let model = try randomModel(seed: 23)
        let network = VGGNetwork(model: model, pooling: .max)
        let (w, h) = (136, 104)
        let depth = network.layerIndex("conv5_1")!
        let x = try model.convention.toModel(randomImage(width: w, height: h, seed: 24))
        var outputs: [[Float]] = [], gradients: [[Float]] = []
        for algorithm in [Conv3x3.Algorithm.im2col, .winograd] {
            let ws = try NetworkWorkspace(
                network: network, height: h, width: w, depth: depth,
                parallel: Parallel(threads: 2))
            ws.convAlgorithm = algorithm
            ws.forward(x)
            let shape = ws.shape(of: "conv5_1")!
            XCTAssertEqual(network.layers[depth].forward.algorithm(height: shape.height, width: shape.width), .winograd)
            let f = Array(UnsafeBufferPointer(start: ws.output(of: "conv5_1")!, count: shape.count))
            outputs.append(f)
            gradients.append(halfSquaredNormGradient(ws, layer: "conv5_1", features: f))
            if algorithm == .im2col {
                // Same forward activations, Winograd backward.
                ws.convAlgorithm = .winograd
                gradients.append(halfSquaredNormGradient(ws, layer: "conv5_1", features: f))
            }
        }
        XCTAssertGreaterThan(outputs[0].map(abs).max()!, 0)
        let forwardError = maxRelativeError(outputs[1], outputs[0])
        let backwardError = maxRelativeError(gradients[1], gradients[0])
        let endToEnd = maxRelativeError(gradients[2], gradients[0])
        print(
            "VGG16 input gradient, Winograd forward and backward vs im2col: \(endToEnd) (max-pool and ReLU choices may flip)"
        )
        print("VGG16 conv5_1 Winograd vs im2col: forward \(forwardError), input gradient \(backwardError)")
        XCTAssertLessThan(forwardError, 1e-4)
        XCTAssertLessThan(backwardError, 1e-4)
    }
}

/// x rounded to the nearest bfloat16 (ties to even; x normal), and its 16 bits.
private func rounded(_ x: Float) -> (value: Float, bits: UInt32) {
    let b = x.bitPattern, bits = (b &+ 0x7fff &+ ((b >> 16) & 1)) >> 16
    return (Float(bitPattern: bits << 16), bits)
}
