import CStyleFilterABI
import StyleKernel

// sf_sequence_*: frames pushed one at a time, each stylized with temporal consistency to the ones
// before it (StyleKernel's StyleSequence). The styles, masks and options are checked and copied
// at sf_sequence_begin, so the caller may free them after it returns.

/// What an `sf_sequence*` points to.
final class SequenceHandle: @unchecked Sendable {
    /// The context whose engine runs the frames (kept alive by the sequence, and serialising its
    /// calls with the context's other calls).
    let context: Context
    let styles: [PlanarImage]
    let masks: [RegionMask]
    /// The engine options with the result size left to the first frame (`max_size` caps it).
    let options: StyleOptions
    let maxSize: UInt32
    /// Made at the first frame, whose size every later frame must have.
    var sequence: StyleSequence? = nil

    init(context: Context, styles: [PlanarImage], masks: [RegionMask], options: StyleOptions, maxSize: UInt32) {
        self.context = context
        self.styles = styles
        self.masks = masks
        self.options = options
        self.maxSize = maxSize
    }
}

/// Every live `sf_sequence`.
let sequences = Registry<SequenceHandle>()

@_cdecl("sf_sequence_begin")
public func c_sf_sequence_begin(
    _ context: OpaquePointer?, _ options: UnsafePointer<sf_options>?,
    _ styles: UnsafePointer<sf_image>?, _ styleWeights: UnsafePointer<Float>?, _ styleCount: UInt,
    _ out: UnsafeMutablePointer<OpaquePointer?>?
) -> Int32 {
    guard let out else { return failCall(.invalid("sf_sequence_begin: out is NULL")) }
    out.pointee = nil
    guard let ctx = contexts.lookup(context) else {
        return failCall(
            .invalid(context == nil ? "sf_sequence_begin: context is NULL" : "sf_sequence_begin: not a live sf_context")
        )
    }
    do throws(Failure) {
        let o = try OptionsBridge.read(options)
        let (styleImages, blend) = try StylizeCall.checkedStyles(styles, count: styleCount, weights: styleWeights)
        let maskImages = try StylizeCall.checkedMasks(o, styleCount: styleImages.count)
        try StylizeCall.checkMemory(
            content: styleImages[0], styles: Array(styleImages.dropFirst()) + maskImages, result: (1, 1))
        let (stylePlanar, masks) = try StylizeCall.planar(styles: styleImages, masks: maskImages)
        // Checked now with a nominal frame; the first frame's own size sets the result's.
        let engineOptions = try OptionsBridge.engineOptions(o, contentWidth: 512, contentHeight: 512, styleBlend: blend)
        if engineOptions.preview == .on {
            throw .invalid("sf_sequence_begin: preview is for single images (sf_stylize); set preview to 0")
        }
        let handle = SequenceHandle(
            context: ctx, styles: stylePlanar, masks: masks, options: engineOptions, maxSize: o.max_size)
        out.pointee = sequences.add(handle)
        ctx.clearMessage()
        return Status.ok.rawValue
    } catch {
        return failCall(error, context: ctx)
    }
}

@_cdecl("sf_sequence_push")
public func c_sf_sequence_push(
    _ sequence: OpaquePointer?, _ frame: UnsafePointer<sf_image>?, _ output: UnsafePointer<sf_image>?,
    _ progress: sf_progress_fn?, _ user: UnsafeMutableRawPointer?
) -> Int32 {
    guard let handle = sequences.lookup(sequence) else {
        return failCall(
            .invalid(
                sequence == nil ? "sf_sequence_push: sequence is NULL" : "sf_sequence_push: not a live sf_sequence"))
    }
    let ctx = handle.context
    let status = ctx.serialized { () -> Int32 in
        do throws(Failure) {
            let frameImage = try CheckedImage(frame, what: "frame")
            var o = sf_options()
            o.max_size = handle.maxSize
            let (outputImage, w, h) = try StylizeCall.checkedOutput(output, options: o, content: frameImage)
            if frameImage.overlaps(outputImage) { throw .invalid("the output buffer overlaps the frame") }
            try StylizeCall.checkMemory(content: frameImage, styles: [], result: (w, h))
            let planar = try frameImage.planar(what: "frame")
            let result: StylizeResult
            do {
                if handle.sequence == nil {
                    var options = handle.options
                    options.size = max(w, h)
                    handle.sequence = try StyleSequence(
                        engine: ctx.engine, styles: handle.styles, masks: handle.masks, options: options)
                }
                result = try handle.sequence!.stylize(
                    frame: planar, progress: StylizeCall.progressHandler(progress, user: user))
            } catch {
                throw Failure(error)
            }
            try StylizeCall.write(result, content: frameImage, output: outputImage)
            ctx.clearMessage()
            return Status.ok.rawValue
        } catch {
            return failCall(error, context: ctx)
        }
    }
    guard let status else {
        return failCall(
            .invalid("sf_sequence_push: called from inside this context's progress callback"), context: ctx)
    }
    return status
}

@_cdecl("sf_sequence_frames")
public func c_sf_sequence_frames(_ sequence: OpaquePointer?) -> Int64 {
    guard let handle = sequences.lookup(sequence) else { return -1 }
    return handle.context.serialized { Int64(handle.sequence?.count ?? 0) } ?? -1
}

@_cdecl("sf_sequence_end")
public func c_sf_sequence_end(_ sequence: OpaquePointer?) -> Int32 {
    guard let sequence else { return Status.ok.rawValue }
    if let handle = sequences.lookup(sequence), handle.context.isCallingThread {
        return failCall(
            .invalid(
                "sf_sequence_end: called from inside a progress callback; end the sequence after the call returns"),
            context: handle.context)
    }
    guard sequences.remove(sequence) else {
        return failCall(.invalid("sf_sequence_end: not a live sf_sequence (ended twice?)"))
    }
    return Status.ok.rawValue
}
