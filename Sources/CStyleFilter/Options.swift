import CStyleFilterABI
import StyleKernel
#if canImport(Glibc)
import Glibc
#endif

enum OptionsBridge {
    /// sizeof(sf_options) in this library's header.
    static let knownSize = MemoryLayout<sf_options>.size
    /// Larger struct_size values than this are refused (a newer header would not grow by 4 KiB).
    static let maxStructSize = 4096
    static let maxStringLength = 4096
    static let defaultMaxSize: UInt32 = 512

    static func defaults() -> sf_options {
        let d = StyleOptions()
        var o = sf_options()
        o.struct_size = knownSize
        o.iterations = Int32(d.iterations)
        o.optimizer = 0
        o.learning_rate = d.learningRate
        o.content_weight = d.contentWeight
        o.style_weight = d.styleWeight
        o.tv_weight = d.tvWeight
        o.content_layers = nil
        o.style_layers = nil
        o.pooling = 0
        o.`init` = 0
        o.init_image = nil
        o.seed = d.seed
        o.scales = Int32(d.scales)
        o.objective = 0
        o.max_size = defaultMaxSize
        o.threads = Int32(d.threads)
        return o
    }

    /// The caller's options after the struct_size check (defaults for NULL).
    static func read(_ pointer: UnsafePointer<sf_options>?) throws(Failure) -> sf_options {
        guard let pointer else { return defaults() }
        let size = pointer.pointee.struct_size
        guard size >= UInt(knownSize) else {
            throw .invalid("sf_options.struct_size is \(size), this library needs at least \(knownSize): call sf_options_init(&options, sizeof options) first")
        }
        guard size <= UInt(maxStructSize) else {
            throw .invalid("sf_options.struct_size \(size) is not plausible (call sf_options_init first)")
        }
        if size > UInt(knownSize) {
            let raw = UnsafeRawPointer(pointer)
            for i in knownSize..<Int(size) where raw.load(fromByteOffset: i, as: UInt8.self) != 0 {
                throw .invalid("sf_options has non-zero bytes beyond the \(knownSize) this library knows (options from a newer stylefilter.h?)")
            }
        }
        return pointer.pointee
    }

    /// The result size rule (documented at sf_output_size).
    static func outputSize(maxSize: UInt32, width: Int, height: Int) throws(Failure) -> (Int, Int) {
        guard width > 0, height > 0 else { throw .invalid("content size \(width)×\(height) is empty") }
        let longest = max(width, height)
        let target = maxSize == 0 ? longest : min(longest, Int(maxSize))
        guard target >= Limits.minResult else {
            throw .invalid("the result's longest side would be \(target) px; it must be at least \(Limits.minResult) (content \(width)×\(height), max_size \(maxSize))")
        }
        guard target <= Limits.maxResult else {
            throw .invalid("the result's longest side would be \(target) px; at most \(Limits.maxResult) (set max_size)")
        }
        if target == longest { return (width, height) }
        let fit = Resample.fit(width: width, height: height, longest: target)
        return (fit.width, fit.height)
    }

    /// Reads a C string of at most `maxStringLength` bytes as UTF-8.
    static func string(_ p: UnsafePointer<CChar>?, field: String) throws(Failure) -> String? {
        guard let p else { return nil }
        let n = strnlen(p, maxStringLength + 1)
        guard n <= maxStringLength else { throw .invalid("\(field) is longer than \(maxStringLength) bytes") }
        let bytes = UnsafeRawBufferPointer(start: p, count: n)
        guard let s = String(validating: bytes, as: UTF8.self) else {
            throw .invalid("\(field) is not valid UTF-8")
        }
        return s
    }

    static func trim(_ s: Substring) -> String {
        String(s.drop(while: { $0 == " " || $0 == "\t" }).reversed().drop(while: { $0 == " " || $0 == "\t" }).reversed())
    }

    static func entries(_ text: String, field: String) throws(Failure) -> [String] {
        let parts = text.split(separator: ",", omittingEmptySubsequences: false).map(trim)
        if let i = parts.firstIndex(where: \.isEmpty) {
            throw .invalid("\(field): entry \(i + 1) of \"\(text)\" is empty")
        }
        return parts
    }

    static func number(_ text: String, field: String) throws(Failure) -> Float {
        guard let v = Float(text), v.isFinite, v >= 0 else {
            throw .invalid("\(field): \"\(text)\" is not a finite number ≥ 0")
        }
        return v
    }

    /// "conv1_1:1,conv2_1:0.75" → [(name, weight)]; a name without ":weight" weighs 1.
    static func styleLayers(_ text: String) throws(Failure) -> [(name: String, weight: Float)] {
        let field = "style_layers"
        var out: [(name: String, weight: Float)] = []
        for entry in try entries(text, field: field) {
            let pieces = entry.split(separator: ":", omittingEmptySubsequences: false).map(trim)
            guard pieces.count <= 2, !pieces[0].isEmpty else {
                throw .invalid("\(field): \"\(entry)\" is not LAYER or LAYER:WEIGHT")
            }
            out.append((pieces[0], pieces.count == 2 ? try number(pieces[1], field: "\(field) \(pieces[0])") : 1))
        }
        return out
    }

    /// sf_options → the engine's StyleOptions (enum values checked here; ranges, layer names and
    /// weights by `StyleOptions.validate`, which runs before any work).
    static func engineOptions(_ o: sf_options, contentWidth: Int, contentHeight: Int,
                              styleBlend: [Float]) throws(Failure) -> StyleOptions {
        var s = StyleOptions()
        s.iterations = Int(o.iterations)
        switch o.optimizer {
        case 0: s.optimizer = .lbfgs
        case 1: s.optimizer = .adam
        default: throw .invalid("optimizer \(o.optimizer) is unknown (SF_OPTIMIZER_LBFGS or SF_OPTIMIZER_ADAM)")
        }
        for (name, v) in [("learning_rate", o.learning_rate), ("content_weight", o.content_weight),
                          ("style_weight", o.style_weight), ("tv_weight", o.tv_weight)] where !v.isFinite {
            throw .invalid("\(name) is \(v); it must be a finite number")
        }
        s.learningRate = o.learning_rate
        s.contentWeight = o.content_weight
        s.styleWeight = o.style_weight
        s.tvWeight = o.tv_weight
        if let text = try string(o.content_layers, field: "content_layers") {
            s.contentLayers = try entries(text, field: "content_layers")
        }
        if let text = try string(o.style_layers, field: "style_layers") {
            s.styleLayers = try styleLayers(text)
        }
        switch o.pooling {
        case 0: s.pooling = .max
        case 1: s.pooling = .avg
        default: throw .invalid("pooling \(o.pooling) is unknown (SF_POOLING_MAX or SF_POOLING_AVG)")
        }
        switch o.`init` {
        case 0: s.initialization = .content
        case 1: s.initialization = .random
        case 2:
            let image = try CheckedImage(o.init_image, what: "init_image")
            s.initialization = .image(try image.planar(what: "init_image"))
        default: throw .invalid("init \(o.`init`) is unknown (SF_INIT_CONTENT, SF_INIT_RANDOM or SF_INIT_IMAGE)")
        }
        s.seed = o.seed
        s.scales = Int(o.scales)
        switch o.objective {
        case 0: s.objective = .standard
        case 1: s.objective = .tutorial
        default: throw .invalid("objective \(o.objective) is unknown (SF_OBJECTIVE_DEFAULT or SF_OBJECTIVE_TUTORIAL)")
        }
        let (w, h) = try outputSize(maxSize: o.max_size, width: contentWidth, height: contentHeight)
        s.size = max(w, h)
        s.threads = Int(o.threads)
        s.styleBlend = styleBlend
        return s
    }
}
