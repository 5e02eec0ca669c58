import XCTest

@testable import StyleKernel

/// Pre-processing follows the model's declared convention.
final class ModelSpaceTests: XCTestCase {
    let pixel = try! PlanarImage(width: 1, height: 1, pixels: [0.2, 0.5, 0.9])  // R, G, B

    func testCaffeConventionIsBGRTimes255MinusMean() throws {
        let x = try InputConvention.caffe.toModel(pixel)
        XCTAssertEqual(x[0], 0.9 * 255 - 103.939, accuracy: 1e-3)  // B
        XCTAssertEqual(x[1], 0.5 * 255 - 116.779, accuracy: 1e-3)  // G
        XCTAssertEqual(x[2], 0.2 * 255 - 123.68, accuracy: 1e-3)  // R
    }

    func testTorchvisionConventionIsRGBMeanStd() throws {
        let x = try InputConvention.torchvision.toModel(pixel)
        XCTAssertEqual(x[0], (0.2 - 0.485) / 0.229, accuracy: 1e-5)
        XCTAssertEqual(x[1], (0.5 - 0.456) / 0.224, accuracy: 1e-5)
        XCTAssertEqual(x[2], (0.9 - 0.406) / 0.225, accuracy: 1e-5)
    }

    func testRoundTripAndClamping() throws {
        for convention in [InputConvention.caffe, .torchvision] {
            var x = try convention.toModel(pixel)
            let back = try x.withUnsafeBufferPointer { try convention.toImage($0.baseAddress!, width: 1, height: 1) }
            for (a, b) in zip(back.pixels, pixel.pixels) { XCTAssertEqual(a, b, accuracy: 1e-5) }
            x = [1e6, -1e6, .nan]
            let clamped = try x.withUnsafeBufferPointer { try convention.toImage($0.baseAddress!, width: 1, height: 1) }
            XCTAssertTrue(clamped.pixels.allSatisfy { $0 >= 0 && $0 <= 1 }, "\(clamped.pixels)")
        }
    }
}
