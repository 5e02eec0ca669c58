/// The options every front end offers (the `stylize` command's long flags, the C API's
/// `sf_options_set` / `sf_option_info`, the ImageMagick module's `-process` keys), one row each:
/// name, type, default, bounds or choices, help, and the parser that sets the field. A new option
/// is one row here, plus its sf_options field (the header, and its codec in CStyleFilter's
/// Options.swift, which moves the row's text in and out of the field); the front ends' option
/// lists are compared with this table by tests. Every value is checked by its row, with one set
/// of messages, whichever way it came: the command's flags and `-process` by name, the C struct's
/// fields as text (`OptionsBridge.engineOptions`), the engine's own `StyleOptions` in `validate`.
/// Limits come from `StyleOptions`' own constants (Validation.swift).
public struct OptionSpec: Sendable {
    public enum Kind: String, Sendable, CaseIterable {
        case integer = "int", number = "float", choice, layers = "layer list",
            weightedLayers = "layer:weight list", bytes = "size in bytes", pixels = "size in pixels"
    }

    /// The command's long-flag spelling, e.g. `style-weight`.
    public let name: String
    public let kind: Kind
    /// One line, shown by `stylize --help` and `sf_option_info`.
    public let help: String
    /// How the value is written in help: `N`, `X`, `lbfgs|adam`, …
    public let valueName: String
    /// Inclusive numeric bounds; nil where there is none (choices, lists, no upper limit).
    public let minimum: Double?
    public let maximum: Double?
    /// The minimum itself is excluded (a value must be greater than it).
    public let minimumExclusive: Bool
    /// The accepted words (choices; `full` for a pixel size).
    public let choices: [String]
    let read: @Sendable (StyleOptions) -> String
    let write: @Sendable (inout StyleOptions, String) throws(OptionError) -> Void

    /// The option's value in `options`, written as it would be given.
    public func text(of options: StyleOptions) -> String { read(options) }

    /// The default the command shows (`StyleOptions()`).
    public var defaultText: String { read(StyleOptions()) }

    /// Sets the option in `options` from `text`; throws an error naming the option and what it
    /// accepts. The text must be exact (`OptionText`): white space around it is refused here,
    /// for every option, and each row's parser takes only its documented forms.
    public func set(_ text: String, in options: inout StyleOptions) throws(OptionError) {
        do throws(OptionError) {
            guard !OptionText.hasPadding(text) else {
                throw OptionTable.fail(name, text, "has white space around it")
            }
            try write(&options, text)
        } catch {
            throw OptionError(option: name, message: "\(error.message); valid: \(accepted)")
        }
    }

    /// What the option accepts, for messages: "1…1000000", "> 0", "lbfgs or adam", …
    public var accepted: String {
        var numeric = ""
        switch (minimum, maximum) {
        case let (lo?, hi?): numeric = "\(Self.format(lo, kind))…\(Self.format(hi, kind))"
        case let (lo?, nil): numeric = (minimumExclusive ? "> " : "≥ ") + Self.format(lo, kind)
        default: break
        }
        switch kind {
        case .choice:
            return choices.joined(separator: " or ")
                + (name == "init" ? " (front ends that read images also take an image file)" : "")
        case .layers: return "comma-separated layer names (\(OptionTable.knownLayers.joined(separator: ",")))"
        case .weightedLayers:
            return
                "LAYER[:WEIGHT],… (layers \(OptionTable.knownLayers.joined(separator: ",")); weights ≥ 0, not all 0; no weight = 1)"
        case .bytes: return "a memory size \(numeric) (bytes, or with K, M, G: 1500M, 1.5G)"
        case .pixels: return numeric + (choices.contains("full") ? " or full (the input's own size)" : "")
        case .integer: return name == "seed" ? "0…\(UInt64.max)" : numeric
        case .number: return "a finite number " + numeric
        }
    }

    static func format(_ value: Double, _ kind: Kind) -> String {
        switch kind {
        case .bytes: return ByteSize.format(Int(value))
        case .number: return "\(value)"
        default: return value.magnitude < 1e18 ? "\(Int64(value))" : "\(value)"
        }
    }
}

/// An option's value that cannot be used: which option, the value, and what it accepts.
public struct OptionError: Error, Equatable, Sendable, CustomStringConvertible {
    public let option: String
    public let message: String
    /// "style-weight: 'lots' is not a number; valid: ≥ 0"
    public var description: String { "\(option): \(message)" }
}

public enum OptionTable {
    /// Layer names any supported network has (VGG19's include VGG16's); the loaded model's own
    /// architecture is checked again by `StyleOptions.validate`.
    public static let knownLayers = VGGArchitecture.vgg19.layerNames

    public static func spec(named name: String) -> OptionSpec? { all.first { $0.name == name } }

    /// The options' names in table order.
    public static var names: [String] { all.map(\.name) }

    public static let all: [OptionSpec] = [
        integer("iterations", "Iterations at each scale.", StyleOptions.iterationRange, \.iterations),
        choice("optimizer", "Optimiser.", StyleOptions.Optimizer.self, \.optimizer),
        choice(
            "preconditioner",
            "Steps of L-BFGS over the whole image: multiscale (large regions move as fast as fine detail: bolder colour and strokes in few iterations) or none (every pixel alike, as PyTorch's L-BFGS).",
            StyleOptions.Preconditioner.self, \.preconditioner),
        choice(
            "padding",
            "What the network sees beyond the image's edges: mirror (the image reflected outwards, so the edges are painted like the rest) or zero (black, as PyTorch and 1.5, which leaves a frame a few pixels wide). The tutorial objective always takes zero.",
            StyleOptions.Padding.self, \.padding),
        number("lr", "Adam's learning rate (in the model's pixel units).", \.learningRate, exclusive: true),
        number("content-weight", "Weight of the content loss.", \.contentWeight),
        number("style-weight", "Weight of the style loss.", \.styleWeight),
        number("tv-weight", "Weight of the total-variation loss.", \.tvWeight),
        contentLayers,
        styleLayers,
        number(
            "style-scale",
            "Size of the style image relative to each scale's size: above 1 larger strokes, below 1 smaller.",
            \.styleScale, range: StyleOptions.styleScaleRange),
        number(
            "long-range-weight",
            "Weight of the long-range style terms: conv4_1's features against themselves 32 px across and 32 px down (Berger & Memisevic 2016), so the painting's strokes continue and curve as in it; 0: off. Not with region masks.",
            \.longRangeWeight),
        choice(
            "colors",
            "Colours of the result: style (the painting's; a grey painting gives a grey result), luminance (the content's colours, the painting's light and texture), histogram (the painting's colours matched to the content's first).",
            StyleOptions.Colors.self, \.colors),
        choice(
            "normalize-gradients",
            "Scale each loss layer so its gradient's share follows its weight, at the start of each scale (neural-style's -normalize_gradients).",
            StyleOptions.Switch.self, \.normalizeGradients),
        choice("pooling", "Pooling between the blocks of the network.", StyleOptions.Pooling.self, \.pooling),
        initialization,
        seed,
        integer(
            "scales", "Scales of the coarse-to-fine pyramid (1: full size only).", StyleOptions.scaleRange, \.scales),
        choice(
            "objective",
            "Objective: default (size-independent) or tutorial (the PyTorch tutorials' numbers, with their style layers unless --style-layers is given).",
            StyleOptions.Objective.self, \.objective),
        size,
        workSize,
        maxMemory,
        integer("threads", "Threads (0: all cores).", StyleOptions.threadRange, \.threads),
        choice(
            "preview",
            "A preview, at the defaults in under a quarter of the time: the first, coarsest scale's first 12 iterations (all of them if it has fewer), upsampled to the result's size; the full run continues from that image, so it has the full result's composition and palette.",
            StyleOptions.Switch.self, \.preview),
        choice(
            "temporal",
            "Frame sequences (animations, lists of frames): off (each frame on its own: strokes jump from frame to frame), short (each frame starts from the previous result moved by the optical flow and keeps it where the flow is reliable), long (also frames further back, for what the previous frame hid). Single images ignore it.",
            StyleOptions.Temporal.self, \.temporal),
        number(
            "temporal-weight",
            "Weight of the temporal term of a frame sequence: how strongly a frame keeps the previous result where the flow is reliable (higher: steadier, but strokes may smear).",
            \.temporalWeight)
    ]

    // MARK: Row builders

    /// The problem with a value; `OptionSpec.set` adds what the option accepts (`accepted`).
    static func fail(_ name: String, _ text: String, _ problem: String) -> OptionError {
        OptionError(option: name, message: "'\(text)' \(problem)")
    }

    static func integer(
        _ name: String, _ help: String, _ range: ClosedRange<Int>,
        _ field: WritableKeyPath<StyleOptions, Int> & Sendable
    ) -> OptionSpec {
        return OptionSpec(
            name: name, kind: .integer, help: help, valueName: "N", minimum: Double(range.lowerBound),
            maximum: Double(range.upperBound), minimumExclusive: false, choices: [],
            read: { "\($0[keyPath: field])" },
            write: { (o: inout StyleOptions, text: String) throws(OptionError) in
                o[keyPath: field] = try count(text, name: name, range: range)
            })
    }

    /// A count in `range`: digits only (`OptionText.count`); a negative or too large whole number
    /// is "out of range", anything else (a sign, blanks, a fraction) "not a whole number".
    static func count<T: FixedWidthInteger>(
        _ text: String, name: String,
        range: ClosedRange<T> = T.min...T.max
    ) throws(OptionError) -> T {
        guard OptionText.isCount(text) || OptionText.isNegativeCount(text) else {
            throw fail(name, text, "is not a whole number (digits only)")
        }
        guard let v = OptionText.count(text, as: T.self), range.contains(v) else {
            throw fail(name, text, "is out of range")
        }
        return v
    }

    /// A finite number ≥ 0 (> 0 when `exclusive`), within `range` when there is one.
    static func number(
        _ name: String, _ help: String, _ field: WritableKeyPath<StyleOptions, Float> & Sendable,
        exclusive: Bool = false, range: ClosedRange<Float>? = nil
    ) -> OptionSpec {
        return OptionSpec(
            name: name, kind: .number, help: help, valueName: "X", minimum: Double(range?.lowerBound ?? 0),
            maximum: range.map { Double($0.upperBound) }, minimumExclusive: exclusive, choices: [],
            read: { "\($0[keyPath: field])" },
            write: { (o: inout StyleOptions, text: String) throws(OptionError) in
                let v = try weight(text, name: name, positive: exclusive)
                if let range, !range.contains(v) { throw fail(name, text, "is out of range") }
                o[keyPath: field] = v
            })
    }

    static func weight(_ text: String, name: String, positive: Bool = false) throws(OptionError) -> Float {
        guard OptionText.isDecimal(text), let v = Float(text) else { throw fail(name, text, "is not a number") }
        guard v.isFinite else { throw fail(name, text, "is not finite") }
        guard positive ? v > 0 : v >= 0 else { throw fail(name, text, "is out of range") }
        return v == 0 ? 0 : v  // "-0" is 0
    }

    static func choice<E: RawRepresentable & CaseIterable & Sendable>(
        _ name: String, _ help: String, _ type: E.Type, _ field: WritableKeyPath<StyleOptions, E> & Sendable
    ) -> OptionSpec where E.RawValue == String {
        let words = E.allCases.map(\.rawValue)
        return OptionSpec(
            name: name, kind: .choice, help: help, valueName: words.joined(separator: "|"), minimum: nil,
            maximum: nil, minimumExclusive: false, choices: words,
            read: { $0[keyPath: field].rawValue },
            write: { (o: inout StyleOptions, text: String) throws(OptionError) in
                guard let v = E(rawValue: text) else {
                    throw fail(name, text, "is not a choice")
                }
                o[keyPath: field] = v
            })
    }

    /// Comma-separated entries (`OptionText.entries`: spaces may follow a comma); an empty entry
    /// (`a,,b`, a trailing comma, an empty list) is an error.
    static func entries(_ text: String, name: String) throws(OptionError) -> [String] {
        let parts = OptionText.entries(text).map(String.init)
        if let i = parts.firstIndex(where: \.isEmpty) {
            throw fail(name, text, "has an empty entry (\(i + 1))")
        }
        return parts
    }

    static func layer(_ layer: String, name: String, text: String) throws(OptionError) -> String {
        guard knownLayers.contains(layer) else { throw fail(name, text, "names an unknown layer '\(layer)'") }
        return layer
    }

    static func rejectDuplicates(_ layers: [String], name: String, text: String) throws(OptionError) {
        var seen = Set<String>()
        for l in layers where !seen.insert(l).inserted {
            throw fail(name, text, "lists layer '\(l)' twice")
        }
    }

    static let contentLayers: OptionSpec = {
        let name = "content-layers"
        return OptionSpec(
            name: name, kind: .layers, help: "Content layers.", valueName: "layer,…", minimum: nil, maximum: nil,
            minimumExclusive: false, choices: [],
            read: { $0.contentLayers.joined(separator: ",") },
            write: { (o: inout StyleOptions, text: String) throws(OptionError) in
                var layers: [String] = []
                for e in try entries(text, name: name) {
                    layers.append(try layer(e, name: name, text: text))
                }
                try rejectDuplicates(layers, name: name, text: text)
                o.contentLayers = layers
            })
    }()

    static let styleLayers: OptionSpec = {
        let name = "style-layers"
        return OptionSpec(
            name: name, kind: .weightedLayers,
            help:
                "Style layers with weights (a layer without :weight weighs 1). Unset, the tutorial objective uses conv1_1:1,conv2_1:0.75,conv3_1:0.2,conv4_1:0.2,conv5_1:0.2 (the tutorials' layers; docs/quality.md).",
            valueName: "layer:weight,…", minimum: nil, maximum: nil, minimumExclusive: false, choices: [],
            read: { $0.styleLayers.map { "\($0.name):\($0.weight)" }.joined(separator: ",") },
            write: { (o: inout StyleOptions, text: String) throws(OptionError) in
                var layers: [(name: String, weight: Float)] = []
                for entry in try entries(text, name: name) {
                    let pieces = entry.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
                    guard pieces.count <= 2, !pieces[0].isEmpty else {
                        throw fail(name, text, "has an entry '\(entry)' that is not LAYER or LAYER:WEIGHT")
                    }
                    let l = try layer(pieces[0], name: name, text: text)
                    guard pieces.count == 2 else {
                        layers.append((l, 1))
                        continue
                    }
                    guard !pieces[1].isEmpty else { throw fail(name, text, "has no weight after '\(l):'") }
                    layers.append((l, try weight(pieces[1], name: name)))
                }
                try rejectDuplicates(layers.map(\.name), name: name, text: text)
                guard layers.contains(where: { $0.weight > 0 }) else {
                    throw fail(name, text, "has no layer with a weight above 0")
                }
                o.styleLayers = layers
            })
    }()

    /// The start images the table names; a start image from a file (the command's and the
    /// module's `init=FILE`, the C API's SF_INIT_IMAGE) is the front end's to read: a front end
    /// takes any other value as a file name.
    static let initialChoices: [(word: String, value: StyleOptions.Initialization)] = [
        ("content", .content), ("random", .random), ("gray", .gray), ("style-mean", .styleMean),
        ("style-colors", .styleColors)
    ]

    static let initialization: OptionSpec = {
        let name = "init"
        let words = initialChoices.map(\.word)
        return OptionSpec(
            name: name, kind: .choice,
            help:
                "Starting image: content, random (seeded noise), gray, style-mean (the style's mean colour), style-colors (the content in the style's colours), or an image file.",
            valueName: words.joined(separator: "|") + "|PATH", minimum: nil, maximum: nil, minimumExclusive: false,
            choices: words,
            read: { o in initialChoices.first { $0.value == o.initialization }?.word ?? "PATH" },
            write: { (o: inout StyleOptions, text: String) throws(OptionError) in
                guard let v = initialChoices.first(where: { $0.word == text })?.value else {
                    throw fail(name, text, "is not a choice")
                }
                o.initialization = v
            })
    }()

    static let seed: OptionSpec = {
        let name = "seed"
        return OptionSpec(
            name: name, kind: .integer, help: "Seed of the random initialisation.", valueName: "N", minimum: 0,
            maximum: Double(UInt64.max), minimumExclusive: false, choices: [],
            read: { "\($0.seed)" },
            write: { (o: inout StyleOptions, text: String) throws(OptionError) in
                o.seed = try count(text, name: name)
            })
    }()

    static func pixels(
        _ name: String, _ help: String, _ range: ClosedRange<Int>, full: Bool,
        _ field: WritableKeyPath<StyleOptions, Int> & Sendable
    ) -> OptionSpec {
        let words = full ? ["full"] : []
        return OptionSpec(
            name: name, kind: .pixels, help: help, valueName: full ? "N|full" : "N",
            minimum: Double(range.lowerBound), maximum: Double(range.upperBound), minimumExclusive: false,
            choices: words,
            read: { o in
                let v = o[keyPath: field]
                return full && v == StyleOptions.fullSize ? "full" : "\(v)"
            },
            write: { (o: inout StyleOptions, text: String) throws(OptionError) in
                if full, text == "full" {
                    o[keyPath: field] = StyleOptions.fullSize
                    return
                }
                o[keyPath: field] = try count(text, name: name, range: range)
            })
    }

    static let size = pixels(
        "size", "Longest side of the result in pixels, or full (the input's own size).",
        StyleOptions.sizeRange, full: true, \.size)

    static let workSize = pixels(
        "work-size",
        "Longest side up to which the whole image is optimised at once; larger results continue in overlapping tiles.",
        StyleOptions.workSizeRange, full: false, \.workSize)

    static let maxMemory: OptionSpec = {
        let name = "max-memory"
        return OptionSpec(
            name: name, kind: .bytes,
            help:
                "Memory the stylization may allocate (e.g. 1500M, 1.5G), beyond the model and the images the host holds; tiles are sized to fit it.",
            valueName: "SIZE", minimum: Double(StyleOptions.minimumMemory), maximum: nil, minimumExclusive: false,
            choices: [],
            read: { ByteSize.format($0.maxMemory) },
            write: { (o: inout StyleOptions, text: String) throws(OptionError) in
                guard let v = ByteSize.parse(text) else { throw fail(name, text, "is not a size") }
                guard v >= StyleOptions.minimumMemory else { throw fail(name, text, "is too small") }
                o.maxMemory = v
            })
    }()
}
