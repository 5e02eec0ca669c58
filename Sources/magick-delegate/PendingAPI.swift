// ───────────────────────────────────────────────────────────────────────────────────────────────
// TEMPORARY STAND-INS — DELETE AT MERGE.
// Branch `model` is writing the real `StyleModel.load(path:)`, `ModelLocator.locate(explicit:)`
// and `ModelImporter.importONNX(from:to:)` in StyleKernel. These throwing placeholders with the
// same signatures only let the `stylize` command build until that lands.
// ───────────────────────────────────────────────────────────────────────────────────────────────
import StyleKernel

extension StyleModel {
    static func load(path: String) throws -> StyleModel {
        throw StyleError.invalidModel("model loading is not implemented yet (pending branch `model`)")
    }
}

enum ModelLocator {
    static func locate(explicit: String?) throws -> String {
        throw StyleError.modelNotFound("model lookup is not implemented yet (pending branch `model`)")
    }
}

struct ImportSummary: CustomStringConvertible {
    var description: String { "nothing imported" }
}

enum ModelImporter {
    static func importONNX(from: String, to: String) throws -> ImportSummary {
        throw StyleError.invalidModel("ONNX import is not implemented yet (pending branch `model`)")
    }
}
