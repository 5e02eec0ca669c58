import COpticalFlow

/// Optical flow between the frames of a sequence, and what the temporal loss does with it (Ruder,
/// Dosovitskiy & Brox, "Artistic style transfer for videos", GCPR 2016, arXiv:1604.08610): the
/// previous result brought into the current frame (`warp`) and where that is to be trusted
/// (`reliability`). The flow itself is OpenCV's DIS (Sources/COpticalFlow).
enum OpticalFlow {
    /// Frames whose longest side is larger are reduced to this size for DIS, and the field
    /// enlarged (and its vectors scaled) to the frames' size. Measured at 4000×3000
    /// (OpticalFlowTests.testAccuracyFigures: pans, zooms and rotations of two multi-scale
    /// textures; 2 cores of an AMD EPYC, busy with other work): at full size DIS took 2.1–4.0 s per
    /// field for a mean end-point error of 0.022–0.195 px; reduced to 2048, 0.7–1.35 s and
    /// 0.027–0.151 px (better where the frame's finest detail is coarse: DIS's 8 px patches see
    /// more of it); to 1024, 0.26–0.65 s and 0.048–0.170 px; to 512, 0.23–0.42 s and 0.10–0.31 px
    /// (of which about 0.2 s is this file's luminance and resizing at 12 MP).
    /// 2048 keeps full size's accuracy at a third to a quarter of its time, and a field costs
    /// seconds next to a frame's minutes of optimisation; 1024 would save about half a second more
    /// for up to 0.06 px more error.
    static let longestSide = 2048

    /// Dense flow from `from` to `to` (same size): from(x, y) ≈ to(x + u, y + v).
    /// OpenCV's DIS (cv::DISOpticalFlow, preset MEDIUM) on luminance, at most `longestSide`
    /// pixels on the longest side.
    static func dis(from: PlanarImage, to: PlanarImage) throws -> FlowField {
        try dis(from: from, to: to, longestSide: longestSide)
    }

    /// `dis` with DIS run at most `longestSide` pixels on the longest side (tests and the figures
    /// choose other sizes).
    static func dis(from: PlanarImage, to: PlanarImage, longestSide: Int) throws -> FlowField {
        guard from.width == to.width, from.height == to.height else {
            throw StyleError.invalidArgument(
                "optical flow needs frames of one size, got \(from.width)×\(from.height) and \(to.width)×\(to.height)")
        }
        guard longestSide >= 1 else {
            throw StyleError.invalidArgument("optical flow's working size must be positive, got \(longestSide)")
        }
        let (width, height) = (from.width, from.height)
        // DIS's size: reduced to longestSide, then padded to the smallest size it handles safely.
        let reduced =
            max(width, height) > longestSide
            ? Resample.fit(width: width, height: height, longest: longestSide) : (width: width, height: height)
        let minimum = Int(SF_FLOW_MINIMUM_SIDE)
        let padded = (width: max(reduced.width, minimum), height: max(reduced.height, minimum))
        // OpenCV counts in Int32 (only a working size far above the default can get here).
        let (area, overflow) = padded.width.multipliedReportingOverflow(by: padded.height)
        guard !overflow, area <= Int(Int32.max) else {
            throw StyleError.invalidArgument(
                "optical flow at \(padded.width)×\(padded.height) is too large; use a working size of at most 16384")
        }
        let first = try grey(from, reduced: reduced, padded: padded)
        let second = try grey(to, reduced: reduced, padded: padded)

        let count = padded.width * padded.height
        var u = try CheckedMemory.floats(count, what: "an optical flow field of \(padded.width)×\(padded.height)")
        var v = try CheckedMemory.floats(count, what: "an optical flow field of \(padded.width)×\(padded.height)")
        var message = [CChar](repeating: 0, count: 1024)
        let status = first.withUnsafeBufferPointer { a in
            second.withUnsafeBufferPointer { b in
                u.withUnsafeMutableBufferPointer { up in
                    v.withUnsafeMutableBufferPointer { vp in
                        message.withUnsafeMutableBufferPointer { m in
                            // Sizes checked above: they fit in Int32.
                            sf_flow_dis(
                                a.baseAddress, b.baseAddress, Int32(padded.width), Int32(padded.height),
                                up.baseAddress, vp.baseAddress, m.baseAddress, m.count)
                        }
                    }
                }
            }
        }
        guard status == SF_FLOW_OK else {
            let why = String(decoding: message.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            if status == SF_FLOW_OUT_OF_MEMORY { throw StyleError.outOfMemory("optical flow: \(why)") }
            throw StyleError.internal("optical flow: \(why)")
        }
        if padded != reduced {
            u = try crop(u, from: padded, to: reduced)
            v = try crop(v, from: padded, to: reduced)
        }
        if reduced.width != width || reduced.height != height {
            // Enlarged bilinearly (not cubic: no overshoot at motion boundaries), the vectors
            // scaled with the pixels they are measured in.
            u = try Resample.resize(
                u, channels: 1, width: reduced.width, height: reduced.height, toWidth: width, height: height)
            v = try Resample.resize(
                v, channels: 1, width: reduced.width, height: reduced.height, toWidth: width, height: height)
            scale(&u, by: Float(width) / Float(reduced.width))
            scale(&v, by: Float(height) / Float(reduced.height))
        }
        return FlowField(width: width, height: height, u: u, v: v)
    }

    /// `image` (same size as the flow) sampled at (x + u, y + v) with Catmull–Rom's cubic (`catmullRom`),
    /// clamped at the edges and to 0…1:
    /// an image in the `to` frame brought into the `from` frame.
    static func warp(_ image: PlanarImage, by flow: FlowField) throws -> PlanarImage {
        try flow.validate("warping an image")
        guard image.width == flow.width, image.height == flow.height else {
            throw StyleError.invalidArgument(
                "warping needs an image of the flow's size \(flow.width)×\(flow.height), got \(image.width)×\(image.height)"
            )
        }
        let (width, height) = (flow.width, flow.height)
        let n = width * height
        let maxX = Float(width - 1), maxY = Float(height - 1)
        let parallel = Parallel(threads: Parallel.availableCores)
        let pixels: [Float] = try CheckedMemory.array(3 * n, what: "a warped image of \(width)×\(height)") {
            out, count in
            let o = out.baseAddress!
            image.pixels.withUnsafeBufferPointer { src in
                flow.u.withUnsafeBufferPointer { up in
                    flow.v.withUnsafeBufferPointer { vp in
                        let s = src.baseAddress!, u = up.baseAddress!, v = vp.baseAddress!
                        parallel.forEachPiece(height, piece: 8) { rows in
                            for y in rows {
                                for x in 0..<width {
                                    let i = y * width + x
                                    // Clamped to the frame; NaN (which fails `>=`) to its corner.
                                    let px = Float(x) + u[i], py = Float(y) + v[i]
                                    let sx = px >= 0 ? min(px, maxX) : 0
                                    let sy = py >= 0 ? min(py, maxY) : 0
                                    let fx = sx.rounded(.down), fy = sy.rounded(.down)
                                    let wx = catmullRom(sx - fx), wy = catmullRom(sy - fy)
                                    let ix = Int(fx), iy = Int(fy)
                                    var cols = (0, 0, 0, 0), rows = (0, 0, 0, 0)
                                    cols.0 = max(ix - 1, 0)
                                    cols.1 = ix
                                    cols.2 = min(ix + 1, width - 1)
                                    cols.3 = min(ix + 2, width - 1)
                                    rows.0 = max(iy - 1, 0) * width
                                    rows.1 = iy * width
                                    rows.2 = min(iy + 1, height - 1) * width
                                    rows.3 = min(iy + 2, height - 1) * width
                                    for plane in 0..<3 {
                                        let p = s + plane * n
                                        func row(_ r: Int) -> Float {
                                            wx.0 * p[r + cols.0] + wx.1 * p[r + cols.1] + wx.2 * p[r + cols.2]
                                                + wx.3 * p[r + cols.3]
                                        }
                                        let value =
                                            wy.0 * row(rows.0) + wy.1 * row(rows.1) + wy.2 * row(rows.2) + wy.3
                                            * row(rows.3)
                                        o[plane * n + i] = min(max(value, 0), 1)
                                    }
                                }
                            }
                        }
                    }
                }
            }
            count = 3 * n
        }
        return PlanarImage(trusted: width, height, pixels)
    }

    /// Catmull–Rom's (Keys's a = −½) weights of the four samples around a point `t` (0…1) past
    /// the second: a warp that keeps detail — frame after frame of bilinear warping softens a
    /// sequence's strokes.
    static func catmullRom(_ t: Float) -> (Float, Float, Float, Float) {
        let t2 = t * t, t3 = t2 * t
        return (
            0.5 * (-t3 + 2 * t2 - t), 0.5 * (3 * t3 - 5 * t2 + 2), 0.5 * (-3 * t3 + 4 * t2 + t), 0.5 * (t3 - t2)
        )
    }

    /// Ruder et al.'s per-pixel weights in `flow`'s `from` frame, 0 or 1: 0 where the backward
    /// check fails (disocclusion: |w + ŵ|² > 0.01(|w|² + |ŵ|²) + 0.5, with ŵ the `reverse` flow
    /// sampled bilinearly at x + w(x)) or at motion boundaries (|∇u|² + |∇v|² > 0.01|w|² + 0.002),
    /// or where x + w(x) falls outside the frame; 1 elsewhere. `reverse` is the flow from `to` to `from`.
    ///
    /// The thresholds are the paper's, for the weights of its temporal consistency loss (the same
    /// in the authors' consistencyChecker, manuelruder/artistic-videos, whose derivative filter
    /// [−½, 0, ½] the gradient follows here: central differences, one-sided at the frame's edges).
    /// The paper's "> threshold" fails the pixel; the comparisons are written so that NaN fails it
    /// too: a non-finite flow is never trusted. Not smoothed (the checker blurs its map slightly):
    /// the API is 0 or 1.
    ///
    /// Throws (unlike the API first sketched) because its result, a plane of the frame's size, is
    /// allocated through CheckedMemory, and when the two fields' sizes differ.
    static func reliability(flow: FlowField, reverse: FlowField) throws -> [Float] {
        try flow.validate("flow reliability")
        try reverse.validate("flow reliability (the reverse flow)")
        guard flow.width == reverse.width, flow.height == reverse.height else {
            throw StyleError.invalidArgument(
                "flow reliability needs two fields of one size, got \(flow.width)×\(flow.height) "
                    + "and \(reverse.width)×\(reverse.height)")
        }
        let (width, height) = (flow.width, flow.height)
        let maxX = Float(width - 1), maxY = Float(height - 1)
        let parallel = Parallel(threads: Parallel.availableCores)
        return try CheckedMemory.array(width * height, what: "flow weights of \(width)×\(height)") { out, count in
            let o = out.baseAddress!
            flow.u.withUnsafeBufferPointer { fu in
                flow.v.withUnsafeBufferPointer { fv in
                    reverse.u.withUnsafeBufferPointer { ru in
                        reverse.v.withUnsafeBufferPointer { rv in
                            let u = fu.baseAddress!, v = fv.baseAddress!
                            let bu = ru.baseAddress!, bv = rv.baseAddress!
                            parallel.forEachPiece(height, piece: 8) { rows in
                                for y in rows {
                                    let up = max(y - 1, 0), down = min(y + 1, height - 1)
                                    let dy: Float = down > up ? 1 / Float(down - up) : 0
                                    for x in 0..<width {
                                        let i = y * width + x
                                        let wu = u[i], wv = v[i]
                                        o[i] = 0
                                        let px = Float(x) + wu, py = Float(y) + wv
                                        guard px >= 0, px <= maxX, py >= 0, py <= maxY else { continue }
                                        // ŵ at x + w(x): the reverse flow, which should lead back.
                                        let at = Sample(x: px, y: py, maxX: maxX, maxY: maxY)
                                        let (a, b) = (at.y0 * width + at.x0, at.y0 * width + at.x1)
                                        let (c, d) = (at.y1 * width + at.x0, at.y1 * width + at.x1)
                                        let hu = at.blend(bu[a], bu[b], bu[c], bu[d])
                                        let hv = at.blend(bv[a], bv[b], bv[c], bv[d])
                                        let (su, sv) = (wu + hu, wv + hv)
                                        let forward = wu * wu + wv * wv
                                        let mismatch = su * su + sv * sv
                                        guard mismatch <= 0.01 * (forward + hu * hu + hv * hv) + 0.5 else { continue }
                                        // Motion boundary: the flow's own gradient.
                                        let left = max(x - 1, 0), right = min(x + 1, width - 1)
                                        let dx: Float = right > left ? 1 / Float(right - left) : 0
                                        let (l, r) = (y * width + left, y * width + right)
                                        let (t, btm) = (up * width + x, down * width + x)
                                        let ux = (u[r] - u[l]) * dx, vx = (v[r] - v[l]) * dx
                                        let uy = (u[btm] - u[t]) * dy, vy = (v[btm] - v[t]) * dy
                                        let edge = ux * ux + uy * uy + vx * vx + vy * vy
                                        guard edge <= 0.01 * forward + 0.002 else { continue }
                                        o[i] = 1
                                    }
                                }
                            }
                        }
                    }
                }
            }
            count = width * height
        }
    }
}

extension OpticalFlow {
    /// A bilinear sample's four neighbours and weights, at a point clamped into the frame. NaN
    /// (a non-finite flow) is taken as 0 before converting to an index, which would trap.
    struct Sample {
        let x0: Int, x1: Int, y0: Int, y1: Int
        let fx: Float, fy: Float

        init(x: Float, y: Float, maxX: Float, maxY: Float) {
            let cx = x >= 0 ? min(x, maxX) : 0  // NaN fails `>=`
            let cy = y >= 0 ? min(y, maxY) : 0
            x0 = Int(cx)
            y0 = Int(cy)
            x1 = min(x0 + 1, Int(maxX))
            y1 = min(y0 + 1, Int(maxY))
            fx = cx - Float(x0)
            fy = cy - Float(y0)
        }

        /// a at (x0, y0), b at (x1, y0), c at (x0, y1), d at (x1, y1). A zero weight leaves the
        /// other sample exact (an integer shift copies pixels).
        @inline(__always)
        func blend(_ a: Float, _ b: Float, _ c: Float, _ d: Float) -> Float {
            let top = fx == 0 ? a : a + fx * (b - a)
            let bottom = fx == 0 ? c : c + fx * (d - c)
            return fy == 0 ? top : top + fy * (bottom - top)
        }
    }

    /// Luminance (`ColorControl.luminance`: Rec. 601 weights, as OpenCV's RGB→grey) reduced to `reduced`, quantised to 8 bits
    /// (what DIS takes), and padded to `padded` by repeating the last column and row.
    static func grey(
        _ image: PlanarImage, reduced: (width: Int, height: Int), padded: (width: Int, height: Int)
    ) throws -> [UInt8] {
        var luma = try ColorControl.luminance(image)
        if reduced.width != image.width || reduced.height != image.height {
            luma = try Resample.resize(
                luma, channels: 1, width: image.width, height: image.height,
                toWidth: reduced.width, height: reduced.height)
        }
        let w = reduced.width
        return try CheckedMemory.array(padded.width * padded.height, what: "a frame for optical flow") {
            out, count in
            luma.withUnsafeBufferPointer { l in
                for y in 0..<padded.height {
                    let row = l.baseAddress! + min(y, reduced.height - 1) * w
                    for x in 0..<padded.width {
                        let value = row[min(x, w - 1)] * 255
                        // NaN fails `>=` and becomes 0; ±∞ clamp.
                        out[y * padded.width + x] = value >= 0 ? UInt8(min(value, 255).rounded()) : 0
                    }
                }
            }
            count = padded.width * padded.height
        }
    }

    /// The top-left `to` of a plane of `from`.
    static func crop(_ plane: [Float], from: (width: Int, height: Int), to: (width: Int, height: Int)) throws
        -> [Float]
    {
        try CheckedMemory.array(to.width * to.height, what: "an optical flow field of \(to.width)×\(to.height)") {
            out, count in
            plane.withUnsafeBufferPointer { p in
                for y in 0..<to.height {
                    for x in 0..<to.width { out[y * to.width + x] = p[y * from.width + x] }
                }
            }
            count = to.width * to.height
        }
    }

    static func scale(_ plane: inout [Float], by factor: Float) {
        plane.withUnsafeMutableBufferPointer { p in
            for i in p.indices { p[i] *= factor }
        }
    }
}
