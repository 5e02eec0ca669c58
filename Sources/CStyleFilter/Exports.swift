import CStyleFilterABI
import StyleKernel

#if canImport(Glibc)
    import Glibc
#endif

// The C entry points of stylefilter.h. Each one validates its arguments, runs the work in a
// throwing function, and turns every error into a status plus a message; nothing here traps.
// (Swift names are prefixed `c_` so they do not clash with the header's imported declarations.)

/// Records a failure (thread-local, and on the context when there is one) and returns its code.
func failCall(_ failure: Failure, context: Context? = nil) -> Int32 {
    ThreadError.set(failure.message)
    context?.setMessage(failure.message)
    return failure.status.rawValue
}

// MARK: Version

@_cdecl("sf_version")
public func c_sf_version() -> Int32 {
    Int32(StyleFilterVersion.major * 10000 + StyleFilterVersion.minor * 100 + StyleFilterVersion.patch)
}

@_cdecl("sf_abi_version")
public func c_sf_abi_version() -> Int32 { SF_ABI_VERSION }

@_cdecl("sf_version_string")
public func c_sf_version_string() -> UnsafePointer<CChar>? { UnsafePointer(StaticCStrings.version) }

@_cdecl("sf_status_name")
public func c_sf_status_name(_ status: Int32) -> UnsafePointer<CChar>? {
    guard let s = Status(rawValue: status) else { return UnsafePointer(StaticCStrings.unknownStatus) }
    return UnsafePointer(StaticCStrings.statusNames[Int(s.rawValue)])
}

@_cdecl("sf_format_bytes_per_pixel")
public func c_sf_format_bytes_per_pixel(_ format: Int32) -> Int {
    PixelFormat(rawValue: format)?.bytesPerPixel ?? 0
}

// MARK: Options

@_cdecl("sf_options_init")
public func c_sf_options_init(_ options: UnsafeMutablePointer<sf_options>?, _ size: UInt) -> Int32 {
    guard let options else { return failCall(.invalid("sf_options_init: options is NULL")) }
    let structSize: Int
    do {
        structSize = try OptionsBridge.checkStructSize(size, what: "sf_options_init: struct_size")
    } catch {
        return failCall(error)
    }
    // All struct_size bytes zeroed, then the whole fields that fit set to their defaults: an older
    // header's smaller struct gets the fields it has (a field an odd size cuts stays zero), a
    // newer one's tail stays zero. Nothing at or past struct_size is written.
    let raw = UnsafeMutableRawPointer(options)
    raw.initializeMemory(as: UInt8.self, repeating: 0, count: structSize)
    var defaults = OptionsBridge.defaults()
    defaults.struct_size = structSize
    withUnsafeBytes(of: defaults) {
        raw.copyMemory(from: $0.baseAddress!, byteCount: OptionsBridge.wholeFields(structSize))
    }
    return Status.ok.rawValue
}

@_cdecl("sf_output_size")
public func c_sf_output_size(
    _ options: UnsafePointer<sf_options>?, _ width: UInt32, _ height: UInt32,
    _ outWidth: UnsafeMutablePointer<UInt32>?,
    _ outHeight: UnsafeMutablePointer<UInt32>?
) -> Int32 {
    guard let outWidth, let outHeight else {
        return failCall(.invalid("sf_output_size: out_width or out_height is NULL"))
    }
    do {
        let o = try OptionsBridge.read(options)
        let (w, h) = try OptionsBridge.outputSize(maxSize: o.max_size, width: Int(width), height: Int(height))
        outWidth.pointee = UInt32(w)
        outHeight.pointee = UInt32(h)
        return Status.ok.rawValue
    } catch {
        return failCall(Failure(error))
    }
}

// MARK: Context

@_cdecl("sf_context_create")
public func c_sf_context_create(
    _ modelPath: UnsafePointer<CChar>?,
    _ out: UnsafeMutablePointer<OpaquePointer?>?
) -> Int32 {
    guard let out else { return failCall(.invalid("sf_context_create: out is NULL")) }
    out.pointee = nil
    do {
        let explicit = try OptionsBridge.string(modelPath, field: "model_path")
        let path = try ModelLocator.locate(explicit: explicit)
        let model = try StyleModel.load(path: path)
        let context = Context(engine: StyleEngine(model: model), modelPath: path)
        out.pointee = contexts.add(context)
        return Status.ok.rawValue
    } catch {
        return failCall(Failure(error))
    }
}

@_cdecl("sf_context_destroy")
public func c_sf_context_destroy(_ context: OpaquePointer?) -> Int32 {
    guard let context else { return Status.ok.rawValue }
    if let ctx = contexts.lookup(context), ctx.isCallingThread {
        return failCall(
            .invalid(
                "sf_context_destroy: called from inside this context's progress callback; destroy it after sf_stylize returns"
            ),
            context: ctx)
    }
    guard contexts.remove(context) else {
        return failCall(.invalid("sf_context_destroy: not a live sf_context (destroyed twice?)"))
    }
    return Status.ok.rawValue
}

@_cdecl("sf_context_model_path")
public func c_sf_context_model_path(_ context: OpaquePointer?) -> UnsafePointer<CChar>? {
    guard let c = contexts.lookup(context) else { return nil }
    return UnsafePointer(c.modelPath)
}

@_cdecl("sf_last_error_message")
public func c_sf_last_error_message(_ context: OpaquePointer?) -> UnsafePointer<CChar>? {
    if context == nil { return ThreadError.current ?? UnsafePointer(StaticCStrings.empty) }
    guard let c = contexts.lookup(context) else {
        return UnsafePointer(StaticCStrings.invalidContext)
    }
    return UnsafePointer(c.message)
}

// MARK: Stylize

@_cdecl("sf_stylize")
public func c_sf_stylize(
    _ context: OpaquePointer?, _ options: UnsafePointer<sf_options>?,
    _ content: UnsafePointer<sf_image>?, _ styles: UnsafePointer<sf_image>?,
    _ styleWeights: UnsafePointer<Float>?, _ styleCount: UInt,
    _ output: UnsafePointer<sf_image>?, _ progress: sf_progress_fn?,
    _ user: UnsafeMutableRawPointer?
) -> Int32 {
    guard let ctx = contexts.lookup(context) else {
        return failCall(
            .invalid(
                context == nil
                    ? "sf_stylize: context is NULL"
                    : "sf_stylize: not a live sf_context"))
    }
    let status = ctx.serialized { () -> Int32 in
        do {
            try StylizeCall.run(
                ctx, options: options, content: content, styles: styles,
                styleWeights: styleWeights, styleCount: styleCount, output: output,
                progress: progress, user: user)
            ctx.clearMessage()
            return Status.ok.rawValue
        } catch {
            return failCall(Failure(error), context: ctx)
        }
    }
    guard let status else {
        return failCall(
            .invalid("sf_stylize: called from inside this context's progress callback; use another context"),
            context: ctx)
    }
    return status
}

enum StylizeCall {
    static func run(
        _ ctx: Context, options: UnsafePointer<sf_options>?,
        content: UnsafePointer<sf_image>?, styles: UnsafePointer<sf_image>?,
        styleWeights: UnsafePointer<Float>?, styleCount count: UInt,
        output: UnsafePointer<sf_image>?, progress: sf_progress_fn?,
        user: UnsafeMutableRawPointer?
    ) throws(Failure) {
        // 1. Descriptors and options, all before any pixel is read.
        let o = try OptionsBridge.read(options)
        let contentImage = try CheckedImage(content, what: "content image")
        let (styleImages, blend) = try checkedStyles(styles, count: count, weights: styleWeights)
        let (outputImage, w, h) = try checkedOutput(output, options: o, content: contentImage)
        for (k, s) in ([contentImage] + styleImages).enumerated() where s.overlaps(outputImage) {
            throw .invalid("the output buffer overlaps \(k == 0 ? "the content image" : "style image \(k)")")
        }
        let maskImages = try checkedMasks(o, styleCount: styleImages.count)
        for (k, mask) in maskImages.enumerated() where mask.overlaps(outputImage) {
            throw .invalid("the output buffer overlaps mask \(k + 1)")
        }
        try checkMemory(content: contentImage, styles: styleImages + maskImages, result: (w, h))

        // 2. Pixels and engine options.
        let contentPlanar = try contentImage.planar(what: "content image")
        let (stylePlanar, masks) = try planar(styles: styleImages, masks: maskImages)
        let engineOptions = try OptionsBridge.engineOptions(
            o, contentWidth: contentImage.width,
            contentHeight: contentImage.height,
            styleBlend: blend)
        // 3. The engine (validates the options again against the loaded model).
        let result: StylizeResult
        do {
            result = try ctx.engine.stylize(
                content: contentPlanar, styles: stylePlanar, masks: masks,
                options: engineOptions, progress: progressHandler(progress, user: user))
        } catch {
            throw Failure(error)
        }
        // 4. The host buffer (only now is it written).
        try write(result, content: contentImage, output: outputImage)
    }

    /// The style images' descriptors and the blend (empty: equal), checked.
    static func checkedStyles(
        _ styles: UnsafePointer<sf_image>?, count: UInt, weights: UnsafePointer<Float>?
    ) throws(Failure) -> (images: [CheckedImage], blend: [Float]) {
        // The count as the size_t it is, checked before it becomes an Int.
        guard count >= 1 else { throw .invalid("style_count is 0: at least one style image is needed") }
        guard count <= UInt(Limits.maxStyles) else {
            throw .invalid("style_count \(count) is more than \(Limits.maxStyles)")
        }
        let styleCount = Int(count)
        guard let styles else { throw .invalid("styles is NULL") }
        var images: [CheckedImage] = []
        for k in 0..<styleCount {
            images.append(try CheckedImage(styles + k, what: "style image \(k + 1)"))
        }
        var blend: [Float] = []
        if let weights {
            blend = (0..<styleCount).map { weights[$0] }
            guard blend.allSatisfy({ $0.isFinite && $0 >= 0 }), blend.contains(where: { $0 > 0 }) else {
                throw .invalid("style_weights must be finite, ≥ 0 and not all zero (got \(blend))")
            }
        }
        return (images, blend)
    }

    /// The options' region masks (one per style), checked; none without them.
    static func checkedMasks(_ o: sf_options, styleCount: Int) throws(Failure) -> [CheckedImage] {
        guard let masks = o.masks else { return [] }
        var out: [CheckedImage] = []
        for k in 0..<styleCount { out.append(try CheckedImage(masks + k, what: "mask \(k + 1)")) }
        return out
    }

    /// The output's descriptor, checked against the result's size for this content.
    static func checkedOutput(
        _ output: UnsafePointer<sf_image>?, options o: sf_options, content: CheckedImage
    ) throws(Failure) -> (image: CheckedImage, width: Int, height: Int) {
        let image = try CheckedImage(output, what: "output image")
        let (w, h) = try OptionsBridge.outputSize(maxSize: o.max_size, width: content.width, height: content.height)
        guard image.width == w, image.height == h else {
            throw .invalid(
                "output image is \(image.width)×\(image.height); the result is \(w)×\(h) (see sf_output_size)")
        }
        return (image, w, h)
    }

    /// The styles and masks as the engine takes them.
    static func planar(styles: [CheckedImage], masks: [CheckedImage]) throws(Failure) -> (
        styles: [PlanarImage], masks: [RegionMask]
    ) {
        let stylePlanar = try styles.enumerated().map { (k, s) throws(Failure) in
            try s.planar(what: "style image \(k + 1)")
        }
        let regions = try masks.enumerated().map { (k, m) throws(Failure) in
            let (image, alpha) = (try m.planar(what: "mask \(k + 1)"), try m.alpha(what: "mask \(k + 1)"))
            return try Failure.mapping { try RegionMask(image, alpha: alpha) }
        }
        return (stylePlanar, regions)
    }

    /// The engine's progress events as sf_progress, to the caller's callback (nil: none).
    static func progressHandler(_ progress: sf_progress_fn?, user: UnsafeMutableRawPointer?) -> ProgressHandler? {
        progress.map { callback in
            { event, _ in
                var p = sf_progress()
                p.struct_size = MemoryLayout<sf_progress>.size
                p.iteration = Int32(clamping: event.completed)
                p.planned = Int32(clamping: event.planned)
                p.scale = Int32(clamping: event.scale)
                p.scales = Int32(clamping: event.scales)
                p.scale_iteration = Int32(clamping: event.iteration)
                p.scale_iterations = Int32(clamping: event.iterations)
                p.width = Int32(clamping: event.width)
                p.height = Int32(clamping: event.height)
                p.loss_total = event.loss.total
                p.loss_content = event.loss.content
                p.loss_style = event.loss.style
                p.loss_tv = event.loss.tv
                p.elapsed_seconds = event.elapsed
                p.fraction_done = event.fractionDone
                p.tile = Int32(clamping: event.tile)
                p.tiles = Int32(clamping: event.tiles)
                return withUnsafePointer(to: &p) { callback($0, user) } == 0
            }
        }
    }

    /// Writes the result into the host's buffer, with the content's alpha (resized) for an RGBA8
    /// output.
    static func write(_ result: StylizeResult, content: CheckedImage, output: CheckedImage) throws(Failure) {
        let (w, h) = (output.width, output.height)
        guard result.image.width == w, result.image.height == h else {
            throw Failure(
                .internal,
                "internal error: the engine returned \(result.image.width)×\(result.image.height), expected \(w)×\(h)")
        }
        var alpha: [Float]? = nil
        if output.format == .rgba8, let a = try content.alpha(what: "content image") {
            alpha = try Failure.mapping {
                try Resample.resize(
                    a, channels: 1, width: content.width, height: content.height,
                    toWidth: w, height: h)
            }
        }
        output.write(result.image, alpha: alpha)
    }

    /// Refuses, before any pixel is converted, inputs whose float copies do not fit in memory
    /// (Swift traps when an allocation fails, which would kill the host). The engine then checks
    /// its own plan for the result size before it allocates anything (`MemoryEstimate`).
    static func checkMemory(content: CheckedImage, styles: [CheckedImage], result: (Int, Int)) throws(Failure) {
        var floats = 3 * content.width * content.height
        for s in styles { floats += 3 * s.width * s.height }
        floats += 3 * result.0 * result.1
        do {
            try MemoryEstimate.require(
                resident: floats * MemoryLayout<Float>.size,
                what: "converting the input images",
                hint: "pass smaller images")
        } catch {
            throw Failure(error)
        }
    }
}
