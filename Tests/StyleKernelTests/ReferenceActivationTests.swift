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
        let workspace = try NetworkWorkspace(network: network, height: h, width: w,
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
}
