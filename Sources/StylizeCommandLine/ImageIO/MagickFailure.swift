internal import CMagickWand
import StyleKernel

/// Turns ImageMagick's exception on a wand into one readable line for a `StyleError.io`.
enum MagickFailure {
    /// `what` says what was being done ("cannot read 'a.png'"); ImageMagick's own text follows.
    static func error(_ what: String, wand: OpaquePointer?) -> StyleError {
        guard let wand else { return .io(what) }
        var severity = UndefinedException
        var text = ""
        if let raw = MagickGetException(wand, &severity) {
            text = String(cString: raw)
            _ = MagickRelinquishMemory(raw)
        }
        MagickClearException(wand)
        let detail = tidy(text)
        return .io(
            "\(what): "
                + (detail.isEmpty
                    ? "ImageMagick gave no reason (a damaged file, or beyond ImageMagick's limits: identify -list resource)"
                    : detail))
    }

    /// ImageMagick appends ` @ error/png.c/ReadPNGImage/1234` and may quote with `…'`; keep the
    /// human part on one line.
    static func tidy(_ text: String) -> String {
        var t = text
        if let at = t.firstRange(of: " @ ") { t = String(t[..<at.lowerBound]) }
        if t.hasSuffix(" `'") { t.removeLast(3) }  // an empty file name (blobs)
        t = t.split(whereSeparator: { $0 == "\n" || $0 == "\r" }).joined(separator: " ")
        return t.trimmingSpaces()
    }
}
