import StyleKernel

/// Parsing of the list-valued options (`--style-layers conv1_1:1,conv2_1:0.75`, `--style-blend
/// 0.7,0.3`, `--content-layers conv4_2`) and of weights. Every function throws a one-line
/// `CommandFailure` naming the option and the offending entry.
enum OptionLists {
    /// Layer names any supported network has (VGG19's names include VGG16's); the loaded model's
    /// own architecture is checked again after loading.
    static let knownLayers = VGGArchitecture.vgg19.layerNames

    /// Comma-separated entries; empty entries (`a,,b`, a trailing comma, an empty list) are errors.
    static func entries(_ text: String, option: String) throws -> [String] {
        let parts = text.split(separator: ",", omittingEmptySubsequences: false).map { String($0).trimmingSpaces() }
        if let i = parts.firstIndex(where: \.isEmpty) {
            throw CommandFailure("\(option): entry \(i + 1) of '\(text)' is empty")
        }
        return parts
    }

    /// A finite number ≥ 0 (or > 0 when `positive`).
    static func weight(_ text: String, option: String, positive: Bool = false) throws -> Float {
        guard let value = Float(text.trimmingSpaces()) else {
            throw CommandFailure("\(option): '\(text)' is not a number")
        }
        return try check(value, option: option, positive: positive)
    }

    /// A parsed number that must be finite and ≥ 0 (or > 0 when `positive`).
    static func check(_ value: Float, option: String, positive: Bool = false) throws -> Float {
        guard value.isFinite else { throw CommandFailure("\(option): \(value) is not a finite number") }
        if positive {
            guard value > 0 else { throw CommandFailure("\(option): \(value) must be greater than 0") }
        } else {
            guard value >= 0 else { throw CommandFailure("\(option): \(value) must not be negative") }
        }
        return value
    }

    static func layerName(_ name: String, option: String) throws -> String {
        guard knownLayers.contains(name) else {
            throw CommandFailure("\(option): unknown layer '\(name)' (VGG layers are \(knownLayers.joined(separator: ", ")))")
        }
        return name
    }

    /// `conv4_2[,…]`.
    static func contentLayers(_ text: String) throws -> [String] {
        let option = "--content-layers"
        let names = try entries(text, option: option).map { try layerName($0, option: option) }
        try rejectDuplicates(names, option: option)
        return names
    }

    /// `conv1_1:1,conv2_1:0.75,…`; a layer without `:weight` weighs 1.
    static func styleLayers(_ text: String) throws -> [(name: String, weight: Float)] {
        let option = "--style-layers"
        let layers = try entries(text, option: option).map { entry -> (name: String, weight: Float) in
            let pieces = entry.split(separator: ":", omittingEmptySubsequences: false).map { String($0).trimmingSpaces() }
            guard pieces.count <= 2, !pieces[0].isEmpty else {
                throw CommandFailure("\(option): '\(entry)' is not LAYER or LAYER:WEIGHT")
            }
            let name = try layerName(pieces[0], option: option)
            guard pieces.count == 2 else { return (name, 1) }
            guard !pieces[1].isEmpty else { throw CommandFailure("\(option): '\(entry)' has no weight after ':'") }
            return (name, try weight(pieces[1], option: "\(option) \(name)"))
        }
        try rejectDuplicates(layers.map(\.name), option: option)
        guard layers.contains(where: { $0.weight > 0 }) else {
            throw CommandFailure("\(option): at least one layer needs a weight above 0")
        }
        return layers
    }

    /// `w1,w2,…`: one weight per style image, ≥ 0, not all 0.
    static func styleBlend(_ text: String, styleCount: Int) throws -> [Float] {
        let option = "--style-blend"
        let weights = try entries(text, option: option).map { try weight($0, option: option) }
        guard weights.count == styleCount else {
            throw CommandFailure("\(option): \(weights.count) weight\(weights.count == 1 ? "" : "s") for \(styleCount) style image\(styleCount == 1 ? "" : "s")")
        }
        guard weights.contains(where: { $0 > 0 }) else {
            throw CommandFailure("\(option): at least one weight must be above 0")
        }
        return weights
    }

    static func rejectDuplicates(_ names: [String], option: String) throws {
        var seen = Set<String>()
        for n in names where !seen.insert(n).inserted {
            throw CommandFailure("\(option): layer '\(n)' is listed twice")
        }
    }

    /// How `--style-layers`' default is shown: `conv1_1:1.0,conv2_1:0.75,…`.
    static func describe(_ layers: [(name: String, weight: Float)]) -> String {
        layers.map { "\($0.name):\($0.weight)" }.joined(separator: ",")
    }
}
