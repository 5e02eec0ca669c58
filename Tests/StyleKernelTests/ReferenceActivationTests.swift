import XCTest

@testable import StyleKernel

/// The default model's VGG16 activations against onnxruntime on the same input.
/// The fixture comes from scripts/make-reference.py (run by `make test-fixtures`): a separate
/// ONNX graph built from the model's initializers, run by onnxruntime.
final class ReferenceActivationTests: XCTestCase {
    func testActivationsMatchOnnxRuntime() throws {
        let model = try StyleModel.load(path: try defaultModelPath())
        let fixture = try SafeTensors.read(
            path: try requireSetupFile("Tests/Fixtures/generated/vgg16-reference.safetensors"))
        let input = try XCTUnwrap(fixture.tensors["input"])
        let (h, w) = (input.shape[1], input.shape[2])
        let network = VGGNetwork(model: model, pooling: .max)
        let workspace = try NetworkWorkspace(
            network: network, height: h, width: w,
            depth: network.layerIndex("conv5_1")!,
            parallel: Parallel(threads: 2))
        workspace.forward(input.values)
        var compared = 0
        for name in ["conv1_1", "conv2_1", "conv3_1", "conv4_1", "conv4_2", "conv5_1"] {
            let reference = try XCTUnwrap(fixture.tensors[name], "fixture lacks \(name)")
            let shape = try XCTUnwrap(workspace.shape(of: name))
            XCTAssertEqual(reference.shape, [shape.channels, shape.height, shape.width], name)
            let ours = UnsafeBufferPointer(start: workspace.output(of: name)!, count: shape.count)
            let scale = reference.values.map(abs).max() ?? 0
            XCTAssertGreaterThan(scale, 0, "\(name) is all zero in the reference")
            var worst: Float = 0
            for (a, b) in zip(ours, reference.values) { worst = max(worst, abs(a - b)) }
            XCTAssertLessThanOrEqual(worst / scale, 1e-4, "\(name): max relative error \(worst / scale)")
            compared += 1
        }
        XCTAssertEqual(compared, 6)
    }

    /// In bfloat16 (where the CPU has it, what a stylization then runs): each layer's activations
    /// against onnxruntime's, as the root-mean-square error relative to the reference's. Measured
    /// on Zen 4: conv1_1 1e-7 (im2col, floats: 3 input channels), conv2_1 … conv5_1 1.4–1.6 %.
    func testBfloat16ActivationsNearOnnxRuntime() throws {
        guard Conv3x3.Precision.fastest == .bfloat16 else { throw XCTSkip("this CPU has no AVX-512 BF16") }
        let model = try StyleModel.load(path: try defaultModelPath())
        let fixture = try SafeTensors.read(
            path: try requireSetupFile("Tests/Fixtures/generated/vgg16-reference.safetensors"))
        let input = try XCTUnwrap(fixture.tensors["input"])
        let network = VGGNetwork(model: model, pooling: .max)
        let workspace = try NetworkWorkspace(
            network: network, height: input.shape[1], width: input.shape[2],
            depth: network.layerIndex("conv5_1")!, parallel: Parallel(threads: 2),
            precision: .bfloat16)
        workspace.forward(input.values)
        var report: [String] = []
        for name in ["conv1_1", "conv2_1", "conv3_1", "conv4_1", "conv4_2", "conv5_1"] {
            let reference = try XCTUnwrap(fixture.tensors[name], "fixture lacks \(name)")
            let ours = UnsafeBufferPointer(start: workspace.output(of: name)!, count: reference.values.count)
            var error = 0.0, norm = 0.0
            for (a, b) in zip(ours, reference.values) {
                error += Double(a - b) * Double(a - b)
                norm += Double(b) * Double(b)
            }
            let relative = (error / norm).squareRoot()
            report.append("\(name) \(relative)")
            XCTAssertLessThan(relative, 2.5e-2, "\(name): relative RMS error \(relative)")
        }
        print("bfloat16 activations against onnxruntime, relative RMS error: " + report.joined(separator: ", "))
    }
}
