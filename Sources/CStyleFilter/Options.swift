import CStyleFilterABI
import StyleKernel
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// sf_options ⇄ the engine's StyleOptions. The options themselves (names, defaults, bounds,
/// parsers) are StyleKernel's OptionTable; this file only says where each row lives in the C struct.
enum OptionsBridge {
    /// sizeof(sf_options) in this library's header.
    static let knownSize = MemoryLayout<sf_options>.size
    /// The smallest struct_size accepted: the first ABI 1 header's sizeof (88, up to `threads`).
    /// Every size from there up to `knownSize` is accepted (ABI 1: fields are only appended);
    /// the fields beyond it take their defaults.
    static let minimumSize = MemoryLayout<sf_options>.offset(of: \.work_size)!
    /// Larger struct_size values than this are refused (a newer header would not grow by 4 KiB).
    static let maxStructSize = 4096

    /// Where the fields of sf_options end (each field ends where the next begins: the header's
    /// layout has no padding, which Tests/CABI checks field by field), ascending.
    static let fieldEnds: [Int] = {
        let starts: [PartialKeyPath<sf_options>] = [
            \.iterations, \.optimizer, \.learning_rate, \.content_weight, \.style_weight, \.tv_weight,
            \.content_layers, \.style_layers, \.pooling, \.`init`, \.init_image, \.seed, \.scales,
            \.objective, \.max_size, \.threads, \.work_size, \.padding, \.max_memory, \.style_scale,
            \.colors, \.masks, \.normalize_gradients, \.preconditioner,
        ]
        return starts.map { MemoryLayout<sf_options>.offset(of: $0)! }.sorted() + [knownSize]
    }()

    /// The bytes of a caller's struct of `structSize` bytes that this library reads and writes:
    /// the whole fields that fit in it. A field that struct_size cuts (an odd size such as 127) is
    /// not the caller's: it is never read (it takes its default) nor written beyond what
    /// sf_options_init zeroes; nothing at or past struct_size is touched.
    static func wholeFields(_ structSize: Int) -> Int {
        fieldEnds.last { $0 <= structSize } ?? 0
    }
    static let maxStringLength = 4096

    /// Where each OptionTable row is stored: writes the field from `value` (a StyleOptions in
    /// which the table's parser set that option). `text` is the list options' C string (NULL: the
    /// default list). Every row has an entry (checked by Tests/CABI, which sets every option).
    static let fields: [String: @Sendable (inout sf_options, StyleOptions, UnsafePointer<CChar>?) -> Void] = [
        "iterations": { o, v, _ in o.iterations = Int32(v.iterations) },
        "optimizer": { o, v, _ in o.optimizer = code(v.optimizer, in: optimizers) },
        "lr": { o, v, _ in o.learning_rate = v.learningRate },
        "content-weight": { o, v, _ in o.content_weight = v.contentWeight },
        "style-weight": { o, v, _ in o.style_weight = v.styleWeight },
        "tv-weight": { o, v, _ in o.tv_weight = v.tvWeight },
        "content-layers": { o, _, text in o.content_layers = text },
        "style-layers": { o, _, text in o.style_layers = text },
        "pooling": { o, v, _ in o.pooling = code(v.pooling, in: poolings) },
        "init": { o, v, _ in o.`init` = code(v.initialization, in: initials) },
        "seed": { o, v, _ in o.seed = v.seed },
        "scales": { o, v, _ in o.scales = Int32(v.scales) },
        "objective": { o, v, _ in o.objective = code(v.objective, in: objectives) },
        // max_size never enlarges (a filter shrinks at most); fullSize is 0, "keep the size".
        "size": { o, v, _ in o.max_size = UInt32(v.size) },
        "work-size": { o, v, _ in o.work_size = UInt32(v.workSize) },
        "max-memory": { o, v, _ in o.max_memory = UInt64(v.maxMemory) },
        "threads": { o, v, _ in o.threads = Int32(v.threads) },
        "style-scale": { o, v, _ in o.style_scale = v.styleScale },
        "colors": { o, v, _ in o.colors = code(v.colors, in: colorModes) },
        "normalize-gradients": { o, v, _ in o.normalize_gradients = v.normalizeGradients == .on ? 1 : 0 },
        "preconditioner": { o, v, _ in o.preconditioner = code(v.preconditioner, in: preconditioners) },
        "padding": { o, v, _ in o.padding = code(v.padding, in: paddings) },
    ]

    // The C enums' values for the table's choices (stylefilter.h's SF_OPTIMIZER_*, …).
    static let optimizers: [(UInt32, StyleOptions.Optimizer)] =
        [(SF_OPTIMIZER_LBFGS.rawValue, .lbfgs), (SF_OPTIMIZER_ADAM.rawValue, .adam)]
    static let poolings: [(UInt32, StyleOptions.Pooling)] =
        [(SF_POOLING_MAX.rawValue, .max), (SF_POOLING_AVG.rawValue, .avg)]
    static let objectives: [(UInt32, StyleOptions.Objective)] =
        [(SF_OBJECTIVE_DEFAULT.rawValue, .standard), (SF_OBJECTIVE_TUTORIAL.rawValue, .tutorial)]
    static let colorModes: [(UInt32, StyleOptions.Colors)] =
        [(SF_COLORS_STYLE.rawValue, .style), (SF_COLORS_LUMINANCE.rawValue, .luminance),
         (SF_COLORS_HISTOGRAM.rawValue, .histogram)]
    /// The start images the option table names (SF_INIT_IMAGE, a caller's image, is read apart).
    static let initials: [(UInt32, StyleOptions.Initialization)] =
        [(SF_INIT_CONTENT.rawValue, .content), (SF_INIT_RANDOM.rawValue, .random),
         (SF_INIT_GRAY.rawValue, .gray), (SF_INIT_STYLE_MEAN.rawValue, .styleMean),
         (SF_INIT_STYLE_COLORS.rawValue, .styleColors)]

    static let preconditioners: [(UInt32, StyleOptions.Preconditioner)] =
        [(SF_PRECONDITIONER_MULTISCALE.rawValue, .multiscale), (SF_PRECONDITIONER_NONE.rawValue, .none)]

    static let paddings: [(UInt32, StyleOptions.Padding)] =
        [(SF_PADDING_MIRROR.rawValue, .mirror), (SF_PADDING_ZERO.rawValue, .zero)]

    static func code<E: Equatable>(_ value: E, in table: [(UInt32, E)]) -> Int32 {
        Int32(bitPattern: table.first { $0.1 == value }?.0 ?? 0)
    }

    static func value<E>(_ code: Int32, in table: [(UInt32, E)], field: String, names: String) throws(Failure) -> E {
        guard let v = table.first(where: { Int32(bitPattern: $0.0) == code })?.1 else {
            throw .invalid("\(field) \(code) is unknown (\(names))")
        }
        return v
    }

    /// The defaults: the option table's filter defaults (a filter keeps the image's size).
    static func defaults() -> sf_options {
        var o = sf_options()
        o.struct_size = knownSize
        let d = StyleOptions.filterDefaults
        for spec in OptionTable.all { fields[spec.name]?(&o, d, nil) }
        o.init_image = nil
        o.masks = nil
        return o
    }

    /// Checks a struct_size as the unsigned value it is (size_t), and returns it as an Int.
    static func checkStructSize(_ size: UInt, what: String) throws(Failure) -> Int {
        guard size >= UInt(minimumSize) else {
            throw .invalid("\(what) is \(size); this library accepts \(minimumSize) (the first ABI 1 header's sizeof) up to \(maxStructSize): call sf_options_init(&options, sizeof options) first")
        }
        guard size <= UInt(maxStructSize) else {
            throw .invalid("\(what) \(size) is not plausible (at most \(maxStructSize); call sf_options_init first)")
        }
        return Int(size)
    }

    /// The struct_size field of the caller's struct, read alone (the struct may be smaller than
    /// this library's) and as the size_t it is.
    static func structSize(of pointer: UnsafePointer<sf_options>) -> UInt {
        UnsafeRawPointer(pointer).load(as: UInt.self)
    }

    /// The caller's options after the struct_size check (defaults for NULL, and for the fields an
    /// older header's smaller struct does not have).
    static func read(_ pointer: UnsafePointer<sf_options>?) throws(Failure) -> sf_options {
        guard let pointer else { return defaults() }
        let size = try checkStructSize(structSize(of: pointer), what: "sf_options.struct_size")
        let raw = UnsafeRawPointer(pointer)
        if size > knownSize {
            for i in knownSize..<size where raw.load(fromByteOffset: i, as: UInt8.self) != 0 {
                throw .invalid("sf_options has non-zero bytes beyond the \(knownSize) this library knows (options from a newer stylefilter.h?)")
            }
        }
        var o = defaults()
        withUnsafeMutableBytes(of: &o) { $0.copyMemory(from: UnsafeRawBufferPointer(start: raw, count: wholeFields(size))) }
        return o
    }

    /// Sets one option by name (sf_options_set): the table parses and checks the text, then its
    /// field is written. A field beyond the caller's (older, smaller) struct is refused.
    static func set(_ o: inout sf_options, name: String, value: String) throws(Failure) {
        guard let spec = OptionTable.spec(named: name) else {
            throw .invalid("unknown option '\(name)'; options: \(OptionTable.names.joined(separator: ", "))")
        }
        guard let write = fields[name] else { throw Failure(.internal, "internal error: option \(name) has no sf_options field") }
        var parsed = StyleOptions.filterDefaults
        do {
            try spec.set(value, in: &parsed)
        } catch {
            throw .invalid(error.description)
        }
        var text: UnsafePointer<CChar>? = nil
        if spec.kind == .layers || spec.kind == .weightedLayers {
            text = try InternedStrings.pointer(for: value)
        }
        let size = wholeFields(o.struct_size)  // checked by `read`
        var updated = o
        write(&updated, parsed, text)
        let changedBeyond = withUnsafeBytes(of: o) { old in
            withUnsafeBytes(of: updated) { new in (size..<knownSize).contains { old[$0] != new[$0] } }
        }
        guard !changedBeyond else {
            throw .invalid("\(name): this sf_options (struct_size \(o.struct_size)) is from an older stylefilter.h without the field; recompile with the current header")
        }
        o = updated
    }

    /// The result size rule (documented at sf_output_size), for a content within the input
    /// limits (the same check as sf_stylize's, `Limits.checkImageSize`).
    static func outputSize(maxSize: UInt32, width: Int, height: Int) throws(Failure) -> (Int, Int) {
        try Limits.checkImageSize(width: width, height: height, what: "content")
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

    /// A C field's text through the option table's parser.
    static func parse(_ name: String, _ text: String, into s: inout StyleOptions) throws(Failure) {
        guard let spec = OptionTable.spec(named: name) else { throw Failure(.internal, "internal error: no option \(name)") }
        do {
            try spec.set(text, in: &s)
        } catch {
            throw .invalid(error.description)
        }
    }

    /// sf_options → the engine's StyleOptions (enum values and lists checked here; ranges, layer
    /// names of the loaded model and weights by `StyleOptions.validate`, which runs before any work).
    static func engineOptions(_ o: sf_options, contentWidth: Int, contentHeight: Int,
                              styleBlend: [Float]) throws(Failure) -> StyleOptions {
        var s = StyleOptions()
        s.iterations = Int(o.iterations)
        s.optimizer = try value(o.optimizer, in: optimizers, field: "optimizer", names: "SF_OPTIMIZER_LBFGS or SF_OPTIMIZER_ADAM")
        for (name, v) in [("learning_rate", o.learning_rate), ("content_weight", o.content_weight),
                          ("style_weight", o.style_weight), ("tv_weight", o.tv_weight),
                          ("style_scale", o.style_scale)] where !v.isFinite {
            throw .invalid("\(name) is \(v); it must be a finite number")
        }
        s.learningRate = o.learning_rate
        s.contentWeight = o.content_weight
        s.styleWeight = o.style_weight
        s.tvWeight = o.tv_weight
        if let text = try string(o.content_layers, field: "content_layers") {
            try parse("content-layers", text, into: &s)
        }
        if let text = try string(o.style_layers, field: "style_layers") {
            try parse("style-layers", text, into: &s)
        }
        s.pooling = try value(o.pooling, in: poolings, field: "pooling", names: "SF_POOLING_MAX or SF_POOLING_AVG")
        if UInt32(bitPattern: o.`init`) == SF_INIT_IMAGE.rawValue {
            let image = try CheckedImage(o.init_image, what: "init_image")
            s.initialization = .image(try image.planar(what: "init_image"))
        } else {
            s.initialization = try value(o.`init`, in: initials, field: "init",
                                         names: "SF_INIT_CONTENT, SF_INIT_RANDOM, SF_INIT_IMAGE, SF_INIT_GRAY, SF_INIT_STYLE_MEAN or SF_INIT_STYLE_COLORS")
        }
        s.seed = o.seed
        s.scales = Int(o.scales)
        s.objective = try value(o.objective, in: objectives, field: "objective",
                                names: "SF_OBJECTIVE_DEFAULT or SF_OBJECTIVE_TUTORIAL")
        let (w, h) = try outputSize(maxSize: o.max_size, width: contentWidth, height: contentHeight)
        s.size = max(w, h)
        s.workSize = Int(o.work_size)
        guard o.max_memory <= UInt64(Int.max / 2) else { throw .invalid("max_memory \(o.max_memory) is not plausible") }
        s.maxMemory = Int(o.max_memory)
        s.threads = Int(o.threads)
        s.styleScale = o.style_scale
        s.colors = try value(o.colors, in: colorModes, field: "colors",
                             names: "SF_COLORS_STYLE, SF_COLORS_LUMINANCE or SF_COLORS_HISTOGRAM")
        guard o.normalize_gradients == 0 || o.normalize_gradients == 1 else {
            throw .invalid("normalize_gradients is \(o.normalize_gradients); it must be 0 or 1")
        }
        s.normalizeGradients = o.normalize_gradients == 1 ? .on : .off
        s.preconditioner = try value(o.preconditioner, in: preconditioners, field: "preconditioner",
                                     names: "SF_PRECONDITIONER_MULTISCALE or SF_PRECONDITIONER_NONE")
        s.padding = try value(o.padding, in: paddings, field: "padding", names: "SF_PADDING_MIRROR or SF_PADDING_ZERO")
        s.styleBlend = styleBlend
        return s
    }
}

/// The list options' texts set through sf_options_set, kept for the life of the process (the
/// caller's sf_options points at them; the library keeps no pointer to caller memory). Equal
/// texts share one copy; 1 MiB in all bounds what a host that sets many different lists can pin.
enum InternedStrings {
    static let limit = 1 << 20
    private static let table = Mutex<(strings: [String: UnsafeMutablePointer<CChar>], bytes: Int)>(([:], 0))

    static func pointer(for text: String) throws(Failure) -> UnsafePointer<CChar> {
        // The address crosses the lock as an integer (a pointer is not Sendable).
        let result: Result<UInt, Failure> = table.withLock { t in
            if let p = t.strings[text] { return .success(UInt(bitPattern: p)) }
            let n = text.utf8.count + 1
            guard t.bytes + n <= limit else {
                return .failure(.invalid("more than \(limit / 1024) KiB of distinct layer lists were set by name; set content_layers/style_layers directly instead"))
            }
            guard let p = strdup(text) else { return .failure(Failure(.outOfMemory, "out of memory copying an option's text")) }
            t.strings[text] = p
            t.bytes += n
            return .success(UInt(bitPattern: p))
        }
        guard let p = UnsafePointer<CChar>(bitPattern: try result.get()) else {
            throw Failure(.internal, "internal error: an interned option text has no address")
        }
        return p
    }
}
