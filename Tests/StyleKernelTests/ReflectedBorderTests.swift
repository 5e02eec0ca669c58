import XCTest

@testable import StyleKernel

final class ReflectedBorderTests: XCTestCase {
    /// Reflect-101 indices, and images narrower than the border (folded again; 1 px: all 0).
    func testMirroredIndices() {
        XCTAssertEqual((-3...7).map { ReflectedBorder.reflect($0, count: 5) }, [3, 2, 1, 0, 1, 2, 3, 4, 3, 2, 1])
        XCTAssertEqual((-5...6).map { ReflectedBorder.reflect($0, count: 2) }, [1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0])
        XCTAssertEqual((-20...20).map { ReflectedBorder.reflect($0, count: 1) }, [Int](repeating: 0, count: 41))
    }

    /// `pad` copies the image into the middle and mirrors it outwards; `fold` is its adjoint
    /// (⟨pad x, y⟩ = ⟨x, fold y⟩), which is what makes the folded gradient the image's gradient.
    func testPadAndFoldAreAdjoint() throws {
        let parallel = Parallel(threads: 2)
        for (w, h) in [(7, 5), (3, 40), (1, 1), (33, 2)] {
            let border = ReflectedBorder(imageWidth: w, imageHeight: h)
            let (pw, ph) = (border.paddedWidth, border.paddedHeight)
            XCTAssertEqual(pw, w + 32)
            XCTAssertEqual(ph, h + 32)
            var rng = TestRandom(seed: UInt64(w * 100 + h))
            let x = rng.array(3 * w * h), y = rng.array(3 * pw * ph)
            var padded = [Float](repeating: 0, count: 3 * pw * ph)
            var folded = [Float](repeating: .nan, count: 3 * w * h)
            x.withUnsafeBufferPointer { xp in
                padded.withUnsafeMutableBufferPointer {
                    border.pad(xp.baseAddress!, into: $0.baseAddress!, parallel: parallel)
                }
            }
            y.withUnsafeBufferPointer { yp in
                folded.withUnsafeMutableBufferPointer {
                    border.fold(yp.baseAddress!, into: $0.baseAddress!, parallel: parallel)
                }
            }
            for c in 0..<3 {
                for yy in 0..<h {
                    for xx in 0..<w {
                        XCTAssertEqual(padded[(c * ph + yy + 16) * pw + xx + 16], x[(c * h + yy) * w + xx])
                    }
                }
                // One mirrored pixel: 3 px left of and 2 px above the image's corner.
                if w > 3, h > 2 {
                    XCTAssertEqual(padded[(c * ph + 16 - 2) * pw + 16 - 3], x[(c * h + 2) * w + 3])
                }
            }
            let lhs = zip(padded, y).reduce(0.0) { $0 + Double($1.0) * Double($1.1) }
            let rhs = zip(x, folded).reduce(0.0) { $0 + Double($1.0) * Double($1.1) }
            XCTAssertEqual(lhs, rhs, accuracy: 1e-4 * max(1, abs(lhs)), "\(w)×\(h)")
            XCTAssertEqual(try border.interiorMask(stride: 1, width: pw, height: ph).reduce(0, +), Float(w * h))
            // At stride 8, only the positions whose 8 × 8 input pixels all lie in the image.
            let m8 = try border.interiorMask(stride: 8, width: pw / 8, height: ph / 8)
            XCTAssertEqual(m8.reduce(0, +), Float((w / 8) * (h / 8)))
            XCTAssertEqual(
                try border.padded([Float](repeating: 1, count: w * h)), [Float](repeating: 1, count: pw * ph))
            XCTAssertEqual(try border.padded(x, channels: 3), padded)
        }
    }
}
