import COpenBLAS

/// Winograd F(4×4, 3×3) for `Conv3x3` (Lavin & Gray, "Fast Algorithms for Convolutional Neural
/// Networks", CVPR 2016, section 4.2 — the matrices below are theirs, points 0, ±1, ±½, ∞):
///
///   Bᵀ = | 4  0 −5  0  1  0 |    G = |  1/4     0     0  |    Aᵀ = | 1  1  1  1  1  0 |
///        | 0 −4 −4  1  1  0 |        | −1/6  −1/6  −1/6  |         | 0  1 −1  2 −2  0 |
///        | 0  4 −4 −1  1  0 |        | −1/6   1/6  −1/6  |         | 0  1  1  4  4  0 |
///        | 0 −2 −1  2  1  0 |        |  1/24  1/12  1/6  |         | 0  1 −1  8 −8  1 |
///        | 0  2 −1 −2  1  0 |        |  1/24 −1/12  1/6  |
///        | 0  4  0 −5  0  1 |        |   0     0     1   |
///
/// Output tile (ty, tx) covers rows 4ty…4ty+3 and columns 4tx…4tx+3; its 6×6 input patch starts
/// at (4ty−1, 4tx−1) (zero outside the image). With t = 6a + b (a: vertical, b: horizontal index):
///   U[t] (Cin × Cout)  = Σ_ky,kx G[a][ky]·G[b][kx]·W[3ky+kx]   (per call, or kept: TransformedWeights)
///   V[t] (Cin × tiles) = (Bᵀ d B)[a][b] per channel and tile
///   M[t] (Cout × tiles) = U[t]ᵀ · V[t]                                          (36 GEMMs)
///   Y = Aᵀ M A + bias, written straight into the output planes.
/// Tiles are processed in bands of whole tile rows so V and M stay small at any image size.
/// The transforms run row-wise on contiguous arrays (vertical pass on image rows, then a
/// de-interleave into the four column phases, then the horizontal pass), so they vectorise.
extension Conv3x3 {
    /// `transformed`: this convolution's U from `transformWeights` (see `TransformedWeights`);
    /// nil transforms the weights into the workspace first.
    func winograd(input: UnsafePointer<Float>, height: Int, width: Int,
                  output: UnsafeMutablePointer<Float>, workspace: UnsafeMutablePointer<Float>,
                  transformed: UnsafePointer<Float>?, parallel: Parallel) {
        let cin = inChannels, cout = outChannels
        let tilesX = (width + 3) / 4, tilesY = (height + 3) / 4
        let bandRows = winogradBandTileRows(height: height, width: width)
        let maxTiles = bandRows * tilesX
        let pairs = cin * cout
        let v = workspace + 36 * pairs
        let m = v + 36 * cin * maxTiles
        let split = Self.splitsGEMMs(parallel)
        let u: UnsafePointer<Float>
        if let transformed {
            u = transformed
        } else {
            transformWeights(into: workspace, parallel: parallel)
            u = UnsafePointer(workspace)
        }

        var ty0 = 0
        while ty0 < tilesY {
            let rows = min(bandRows, tilesY - ty0)
            let tiles = rows * tilesX
            parallel.forEachPiece(cin) { channels in
                Self.inputTransform(input: input, height: height, width: width, channels: channels,
                                    tileRows: ty0..<(ty0 + rows), v: v, cin: cin, tiles: tiles)
            }
            let gemm = { (t: Int) in
                cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans,
                            Int32(cout), Int32(tiles), Int32(cin),
                            1, u + t * pairs, Int32(cout), v + t * cin * tiles, Int32(tiles),
                            0, m + t * cout * tiles, Int32(tiles))
            }
            if split {
                parallel.forEachPiece(36) { points in for t in points { gemm(t) } }
            } else {
                for t in 0..<36 { gemm(t) }
            }
            let b = bias.map { UnsafePointer($0.pointer) }
            parallel.forEachPiece(cout) { channels in
                Self.outputTransform(m: m, cout: cout, tiles: tiles, channels: channels,
                                     tileRows: ty0..<(ty0 + rows), bias: b,
                                     output: output, height: height, width: width)
            }
            ty0 += rows
        }
    }

    /// Floats of U: 36 matrices of Cin × Cout.
    var transformedWeightsCount: Int { 36 * inChannels * outChannels }

    /// U[6a + b] = Σ_ky,kx G[a][ky]·G[b][kx]·W[3ky + kx] into `u` (`transformedWeightsCount`
    /// floats): separable, vectorised over channel pairs, pairs split over the workers.
    func transformWeights(into u: UnsafeMutablePointer<Float>, parallel: Parallel) {
        let pairs = inChannels * outChannels
        let kp = UnsafePointer(kernel.pointer)
        parallel.forEachPiece(pairs / 4, piece: 1024) { r in
            Self.weightTransform(kernel: kp, pairs: pairs, range: (4 * r.lowerBound)..<(4 * r.upperBound), u: u)
        }
        if pairs % 4 != 0 {
            Self.weightTransform(kernel: kp, pairs: pairs, range: (pairs - pairs % 4)..<pairs, u: u)
        }
    }

    /// The six rows of G applied to three values (one column of taps).
    @inline(__always)
    static func g6<V: SIMD>(_ g0: V, _ g1: V, _ g2: V) -> (V, V, V, V, V, V) where V.Scalar == Float {
        let q = g0 * (1 / 24) + g2 * (1 / 6), m = g1 * (1 / 12)
        return (g0 * 0.25, (g0 + g1 + g2) * (-1 / 6), (g0 - g1 + g2) * (-1 / 6), q + m, q - m, g2)
    }

    /// Bᵀ (6 × 6) applied to six values (one column or row of an input tile), for a lane of
    /// tiles (SIMD4) or one (Float): the input transform's vertical and horizontal passes.
    @inline(__always)
    static func bt6<V: WinogradLane>(_ a0: V, _ a1: V, _ a2: V, _ a3: V, _ a4: V, _ a5: V)
        -> (V, V, V, V, V, V) {
        (4 * a0 - 5 * a2 + a4,
         (a3 + a4) - 4 * (a1 + a2),
         (a4 - a3) + 4 * (a1 - a2),
         (a4 - a2) + 2 * (a3 - a1),
         (a4 - a2) - 2 * (a3 - a1),
         4 * a1 - 5 * a3 + a5)
    }

    /// Aᵀ (4 × 6) applied to six values: the output transform's two passes.
    @inline(__always)
    static func at4<V: WinogradLane>(_ m0: V, _ m1: V, _ m2: V, _ m3: V, _ m4: V, _ m5: V)
        -> (V, V, V, V) {
        let s12 = m1 + m2, d12 = m1 - m2, s34 = m3 + m4, d34 = m3 - m4
        return (m0 + s12 + s34, d12 + 2 * d34, s12 + 4 * s34, d12 + 8 * d34 + m5)
    }

    /// U for pairs `range`: SIMD over four consecutive pairs, a scalar-padded tail.
    static func weightTransform(kernel: UnsafePointer<Float>, pairs: Int, range: Range<Int>,
                                u: UnsafeMutablePointer<Float>) {
        var p = range.lowerBound
        while p < range.upperBound {
            let n = min(4, range.upperBound - p)
            @inline(__always) func w(_ k: Int) -> SIMD4<Float> {
                if n == 4 { return load4(kernel + k * pairs + p) }
                var v = SIMD4<Float>(repeating: 0)
                for j in 0..<n { v[j] = kernel[k * pairs + p + j] }
                return v
            }
            @inline(__always) func put(_ t: Int, _ v: SIMD4<Float>) {
                let dst = u + t * pairs + p
                if n == 4 { store4(dst, v) } else { for j in 0..<n { dst[j] = v[j] } }
            }
            @inline(__always) func row(_ a: Int, _ x0: SIMD4<Float>, _ x1: SIMD4<Float>, _ x2: SIMD4<Float>) {
                let (b0, b1, b2, b3, b4, b5) = g6(x0, x1, x2)
                put(6 * a, b0); put(6 * a + 1, b1); put(6 * a + 2, b2)
                put(6 * a + 3, b3); put(6 * a + 4, b4); put(6 * a + 5, b5)
            }
            // Vertical: c_kx[a] = Σ_ky G[a][ky]·W[3ky + kx]; then horizontal per a.
            let c0 = g6(w(0), w(3), w(6)), c1 = g6(w(1), w(4), w(7)), c2 = g6(w(2), w(5), w(8))
            row(0, c0.0, c1.0, c2.0); row(1, c0.1, c1.1, c2.1); row(2, c0.2, c1.2, c2.2)
            row(3, c0.3, c1.3, c2.3); row(4, c0.4, c1.4, c2.4); row(5, c0.5, c1.5, c2.5)
            p += n
        }
    }

    /// V[t][i][tile] for channels `channels` and the band's tile rows; tile index within the
    /// band is (ty − first row)·tilesX + tx.
    static func inputTransform(input: UnsafePointer<Float>, height: Int, width: Int,
                               channels: Range<Int>, tileRows: Range<Int>,
                               v: UnsafeMutablePointer<Float>, cin: Int, tiles: Int) {
        let tilesX = (width + 3) / 4
        let n = tilesX + 1              // phase arrays: one extra tile for the right overlap
        let padded = 4 * n              // padded row: u = x + 1, zero at u = 0 and u > width
        let plane = height * width
        let scratchCount = width + 6 * padded + 24 * n
        withUnsafeTemporaryAllocation(of: Float.self, capacity: scratchCount) { scratch in
            let zero = scratch.baseAddress!
            zero.update(repeating: 0, count: width)
            let r = zero + width        // 6 vertical combinations, each `padded` long
            let q = r + 6 * padded      // q[(j·4 + p)·n + mm] = r_j[4·mm + p]
            for j in 0..<6 {
                let rj = r + j * padded
                rj[0] = 0
                for x in (width + 1)..<padded { rj[x] = 0 }
            }
            for i in channels {
                let src = input + i * plane
                for ty in tileRows {
                    // Vertical pass: r_a = Σ_r Bᵀ[a][r] · row(4ty − 1 + r).
                    func row(_ rr: Int) -> UnsafePointer<Float> {
                        let y = 4 * ty - 1 + rr
                        return y >= 0 && y < height ? src + y * width : UnsafePointer(zero)
                    }
                    let d0 = row(0), d1 = row(1), d2 = row(2), d3 = row(3), d4 = row(4), d5 = row(5)
                    let r0 = r + 1, r1 = r0 + padded, r2 = r1 + padded
                    let r3 = r2 + padded, r4 = r3 + padded, r5 = r4 + padded
                    for x in 0..<width {
                        (r0[x], r1[x], r2[x], r3[x], r4[x], r5[x]) =
                            bt6(d0[x], d1[x], d2[x], d3[x], d4[x], d5[x])
                    }
                    // De-interleave into column phases.
                    for j in 0..<6 {
                        let rj = r + j * padded
                        let q0 = q + (j * 4) * n, q1 = q0 + n, q2 = q1 + n, q3 = q2 + n
                        var mm = 0
                        while mm + 4 <= n {
                            let a = load4(rj + 4 * mm), b = load4(rj + 4 * mm + 4)
                            let c = load4(rj + 4 * mm + 8), e = load4(rj + 4 * mm + 12)
                            store4(q0 + mm, SIMD4(a[0], b[0], c[0], e[0]))
                            store4(q1 + mm, SIMD4(a[1], b[1], c[1], e[1]))
                            store4(q2 + mm, SIMD4(a[2], b[2], c[2], e[2]))
                            store4(q3 + mm, SIMD4(a[3], b[3], c[3], e[3]))
                            mm += 4
                        }
                        while mm < n {
                            q0[mm] = rj[4 * mm]; q1[mm] = rj[4 * mm + 1]
                            q2[mm] = rj[4 * mm + 2]; q3[mm] = rj[4 * mm + 3]
                            mm += 1
                        }
                    }
                    // Horizontal pass: V[6a + b] = Σ_c Bᵀ[b][c] · r_a(4tx + c).
                    let base = (ty - tileRows.lowerBound) * tilesX
                    for a in 0..<6 {
                        let c0 = UnsafePointer(q + (a * 4) * n), c1 = c0 + n, c2 = c1 + n, c3 = c2 + n
                        let c4 = c0 + 1, c5 = c1 + 1
                        let stride = cin * tiles
                        let out0 = v + (a * 6) * stride + i * tiles + base
                        let o1 = out0 + stride, o2 = o1 + stride, o3 = o2 + stride
                        let o4 = o3 + stride, o5 = o4 + stride
                        var tx = 0
                        while tx + 4 <= tilesX {
                            let (v0, v1, v2, v3, v4, v5) = bt6(load4(c0 + tx), load4(c1 + tx), load4(c2 + tx),
                                                               load4(c3 + tx), load4(c4 + tx), load4(c5 + tx))
                            store4(out0 + tx, v0); store4(o1 + tx, v1); store4(o2 + tx, v2)
                            store4(o3 + tx, v3); store4(o4 + tx, v4); store4(o5 + tx, v5)
                            tx += 4
                        }
                        while tx < tilesX {
                            (out0[tx], o1[tx], o2[tx], o3[tx], o4[tx], o5[tx]) =
                                bt6(c0[tx], c1[tx], c2[tx], c3[tx], c4[tx], c5[tx])
                            tx += 1
                        }
                    }
                }
            }
        }
    }

    /// Y = Aᵀ M A + bias for output channels `channels` and the band's tile rows.
    static func outputTransform(m: UnsafePointer<Float>, cout: Int, tiles: Int,
                                channels: Range<Int>, tileRows: Range<Int>,
                                bias: UnsafePointer<Float>?, output: UnsafeMutablePointer<Float>,
                                height: Int, width: Int) {
        let tilesX = (width + 3) / 4
        let plane = height * width
        let stride = cout * tiles
        withUnsafeTemporaryAllocation(of: Float.self, capacity: 24 * tilesX + 16 * tilesX) { scratch in
            let h = scratch.baseAddress!          // h[(a·4 + q)·tilesX + tx]
            let y = h + 24 * tilesX               // y[(p·4 + q)·tilesX + tx]
            for o in channels {
                let beta = bias?[o] ?? 0
                for ty in tileRows {
                    let base = o * tiles + (ty - tileRows.lowerBound) * tilesX
                    // Horizontal: h_a,q = Σ_b Aᵀ[q][b] · M[6a + b]
                    for a in 0..<6 {
                        let m0 = m + (a * 6) * stride + base, m1 = m0 + stride, m2 = m1 + stride
                        let m3 = m2 + stride, m4 = m3 + stride, m5 = m4 + stride
                        let h0 = h + (a * 4) * tilesX, h1 = h0 + tilesX, h2 = h1 + tilesX, h3 = h2 + tilesX
                        var tx = 0
                        while tx + 4 <= tilesX {
                            let (v0, v1, v2, v3) = at4(load4(m0 + tx), load4(m1 + tx), load4(m2 + tx),
                                                       load4(m3 + tx), load4(m4 + tx), load4(m5 + tx))
                            store4(h0 + tx, v0); store4(h1 + tx, v1); store4(h2 + tx, v2); store4(h3 + tx, v3)
                            tx += 4
                        }
                        while tx < tilesX {
                            (h0[tx], h1[tx], h2[tx], h3[tx]) = at4(m0[tx], m1[tx], m2[tx], m3[tx], m4[tx], m5[tx])
                            tx += 1
                        }
                    }
                    // Vertical: y_p,q = Σ_a Aᵀ[p][a] · h_a,q + bias
                    for qq in 0..<4 {
                        let g0 = UnsafePointer(h + qq * tilesX), g1 = g0 + 4 * tilesX, g2 = g1 + 4 * tilesX
                        let g3 = g2 + 4 * tilesX, g4 = g3 + 4 * tilesX, g5 = g4 + 4 * tilesX
                        let y0 = y + qq * tilesX, y1 = y0 + 4 * tilesX, y2 = y1 + 4 * tilesX
                        let y3 = y2 + 4 * tilesX
                        var tx = 0
                        let b4 = SIMD4<Float>(repeating: beta)
                        while tx + 4 <= tilesX {
                            let (v0, v1, v2, v3) = at4(load4(g0 + tx), load4(g1 + tx), load4(g2 + tx),
                                                       load4(g3 + tx), load4(g4 + tx), load4(g5 + tx))
                            store4(y0 + tx, v0 + b4); store4(y1 + tx, v1 + b4)
                            store4(y2 + tx, v2 + b4); store4(y3 + tx, v3 + b4)
                            tx += 4
                        }
                        while tx < tilesX {
                            let (v0, v1, v2, v3) = at4(g0[tx], g1[tx], g2[tx], g3[tx], g4[tx], g5[tx])
                            y0[tx] = v0 + beta; y1[tx] = v1 + beta; y2[tx] = v2 + beta; y3[tx] = v3 + beta
                            tx += 1
                        }
                    }
                    // Interleave the phases into the output rows.
                    let full = width / 4
                    for p in 0..<4 {
                        let row = 4 * ty + p
                        if row >= height { break }
                        let dst = output + o * plane + row * width
                        let p0 = y + (p * 4) * tilesX, p1 = p0 + tilesX, p2 = p1 + tilesX, p3 = p2 + tilesX
                        var tx = 0
                        while tx + 4 <= full {
                            let a = load4(p0 + tx), b = load4(p1 + tx), c = load4(p2 + tx), e = load4(p3 + tx)
                            store4(dst + 4 * tx, SIMD4(a[0], b[0], c[0], e[0]))
                            store4(dst + 4 * tx + 4, SIMD4(a[1], b[1], c[1], e[1]))
                            store4(dst + 4 * tx + 8, SIMD4(a[2], b[2], c[2], e[2]))
                            store4(dst + 4 * tx + 12, SIMD4(a[3], b[3], c[3], e[3]))
                            tx += 4
                        }
                        while tx < full {
                            dst[4 * tx] = p0[tx]; dst[4 * tx + 1] = p1[tx]
                            dst[4 * tx + 2] = p2[tx]; dst[4 * tx + 3] = p3[tx]
                            tx += 1
                        }
                        let rest = width - 4 * full
                        if rest > 0 { dst[4 * full] = p0[full] }
                        if rest > 1 { dst[4 * full + 1] = p1[full] }
                        if rest > 2 { dst[4 * full + 2] = p2[full] }
                    }
                }
            }
        }
    }
}

@inline(__always) func load4(_ p: UnsafePointer<Float>) -> SIMD4<Float> {
    UnsafeRawPointer(p).loadUnaligned(as: SIMD4<Float>.self)
}
@inline(__always) func load4(_ p: UnsafeMutablePointer<Float>) -> SIMD4<Float> {
    UnsafeRawPointer(p).loadUnaligned(as: SIMD4<Float>.self)
}
@inline(__always) func store4(_ p: UnsafeMutablePointer<Float>, _ v: SIMD4<Float>) {
    UnsafeMutableRawPointer(p).storeBytes(of: v, as: SIMD4<Float>.self)
}

/// What the Winograd transforms compute on: one value (scalar tails) or four tiles at once.
protocol WinogradLane {
    static func + (a: Self, b: Self) -> Self
    static func - (a: Self, b: Self) -> Self
    static func * (a: Float, b: Self) -> Self
}
extension Float: WinogradLane {}
extension SIMD4: WinogradLane where Scalar == Float {}
