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
            \.colors, \.masks, \.normalize_gradients, \.preconditioner, \.preview, \.long_range_weight,
            \.temporal, \.temporal_weight
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

    /// Where each OptionTable row lives in sf_options (every row has one, checked by Tests/CABI,
    /// which sets every option). The row holds the option: its name, values, bounds, parser and
    /// messages; the codec only moves its text in and out of the C field.
    static let codecs: [String: FieldCodec] = [
        "iterations": .int32("iterations", \.iterations),
        "optimizer": .choice(
            "optimizer", \.optimizer,
            [
                (SF_OPTIMIZER_LBFGS.rawValue, "lbfgs"),
                (SF_OPTIMIZER_ADAM.rawValue, "adam")
            ]),
        "preconditioner": .choice(
            "preconditioner", \.preconditioner,
            [
                (SF_PRECONDITIONER_MULTISCALE.rawValue, "multiscale"),
                (SF_PRECONDITIONER_NONE.rawValue, "none")
            ]),
        "padding": .choice(
            "padding", \.padding,
            [
                (SF_PADDING_MIRROR.rawValue, "mirror"),
                (SF_PADDING_ZERO.rawValue, "zero")
            ]),
        "lr": .float("learning_rate", \.learning_rate),
        "content-weight": .float("content_weight", \.content_weight),
        "style-weight": .float("style_weight", \.style_weight),
        "tv-weight": .float("tv_weight", \.tv_weight),
        "content-layers": .text("content_layers", \.content_layers),
        "style-layers": .text("style_layers", \.style_layers),
        "style-scale": .float("style_scale", \.style_scale),
        "long-range-weight": .float("long_range_weight", \.long_range_weight),
        "colors": .choice(
            "colors", \.colors,
            [
                (SF_COLORS_STYLE.rawValue, "style"),
                (SF_COLORS_LUMINANCE.rawValue, "luminance"),
                (SF_COLORS_HISTOGRAM.rawValue, "histogram")
            ]),
        "normalize-gradients": .choice("normalize_gradients", \.normalize_gradients, [(0, "off"), (1, "on")]),
        "pooling": .choice("pooling", \.pooling, [(SF_POOLING_MAX.rawValue, "max"), (SF_POOLING_AVG.rawValue, "avg")]),
        // SF_INIT_IMAGE (a caller's image, not a word of the table) is read apart: engineOptions.
        "init": .choice(
            "init", \.`init`,
            [
                (SF_INIT_CONTENT.rawValue, "content"), (SF_INIT_RANDOM.rawValue, "random"),
                (SF_INIT_GRAY.rawValue, "gray"), (SF_INIT_STYLE_MEAN.rawValue, "style-mean"),
                (SF_INIT_STYLE_COLORS.rawValue, "style-colors")
            ],
            apart: [SF_INIT_IMAGE.rawValue]),
        "seed": .uint64("seed", \.seed),
        "scales": .int32("scales", \.scales),
        "objective": .choice(
            "objective", \.objective,
            [
                (SF_OBJECTIVE_DEFAULT.rawValue, "default"),
                (SF_OBJECTIVE_TUTORIAL.rawValue, "tutorial")
            ]),
        // max_size is a cap, never an enlargement (a filter shrinks at most; 0 keeps the size,
        // `full`): every value is a cap, so it is read apart (outputSize), not as the row's text.
        "size": .maxSize,
        "work-size": .uint32("work_size", \.work_size),
        "max-memory": .bytes("max_memory", \.max_memory),
        "threads": .int32("threads", \.threads),
        "preview": .choice("preview", \.preview, [(0, "off"), (1, "on")]),
        "temporal": .choice(
            "temporal", \.temporal,
            [
                (SF_TEMPORAL_OFF.rawValue, "off"),
                (SF_TEMPORAL_SHORT.rawValue, "short"),
                (SF_TEMPORAL_LONG.rawValue, "long")
            ]),
        "temporal-weight": .float("temporal_weight", \.temporal_weight)
    ]

    /// The defaults: the option table's filter defaults (a filter keeps the image's size); the
    /// lists stay NULL, which the header documents as the default list.
    static func defaults() -> sf_options {
        var o = sf_options()
        o.struct_size = knownSize
        let d = StyleOptions.filterDefaults
        for spec in OptionTable.all {
            guard let codec = codecs[spec.name], !codec.isList else { continue }
            try? codec.write(&o, spec.text(of: d))
        }
        o.init_image = nil
        o.masks = nil
        return o
    }

    /// Checks a struct_size as the unsigned value it is (size_t), and returns it as an Int.
    static func checkStructSize(_ size: UInt, what: String) throws(Failure) -> Int {
        guard size >= UInt(minimumSize) else {
            throw .invalid(
                "\(what) is \(size); this library accepts \(minimumSize) (the first ABI 1 header's sizeof) up to \(maxStructSize): call sf_options_init(&options, sizeof options) first"
            )
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
                throw .invalid(
                    "sf_options has non-zero bytes beyond the \(knownSize) this library knows (options from a newer stylefilter.h?)"
                )
            }
        }
        var o = defaults()
        withUnsafeMutableBytes(of: &o) {
            $0.copyMemory(from: UnsafeRawBufferPointer(start: raw, count: wholeFields(size)))
        }
        return o
    }

    /// Sets one option by name (sf_options_set): the table parses and checks the text, then the
    /// field is written from the row's own text of the value (a list: the caller's text). A field
    /// beyond the caller's (older, smaller) struct is refused.
    static func set(_ o: inout sf_options, name: String, value: String) throws(Failure) {
        guard let spec = OptionTable.spec(named: name) else {
            throw .invalid("unknown option '\(name)'; options: \(OptionTable.names.joined(separator: ", "))")
        }
        guard let codec = codecs[name] else {
            throw Failure(.internal, "internal error: option \(name) has no sf_options field")
        }
        var parsed = StyleOptions.filterDefaults
        do {
            try spec.set(value, in: &parsed)
        } catch {
            throw .invalid(error.description)
        }
        let size = wholeFields(o.struct_size)  // checked by `read`
        var updated = o
        try codec.write(&updated, codec.isList ? value : spec.text(of: parsed))
        let changedBeyond = withUnsafeBytes(of: o) { old in
            withUnsafeBytes(of: updated) { new in (size..<knownSize).contains { old[$0] != new[$0] } }
        }
        guard !changedBeyond else {
            throw .invalid(
                "\(name): this sf_options (struct_size \(o.struct_size)) is from an older stylefilter.h without the field; recompile with the current header"
            )
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
            throw .invalid(
                "the result's longest side would be \(target) px; it must be at least \(Limits.minResult) (content \(width)×\(height), max_size \(maxSize))"
            )
        }
        guard target <= Limits.maxResult else {
            throw .invalid(
                "the result's longest side would be \(target) px; at most \(Limits.maxResult) (set max_size)")
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

    /// sf_options → the engine's StyleOptions: every field read as the text its row parses, so a
    /// value set in the struct is checked, and refused, exactly as the same value given to
    /// sf_options_set, the command or -process (the message names the field and the option).
    /// The layer names of the loaded model are checked by `StyleOptions.validate`, before any work.
    static func engineOptions(
        _ o: sf_options, contentWidth: Int, contentHeight: Int,
        styleBlend: [Float]
    ) throws(Failure) -> StyleOptions {
        var s = StyleOptions()
        for spec in OptionTable.all {
            guard let codec = codecs[spec.name] else {
                throw Failure(.internal, "internal error: option \(spec.name) has no sf_options field")
            }
            guard let text = try codec.read(o) else { continue }
            do {
                try spec.set(text, in: &s)
            } catch {
                throw .invalid("sf_options.\(codec.field): \(error.description)")
            }
        }
        if UInt32(bitPattern: o.`init`) == SF_INIT_IMAGE.rawValue {
            let image = try CheckedImage(o.init_image, what: "init_image")
            s.initialization = .image(try image.planar(what: "init_image"))
        }
        let (w, h) = try outputSize(maxSize: o.max_size, width: contentWidth, height: contentHeight)
        s.size = max(w, h)
        s.styleBlend = styleBlend
        return s
    }
}

/// How an option table row's value moves between its text and its sf_options field. `write`
/// takes text the row's parser has accepted (its canonical form, `OptionSpec.text(of:)`); `read`
/// gives the field as text for the row's parser to check, or nil where the field holds its
/// default (a NULL list) or what the row does not parse (read apart by `engineOptions`).
struct FieldCodec: Sendable {
    /// The C field, for messages.
    let field: String
    /// A list's C string: sf_options_set keeps the caller's own text (it reads back as it was
    /// set) rather than the row's canonical one, and the default is NULL, not a text.
    var isList = false
    let write: @Sendable (inout sf_options, String) throws(Failure) -> Void
    let read: @Sendable (sf_options) throws(Failure) -> String?

    /// A number field, written and read as Swift's text of it: digits for the integers, and for a
    /// float the shortest text that reads back to the same value ("nan" and "inf" included, which
    /// the rows refuse).
    static func number<T: LosslessStringConvertible>(
        _ field: String,
        _ key: WritableKeyPath<sf_options, T> & Sendable
    ) -> FieldCodec {
        FieldCodec(
            field: field, write: { o, text in o[keyPath: key] = T(text) ?? o[keyPath: key] },
            read: { o in "\(o[keyPath: key])" })
    }
    static func int32(_ field: String, _ key: WritableKeyPath<sf_options, Int32> & Sendable) -> FieldCodec {
        number(field, key)
    }
    static func uint32(_ field: String, _ key: WritableKeyPath<sf_options, UInt32> & Sendable) -> FieldCodec {
        number(field, key)
    }
    static func uint64(_ field: String, _ key: WritableKeyPath<sf_options, UInt64> & Sendable) -> FieldCodec {
        number(field, key)
    }
    static func float(_ field: String, _ key: WritableKeyPath<sf_options, Float> & Sendable) -> FieldCodec {
        number(field, key)
    }

    /// A byte count: written from the row's "1G", "1536M" or bytes; read as plain bytes (exact).
    static func bytes(_ field: String, _ key: WritableKeyPath<sf_options, UInt64> & Sendable) -> FieldCodec {
        FieldCodec(
            field: field,
            write: { o, text in o[keyPath: key] = ByteSize.parse(text).map { UInt64($0) } ?? o[keyPath: key] },
            read: { o in "\(o[keyPath: key])" })
    }

    /// A list's C string: the text kept for the life of the process (`InternedStrings`); NULL is
    /// the default list.
    static func text(_ field: String, _ key: WritableKeyPath<sf_options, UnsafePointer<CChar>?> & Sendable)
        -> FieldCodec
    {
        FieldCodec(
            field: field, isList: true,
            write: { (o: inout sf_options, text: String) throws(Failure) in
                o[keyPath: key] = try InternedStrings.pointer(for: text)
            },
            read: { (o: sf_options) throws(Failure) in try OptionsBridge.string(o[keyPath: key], field: field) })
    }

    /// An enum field: the C constant of each of the row's words. A code in `apart` is read by
    /// `engineOptions` itself (SF_INIT_IMAGE); any other unknown code is refused, naming the words.
    static func choice(
        _ field: String, _ key: WritableKeyPath<sf_options, Int32> & Sendable,
        _ words: [(code: UInt32, word: String)], apart: [UInt32] = []
    ) -> FieldCodec {
        FieldCodec(
            field: field,
            write: { o, text in
                if let code = words.first(where: { $0.word == text })?.code {
                    o[keyPath: key] = Int32(bitPattern: code)
                }
            },
            read: { o throws(Failure) in
                let code = UInt32(bitPattern: o[keyPath: key])
                if apart.contains(code) { return nil }
                guard let word = words.first(where: { $0.code == code })?.word else {
                    let known = words.map { "\($0.code) \($0.word)" }.joined(separator: ", ")
                    throw .invalid("sf_options.\(field) is \(o[keyPath: key]), none of its values (\(known))")
                }
                return word
            })
    }

    /// max_size: 0 is `full`; read apart (a cap: `OptionsBridge.outputSize`).
    static let maxSize = FieldCodec(
        field: "max_size",
        write: { o, text in o.max_size = text == "full" ? 0 : UInt32(text) ?? o.max_size },
        read: { _ in nil })
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
                return .failure(
                    .invalid(
                        "more than \(limit / 1024) KiB of distinct layer lists were set by name; set content_layers/style_layers directly instead"
                    ))
            }
            guard let p = strdup(text) else {
                return .failure(Failure(.outOfMemory, "out of memory copying an option's text"))
            }
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
